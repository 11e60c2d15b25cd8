import { describe, it, expect } from 'vitest';
import { scoreDiversity, vendiCosine, vendiOfKernel, vendiFromEigenvalues, planPairs, decideVerdict } from '../../src/metrics/diversity';
import { ndbFromCounts, kmeans, binCounts } from '../../src/metrics/kmeans';
import { syntheticFaces, collapsedFrom, withRepeats } from '../../src/metrics/synthetic';
import { luminance, subsetSamples } from '../../src/metrics/samples';
import { msssimRef } from '../reference/msssim';
import { nodeWorkerFactory as workers } from '../../src/platform/node';
import { lcg } from '../reference/linalg';
import { MetricsPool } from '../../src/metrics/pool';
import { dotMatrix } from '../../src/kernels/gram';

describe('Vendi', () => {
  it('n identical samples score 1, n orthogonal samples score n (primal and dual)', () => {
    const d = 40;
    const same = new Float32Array(10 * d);
    for (let i = 0; i < 10; i++) for (let t = 0; t < d; t++) same[i * d + t] = 1 + (t % 3);
    expect(vendiCosine(same, 10, d)).toBeCloseTo(1, 6);
    const orth = new Float32Array(25 * d); // 25 one-hot rows in 40 dims
    for (let i = 0; i < 25; i++) orth[i * d + i] = 2;
    expect(vendiCosine(orth, 25, d)).toBeCloseTo(25, 6);
    // n > d: dual path. 12 rows in 4 dims: 4 orthogonal directions, 3 copies each -> 4
    const dual = new Float32Array(12 * 4);
    for (let i = 0; i < 12; i++) dual[i * 4 + (i % 4)] = 1;
    expect(vendiCosine(dual, 12, 4)).toBeCloseTo(4, 6);
  });
  it('kernel form: identity -> n, all ones -> 1; entropy of a known spectrum', () => {
    const n = 6;
    const eye = new Float64Array(n * n), ones = new Float64Array(n * n).fill(1);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    expect(vendiOfKernel(eye, n)).toBeCloseTo(n, 8);
    expect(vendiOfKernel(ones, n)).toBeCloseTo(1, 8);
    expect(vendiFromEigenvalues([0.5, 0.5, 0, -1e-12])).toBeCloseTo(2, 12);
  });
});

describe('NDB/K', () => {
  it('identical proportions: no bin differs, JS 0', () => {
    const r = ndbFromCounts([100, 200, 300, 400], [50, 100, 150, 200]);
    expect(r.different).toBe(0); expect(r.js).toBeCloseTo(0, 12);
  });
  it('samples all in one bin: most bins differ, JS near ln 2 for disjoint', () => {
    const r = ndbFromCounts([250, 250, 250, 250], [1000, 0, 0, 0]);
    expect(r.different).toBe(4); expect(r.ndb_k).toBe(1);
    const d = ndbFromCounts([500, 500, 0, 0], [0, 0, 500, 500]);
    expect(d.js).toBeCloseTo(Math.log(2), 10);
  });
  it('z-test against a hand computation', () => {
    // bin 0: 60/200 vs 40/200 -> p = .25, se = sqrt(.25*.75*(2/200)) = .0433, z = -.2/... = -2.309
    const r = ndbFromCounts([60, 140], [40, 160]);
    expect(r.bins[0].z).toBeCloseTo(-0.1 / Math.sqrt(0.25 * 0.75 * 0.01), 8);
    expect(r.different).toBe(2);
  });
  it('k-means recovers separated clusters', () => {
    const rng = lcg(3), d = 8, n = 300;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) x[i * d + t] = (i % 3) * 10 * (t === (i % 3) ? 1 : 0) + rng() * 0.1;
    const km = kmeans(x, n, d, 3, 7);
    expect(Array.from(binCounts(km, x, n)).sort()).toEqual([100, 100, 100]);
  });
});

describe('pair planning', () => {
  it('all pairs exactly once; random subsets are distinct and seeded', () => {
    const n = 150;
    const seen = new Set<string>();
    for (const t of planPairs(n, undefined, 1).tasks) for (let p = 0; p < t.pairs.length; p += 2) {
      const i = t.images[t.pairs[p]], j = t.images[t.pairs[p + 1]];
      expect(i).toBeLessThan(j);
      seen.add(`${i},${j}`);
    }
    expect(seen.size).toBe((n * (n - 1)) / 2);
    const a = planPairs(n, 500, 9), b = planPairs(n, 500, 9);
    expect(a.total).toBe(500);
    expect(a.tasks.map((t) => Array.from(t.images).join())).toEqual(b.tasks.map((t) => Array.from(t.images).join()));
  });
});

