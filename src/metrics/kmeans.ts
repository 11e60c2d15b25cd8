// k-means (k-means++ seeding, Lloyd iterations) and the NDB/K test of
// Richardson & Weiss (2018). Assignment uses the wasm nearest-neighbour kernel.
import { nearest } from '../kernels/knn';
import { Rng } from '../util/rng';

export interface KMeans { k: number; d: number; centres: Float32Array }

/** k-means on the rows of x (n x d). Deterministic for a seed. */
export function kmeans(x: Float32Array, n: number, d: number, k: number, seed = 1, iters = 25): KMeans {
  if (k < 1 || k > n) throw new Error(`kmeans: k = ${k} with ${n} points`);
  const rng = new Rng(seed);
  const c = new Float32Array(k * d);
  // k-means++ seeding
  const first = rng.int(n);
  c.set(x.subarray(first * d, (first + 1) * d), 0);
  const best = new Float64Array(n).fill(Infinity);
  for (let j = 1; j < k; j++) {
    const nn = nearest(x, n, d, c.subarray((j - 1) * d, j * d), 1);
    let total = 0;
    for (let i = 0; i < n; i++) { best[i] = Math.min(best[i], nn.dist2[i]); total += best[i]; }
    let r = rng.next() * total, pick = n - 1;
    for (let i = 0; i < n; i++) { r -= best[i]; if (r <= 0) { pick = i; break; } }
    c.set(x.subarray(pick * d, (pick + 1) * d), j * d);
  }
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  let prev: Int32Array | null = null;
  for (let it = 0; it < iters; it++) {
    const { index } = nearest(x, n, d, c, k);
    if (prev && index.every((v, i) => v === prev![i])) break;
    prev = index;
    sums.fill(0); counts.fill(0);
    for (let i = 0; i < n; i++) {
      const j = index[i]; counts[j]++;
      const o = j * d, xo = i * d;
      for (let t = 0; t < d; t++) sums[o + t] += x[xo + t];
    }
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) { // empty cluster: reseed at a random point
        const p = rng.int(n);
        c.set(x.subarray(p * d, (p + 1) * d), j * d);
        continue;
      }
      for (let t = 0; t < d; t++) c[j * d + t] = sums[j * d + t] / counts[j];
    }
  }
  return { k, d, centres: c };
}

/** Bin counts of the rows of x under the nearest centre. */
export function binCounts(km: KMeans, x: Float32Array, n: number): Int32Array {
  const { index } = nearest(x, n, km.d, km.centres, km.k);
  const counts = new Int32Array(km.k);
  for (let i = 0; i < n; i++) counts[index[i]]++;
  return counts;
}

export interface NdbResult {
  k: number;
  /** Bins whose sample proportion differs from the reference (two-tailed, p < 0.05). */
  different: number;
  ndb_k: number;
  /** Jensen-Shannon divergence of the bin proportions (natural log, in [0, ln 2]). */
  js: number;
  /** Per bin: reference proportion, sample proportion, z. */
  bins: { ref: number; sample: number; z: number }[];
}

/** Pooled two-proportion z-test per bin and JS divergence. */
export function ndbFromCounts(refCounts: ArrayLike<number>, sampleCounts: ArrayLike<number>, zCrit = 1.959963984540054): NdbResult {
  const k = refCounts.length;
  let n1 = 0, n2 = 0;
  for (let j = 0; j < k; j++) { n1 += refCounts[j]; n2 += sampleCounts[j]; }
  const bins: NdbResult['bins'] = [];
  let different = 0, js = 0;
  for (let j = 0; j < k; j++) {
    const p1 = refCounts[j] / n1, p2 = sampleCounts[j] / n2;
    const p = (refCounts[j] + sampleCounts[j]) / (n1 + n2);
    const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
    const z = se > 0 ? (p2 - p1) / se : 0;
    if (Math.abs(z) > zCrit) different++;
    bins.push({ ref: p1, sample: p2, z });
    const m = (p1 + p2) / 2;
    if (p1 > 0) js += 0.5 * p1 * Math.log(p1 / m);
    if (p2 > 0) js += 0.5 * p2 * Math.log(p2 / m);
  }
  return { k, different, ndb_k: different / k, js, bins };
}
