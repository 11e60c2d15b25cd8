// The mode-collapse diversity score (issue #4): mean pairwise MS-SSIM, Vendi
// scores, near duplicates with a birthday-paradox support estimate, NDB/K
// against a reference set, and a relative verdict. Same code in the browser,
// the trainer and the CLI: no Node imports here. See docs/diversity.md.
import { msssimPairs } from '../kernels/ssim';
import { dotMatrix } from '../kernels/gram';
import { nearest } from '../kernels/knn';
import { symEigenvalues } from '../kernels/eigen';
import { Rng } from '../util/rng';
import { MetricsPool, type MsssimTask, type WorkerFactory } from './pool';
import { kmeans, binCounts, ndbFromCounts, type KMeans, type NdbResult } from './kmeans';
import { checkSampleSet, luminance, pixelFeatures, SampleError, type SampleSet } from './samples';
import { slicedWasserstein, checkSwdSets, type SwdResult } from './swd';

/**
 * 'too-few-samples' is no judgement: the set (or the reference) is smaller
 * than MIN_SAMPLES_FOR_VERDICT. It is neither collapsed nor diversified
 * (src/train/collapse.ts ignores it).
 */
export type Verdict = 'collapsed' | 'suspicious' | 'healthy' | 'too-few-samples';

/**
 * Fewest samples (and reference images) for a verdict. Below it the scores are
 * still computed but the verdict is 'too-few-samples': with 15 samples one
 * pair of look-alikes is 13% near duplicates, and the thresholds were
 * calibrated on 256 (docs/diversity.md).
 */
export const MIN_SAMPLES_FOR_VERDICT = 16;

export interface DiversityProgress { stage: string; done: number; total: number }

export interface DiversityOptions {
  /**
   * Real images: makes the verdict relative and enables NDB/K. The reference's
   * own scores and k-means bins are cached per SampleSet object (and pairs/seed),
   * so scoring against the same object again is about half the work: do not
   * mutate its data afterwards.
   */
  ref?: SampleSet;
  /** MS-SSIM on a fixed random subset of this many distinct pairs (default: all pairs). */
  pairs?: number;
  seed?: number;
  /** Worker threads for the MS-SSIM pairs (default 1: calling thread). */
  threads?: number;
  /** How workers start (the platform's `workers`, src/platform/); without one the calling thread computes. */
  workers?: WorkerFactory;
  /** How many closest pairs to list (default 10). */
  closest?: number;
  /**
   * With `ref`: also the sliced Wasserstein distance (src/metrics/swd.ts), seeded
   * by `seed`. Both sets must then be of one size, at least 16 px (SwdError).
   */
  swd?: boolean;
  /** Bytes SWD's WebAssembly instances may hold together (SwdOptions.memoryLimit; default: no limit but 4 GiB an instance). */
  memoryLimit?: number;
  onProgress?: (p: DiversityProgress) => void;
}

export interface SetScores {
  n: number;
  height: number;
  width: number;
  msssim: { mean: number; std: number; pairs: number };
  /** Vendi score, cosine kernel on 32x32x3 L2-normalised pixels. */
  vendi: number;
  /** Vendi score with the MS-SSIM kernel (null when only a subset of pairs was scored, or n > MAX_VENDI_MS). */
  vendi_msssim: number | null;
  /** Nearest-neighbour RMS pixel distances (32x32x3, values in [0,1]). */
  nn: { min: number; q10: number; median: number };
  duplicates: {
    threshold: number;
    threshold_source: 'reference' | 'fallback';
    rate: number;
    /** Nearest-neighbour pairs [i, j, rms distance], closest first: all those below the threshold (up to 100), at least `closest`. */
    pairs: [number, number, number][];
    /** Pairs (any, not only nearest neighbours) closer than the threshold. */
    duplicate_pairs: number;
  };
  /** Birthday-paradox support size: about n(n-1)/(2 * duplicate pairs); null when no duplicates (then > lower_bound). */
  support: { estimate: number | null; lower_bound: number };
  /** Wall seconds per stage. */
  timings: { msssim: number; vendi: number; nn: number };
}

