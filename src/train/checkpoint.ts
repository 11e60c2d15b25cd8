// Checkpoints: checkpoints/step-NNNNNN/ holding, in tfjs's weights format
// (a JSON manifest + a flat little-endian .bin, as tf.io.encodeWeights makes):
//   generator.json + generator.weights.bin          G weights and BN buffers
//   generator-ema.json + generator-ema.weights.bin  the EMA of G (--ema > 0; same names as generator.json)
//   discriminator.json + discriminator.weights.bin  D weights, BN buffers, SN u vectors
//   optimizer-g.json/.bin, optimizer-d.json/.bin    optimizer slots (Adam m, v; RMSprop ms)
//   state.json                                      step, PRNG and sampler state, config
// The folder is written to a temporary name and renamed, then latest.json is
// replaced atomically: a crash at any moment leaves the previous checkpoint
// complete and referenced.
//
// This file is the one home of the checkpoint-folder layout, on any RunStore
// (the CLI's run directory, the page's memory store, the page's kept run):
// `checkpoints/step-NNNNNN/`, `checkpoints/latest.json`, the run files as they
// stand at a checkpoint (runFilesAt), a checkpoint as a run directory of its
// own (checkpointRunDirectory: the page's zip), and dropping the checkpoints
// after a step (dropCheckpointsAfter).
import { tf, type Tensor } from '../tf';
import type { GanTrainer } from './trainer';
import type { RunStore } from './store';
import { savedLayers, type TrainConfig } from './config';
import { jsonlUpTo } from './jsonl';

export const CHECKPOINT_DIR = 'checkpoints';
/** The file naming the newest complete checkpoint: {"step": N, "dir": "step-NNNNNN"}. */
export const LATEST_FILE = `${CHECKPOINT_DIR}/latest.json`;
/** Run-directory files that travel with a checkpoint (page download, autosave); samples stay behind: they can be many. */
export const RUN_FILES = ['config.json', 'metrics.jsonl', 'loss.svg'] as const;
/** The files a complete checkpoint has (checkpointFiles writes them all). */
export const CHECKPOINT_NAMES = [
  'generator.json', 'generator.weights.bin', 'discriminator.json', 'discriminator.weights.bin',
  'optimizer-g.json', 'optimizer-g.weights.bin', 'optimizer-d.json', 'optimizer-d.weights.bin', 'state.json',
] as const;
/** Files a checkpoint may have: the generator's EMA (--ema > 0; absent with --ema 0 and in older runs). */
export const CHECKPOINT_OPTIONAL_NAMES = ['generator-ema.json', 'generator-ema.weights.bin'] as const;
const FORMAT = 'ganforge-checkpoint/1';

export type CheckpointFiles = Record<string, Uint8Array | string>;

export interface CheckpointState {
  format: string;
  step: number;
  rng: unknown;
  sampler: unknown;
  config: TrainConfig;
  /** Optimizer internals tfjs's getWeights() leaves out (Adam's beta powers). */
  optimizerExtra: Record<string, number[]>;
  extra?: Record<string, unknown>;
}

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

const STEP_DIR = /^step-(\d+)$/;
/** Whether `name` is a checkpoint folder's name (step-NNNNNN). */
export function isStepDirName(name: string): boolean {
  return STEP_DIR.test(name);
}
/** The step of a checkpoint folder (`step-000600` or `checkpoints/step-000600`: 600), NaN for another name. */
export function stepOfDir(dir: string): number {
  const m = STEP_DIR.exec(dir.split('/').pop() ?? '');
  return m ? Number(m[1]) : NaN;
}

/** The checkpoint folders of a run, oldest first (by step, not by name). */
export async function listCheckpointDirs(store: RunStore): Promise<string[]> {
  const names = await store.list(CHECKPOINT_DIR).catch(() => [] as string[]);
  return names.filter(isStepDirName).sort((a, b) => stepOfDir(a) - stepOfDir(b));
}

function latestJson(dir: string): string {
  return JSON.stringify({ step: stepOfDir(dir), dir }) + '\n';
}

/**
 * Puts a checkpoint into a run store as its latest: the folder appears whole
 * (writeDirAtomic), then latest.json names it (loadLatestCheckpoint finds it).
 */
