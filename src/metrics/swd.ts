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
import { swdLevelDistances, levelSide, SWD_DESC, SWD_NHOOD, type SwdImages } from '../kernels/swd';
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

/** Throws SwdError unless both sets are at least 16 px and of one size. */
export function checkSwdSets(a: SampleSet, b: SampleSet, names: [string, string] = ['samples', 'reference']): void {
  for (const [s, name] of [[a, names[0]], [b, names[1]]] as const) {
    if (Math.min(s.height, s.width) < SWD_DEFAULTS.minResolution) throw new SwdError(`SWD: ${name} are ${s.width}x${s.height}; it needs images of at least ${SWD_DEFAULTS.minResolution}x${SWD_DEFAULTS.minResolution}`);
    if (s.n < 1) throw new SwdError(`SWD: no ${name}`);
  }
  if (a.height !== b.height || a.width !== b.width) throw new SwdError(`SWD: ${names[0]} are ${a.width}x${a.height} but ${names[1]} ${b.width}x${b.height}; it compares sets of one size`);
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
  const per = opts.nhoodsPerImage ?? SWD_DEFAULTS.nhoodsPerImage;
  const ndir = (opts.dirRepeats ?? SWD_DEFAULTS.dirRepeats) * (opts.dirsPerRepeat ?? SWD_DEFAULTS.dirsPerRepeat);
  if (!(per >= 1 && ndir >= 1)) throw new SwdError('SWD: need at least one neighbourhood per image and one direction');
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
  // the workers start (their own threads) while this thread draws the plan
  // (the image sets go to them right behind the module)
  const starting = opts.pool === undefined ? MetricsPool.create(opts.threads ?? 1, opts.workers, [imagesOf(a), imagesOf(b)]) : null;
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
      const sizes = swdTaskSizes(ndir, pool.size);
      const tasks: (SwdTask & { d0: number })[] = [];
      for (const p of plan) for (let i = 0, d0 = 0; i < sizes.length; d0 += sizes[i++]) {
        tasks.push({ level: p.level, lowpass: p.lowpass, hl: p.hl, wl: p.wl, offsA: p.offsA, offsB: p.offsB, dirs: p.dirs.subarray(d0 * SWD_DESC, (d0 + sizes[i]) * SWD_DESC), maxDirs: sizes[0], d0 });
      }
      let done = 0;
      await pool.swd(imagesOf(a), imagesOf(b), tasks, (id, out) => {
        dist[tasks[id].level].set(out, tasks[id].d0);
        opts.onProgress?.(++done, tasks.length);
      });
    } else {
      plan.forEach((p, l) => {
        dist[l] = swdLevelDistances(imagesOf(a), imagesOf(b), p.level, p.lowpass, p.offsA, p.offsB, p.dirs);
        opts.onProgress?.(l + 1, plan.length);
      });
    }
  } finally { own?.close(); }
  const levels = plan.map((p) => ({ height: p.hl, width: p.wl }));
  const perLevel = dist.map((d) => (d.reduce((s, v) => s + v, 0) / d.length) * 1e3);
  return { resolutions: levels.map((lv) => Math.min(lv.height, lv.width)), per_level: perLevel, avg: perLevel.reduce((s, v) => s + v, 0) / perLevel.length };
}