export interface DiversityReport extends SetScores {
  ref?: SetScores;
  ndb?: Omit<NdbResult, 'bins'> & { bins: NdbResult['bins'] };
  /** Sliced Wasserstein distance x 1e3 to the reference, per pyramid level (with `swd` and `ref`). */
  swd?: SwdResult;
  verdict: Verdict;
  reasons: string[];
  notes: string[];
  seconds: number;
}

/** Fallback near-duplicate threshold without a reference (RMS distance on 32x32x3 in [0,1]). */
export const FALLBACK_DUP_THRESHOLD = 0.02;
/** Reference-derived threshold = this factor times the 10th percentile of the reference's NN distances. */
export const REF_DUP_FACTOR = 0.5;
const FEAT = 32;
/** Largest n for the MS-SSIM-kernel Vendi (an n x n f64 matrix and its eigenvalues). */
export const MAX_VENDI_MS = 2000;
const BLOCK = 64;

/**
 * Verdict thresholds, calibrated by scripts/calibrate-diversity.js (see
 * docs/diversity.md for the table they come from). Relative to a reference:
 * dMS = mean MS-SSIM minus the reference's; Vendi ratios = samples / reference
 * (the MS-SSIM-kernel Vendi when both sides have all pairs, else the cosine
 * one); dup = share of samples with a near duplicate under the reference's
 * threshold; NDB/K against k-means bins of the reference.
 */
export const THRESHOLDS = {
  relative: {
    collapsed: { msssimDelta: 0.15, vendiMsRatio: 0.4, vendiRatio: 0.5, dupRate: 0.5 },
    suspicious: { msssimDelta: 0.05, vendiMsRatio: 0.75, vendiRatio: 0.8, dupRate: 0.1, ndbK: 0.3 },
  },
  absolute: {
    collapsed: { msssim: 0.45, dupRate: 0.5 },
    suspicious: { msssim: 0.35, dupRate: 0.1 },
  },
};

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Vendi score from the eigenvalues of K/n: exp(-sum l log l), non-positive eigenvalues dropped. */
export function vendiFromEigenvalues(w: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < w.length; i++) if (w[i] > 0) total += w[i];
  let h = 0;
  for (let i = 0; i < w.length; i++) if (w[i] > 0) { const p = w[i] / total; h -= p * Math.log(p); }
  return Math.exp(h);
}

/** Rows of x scaled to unit L2 norm; all-zero rows (black images) become the same unit vector, so k(x,x) = 1 holds. */
function normaliseRows(x: Float32Array, n: number, d: number): Float32Array {
  const xn = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += x[i * d + t] ** 2;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let t = 0; t < d; t++) xn[i * d + t] = x[i * d + t] * inv;
    } else xn.fill(1 / Math.sqrt(d), i * d, (i + 1) * d);
  }
  return xn;
}

/** Vendi score of the cosine kernel on rows of x (n x d); uses the d x d dual when n > d. */
export function vendiCosine(x: Float32Array, n: number, d: number): number {
  const xn = normaliseRows(x, n, d);
  let k: Float64Array, m: number;
  if (n <= d) { k = dotMatrix(xn, n, d); m = n; }
  else {
    const xt = new Float32Array(d * n);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) xt[t * n + i] = xn[i * d + t];
    k = dotMatrix(xt, d, n); m = d;
  }
  for (let i = 0; i < k.length; i++) k[i] /= n;
  return vendiFromEigenvalues(symEigenvalues(k, m));
}

/** vendiCosine with the Gram matrix computed by a worker pool (same result). */
export async function vendiCosinePool(x: Float32Array, n: number, d: number, pool: MetricsPool | null): Promise<number> {
  if (!pool || n > d) return vendiCosine(x, n, d);
  const k = await pool.gram(normaliseRows(x, n, d), n, d);
  for (let i = 0; i < k.length; i++) k[i] /= n;
  return vendiFromEigenvalues(symEigenvalues(k, n));
}