export async function putCheckpoint(store: RunStore, dir: string, files: CheckpointFiles): Promise<void> {
  if (!isStepDirName(dir)) throw new CheckpointError(`${dir}: not a checkpoint folder name (step-NNNNNN)`);
  // replaces a same-step folder only once the new one is whole (writeDirAtomic)
  await store.writeDirAtomic(`${CHECKPOINT_DIR}/${dir}`, files);
  await store.writeAtomic(LATEST_FILE, latestJson(dir));
}

/**
 * Removes the checkpoints after `step` (written from a lost WebGL context,
 * whose weights are not trustworthy) and points latest.json at the newest
 * one left ({} when none is). Returns how many were removed.
 */
export async function dropCheckpointsAfter(store: RunStore, step: number): Promise<number> {
  let removed = 0;
  for (const d of await listCheckpointDirs(store)) {
    if (stepOfDir(d) > step) {
      await store.removeDir(`${CHECKPOINT_DIR}/${d}`);
      removed++;
    }
  }
  const left = await listCheckpointDirs(store);
  if (left.length) await store.writeAtomic(LATEST_FILE, latestJson(left[left.length - 1]));
  else if (await store.exists(LATEST_FILE)) await store.writeAtomic(LATEST_FILE, '{}\n');
  return removed;
}

const bytesOf = (v: Uint8Array | string) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);

/**
 * The run-directory files `names` that the store has, as they stand at
 * checkpoint `step`: metrics.jsonl keeps only its lines up to that step
 * (later ones would be replayed twice on resume).
 */
export async function runFilesAt(store: RunStore, step: number, names: readonly string[] = RUN_FILES): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const f of names) {
    if (!(await store.exists(f))) continue;
    let data = await store.readBytes(f);
    if (f === 'metrics.jsonl') data = bytesOf(jsonlUpTo(new TextDecoder().decode(data), step));
    out[f] = data;
  }
  return out;
}

/**
 * One checkpoint as the files of a run directory of its own (paths relative
 * to it): checkpoints/step-NNNNNN/*, checkpoints/latest.json naming it, and
 * the run files at its step. `config` stands in for a missing config.json.
 * `node scripts/train.js --resume DIR` continues such a directory.
 */
export async function checkpointRunDirectory(store: RunStore, ck: { dir: string; files: CheckpointFiles }, config?: object): Promise<Record<string, Uint8Array>> {
  const dir = ck.dir.split('/').pop()!;
  const out: Record<string, Uint8Array> = {};
  for (const [name, data] of Object.entries(ck.files)) out[`${CHECKPOINT_DIR}/${dir}/${name}`] = bytesOf(data);
  out[LATEST_FILE] = bytesOf(latestJson(dir));
  Object.assign(out, await runFilesAt(store, stepOfDir(dir)));
  if (!out['config.json'] && config) out['config.json'] = bytesOf(JSON.stringify(config, null, 2) + '\n');
  return out;
}

async function encodeNamed(kind: string, tensors: { name: string; tensor: Tensor }[], binName: string, meta: object) {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const manifest = { format: kind, ...meta, weightsManifest: [{ paths: [binName], weights: specs }] };
  return { json: JSON.stringify(manifest, null, 1), bin: new Uint8Array(data) };
}

