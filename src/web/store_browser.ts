// Checkpoints in and out of the page. The run directory itself is a
// MemoryStore (src/train/store.ts); this file moves its checkpoints to and
// from the user's disk in the CLI's format:
//   save: the newest checkpoint -> one ganforge-run-step-NNNNNN.zip holding a run
//         directory (config.json, metrics.jsonl, checkpoints/...) that the CLI resumes
//   load: the files of a step-NNNNNN/ folder (picked one by one or as a folder), or a .zip
import { unzipSync, zipSync } from 'fflate';
import {
  CHECKPOINT_NAMES, CHECKPOINT_OPTIONAL_NAMES, CheckpointError, LATEST_FILE, checkpointRunDirectory, isStepDirName, loadLatestCheckpoint, stepDirName, stepOfDir,
  type CheckpointFiles,
} from '../train/checkpoint';
import type { RunStore } from '../train/store';

// The checkpoint layout itself (folder names, latest.json, the run files at a step) is train/checkpoint.ts's.
export { CHECKPOINT_NAMES, CHECKPOINT_OPTIONAL_NAMES, dropCheckpointsAfter, putCheckpoint } from '../train/checkpoint';

const bytesOf = (v: Uint8Array | string) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);

/** One .zip of a checkpoint, its files under `<dir>/` as in a run directory. */
export function checkpointZip(dir: string, files: CheckpointFiles): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, data] of Object.entries(files)) entries[`${dir}/${name}`] = bytesOf(data);
  return zipSync(entries, { level: 6 });
}

/**
 * The newest checkpoint in the store as one .zip holding a run directory,
 *   ganforge-run-step-NNNNNN/{config.json, metrics.jsonl, loss.svg, checkpoints/latest.json, checkpoints/step-NNNNNN/*}
 * so `node scripts/train.js --resume ganforge-run-step-NNNNNN` continues it.
 * `config` stands in for config.json when the store has none (a loaded checkpoint not trained here yet).
 */
export async function latestCheckpointZip(store: RunStore, config?: object): Promise<{ name: string; zip: Uint8Array; step: number } | null> {
  const ck = await loadLatestCheckpoint(store);
  if (!ck) return null;
  const root = `ganforge-run-${ck.dir.split('/').pop()}`;
  const entries: Record<string, Uint8Array> = {};
  for (const [path, data] of Object.entries(await checkpointRunDirectory(store, ck, config))) entries[`${root}/${path}`] = data;
  return { name: `${root}.zip`, zip: zipSync(entries, { level: 6 }), step: stepOfDir(ck.dir) };
}

export interface PickedFile {
  name: string;
  webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * The checkpoint among picked files: loose files (their folder ignored) or
 * .zip archives; with several step-NNNNNN folders, the newest complete one.
 */
export async function readCheckpointPicks(picked: ArrayLike<PickedFile>): Promise<{ dir: string; files: CheckpointFiles }> {
  const groups = new Map<string, CheckpointFiles>();
  const add = (path: string, data: Uint8Array) => {
    const parts = path.split('/').filter(Boolean);
    const name = parts.pop()!;
    if (!(CHECKPOINT_NAMES as readonly string[]).includes(name) && !(CHECKPOINT_OPTIONAL_NAMES as readonly string[]).includes(name)) return;
    const folder = parts.pop() ?? '';
    const key = isStepDirName(folder) ? folder : '';
    if (!groups.has(key)) groups.set(key, {});
    groups.get(key)![name] = data;
  };
  for (const f of Array.from(picked)) {
    const data = new Uint8Array(await f.arrayBuffer());
    if (/\.zip$/i.test(f.name)) {
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(data);
      } catch (e) {
        throw new CheckpointError(`${f.name}: not a readable .zip (${(e as Error).message})`);
      }
      for (const [p, d] of Object.entries(entries)) if (!p.endsWith('/')) add(p, d);
    } else {
      add(f.webkitRelativePath || f.name, data);
    }
  }
  const complete = [...groups.entries()].filter(([, files]) => files['state.json']).sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0));
  if (!complete.length) {
    const got = [...groups.values()].flatMap((g) => Object.keys(g));
    throw new CheckpointError(got.length
      ? `no state.json among the picked files: pick every file of one checkpoints/step-NNNNNN/ folder (${CHECKPOINT_NAMES.join(', ')})`
      : `no checkpoint files among the ${picked.length} picked: expected ${CHECKPOINT_NAMES.join(', ')} (or a .zip saved by this page)`);
  }
  const [key, files] = complete[0];
  const missing = CHECKPOINT_NAMES.filter((n) => !files[n]);
  if (missing.length) throw new CheckpointError(`the checkpoint${key ? ` ${key}` : ''} is missing ${missing.join(', ')}`);
  let step = 0;
  try {
    step = Number(JSON.parse(new TextDecoder().decode(files['state.json'] as Uint8Array)).step) || 0;
  } catch {
    throw new CheckpointError('state.json: not valid JSON');
  }
  return { dir: key || stepDirName(step), files };
}

/** Offers bytes to the user as a download. */
export function download(name: string, data: Uint8Array | string, type = 'application/octet-stream'): void {
  const blob = new Blob([typeof data === 'string' ? data : (data as Uint8Array<ArrayBuffer>)], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * A view of a run store that can be shut: after close() every write is
 * dropped. A run abandoned mid-step (its WebGL context lost, a tfjs read that
 * never resolves) can then never write a checkpoint of garbage weights later.
 */
export class GatedStore implements RunStore {
  private open = true;
  /** onCheckpoint: called after each checkpoint is complete (its latest.json written). */
  constructor(private readonly inner: RunStore, private readonly onCheckpoint?: () => void) {}
  get root() { return this.inner.root; }
  close(): void { this.open = false; }
  exists(p: string) { return this.inner.exists(p); }
  readBytes(p: string) { return this.inner.readBytes(p); }
  readText(p: string) { return this.inner.readText(p); }
  list(d: string) { return this.inner.list(d); }
  async writeAtomic(p: string, data: Uint8Array | string) {
    if (!this.open) return;
    await this.inner.writeAtomic(p, data);
    if (p === LATEST_FILE) this.onCheckpoint?.();
  }
  async writeDirAtomic(d: string, files: Record<string, Uint8Array | string>) { if (this.open) await this.inner.writeDirAtomic(d, files); }
  async appendText(p: string, text: string) { if (this.open) await this.inner.appendText(p, text); }
  async removeDir(d: string) { if (this.open) await this.inner.removeDir(d); }
}