/** Vendi score of a full similarity matrix (n x n, k(x,x) = 1). */
export function vendiOfKernel(k: Float64Array, n: number): number {
  const a = new Float64Array(k.length);
  for (let i = 0; i < k.length; i++) a[i] = k[i] / n;
  return vendiFromEigenvalues(symEigenvalues(a, n));
}

/** The pair list, grouped into blocks of images: all pairs, or `count` random distinct pairs. */
export function planPairs(n: number, count: number | undefined, seed: number): { tasks: MsssimTask[]; total: number; all: boolean } {
  const totalAll = (n * (n - 1)) / 2;
  const all = count === undefined || count >= totalAll;
  // All pairs: 64-image tiles (preprocessing ~5% of the work). A random
  // subset is sparse, so tiles are large (n/2) to preprocess each image only
  // a couple of times (capped at 512 images, ~28 MB of pyramids at 64 px).
  const B = all ? BLOCK : Math.min(512, Math.max(BLOCK, Math.ceil(n / 2)));
  const groups = new Map<number, number[]>();
  const nb = Math.ceil(n / B);
  const add = (i: number, j: number) => {
    const key = Math.floor(i / B) * nb + Math.floor(j / B);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i, j);
  };
  if (all) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) add(i, j);
  } else {
    const rng = new Rng(seed);
    const seen = new Set<number>();
    while (seen.size < count!) {
      let i = rng.int(n), j = rng.int(n);
      if (i === j) continue;
      if (i > j) [i, j] = [j, i];
      const key = i * n + j;
      if (seen.has(key)) continue;
      seen.add(key);
      add(i, j);
    }
  }
  const tasks: MsssimTask[] = [];
  for (const g of groups.values()) {
    const local = new Map<number, number>();
    const images: number[] = [];
    const pairs = new Int32Array(g.length);
    for (let t = 0; t < g.length; t++) {
      let l = local.get(g[t]);
      if (l === undefined) { l = images.length; local.set(g[t], l); images.push(g[t]); }
      pairs[t] = l;
    }
    // keep the global pair indices alongside (images[pairs[..]])
    tasks.push({ images: Int32Array.from(images), pairs });
  }
  return { tasks, total: all ? totalAll : count!, all };
}

/** MS-SSIM of the planned pairs; returns [i, j, value] triples via callback. */
async function runPairs(lum: Float32Array, h: number, w: number, tasks: MsssimTask[], pool: MetricsPool | null,
  onPair: (i: number, j: number, v: number) => void, progress: (done: number) => void): Promise<void> {
  let done = 0;
  const consume = (task: MsssimTask, out: Float32Array) => {
    for (let p = 0; p < out.length; p++) onPair(task.images[task.pairs[2 * p]], task.images[task.pairs[2 * p + 1]], out[p]);
    done += out.length;
    progress(done);
  };
  if (pool && tasks.length > 1) {
    pool.setImages(lum, h, w);
    await pool.run(tasks, (id, out) => consume(tasks[id], out));
    return;
  }
  const sz = h * w;
  for (const task of tasks) {
    const block = new Float32Array(task.images.length * sz);
    task.images.forEach((img, k) => block.set(lum.subarray(img * sz, (img + 1) * sz), k * sz));
    consume(task, msssimPairs(block, task.images.length, h, w, task.pairs));
    await Promise.resolve(); // let progress callbacks render
  }
}

/** Shape, finiteness, n >= 2 and min(h, w) >= 16 (five MS-SSIM scales); throws SampleError. */
export function validateSet(s: SampleSet, what = 'samples'): void {
  checkSampleSet(s, what);
  if (s.n < 2) throw new SampleError(`${what}: need at least 2 samples, got ${s.n}`);
  if (Math.min(s.height, s.width) < 16) throw new SampleError(`${what}: MS-SSIM needs images of at least 16x16 (5 scales), got ${s.width}x${s.height}`);
}

/**
 * Mean and std of MS-SSIM over all pairs (or `pairs` random distinct pairs)
 * of a sample set; `full` is the n x n matrix (diagonal 0) when all pairs were
 * scored and n <= MAX_VENDI_MS.
 */
