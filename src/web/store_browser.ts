// Checkpoints in and out of the page. The run directory itself is a
// MemoryStore (src/train/store.ts); this file moves its checkpoints to and
// from the user's disk in the CLI's format:
//   save: the newest checkpoint -> one ganforge-run-step-NNNNNN.zip holding a run
//         directory (config.json, metrics.jsonl, checkpoints/...) that the CLI resumes
//   load: the files of a step-NNNNNN/ folder (picked one by one or as a folder), or a .zip
import { unzipSync, zipSync } from 'fflate';
import { CHECKPOINT_DIR, CheckpointError, RUN_FILES, loadLatestCheckpoint, stepDirName, type CheckpointFiles } from '../train/checkpoint';
import { parseJsonl } from '../train/loop';
import type { RunStore } from '../train/store';

/** The files a complete checkpoint has (checkpoint.ts writes them all). */
export const CHECKPOINT_NAMES = [
  'generator.json', 'generator.weights.bin', 'discriminator.json', 'discriminator.weights.bin',
  'optimizer-g.json', 'optimizer-g.weights.bin', 'optimizer-d.json', 'optimizer-d.weights.bin', 'state.json',
] as const;
/** Files a checkpoint may have: the generator's EMA (--ema > 0; absent with --ema 0 and in older runs). */
export const CHECKPOINT_OPTIONAL_NAMES = ['generator-ema.json', 'generator-ema.weights.bin'] as const;

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
  const dir = ck.dir.split('/').pop()!;
  const step = Number(dir.replace('step-', ''));
  const root = `ganforge-run-${dir}`;
  const entries: Record<string, Uint8Array> = {};
  for (const [name, data] of Object.entries(ck.files)) entries[`${root}/${CHECKPOINT_DIR}/${dir}/${name}`] = bytesOf(data);
  entries[`${root}/${CHECKPOINT_DIR}/latest.json`] = bytesOf(JSON.stringify({ step, dir }) + '\n');
  for (const [f, data] of Object.entries(await runFilesAt(store, RUN_FILES, step))) entries[`${root}/${f}`] = data;
  if (!entries[`${root}/config.json`] && config) entries[`${root}/config.json`] = bytesOf(JSON.stringify(config, null, 2) + '\n');
  return { name: `${root}.zip`, zip: zipSync(entries, { level: 6 }), step };
}

/**
 * The run-directory files `names` that the store has, as they stand at
 * checkpoint `step`: metrics.jsonl keeps only its lines up to that step
 * (later ones would be replayed twice on resume).
 */
export async function runFilesAt(store: RunStore, names: readonly string[], step: number): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const f of names) {
    if (!(await store.exists(f))) continue;
    let data = await store.readBytes(f);
    if (f === 'metrics.jsonl') {
      const keep = parseJsonl(new TextDecoder().decode(data)).filter((r) => r.step <= step);
      data = bytesOf(keep.map((r) => JSON.stringify(r) + '\n').join(''));
    }
    out[f] = data;
  }
  return out;
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
    const key = /^step-\d+$/.test(folder) ? folder : '';
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

/** Puts a checkpoint into a run store as its latest (loadLatestCheckpoint then finds it). */
export async function putCheckpoint(store: RunStore, dir: string, files: CheckpointFiles): Promise<void> {
  await store.writeDirAtomic(`${CHECKPOINT_DIR}/${dir}`, files);
  await store.writeAtomic(`${CHECKPOINT_DIR}/latest.json`, JSON.stringify({ step: Number(dir.replace('step-', '')), dir }) + '\n');
}

/** Removes the checkpoints after `step` (written from a lost WebGL context, whose weights are not trustworthy). */
export async function dropCheckpointsAfter(store: RunStore, step: number): Promise<number> {
  const dirs = (await store.list(CHECKPOINT_DIR)).filter((n) => /^step-\d+$/.test(n));
  let removed = 0;
  for (const d of dirs) {
    if (Number(d.slice(5)) > step) {
      await store.removeDir(`${CHECKPOINT_DIR}/${d}`);
      removed++;
    }
  }
  const left = (await store.list(CHECKPOINT_DIR)).filter((n) => /^step-\d+$/.test(n)).sort();
  if (left.length) await store.writeAtomic(`${CHECKPOINT_DIR}/latest.json`, JSON.stringify({ step: Number(left[left.length - 1].slice(5)), dir: left[left.length - 1] }) + '\n');
  else if (await store.exists(`${CHECKPOINT_DIR}/latest.json`)) await store.writeAtomic(`${CHECKPOINT_DIR}/latest.json`, '{}\n');
  return removed;
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
    if (p === `${CHECKPOINT_DIR}/latest.json`) this.onCheckpoint?.();
  }
  async writeDirAtomic(d: string, files: Record<string, Uint8Array | string>) { if (this.open) await this.inner.writeDirAtomic(d, files); }
  async appendText(p: string, text: string) { if (this.open) await this.inner.appendText(p, text); }
  async removeDir(d: string) { if (this.open) await this.inner.removeDir(d); }
}
