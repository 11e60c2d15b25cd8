// Sliced Wasserstein distance between two image sets (Karras et al. 2018,
// ProGAN Sec. 5; their metrics/sliced_wasserstein.py): Laplacian pyramid
// levels from the image size down to 16 px, 128 random 7x7x3 neighbourhoods
// per image and level, each set's descriptors normalised per colour channel by
// that set's own mean and std, then 4 repeats of 128 random unit directions:
// project, sort, mean |difference|. Per level: the mean over the directions,
// x 1e3. See docs/diversity.md.
//
// The random parts come from src/util/rng.ts, one stream per level for the
// directions and per (level, set) for the patch positions, all derived from
// `seed`. The wasm side (assembly/metrics/swd*.ts) does the rest.
import { swdLevelDistances, swdMemoryPlan, swdLevelBytes, swdSetSize, levelSide, SWD_PLAN_BLOCK, SWD_DESC, SWD_NHOOD, SWD_MEMORY_LIMIT, type SwdImages, type SwdMemoryPlan } from '../kernels/swd';
import { Rng } from '../util/rng';
import { MetricsPool, type SwdTask, type WorkerFactory } from './pool';
import { SampleError, type SampleSet } from './samples';

/** A set SWD cannot compare (smaller than 16 px, or of another size than the other set). */
export class SwdError extends SampleError {
  constructor(message: string) {
    super(message);
    this.name = 'SwdError';
  }
}

export const SWD_DEFAULTS = { nhoodsPerImage: 128, dirRepeats: 4, dirsPerRepeat: 128, minResolution: 16 } as const;

export interface SwdOptions {
  seed?: number;
  /** Worker threads (default 1: this thread). */
  threads?: number;
  /** How workers start (the platform's `workers`); without one this thread computes. */
  workers?: WorkerFactory;
  /** A pool to use instead of starting one (null: this thread). */
  pool?: MetricsPool | null;
  nhoodsPerImage?: number;
  dirRepeats?: number;
  dirsPerRepeat?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Bytes this call's WebAssembly instances may hold together (default: no
   * limit but one instance's 4 GiB). Each worker holds a whole level, so with
   * a pool only as many workers take SWD tasks as their levels fit in this
   * (the numbers are the same with any number); SwdError when one does not fit.
   * The diversity CLI passes three quarters of the machine's memory.
   */
  memoryLimit?: number;
}

export interface SwdResult {
  /** Side of each level, finest first (the smaller side for non-square images), e.g. [64, 32, 16]. */
  resolutions: number[];
  /** SWD x 1e3 per level, finest first. */
  per_level: number[];
  /** Mean of per_level. */
  avg: number;
}

/** The pyramid levels SWD uses for an h x w image: from the image size down to min side >= 16. */
export function swdLevels(h: number, w: number): { height: number; width: number }[] {
  const out = [];
  for (let l = 0; Math.min(levelSide(h, l), levelSide(w, l)) >= SWD_DEFAULTS.minResolution; l++) out.push({ height: levelSide(h, l), width: levelSide(w, l) });
  return out;
}

/**
 * Throws SwdError unless both sets are at least 16 px and of one size, and
 * (with the options SWD will run with) every level fits one WebAssembly
 * instance (swdMemoryPlans), so a caller can check before other work.
 */
