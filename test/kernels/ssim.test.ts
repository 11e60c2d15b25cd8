import { describe, it, expect } from 'vitest';
import { msssimPairs } from '../../src/kernels/ssim';
import { msssimRef, ssimScale } from '../reference/msssim';

function smoothRandom(rng: () => number, h: number, w: number): Float32Array {
  // random blobs + noise so every scale has structure
  const o = new Float32Array(h * w);
  const cx = rng() * w, cy = rng() * h, f = 0.1 + rng() * 0.3;
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) {
    o[r * w + c] = Math.min(1, Math.max(0, 0.5 + 0.3 * Math.sin(f * (c - cx)) * Math.cos(f * (r - cy)) + 0.2 * (rng() - 0.5)));
  }
  return o;
}

describe('msssim_pairs kernel', () => {
  it('is 1 for an image with itself', () => {
    const rng = mkRng(1);
    const img = smoothRandom(rng, 64, 64);
    const out = msssimPairs(img, 1, 64, 64, new Int32Array([0, 0]));
    expect(out[0]).toBeCloseTo(1, 5);
  });

  it('single-scale SSIM reference: hand-computed constant images', () => {
    // constant a vs constant b: cs = 1 (no variance), l = (2ab + C1)/(a^2 + b^2 + C1)
    const a = new Float64Array(16 * 16).fill(0.2), b = new Float64Array(16 * 16).fill(0.6);
    const [cs, ss] = ssimScale(a, b, 16, 16);
    expect(cs).toBeCloseTo(1, 12);
    expect(ss).toBeCloseTo((2 * 0.12 + 1e-4) / (0.04 + 0.36 + 1e-4), 12);
  });

  it('negated noise (y = 1 - x): scale-0 cs is negative, clipped, so MS-SSIM is 0', () => {
    const rng = mkRng(9);
    const x = Float32Array.from({ length: 32 * 32 }, () => rng());
    const imgs = new Float32Array(2 * 1024);
    imgs.set(x); imgs.set(x.map((v) => 1 - v), 1024);
    expect(msssimPairs(imgs, 2, 32, 32, new Int32Array([0, 1]))[0]).toBe(0);
  });

  it('a 1x1 last scale is the luminance term alone (hand-computed)', () => {
    // 16x16 constant images 0.25 and 0.75: every cs = 1, the last scale is
    // 1x1 (window 1), ssim_4 = l = (2*.25*.75 + C1) / (.25^2 + .75^2 + C1)
    const imgs = new Float32Array(2 * 256);
    imgs.fill(0.25, 0, 256); imgs.fill(0.75, 256);
    const l = (2 * 0.25 * 0.75 + 1e-4) / (0.0625 + 0.5625 + 1e-4);
    expect(msssimPairs(imgs, 2, 16, 16, new Int32Array([0, 1]))[0]).toBeCloseTo(l ** 0.1333, 4);
  });

  it('matches the float64 reference on random images (64x64, 32x48, 16x16)', () => {
    const rng = mkRng(7);
    for (const [h, w, m] of [[64, 64, 5], [32, 48, 4], [16, 16, 3]] as const) {
      const imgs = new Float32Array(m * h * w);
      for (let i = 0; i < m; i++) imgs.set(i % 2 ? smoothRandom(rng, h, w) : Float32Array.from({ length: h * w }, () => rng()), i * h * w);
      const pairs: number[] = [];
      for (let i = 0; i < m; i++) for (let j = i; j < m; j++) pairs.push(i, j);
      // also a related pair: image 0 plus small noise
      const out = msssimPairs(imgs, m, h, w, Int32Array.from(pairs));
      for (let p = 0; p < pairs.length / 2; p++) {
        const i = pairs[2 * p], j = pairs[2 * p + 1];
        const ref = msssimRef(imgs.subarray(i * h * w, (i + 1) * h * w), imgs.subarray(j * h * w, (j + 1) * h * w), h, w);
        expect(Math.abs(out[p] - ref)).toBeLessThan(1e-5);
      }
    }
  });

  it('matches the reference on similar images (value well inside (0,1))', () => {
    const rng = mkRng(3);
    const a = smoothRandom(rng, 64, 64);
    const b = a.map((v) => Math.min(1, Math.max(0, v + 0.1 * (rng() - 0.5))));
    const imgs = new Float32Array(2 * 4096); imgs.set(a); imgs.set(b, 4096);
    const out = msssimPairs(imgs, 2, 64, 64, new Int32Array([0, 1, 1, 0]));
    const ref = msssimRef(a, b, 64, 64);
    expect(ref).toBeGreaterThan(0.3); expect(ref).toBeLessThan(0.999);
    expect(out[0]).toBeCloseTo(ref, 5);
    expect(out[1]).toBeCloseTo(out[0], 6); // symmetric
  });

  it('rejects bad dimensions and indices', () => {
    expect(() => msssimPairs(new Float32Array(8 * 8), 1, 8, 8, new Int32Array([0, 0]))).toThrow(/bad dimensions/);
    expect(() => msssimPairs(new Float32Array(2 * 256), 2, 16, 16, new Int32Array([0, 2]))).toThrow(/pair index/);
  });
});

function mkRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}