export async function pairwiseMsssim(s: SampleSet, opts: { pairs?: number; seed?: number; threads?: number; workers?: WorkerFactory; pool?: MetricsPool | null; onProgress?: (p: DiversityProgress) => void } = {}): Promise<{ mean: number; std: number; pairs: number; full: Float64Array | null }> {
  validateSet(s);
  const { n, height: h, width: w } = s;
  const lum = luminance(s);
  const plan = planPairs(n, opts.pairs, opts.seed ?? 1);
  const full = plan.all && n <= MAX_VENDI_MS ? new Float64Array(n * n) : null;
  let sum = 0, sumSq = 0, cnt = 0;
  opts.onProgress?.({ stage: 'MS-SSIM pairs', done: 0, total: plan.total });
  const own = opts.pool === undefined ? await MetricsPool.create(Math.min(opts.threads ?? 1, plan.tasks.length), opts.workers) : null;
  try {
    await runPairs(lum, h, w, plan.tasks, opts.pool ?? own, (i, j, v) => {
      sum += v; sumSq += v * v; cnt++;
      if (full) { full[i * n + j] = v; full[j * n + i] = v; }
    }, (done) => opts.onProgress?.({ stage: 'MS-SSIM pairs', done, total: plan.total }));
  } finally { own?.close(); }
  const mean = sum / cnt;
  return { mean, std: Math.sqrt(Math.max(0, sumSq / cnt - mean * mean)), pairs: cnt, full };
}

type SetOptions = DiversityOptions & {
  /** A fixed RMS threshold, or 'self' (a reference: REF_DUP_FACTOR x its own 10th percentile). */
  dupThreshold?: number | 'self';
  dupSource?: 'reference' | 'fallback';
  label?: string;
  /** A pool to use (null: calling thread); omitted: one is started for this call from `threads`. */
  pool?: MetricsPool | null;
};

/** All the per-set scores (no verdict). */
export async function scoreSet(s: SampleSet, opts: SetOptions = {}): Promise<SetScores> {
  validateSet(s, opts.label);
  const pool = opts.pool !== undefined ? opts.pool : await MetricsPool.create(opts.threads ?? 1, opts.workers);
  try {
    return await scoreSetIn(s, opts, pool);
  } finally {
    if (opts.pool === undefined) pool?.close();
  }
}

const clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;

async function scoreSetIn(s: SampleSet, opts: SetOptions, pool: MetricsPool | null): Promise<SetScores> {
  const { n, height: h, width: w } = s;
  const label = opts.label ?? 'samples';
  const report = (stage: string, done: number, total: number) => opts.onProgress?.({ stage: `${label}: ${stage}`, done, total });
  let t = clock();
  const ms = await pairwiseMsssim(s, { pairs: opts.pairs, seed: opts.seed ?? 1, pool, onProgress: (p) => report(p.stage, p.done, p.total) });
  const tMs = clock() - t;

  // Vendi: cosine on 32x32 pixels; MS-SSIM kernel when all pairs are known
  t = clock();
  report('Vendi', 0, 1);
  const d = FEAT * FEAT * 3;
  const feats = pixelFeatures(s, FEAT);
  const vendi = await vendiCosinePool(feats, n, d, pool);
  let vendiMs: number | null = null;
  if (ms.full) {
    for (let i = 0; i < n; i++) ms.full[i * n + i] = 1;
    vendiMs = vendiOfKernel(ms.full, n);
  }
  report('Vendi', 1, 1);
  const tV = clock() - t;

  t = clock();
  const dup = duplicateScores(feats, n, d, opts);
  return {
    n, height: h, width: w,
    msssim: { mean: ms.mean, std: ms.std, pairs: ms.pairs },
    vendi, vendi_msssim: vendiMs,
    ...dup,
    timings: { msssim: tMs, vendi: tV, nn: clock() - t },
  };
}

