import { describe, expect, it } from 'vitest';
import { assembleBatch } from '../../src/kernels/assemble';
import { normalizeRef } from '../reference/resize';
import { Rng } from '../../src/util/rng';

function cache(n: number, s: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const a = new Uint8Array(n * s * s * 3);
  for (let i = 0; i < a.length; i++) a[i] = rng.int(256);
  return a;
}

function refBatch(images: Uint8Array, s: number, idx: number[], flips?: number[]): Float32Array {
  const row = s * s * 3;
  const g = new Uint8Array(idx.length * row);
  idx.forEach((k, b) => g.set(images.subarray(k * row, (k + 1) * row), b * row));
  return normalizeRef(g, idx.length, s, s, flips);
}

describe('assembleBatch', () => {
  for (const s of [1, 5, 8, 32, 33])
    it(`gathers in order with per-slot flips (S=${s})`, () => {
      const n = 11;
      const images = cache(n, s, s);
      const idx = [7, 0, 3, 3, 10, 1, 9];
      const flips = [1, 0, 0, 1, 1, 0, 1];
      expect(assembleBatch(images, s, idx, flips)).toEqual(refBatch(images, s, idx, flips));
      expect(assembleBatch(images, s, idx)).toEqual(refBatch(images, s, idx));
    });

  it('slot b is exactly image idx[b], mirrored when asked', () => {
    const s = 4, row = s * s * 3;
    const images = new Uint8Array(3 * row);
    for (let k = 0; k < 3; k++) for (let p = 0; p < s * s; p++) images.set([k * 80, p * 10, (p % s) * 50], k * row + p * 3);
    const out = assembleBatch(images, s, [2, 0, 1], [0, 1, 0]);
    const px = (b: number, y: number, x: number) => Array.from(out.subarray(((b * s + y) * s + x) * 3, ((b * s + y) * s + x) * 3 + 3), (v) => Math.round((v + 1) * 127.5));
    expect(px(0, 1, 2)).toEqual([160, 60, 100]);
    expect(px(1, 1, 0)).toEqual([0, 70, 150]); // mirrored: x=0 shows source x=3
    expect(px(2, 3, 3)).toEqual([80, 150, 150]);
  });

  it('writes into a given buffer; rejects bad indices', async () => {
    const images = cache(4, 8, 1);
    const out = new Float32Array(2 * 8 * 8 * 3 + 3).fill(7);
    expect(assembleBatch(images, 8, [1, 2], undefined, out)).toBe(out);
    expect(out.subarray(0, 384)).toEqual(refBatch(images, 8, [1, 2]));
    expect(out[384]).toBe(7);
    expect(() => assembleBatch(images, 8, [4])).toThrow(RangeError);
    expect(() => assembleBatch(images, 8, [-1])).toThrow(RangeError);
    const { pipelineWasm } = await import('../../src/wasm/pipeline');
    const ex = pipelineWasm().exports as any;
    ex.reset();
    const rp = ex.alloc(192), ip = ex.alloc(8), op = ex.alloc(768);
    pipelineWasm().i32.set([0, 2], ip >>> 2);
    expect(ex.assembleBatch(rp, 192, 1, ip, 2, 8, 0, op, 768 * 2)).toBe(-2);
    expect(ex.assembleBatch(rp, 191, 1, ip, 1, 8, 0, op, 768)).toBe(-3);
    expect(ex.assembleBatch(rp, 192, 1, ip, 1, 8, 0, op, 767)).toBe(-4);
    expect(ex.assembleBatch(rp, 192, 1, ip, 1, 8, 0, op, 768)).toBe(0);
  });

  it('does not grow wasm memory across batches', async () => {
    const { pipelineWasm } = await import('../../src/wasm/pipeline');
    const ex = pipelineWasm().exports as any;
    const images = cache(40, 16, 3);
    const idx = [...Array(32).keys()];
    assembleBatch(images, 16, idx, idx.map((i) => i & 1));
    const before = ex.memoryBytes();
    for (let i = 0; i < 30; i++) assembleBatch(images, 16, idx.map((k) => (k + i) % 40), idx.map((k) => (k + i) & 1));
    expect(ex.memoryBytes()).toBe(before);
  });
});

