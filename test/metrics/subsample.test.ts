// The pieces behind the diversity CLI's big inputs (issue 16): the seeded
// subset chooser, the header-only image size probe, the trainer-grid layout
// rule, and the minimum sample count for a verdict.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomOrder, seededSubset, imageDimensions, trainerGridTile, TRAINER_GRID } from '../../src/metrics/samples';
import { decideVerdict, MIN_SAMPLES_FOR_VERDICT, scoreDiversity } from '../../src/metrics/diversity';
import { syntheticFaces } from '../../src/metrics/synthetic';
import { decodeImage } from '../../src/image/decode';
import { tileGrid, encodePng } from '../../src/train/grid';
import { CollapseWatch, collapseOnset, diversifiedAt } from '../../src/train/collapse';

describe('seeded subset chooser', () => {
  it('k distinct indices in range, ascending, the same for the same seed, different for another', () => {
    const a = seededSubset(20000, 2048, 1);
    expect(a.length).toBe(2048);
    expect(new Set(a).size).toBe(2048);
    for (let i = 0; i < a.length; i++) {
      expect(Number.isInteger(a[i]) && a[i] >= 0 && a[i] < 20000).toBe(true);
      if (i) expect(a[i]).toBeGreaterThan(a[i - 1]);
    }
    expect(seededSubset(20000, 2048, 1)).toEqual(a);
    const b = seededSubset(20000, 2048, 2);
    expect(b).not.toEqual(a);
    // two independent 10% subsets share about 10% of their elements
    const inA = new Set(a);
    const shared = b.filter((i) => inA.has(i)).length;
    expect(shared).toBeGreaterThan(100);
    expect(shared).toBeLessThan(320);
    // spread over the whole list, not a block at its start
    expect(a[0]).toBeLessThan(100);
    expect(a[a.length - 1]).toBeGreaterThan(19900);
  });

  it('k >= n gives everything', () => {
    expect(seededSubset(5, 5, 3)).toEqual([0, 1, 2, 3, 4]);
    expect(seededSubset(5, 9, 3)).toEqual([0, 1, 2, 3, 4]);
    expect(seededSubset(0, 4, 3)).toEqual([]);
  });

  it('randomOrder is a permutation of 0..n-1', () => {
    const p = [...randomOrder(1000, 9)];
    expect(p.length).toBe(1000);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(p.slice(0, 20)).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('uniform: every index is chosen about equally often over many seeds (chi-square)', () => {
    const n = 40, k = 10, trials = 4000;
    const count = new Array(n).fill(0);
    const firstDraw = new Array(n).fill(0);
    for (let s = 0; s < trials; s++) {
      for (const i of seededSubset(n, k, s)) count[i]++;
      firstDraw[randomOrder(n, s).next().value as number]++;
    }
    const chi2 = (obs: number[], e: number) => obs.reduce((acc, o) => acc + (o - e) ** 2 / e, 0);
    // 39 degrees of freedom: the 99.9th percentile is 72.05. Inclusion counts are
    // slightly less spread than independent ones, so this is conservative.
    expect(chi2(count, (trials * k) / n)).toBeLessThan(72.05);
    expect(chi2(firstDraw, trials / n)).toBeLessThan(72.05);
    // and not suspiciously perfect (a fixed pattern): 0.1th percentile is 17.3
    expect(chi2(firstDraw, trials / n)).toBeGreaterThan(17.3);
  });
});

describe('image size from the header', () => {
  it('PNG: from IHDR, needing only 24 bytes', () => {
    const png = encodePng({ width: 37, height: 21, data: new Uint8Array(37 * 21 * 3) });
    expect(imageDimensions(png)).toEqual({ width: 37, height: 21 });
    expect(imageDimensions(png.subarray(0, 24))).toEqual({ width: 37, height: 21 });
    expect(imageDimensions(png.subarray(0, 16))).toBe('more');
  });

  it('JPEG: from the frame header, as the decoder sees it', () => {
    for (const f of ['rgb.jpg', 'prog_restart.jpg', 'noninterleaved.jpg', 'gray_2x2.jpg']) {
      const bytes = new Uint8Array(readFileSync(join(__dirname, '..', 'reference', 'jpeg', f)));
      const img = decodeImage(bytes);
      expect(imageDimensions(bytes), f).toEqual({ width: img.width, height: img.height });
      expect(imageDimensions(bytes.subarray(0, 8)), f).toBe('more');
    }
  });

  it('not an image: null (the loader then asks decodeImage why)', () => {
    expect(imageDimensions(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0]))).toBeNull();
    expect(imageDimensions(new Uint8Array(0))).toBeNull();
  });
});