/** Nearest neighbours, near-duplicate rate, closest pairs and the birthday support estimate. */
function duplicateScores(feats: Float32Array, n: number, d: number, opts: SetOptions): Pick<SetScores, 'nn' | 'duplicates' | 'support'> {
  const fixedThr = opts.dupThreshold === 'self' ? undefined : opts.dupThreshold ?? FALLBACK_DUP_THRESHOLD;
  let nn = nearest(feats, n, d, undefined, undefined, fixedThr === undefined ? 0 : fixedThr * fixedThr * d);
  const dist = Array.from(nn.dist2, (v) => Math.sqrt(Math.max(0, v) / d));
  const sorted = [...dist].sort((a, b) => a - b);
  const thr = fixedThr ?? REF_DUP_FACTOR * quantile(sorted, 0.1);
  if (fixedThr === undefined) nn = nearest(feats, n, d, undefined, undefined, thr * thr * d); // counts under the new threshold
  let dupSamples = 0, within = 0;
  const pairMap = new Map<string, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    if (dist[i] < thr) dupSamples++;
    within += nn.within[i];
    const j = nn.index[i];
    const a = Math.min(i, j), b = Math.max(i, j);
    pairMap.set(`${a},${b}`, [a, b, dist[i]]);
  }
  const dupPairs = within / 2; // every pair below the threshold, counted from both ends
  const nnPairs = [...pairMap.values()].sort((x, y) => x[2] - y[2]);
  const listed = nnPairs.slice(0, Math.max(opts.closest ?? 10, Math.min(nnPairs.filter((p) => p[2] < thr).length, 100)));
  return {
    nn: { min: sorted[0], q10: quantile(sorted, 0.1), median: quantile(sorted, 0.5) },
    duplicates: {
      threshold: thr, threshold_source: opts.dupThreshold === 'self' ? 'reference' : opts.dupSource ?? 'fallback',
      rate: dupSamples / n, pairs: listed, duplicate_pairs: dupPairs,
    },
    support: { estimate: dupPairs > 0 ? (n * (n - 1)) / (2 * dupPairs) : null, lower_bound: (n * (n - 1)) / 2 },
  };
}

/** The reference side of NDB/K: whitening statistics, k-means bins and the reference's counts. */
export interface NdbModel { d: number; mean: Float32Array; inv: Float32Array; km: KMeans; refCounts: Int32Array }

const NDB_SIZE = 16;

/** Fits the NDB/K bins on a reference (k-means on whitened 16x16x3 pixels, K = min(50, n_ref / 10)). */
export function ndbModel(ref: SampleSet, seed = 1): NdbModel {
  const d = NDB_SIZE * NDB_SIZE * 3;
  const fr = pixelFeatures(ref, NDB_SIZE);
  const mean = new Float32Array(d), inv = new Float32Array(d);
  for (let t = 0; t < d; t++) {
    let m = 0, v = 0;
    for (let i = 0; i < ref.n; i++) m += fr[i * d + t];
    m /= ref.n;
    for (let i = 0; i < ref.n; i++) v += (fr[i * d + t] - m) ** 2;
    mean[t] = m; inv[t] = 1 / Math.sqrt(v / ref.n + 1e-6);
    for (let i = 0; i < ref.n; i++) fr[i * d + t] = (fr[i * d + t] - m) * inv[t];
  }
  const k = Math.max(2, Math.min(50, Math.floor(ref.n / 10)));
  const km = kmeans(fr, ref.n, d, k, seed);
  return { d, mean, inv, km, refCounts: binCounts(km, fr, ref.n) };
}

/** NDB/K of samples against a reference model (or a reference set, fitted on the fly). */
export function ndbScore(ref: SampleSet | NdbModel, s: SampleSet, seed = 1): NdbResult {
  const model = 'km' in ref ? ref : ndbModel(ref, seed);
  const { d, mean, inv } = model;
  const fs = pixelFeatures(s, NDB_SIZE);
  for (let i = 0; i < s.n; i++) for (let t = 0; t < d; t++) fs[i * d + t] = (fs[i * d + t] - mean[t]) * inv[t];
  return ndbFromCounts(model.refCounts, binCounts(model.km, fs, s.n));
}

