// The page's run survives a reload or a closed tab: its newest checkpoint,
// with the run's config.json and metrics.jsonl up to that step, is kept in
// IndexedDB (this origin, this browser profile) and restored when the page
// opens again. One record, replaced at every checkpoint in one transaction:
// IndexedDB commits it whole or not at all, so a crash mid-save leaves the
// previous one. Browser-only (no Node imports).
import { isStepDirName, loadLatestCheckpoint, putCheckpoint, runFilesAt, stepOfDir, type CheckpointFiles } from '../train/checkpoint';
import type { RunStore } from '../train/store';
import { openDatabase, request } from './idb';

const DB_NAME = 'ganforge';
const DB_STORE = 'runs';
const KEY = 'latest';

export interface SavedRun {
  /** The checkpoint's folder name, step-NNNNNN. */
  dir: string;
  step: number;
  files: CheckpointFiles;
  /** config.json and metrics.jsonl (lines up to `step`), when the run has them. */
  runFiles: Record<string, Uint8Array>;
  savedAt: string;
}

const openDb = () => openDatabase(DB_NAME, [DB_STORE]);

async function inStore<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  const tx = db.transaction(DB_STORE, mode);
  const result = request(fn(tx.objectStore(DB_STORE)));
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
  return result;
}

/** The newest checkpoint of `store` as a SavedRun, or null when it has none. */
export async function savedRunOf(store: RunStore): Promise<SavedRun | null> {
  const ck = await loadLatestCheckpoint(store);
  if (!ck) return null;
  const dir = ck.dir.split('/').pop()!;
  const step = stepOfDir(dir);
  const runFiles = await runFilesAt(store, step);
  // no copy here: IndexedDB's put clones the bytes itself
  return { dir, step, files: ck.files, runFiles, savedAt: new Date().toISOString() };
}

/** Replaces the saved run (one transaction). */
export async function saveRun(run: SavedRun): Promise<void> {
  await inStore('readwrite', (s) => s.put(run, KEY));
}

/** The saved run, or null. A record that is not a SavedRun counts as none. */
export async function loadSavedRun(): Promise<SavedRun | null> {
  const r = (await inStore('readonly', (s) => s.get(KEY))) as SavedRun | undefined;
  if (!r || typeof r.dir !== 'string' || !isStepDirName(r.dir) || !r.files || typeof r.files !== 'object') return null;
  return r;
}

export async function clearSavedRun(): Promise<void> {
  await inStore('readwrite', (s) => s.delete(KEY));
}

/** Writes a SavedRun's files into a fresh store, as a run directory. */
export async function putSavedRun(store: RunStore, run: SavedRun): Promise<void> {
  for (const [name, data] of Object.entries(run.runFiles ?? {})) await store.writeAtomic(name, data);
  await putCheckpoint(store, run.dir, run.files);
}

/** Saves the newest checkpoint of `store` as the saved run (one transaction); null, and nothing written, when it has none. */
export async function saveNewest(store: RunStore): Promise<SavedRun | null> {
  const run = await savedRunOf(store);
  if (run) await saveRun(run);
  return run;
}

/**
 * Saves the newest checkpoint of a store whenever asked, one save at a time.
 * Each request names the store to save (a save never reads "the page's run"
 * later, when it may be another one); requests that arrive during a save
 * coalesce into one more save, of the store named last. A store without a
 * checkpoint replaces nothing. Failures go to `warn` (once per kind) and
 * never stop training; `onSaved` hears of each save that was written.
 */
export class Autosaver<S extends RunStore = RunStore, R = SavedRun> {
  private next: S | null = null;
  private running: Promise<void> | null = null;
  private warned = new Set<string>();
  constructor(
    private readonly warn: (msg: string) => void,
    private readonly onSaved: (store: S, run: R) => void = () => {},
    private readonly save: (store: S) => Promise<R | null> = saveNewest as unknown as (store: S) => Promise<R | null>,
  ) {}

  /** Saves `store`'s newest checkpoint (after the save under way, if any). */
  request(store: S): void {
    this.next = store;
    this.running ??= this.loop();
  }

  /** Resolves when no save is pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.next) {
        const store = this.next;
        this.next = null;
        try {
          const run = await this.save(store);
          if (run) this.onSaved(store, run);
        } catch (e) {
          const msg = `the run could not be kept in this browser (a reload brings back the run kept before, if any, unless you Save checkpoint): ${(e as Error).message}`;
          if (!this.warned.has(msg)) {
            this.warned.add(msg);
            this.warn(msg);
          }
        }
      }
    } finally {
      this.running = null;
    }
  }
}
