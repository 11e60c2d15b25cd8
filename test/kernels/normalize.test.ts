import { describe, expect, it } from 'vitest';
import { normalizeImages } from '../../src/kernels/normalize';
import { normalizeRef, normalizeValueRef } from '../reference/resize';
import { Rng } from '../../src/util/rng';

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(256);
  return a;
}

describe('normalizeImages', () => {
  it('maps every byte value to x / 127.5 - 1 (correctly rounded f32)', () => {
    const src = new Uint8Array(256 * 3);
    for (let i = 0; i < src.length; i++) src[i] = i % 256;
    const got = normalizeImages(src, 1, 16, 16);
    for (let i = 0; i < src.length; i++) {
      expect(got[i]).toBe(normalizeValueRef(src[i]));
      expect(Math.abs(got[i] - (src[i] / 127.5 - 1))).toBeLessThan(6e-8);
    }
    expect(got[0]).toBe(-1);
    expect(got[255]).toBe(1);
  });

  for (const [n, h, w] of [[1, 1, 1], [3, 1, 2], [2, 5, 7], [4, 3, 5], [3, 6, 6], [2, 11, 16], [5, 32, 32], [2, 13, 64], [1, 64, 64]] as const)
    it(`[${n}, ${h}, ${w}] with and without flips`, () => {
      const src = randomBytes(n * h * w * 3, n * 100 + h * 10 + w);
      expect(normalizeImages(src, n, h, w)).toEqual(normalizeRef(src, n, h, w));
      const flips = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));
      expect(normalizeImages(src, n, h, w, flips)).toEqual(normalizeRef(src, n, h, w, flips));
      const all = new Array(n).fill(true);
      expect(normalizeImages(src, n, h, w, all)).toEqual(normalizeRef(src, n, h, w, all));
    });

  it('flips mirror pixels, not channels', () => {
    const src = new Uint8Array([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52, 60, 61, 62]);
    const got = normalizeImages(src, 1, 1, 7, [1]);
    const back = Array.from(got, (v) => Math.round((v + 1) * 127.5));
    expect(back).toEqual([60, 61, 62, 50, 51, 52, 40, 41, 42, 30, 31, 32, 20, 21, 22, 10, 11, 12, 0, 1, 2]);
  });

  it('rejects bad shapes in JS and in the kernel', async () => {
    expect(() => normalizeImages(new Uint8Array(10), 1, 2, 2)).toThrow(RangeError);
    const { pipelineWasm } = await import('../../src/wasm/pipeline');
    const ex = pipelineWasm().exports as any;
    ex.reset();
    const p = ex.alloc(64);
    expect(ex.normalizeBatch(p, 12, 1, 0, 4, 0, p, 64)).toBe(-1);
    expect(ex.normalizeBatch(p, 11, 1, 2, 2, 0, p, 64)).toBe(-3);
    expect(ex.normalizeBatch(p, 12, 1, 2, 2, 0, p, 47)).toBe(-4);
  });
});