// The reference's scores and NDB model, cached per SampleSet object (the
// trainer scores against the same held subset every N steps).
const refCache = new WeakMap<SampleSet, Map<string, { scores?: SetScores; ndb?: NdbModel }>>();
function cacheFor(ref: SampleSet, key: string): { scores?: SetScores; ndb?: NdbModel } {
  let m = refCache.get(ref);
  if (!m) refCache.set(ref, (m = new Map()));
  let e = m.get(key);
  if (!e) m.set(key, (e = {}));
  return e;
}

/** The verdict from the scores (relative when a reference is given). */
export function decideVerdict(g: SetScores, ref?: SetScores, ndb?: { ndb_k: number }): { verdict: Verdict; reasons: string[] } {
  const few = [g.n < MIN_SAMPLES_FOR_VERDICT ? `${g.n} samples` : '', ref && ref.n < MIN_SAMPLES_FOR_VERDICT ? `a reference of ${ref.n} images` : ''].filter(Boolean);
  if (few.length) return { verdict: 'too-few-samples', reasons: [`too few samples to judge: ${few.join(' and ')}, at least ${MIN_SAMPLES_FOR_VERDICT} are needed (the scores are shown, without a verdict)`] };
  const reasons: string[] = [];
  let level = 0;
  const flag = (lv: number, why: string) => { reasons.push(`${lv === 2 ? 'collapsed' : 'suspicious'}: ${why}`); level = Math.max(level, lv); };
  const dup = g.duplicates.rate;
  if (ref) {
    const T = THRESHOLDS.relative;
    const delta = g.msssim.mean - ref.msssim.mean;
    const vr = g.vendi / ref.vendi;
    if (delta >= T.collapsed.msssimDelta) flag(2, `mean MS-SSIM ${g.msssim.mean.toFixed(3)} is ${delta.toFixed(3)} above the reference's`);
    else if (delta >= T.suspicious.msssimDelta) flag(1, `mean MS-SSIM ${g.msssim.mean.toFixed(3)} is ${delta.toFixed(3)} above the reference's`);
    if (g.vendi_msssim !== null && ref.vendi_msssim !== null) {
      const vm = g.vendi_msssim / ref.vendi_msssim;
      const why = `MS-SSIM Vendi ${g.vendi_msssim.toFixed(1)} is ${(vm * 100).toFixed(0)}% of the reference's ${ref.vendi_msssim.toFixed(1)}`;
      if (vm <= T.collapsed.vendiMsRatio) flag(2, why);
      else if (vm <= T.suspicious.vendiMsRatio) flag(1, why);
    }
    const why = `cosine Vendi ${g.vendi.toFixed(2)} is ${(vr * 100).toFixed(0)}% of the reference's ${ref.vendi.toFixed(2)}`;
    if (vr <= T.collapsed.vendiRatio) flag(2, why);
    else if (vr <= T.suspicious.vendiRatio) flag(1, why);
    if (dup >= T.collapsed.dupRate) flag(2, `${(dup * 100).toFixed(0)}% near duplicates`);
    else if (dup >= T.suspicious.dupRate) flag(1, `${(dup * 100).toFixed(0)}% near duplicates`);
    // NDB/K measures whether samples fill the reference's bins in the right
    // proportions: an imperfect generator (off colours, blur) fails it while
    // still diverse, so on its own it makes a set suspicious, never collapsed.
    if (ndb && ndb.ndb_k >= T.suspicious.ndbK) flag(1, `NDB/K ${ndb.ndb_k.toFixed(2)} (samples and reference fill the k-means bins differently)`);
  } else {
    const T = THRESHOLDS.absolute;
    if (g.msssim.mean >= T.collapsed.msssim) flag(2, `mean MS-SSIM ${g.msssim.mean.toFixed(3)} (no reference: absolute threshold)`);
    else if (g.msssim.mean >= T.suspicious.msssim) flag(1, `mean MS-SSIM ${g.msssim.mean.toFixed(3)} (no reference: absolute threshold)`);
    if (dup >= T.collapsed.dupRate) flag(2, `${(dup * 100).toFixed(0)}% near duplicates`);
    else if (dup >= T.suspicious.dupRate) flag(1, `${(dup * 100).toFixed(0)}% near duplicates`);
  }
  return { verdict: level === 2 ? 'collapsed' : level === 1 ? 'suspicious' : 'healthy', reasons };
}