describe("the trainer's grid layout", () => {
  it('matches tileGrid with its defaults (8 columns, pad 2) for 64 images', () => {
    for (const size of [16, 32, 64]) {
      const g = tileGrid(new Float32Array(64 * size * size * 3), 64, size);
      expect(trainerGridTile(g.width, g.height)).toBe(size);
    }
    expect(trainerGridTile(8 * 32 + 9 * 2, 8 * 32 + 9 * 2 + 1)).toBeNull();
    expect(trainerGridTile(100, 100)).toBeNull();
    expect(trainerGridTile(32, 32)).toBeNull();
    expect(TRAINER_GRID.name.test('step-000700.png')).toBe(true);
    expect(TRAINER_GRID.name.test('step-1234567.png')).toBe(true);
    expect(TRAINER_GRID.name.test('step-7.png')).toBe(false);
  });
});

describe('minimum sample count for a verdict', () => {
  const set = (n: number, ms: number) => ({ n, height: 32, width: 32, msssim: { mean: ms, std: 0, pairs: (n * (n - 1)) / 2 }, vendi: 1, vendi_msssim: 1, nn: { min: 0, q10: 0, median: 0 }, duplicates: { threshold: 0.02, threshold_source: 'fallback' as const, rate: 1, pairs: [], duplicate_pairs: 0 }, support: { estimate: null, lower_bound: 0 }, timings: { msssim: 0, vendi: 0, nn: 0 } });

  it(`below ${MIN_SAMPLES_FOR_VERDICT} samples (or reference images) the verdict is too-few-samples, with the reason`, () => {
    expect(MIN_SAMPLES_FOR_VERDICT).toBe(16);
    const few = decideVerdict(set(15, 0.99));
    expect(few.verdict).toBe('too-few-samples');
    expect(few.reasons).toEqual(['too few samples to judge: 15 samples, at least 16 are needed (the scores are shown, without a verdict)']);
    expect(decideVerdict(set(16, 0.99)).verdict).toBe('collapsed');
    expect(decideVerdict(set(64, 0.99), set(7, 0.2)).verdict).toBe('too-few-samples');
    expect(decideVerdict(set(64, 0.99), set(7, 0.2)).reasons[0]).toMatch(/a reference of 7 images/);
    expect(decideVerdict(set(64, 0.99), set(16, 0.2)).verdict).toBe('collapsed');
  });

  it('scoreDiversity: 7 identical images still get their scores, but no "collapsed"', async () => {
    const one = syntheticFaces(1, 32, 3);
    const seven = { ...one, n: 7, data: new Uint8Array(7 * 32 * 32 * 3).map((_, i) => (one.data as Uint8Array)[i % 3072]) };
    const r = await scoreDiversity(seven);
    expect(r.msssim.mean).toBeCloseTo(1, 6);
    expect(r.verdict).toBe('too-few-samples');
  });

  it('collapse rule: too-few-samples neither diversifies a run nor counts as its collapse', () => {
    const recs = [{ step: 1, verdict: 'collapsed' }, { step: 2, verdict: 'too-few-samples' }, { step: 3, verdict: 'collapsed' }];
    expect(diversifiedAt(recs)).toBeNull();
    expect(collapseOnset(recs)).toBeNull();
    const w = new CollapseWatch();
    expect(w.observe('collapsed', 1)).toBe('initial');
    expect(w.observe('too-few-samples', 2)).toBeNull();
    expect(w.observe('collapsed', 3)).toBe('initial'); // still the start state, not a collapse
    expect(w.observe('healthy', 4)).toBeNull();
    expect(w.observe('too-few-samples', 5)).toBeNull();
    expect(w.observe('collapsed', 6)).toBe('collapse');
  });
});