/** The tensors by name, and their names in manifest order (optimizer slots are positional). */
function decodeNamed(json: string, bin: Uint8Array, where: string): { map: tf.NamedTensorMap; order: string[] } {
  let manifest: any;
  try {
    manifest = JSON.parse(json);
  } catch (e) {
    throw new CheckpointError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const specs = manifest?.weightsManifest?.[0]?.weights;
  if (!Array.isArray(specs)) throw new CheckpointError(`${where}: no weightsManifest`);
  const expected = specs.reduce((s: number, w: any) => s + 4 * w.shape.reduce((a: number, b: number) => a * b, 1), 0);
  if (bin.byteLength !== expected) throw new CheckpointError(`${where}: weights file has ${bin.byteLength} bytes, manifest needs ${expected}`);
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return { map: tf.io.decodeWeights(buf, specs), order: specs.map((w: { name: string }) => w.name) };
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

function optimizerExtras(opt: tf.Optimizer): number[] {
  const o = opt as any;
  return o.accBeta1 && o.accBeta2 ? [o.accBeta1.dataSync()[0], o.accBeta2.dataSync()[0]] : [];
}

/** Serialises the trainer (and the caller's extra state) into checkpoint files. */
export async function checkpointFiles(tr: GanTrainer, sampler: unknown, extra?: Record<string, unknown>): Promise<CheckpointFiles> {
  const files: CheckpointFiles = {};
  const mc = { modelConfig: { size: tr.cfg.size, layers: tr.cfg.layers, zDim: tr.cfg.zDim, ngf: tr.cfg.ngf, ndf: tr.cfg.ndf, sn: tr.cfg.sn, loss: tr.cfg.loss, dDropout: tr.cfg.dDropout } };
  for (const [name, net] of [['generator', tr.G], ['discriminator', tr.D]] as const) {
    const list = [...net.params.vars.entries()].map(([n, v]) => ({ name: n, tensor: v as Tensor }));
    const { json, bin } = await encodeNamed(`ganforge/${name}`, list, `${name}.weights.bin`, mc);
    files[`${name}.json`] = json;
    files[`${name}.weights.bin`] = bin;
  }
  if (tr.ema) {
    const list = [...tr.ema.entries()].map(([n, v]) => ({ name: n, tensor: v as Tensor }));
    const { json, bin } = await encodeNamed('ganforge/generator-ema', list, 'generator-ema.weights.bin', { ...mc, ema: tr.cfg.ema });
    files['generator-ema.json'] = json;
    files['generator-ema.weights.bin'] = bin;
  }
  for (const [name, opt] of [['optimizer-g', tr.optG], ['optimizer-d', tr.optD]] as const) {
    const weights = await opt.getWeights();
    const { json, bin } = await encodeNamed(`ganforge/${name}`, weights, `${name}.weights.bin`, { optimizer: opt.getClassName() });
    // getWeights() makes a fresh 'iter' scalar each call; the slot variables are the optimizer's own.
    for (const w of weights) if (w.name === 'iter') w.tensor.dispose();
    files[`${name}.json`] = json;
    files[`${name}.weights.bin`] = bin;
  }
  const state: CheckpointState = {
    format: FORMAT,
    step: tr.step,
    rng: tr.rng.state(),
    sampler,
    config: tr.cfg,
    optimizerExtra: { 'optimizer-g': optimizerExtras(tr.optG), 'optimizer-d': optimizerExtras(tr.optD) },
    extra,
  };
  files['state.json'] = JSON.stringify(state, null, 1);
  return files;
}

function text(f: Uint8Array | string | undefined): string | undefined {
  return f === undefined ? undefined : typeof f === 'string' ? f : new TextDecoder().decode(f);
}
function bytes(f: Uint8Array | string | undefined): Uint8Array | undefined {
  return f === undefined ? undefined : typeof f === 'string' ? new TextEncoder().encode(f) : f;
}

/** Loads checkpoint files into a trainer built with the same architecture. Returns the saved state. */
export async function restoreCheckpoint(tr: GanTrainer, files: CheckpointFiles, where = 'checkpoint'): Promise<CheckpointState> {
  const need = (n: string) => {
    if (files[n] === undefined) throw new CheckpointError(`${where}: missing ${n}`);
    return files[n];
  };
  let state: CheckpointState;
  try {
    state = JSON.parse(text(need('state.json'))!);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${where}/state.json: not valid JSON`);
  }
  if (state.format !== FORMAT) throw new CheckpointError(`${where}: unknown format ${JSON.stringify(state.format)}`);
  // The same weights under the other padding draw images shifted by a pixel: never load across conventions.
  let layers: string;
  try {
    layers = savedLayers(state.config);
  } catch (e) {
    throw new CheckpointError(`${where}/state.json: ${(e as Error).message}`);
  }
  if (layers !== tr.cfg.layers) {
    const what = (l: string) => (l === 'torch' ? "PyTorch's padding=2 (layers torch)" : "tfjs 'same' padding (layers tfjs-same, a run from before the PyTorch bridge)");
    throw new CheckpointError(`${where}: the checkpoint was trained with ${what(layers)} but this model uses ${what(tr.cfg.layers)}; build the model with layers ${layers}`);
  }
  for (const [name, net] of [['generator', tr.G], ['discriminator', tr.D]] as const) {
    const { map } = decodeNamed(text(need(`${name}.json`))!, bytes(need(`${name}.weights.bin`))!, `${where}/${name}`);
    try {
      const names = Object.keys(map);
      for (const [n, v] of net.params.vars) {
        const t = map[n];
        if (!t) throw new CheckpointError(`${where}: ${name} has no "${n}" — the checkpoint is from a different architecture`);
        if (t.shape.join('x') !== v.shape.join('x')) throw new CheckpointError(`${where}: "${n}" has shape [${t.shape}] in the checkpoint but [${v.shape}] in this model — different architecture (check --size/--ngf/--ndf/--z-dim/--sn)`);
      }
      if (names.length !== net.params.vars.size) throw new CheckpointError(`${where}: ${name} holds ${names.length} tensors, this model ${net.params.vars.size} — different architecture`);
      for (const [n, v] of net.params.vars) v.assign(map[n]);
    } finally {
      tf.dispose(Object.values(map));
    }
  }
  if (tr.ema) {
    if (files['generator-ema.json'] === undefined) {
      // written with --ema 0 or before EMA existed: the average starts from the raw G
      tr.resetEmaToRaw();
    } else {
      const { map } = decodeNamed(text(need('generator-ema.json'))!, bytes(need('generator-ema.weights.bin'))!, `${where}/generator-ema`);
      try {
        for (const [n, v] of tr.ema) {
          const t = map[n];
          if (!t || t.shape.join('x') !== v.shape.join('x')) throw new CheckpointError(`${where}: generator-ema has no "${n}" of shape [${v.shape}] — a different architecture`);
        }
        for (const [n, v] of tr.ema) v.assign(map[n]);
        tr.emaFromCheckpoint = true;
      } finally {
        tf.dispose(Object.values(map));
      }
    }
  }
  for (const [name, opt] of [['optimizer-g', tr.optG], ['optimizer-d', tr.optD]] as const) {
    const { map, order } = decodeNamed(text(need(`${name}.json`))!, bytes(need(`${name}.weights.bin`))!, `${where}/${name}`);
    await opt.setWeights(order.map((n) => ({ name: n, tensor: map[n] })));
    tf.dispose(Object.values(map));
    const extra = state.optimizerExtra?.[name] ?? [];
    const o = opt as any;
    if (extra.length === 2 && o.accBeta1) {
      // assign() takes its own reference to the data: the scalars are still ours to dispose
      const [b1, b2] = [tf.scalar(extra[0]), tf.scalar(extra[1])];
      try {
        o.accBeta1.assign(b1);
        o.accBeta2.assign(b2);
      } finally {
        tf.dispose([b1, b2]);
      }
    }
  }
  tr.rng.restore(state.rng as any);
  tr.step = state.step;
  return state;
}

export async function saveCheckpoint(store: RunStore, tr: GanTrainer, sampler: unknown, keep: number, extra?: Record<string, unknown>): Promise<string> {
  const files = await checkpointFiles(tr, sampler, extra);
  await putCheckpoint(store, stepDirName(tr.step), files);
  const all = await listCheckpointDirs(store);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await store.removeDir(`${CHECKPOINT_DIR}/${old}`);
  return `${CHECKPOINT_DIR}/${stepDirName(tr.step)}`;
}

/** The newest complete checkpoint's files, or null when the run has none. */
export async function loadLatestCheckpoint(store: RunStore): Promise<{ dir: string; files: CheckpointFiles } | null> {
  let dirName: string | null = null;
  if (await store.exists(LATEST_FILE)) {
    try {
      dirName = JSON.parse(await store.readText(LATEST_FILE)).dir;
    } catch {
      dirName = null;
    }
  }
  if (typeof dirName !== 'string' || !isStepDirName(dirName) || !(await store.exists(`${CHECKPOINT_DIR}/${dirName}/state.json`))) {
    const all = await listCheckpointDirs(store);
    dirName = null;
    for (const d of all.reverse()) {
      if (await store.exists(`${CHECKPOINT_DIR}/${d}/state.json`)) {
        dirName = d;
        break;
      }
    }
  }
  if (!dirName) return null;
  return readCheckpointDir(store, `${CHECKPOINT_DIR}/${dirName}`);
}

/** Every file of one checkpoint folder (e.g. `checkpoints/step-000600`). */
export async function readCheckpointDir(store: RunStore, dir: string): Promise<{ dir: string; files: CheckpointFiles }> {
  const files: CheckpointFiles = {};
  for (const name of await store.list(dir)) files[name] = await store.readBytes(`${dir}/${name}`);
  return { dir, files };
}