export function checkSwdSets(a: SampleSet, b: SampleSet, names: [string, string] = ['samples', 'reference'], opts?: SwdOptions): void {
  for (const [s, name] of [[a, names[0]], [b, names[1]]] as const) {
    if (Math.min(s.height, s.width) < SWD_DEFAULTS.minResolution) throw new SwdError(`SWD: ${name} are ${s.width}x${s.height}; it needs images of at least ${SWD_DEFAULTS.minResolution}x${SWD_DEFAULTS.minResolution}`);
    if (s.n < 1) throw new SwdError(`SWD: no ${name}`);
  }
  if (a.height !== b.height || a.width !== b.width) throw new SwdError(`SWD: ${names[0]} are ${a.width}x${a.height} but ${names[1]} ${b.width}x${b.height}; it compares sets of one size`);
  if (opts) swdMemoryPlans(a, b, opts, names);
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(1);

/** Neighbourhoods per image and directions per level (countsOf), SwdError unless both are at least 1 (counts). */
function countsOf(opts: SwdOptions): { per: number; ndir: number } {
  return { per: opts.nhoodsPerImage ?? SWD_DEFAULTS.nhoodsPerImage, ndir: (opts.dirRepeats ?? SWD_DEFAULTS.dirRepeats) * (opts.dirsPerRepeat ?? SWD_DEFAULTS.dirsPerRepeat) };
}
function counts(opts: SwdOptions): { per: number; ndir: number } {
  const c = countsOf(opts);
  if (!(c.per >= 1 && c.ndir >= 1)) throw new SwdError('SWD: need at least one neighbourhood per image and one direction');
  return c;
}

/**
 * Each level's memory plan (kernels/swd.ts swdMemoryPlan: how many
 * directions a pass, and whether the i16 projection's packed descriptors
 * fit). Every thread runs a level under the same plan. Throws SwdError,
 * with about how many images would fit, when a level does not fit one
 * WebAssembly instance's 4 GiB (at 64x64 about 27,000 images a set; up to
 * about 17,000 keep the i16 projection).
 */
export function swdMemoryPlans(a: SampleSet, b: SampleSet, opts: SwdOptions = {}, names: [string, string] = ['samples', 'reference']): SwdMemoryPlan[] {
  const { per, ndir } = counts(opts);
  const sa = swdSetSize(a), sb = swdSetSize(b);
  return swdLevels(a.height, a.width).map((lv, l) => {
    const plan = swdMemoryPlan(sa, sb, l, a.n * per, b.n * per, ndir);
    const allowed = opts.memoryLimit ?? Infinity;
    if (plan && plan.bytes > allowed) {
      throw new SwdError(`SWD: ${a.n} ${names[0]} and ${b.n} ${names[1]} of ${a.width}x${a.height} need ${gib(plan.bytes)} GiB at the ${lv.width}x${lv.height} level, more than the ${gib(allowed)} GiB allowed (memoryLimit); score at most about ${Math.floor(Math.max(a.n, b.n) * allowed / plan.bytes)} images a set (a random subset)`);
    }
    if (plan) return plan;
    // the least it could take (f32 projection, smallest block); the need grows about linearly with the images
    const need = swdLevelBytes(sa, sb, l, a.n * per, b.n * per, ndir, SWD_PLAN_BLOCK, false);
    const fit = Math.floor(Math.max(a.n, b.n) * SWD_MEMORY_LIMIT / need);
    throw new SwdError(`SWD: ${a.n} ${names[0]} and ${b.n} ${names[1]} of ${a.width}x${a.height} need ${gib(need)} GiB at the ${lv.width}x${lv.height} level, more than one WebAssembly instance's 4 GiB; score at most about ${fit} images a set (a random subset)`);
  });
}

/** A 32-bit stream id for (seed, purpose, level, set). */
function streamSeed(seed: number, purpose: number, level: number, set: number): number {
  let h = (seed >>> 0) ^ Math.imul(purpose, 0x9e3779b1) ^ Math.imul(level + 1, 0x85ebca6b) ^ Math.imul(set + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `per` random 7x7 patch corners in each of n images of hl x wl, as float offsets into the NHWC level. */
export function swdPatchOffsets(n: number, hl: number, wl: number, per: number, rng: Rng): Int32Array {
  const out = new Int32Array(n * per);
  const ny = hl - SWD_NHOOD + 1, nx = wl - SWD_NHOOD + 1;
  for (let i = 0, k = 0; i < n; i++) for (let p = 0; p < per; p++, k++) {
    const y = rng.int(ny), x = rng.int(nx);
    out[k] = ((i * hl + y) * wl + x) * 3;
  }
  return out;
}

/** `count` random unit directions in the 147-dimensional descriptor space (Gaussian, normalised; f32 [count][147]). */
export function swdDirections(count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count * SWD_DESC);
  const v = new Float64Array(SWD_DESC);
  for (let d = 0; d < count; d++) {
    let s = 0;
    for (let k = 0; k < SWD_DESC; k++) { v[k] = rng.normal(); s += v[k] * v[k]; }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < SWD_DESC; k++) out[d * SWD_DESC + k] = v[k] * inv;
  }
  return out;
}

/** One level's random draws: patch corners of both sets and the directions. */
export interface SwdLevelPlan { level: number; lowpass: boolean; hl: number; wl: number; offsA: Int32Array; offsB: Int32Array; dirs: Float32Array }

/**
 * The levels and every random draw of slicedWasserstein(a, b, opts): per
 * level, the directions from stream (seed, level) and each set's patch
 * positions from stream (seed, level, set), so the draws of one set do not
 * depend on the other's size.
 */
export function swdPlan(a: SampleSet, b: SampleSet, opts: SwdOptions = {}): SwdLevelPlan[] {
  checkSwdSets(a, b);
  const seed = opts.seed ?? 1;
  const { per, ndir } = counts(opts);
  const levels = swdLevels(a.height, a.width);
  return levels.map((lv, l) => ({
    level: l, lowpass: l === levels.length - 1, hl: lv.height, wl: lv.width,
    offsA: swdPatchOffsets(a.n, lv.height, lv.width, per, new Rng(streamSeed(seed, 1, l, 0))),
    offsB: swdPatchOffsets(b.n, lv.height, lv.width, per, new Rng(streamSeed(seed, 1, l, 1))),
    dirs: swdDirections(ndir, new Rng(streamSeed(seed, 2, l, 0))),
  }));
}

/**
 * How many directions each of a level's tasks takes, in order, for `workers`
 * workers: about four tasks per worker, each a multiple of 12 directions (the
 * projection's block; a partial last block is padded with zero directions),
 * and the level's last directions in shrinking tasks (half of what is left),
 * so that the workers run out of work at about the same time. The first size
 * is the largest.
 */
export function swdTaskSizes(ndir: number, workers: number): number[] {
  const chunks = Math.max(1, Math.min(Math.ceil(ndir / 12), workers * 4));
  const step = Math.ceil(ndir / chunks / 12) * 12;
  const out: number[] = [];
  for (let left = ndir; left > 0;) {
    const s = left > 2 * step ? step : Math.min(left, Math.max(12, Math.ceil(left / 24) * 12));
    out.push(s);
    left -= s;
  }
  return out;
}

const imagesOf = (s: SampleSet): SwdImages => ({ data: s.data, n: s.n, height: s.height, width: s.width });

/**
 * SWD x 1e3 per pyramid level between sets a and b (NHWC RGB, u8 0..255 or
 * f32 [0,1], one size, at least 16 px). Deterministic for a seed and the same
 * with any number of threads.
 */
export async function slicedWasserstein(a: SampleSet, b: SampleSet, opts: SwdOptions = {}): Promise<SwdResult> {
  checkSwdSets(a, b);
  // sets too large for one instance fail here, before any worker starts and gets a copy of them
  // (bad counts fail in swdPlan below, as a plan's error after the start)
  const { per, ndir: nd } = countsOf(opts);
  const mem = per >= 1 && nd >= 1 ? swdMemoryPlans(a, b, opts) : [];
  // as many workers as hold their levels within memoryLimit (swdMemoryPlans made sure one does)
  const fit = Math.max(1, Math.floor((opts.memoryLimit ?? Infinity) / Math.max(1, ...mem.map((m) => m.bytes))));
  // the workers start (their own threads) while this thread draws the plan
  // (the image sets go to them right behind the module)
  const starting = opts.pool === undefined ? MetricsPool.create(Math.min(opts.threads ?? 1, fit), opts.workers, [imagesOf(a), imagesOf(b)]) : null;
  let plan: SwdLevelPlan[];
  try {
    plan = swdPlan(a, b, opts);
  } catch (e) {
    (await starting?.catch(() => null))?.close();
    throw e;
  }
  const ndir = plan[0].dirs.length / SWD_DESC;
  const dist: Float64Array[] = plan.map(() => new Float64Array(ndir));
  const own = starting ? await starting : null;
  const pool = opts.pool ?? own;
  try {
    if (pool) {
      const used = Math.min(pool.size, fit);
      const sizes = swdTaskSizes(ndir, used);
      const tasks: (SwdTask & { d0: number })[] = [];
      for (const p of plan) for (let i = 0, d0 = 0; i < sizes.length; d0 += sizes[i++]) {
        tasks.push({ level: p.level, lowpass: p.lowpass, hl: p.hl, wl: p.wl, offsA: p.offsA, offsB: p.offsB, dirs: p.dirs.subarray(d0 * SWD_DESC, (d0 + sizes[i]) * SWD_DESC), maxDirs: sizes[0], block: mem[p.level].block, quant: mem[p.level].quant, d0 });
      }
      let done = 0;
      await pool.swd(imagesOf(a), imagesOf(b), tasks, (id, out) => {
        dist[tasks[id].level].set(out, tasks[id].d0);
        opts.onProgress?.(++done, tasks.length);
      }, used);
    } else {
      plan.forEach((p, l) => {
        dist[l] = swdLevelDistances(imagesOf(a), imagesOf(b), p.level, p.lowpass, p.offsA, p.offsB, p.dirs, mem[p.level]);
        opts.onProgress?.(l + 1, plan.length);
      });
    }
  } finally { own?.close(); }
  const levels = plan.map((p) => ({ height: p.hl, width: p.wl }));
  const perLevel = dist.map((d) => (d.reduce((s, v) => s + v, 0) / d.length) * 1e3);
  return { resolutions: levels.map((lv) => Math.min(lv.height, lv.width)), per_level: perLevel, avg: perLevel.reduce((s, v) => s + v, 0) / perLevel.length };
}