/**
 * Scores the diversity of `samples` (and of `opts.ref` when given). Inputs:
 * SampleSet NHWC, 3 channels, Float32Array in [0,1] or Uint8Array 0..255
 * (generator output in [-1,1]: convert with fromGeneratorOutput).
 */
export async function scoreDiversity(samples: SampleSet, opts: DiversityOptions = {}): Promise<DiversityReport> {
  const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  validateSet(samples, 'samples');
  if (opts.ref) validateSet(opts.ref, 'reference');
  if (opts.swd && opts.ref) checkSwdSets(samples, opts.ref, ['samples', 'reference'], { memoryLimit: opts.memoryLimit });
  const notes: string[] = ['MS-SSIM on luminance (Rec. 601), small-image rule: window min(11, h, w) per scale, sigma 1.5*window/11, valid, 2x2 box downsampling'];
  if (opts.pairs !== undefined && opts.pairs < (samples.n * (samples.n - 1)) / 2) notes.push(`MS-SSIM on ${opts.pairs} random pairs (seed ${opts.seed ?? 1}); no MS-SSIM Vendi`);
  let refScores: SetScores | undefined;
  let thr = FALLBACK_DUP_THRESHOLD;
  let src: 'reference' | 'fallback' = 'fallback';
  let g: SetScores;
  let swd: SwdResult | undefined;
  const pool = await MetricsPool.create(opts.threads ?? 1, opts.workers);
  try {
    if (opts.ref) {
      const cached = cacheFor(opts.ref, `${opts.pairs ?? 'all'}|${opts.seed ?? 1}`);
      refScores = cached.scores ??= await scoreSet(opts.ref, { ...opts, pool, dupThreshold: 'self', label: 'reference' });
      thr = refScores.duplicates.threshold;
      src = 'reference';
    }
    g = await scoreSet(samples, { ...opts, pool, dupThreshold: thr, dupSource: src, label: 'samples' });
    if (opts.swd && opts.ref) {
      opts.onProgress?.({ stage: 'SWD', done: 0, total: 1 });
      swd = await slicedWasserstein(samples, opts.ref, { seed: opts.seed ?? 1, pool, memoryLimit: opts.memoryLimit, onProgress: (done, total) => opts.onProgress?.({ stage: 'SWD', done, total }) });
    }
  } finally {
    pool?.close();
  }
  let ndb: NdbResult | undefined;
  if (opts.ref) {
    opts.onProgress?.({ stage: 'NDB/K', done: 0, total: 1 });
    const cached = cacheFor(opts.ref, `${opts.pairs ?? 'all'}|${opts.seed ?? 1}`);
    ndb = ndbScore(cached.ndb ??= ndbModel(opts.ref, opts.seed ?? 1), samples);
    opts.onProgress?.({ stage: 'NDB/K', done: 1, total: 1 });
    const perBin = opts.ref.n / ndb.k;
    if (perBin < 100) notes.push(`NDB/K with K = ${ndb.k} bins, ~${Math.round(perBin)} reference images per bin (the authors use ~500: low power)`);
  } else notes.push(`no reference: near-duplicate threshold is the fallback ${FALLBACK_DUP_THRESHOLD} RMS, verdict uses absolute thresholds`);
  const { verdict, reasons } = decideVerdict(g, refScores, ndb);
  const t1 = typeof performance !== 'undefined' ? performance.now() : Date.now();
  return { ...g, ref: refScores, ndb, ...(swd ? { swd } : {}), verdict, reasons, notes, seconds: (t1 - t0) / 1000 };
}