describe('scoreDiversity', () => {
  const real = syntheticFaces(120, 32, 5);
  it('mean MS-SSIM equals the float64 reference over all pairs', async () => {
    const s = subsetSamples(real, Array.from({ length: 12 }, (_, i) => i));
    const r = await scoreDiversity(s);
    const lum = luminance(s), sz = 32 * 32;
    let sum = 0, c = 0;
    for (let i = 0; i < 12; i++) for (let j = i + 1; j < 12; j++) { sum += msssimRef(lum.subarray(i * sz, (i + 1) * sz), lum.subarray(j * sz, (j + 1) * sz), 32, 32); c++; }
    expect(r.msssim.pairs).toBe(66);
    expect(r.msssim.mean).toBeCloseTo(sum / c, 4);
  });

  it('worker pool gives the same numbers as the calling thread', async () => {
    const one = await scoreDiversity(real, { threads: 1 });
    const two = await scoreDiversity(real, { threads: 2, workers });
    expect(two.msssim.mean).toBeCloseTo(one.msssim.mean, 10);
    expect(two.msssim.std).toBeCloseTo(one.msssim.std, 10);
    expect(two.vendi_msssim).toBeCloseTo(one.vendi_msssim!, 8);
    expect(two.vendi).toBeCloseTo(one.vendi, 8);
  });

  it('pool Gram bands equal the single-thread Gram', async () => {
    const n = 300, d = 50, rng = lcg(4);
    const x = Float32Array.from({ length: n * d }, () => rng() - 0.5);
    expect(await MetricsPool.create(2)).toBeNull(); // no worker factory given: the calling thread computes
    const pool = await MetricsPool.create(2, workers);
    expect(pool).not.toBeNull();
    try {
      const g = await pool!.gram(x, n, d);
      const ref = dotMatrix(x, n, d);
      let err = 0;
      for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(g[i] - ref[i]));
      expect(err).toBeLessThan(1e-5);
    } finally { pool!.close(); }
  });

  it('orders healthy < repeated < collapsed and gives the verdicts', async () => {
    const ref = syntheticFaces(120, 32, 77);
    const healthy = await scoreDiversity(real, { ref });
    const repeated = await scoreDiversity(withRepeats(real, 4, 10), { ref });
    const collapsed = await scoreDiversity(collapsedFrom(real, 120, 3), { ref });
    expect(healthy.verdict).toBe('healthy');
    expect(collapsed.verdict).toBe('collapsed');
    expect(repeated.verdict).not.toBe('healthy');
    expect(collapsed.msssim.mean).toBeGreaterThan(repeated.msssim.mean);
    expect(repeated.msssim.mean).toBeGreaterThanOrEqual(healthy.msssim.mean);
    expect(collapsed.vendi).toBeLessThan(healthy.vendi);
    expect(collapsed.vendi_msssim!).toBeLessThan(4);
    expect(repeated.duplicates.rate).toBeGreaterThan(0.2);
    expect(repeated.duplicates.pairs[0][2]).toBe(0);
    expect(healthy.duplicates.rate).toBeLessThan(0.05);
    expect(collapsed.ndb!.ndb_k).toBeGreaterThan(healthy.ndb!.ndb_k);
    expect(collapsed.support.estimate!).toBeLessThan(20);
  });

  it('the reference is scored once per SampleSet object; results are identical', async () => {
    const ref = syntheticFaces(80, 32, 31), gen = syntheticFaces(80, 32, 32);
    let refStages = 0;
    const count = (p: { stage: string; done: number }) => { if (p.stage.startsWith('reference') && p.done === 0) refStages++; };
    const a = await scoreDiversity(gen, { ref, onProgress: count });
    const seen = refStages;
    const b = await scoreDiversity(gen, { ref, onProgress: count });
    expect(seen).toBeGreaterThan(0);
    expect(refStages).toBe(seen); // nothing recomputed for the reference
    expect(b.ref).toEqual(a.ref);
    expect(b.ndb).toEqual(a.ndb);
    expect(b.verdict).toBe(a.verdict);
    const copy = { ...ref, data: ref.data.slice() }; // a new object is scored afresh, same numbers
    const c = await scoreDiversity(gen, { ref: copy });
    expect(c.ref!.msssim.mean).toBe(a.ref!.msssim.mean);
  });

  it('--pairs subset: mean close to all pairs, no MS-SSIM Vendi', async () => {
    const all = await scoreDiversity(real);
    const sub = await scoreDiversity(real, { pairs: 2000, seed: 3 });
    expect(sub.msssim.pairs).toBe(2000);
    expect(sub.vendi_msssim).toBeNull();
    expect(Math.abs(sub.msssim.mean - all.msssim.mean)).toBeLessThan(0.02);
  });

  it('bad input: fewer than 2 samples, too small, non-finite values', async () => {
    await expect(scoreDiversity(subsetSamples(real, [0]))).rejects.toThrow(/at least 2 samples/);
    await expect(scoreDiversity(syntheticFaces(3, 8))).rejects.toThrow(/16x16/);
    const nan = new Float32Array(3 * 16 * 16 * 3).fill(0.5);
    nan[16 * 16 * 3 + 7] = NaN;
    await expect(scoreDiversity({ n: 3, height: 16, width: 16, channels: 3, data: nan })).rejects.toThrow(/non-finite value .* \(sample 1\)/);
  });

  it('black images: MS-SSIM 1 between them, Vendi 1', async () => {
    const r = await scoreDiversity({ n: 16, height: 16, width: 16, channels: 3, data: new Uint8Array(16 * 16 * 16 * 3) });
    expect(r.msssim.mean).toBeCloseTo(1, 6);
    expect(r.vendi).toBeCloseTo(1, 6);
    expect(r.verdict).toBe('collapsed');
  });

  it('verdict without a reference uses absolute thresholds', () => {
    const base = { n: 16, height: 32, width: 32, msssim: { mean: 0.9, std: 0, pairs: 120 }, vendi: 1, vendi_msssim: 1, nn: { min: 0, q10: 0, median: 0 }, duplicates: { threshold: 0.02, threshold_source: 'fallback' as const, rate: 0, pairs: [], duplicate_pairs: 0 }, support: { estimate: null, lower_bound: 45 }, timings: { msssim: 0, vendi: 0, nn: 0 } };
    expect(decideVerdict(base).verdict).toBe('collapsed');
    expect(decideVerdict({ ...base, msssim: { mean: 0.1, std: 0, pairs: 45 } }).verdict).toBe('healthy');
  });

  it('relative verdict: each rule at its thresholds; NDB/K alone makes a set suspicious, never collapsed', () => {
    const set = (ms: number, vendi: number, vms: number | null, dup: number) => ({ n: 100, height: 32, width: 32, msssim: { mean: ms, std: 0, pairs: 4950 }, vendi, vendi_msssim: vms, nn: { min: 0, q10: 0, median: 0 }, duplicates: { threshold: 0.05, threshold_source: 'reference' as const, rate: dup, pairs: [], duplicate_pairs: 0 }, support: { estimate: null, lower_bound: 4950 }, timings: { msssim: 0, vendi: 0, nn: 0 } });
    const ref = set(0.2, 2, 40, 0);
    const v = (g: ReturnType<typeof set>, ndb_k = 0) => decideVerdict(g, ref, { ndb_k }).verdict;
    expect(v(set(0.2, 2, 40, 0))).toBe('healthy');
    expect(v(set(0.26, 2, 40, 0))).toBe('suspicious'); // dMS 0.06
    expect(v(set(0.36, 2, 40, 0))).toBe('collapsed'); // dMS 0.16
    expect(v(set(0.2, 2, 28, 0))).toBe('suspicious'); // Vendi-MS 70%
    expect(v(set(0.2, 2, 15, 0))).toBe('collapsed'); // Vendi-MS 37.5%
    expect(v(set(0.2, 1.5, 40, 0))).toBe('suspicious'); // cosine Vendi 75%
    expect(v(set(0.2, 0.9, 40, 0))).toBe('collapsed'); // 45%
    expect(v(set(0.2, 2, 40, 0.2))).toBe('suspicious');
    expect(v(set(0.2, 2, 40, 0.6))).toBe('collapsed');
    expect(v(set(0.2, 2, 40, 0), 0.35)).toBe('suspicious');
    expect(v(set(0.2, 2, 40, 0), 0.9)).toBe('suspicious');
    expect(decideVerdict(set(0.2, 2, 40, 0), ref, { ndb_k: 0.9 }).reasons.join()).toMatch(/NDB\/K 0.90/);
  });
});

describe('trainer entry', () => {
  it('scores generator output in [-1,1] against a u8 reference and flattens the record', async () => {
    const { scoreGeneratedSamples, referenceFromU8 } = await import('../../src/metrics/trainer');
    const real = syntheticFaces(64, 32, 21);
    const gen = syntheticFaces(64, 32, 22);
    const f = Float32Array.from(gen.data as Uint8Array, (v) => v / 127.5 - 1);
    const rec = await scoreGeneratedSamples(f, 64, 32, { ref: referenceFromU8(real.data as Uint8Array, 64, 32) });
    expect(rec.verdict).toBe('healthy');
    expect(rec.vendi_norm).toBeCloseTo(rec.vendi / 64, 12);
    expect(typeof rec.ndb_k).toBe('number');
    const direct = await scoreDiversity(gen, { ref: real });
    expect(rec.msssim).toBeCloseTo(direct.msssim.mean, 4);
  });
});
