// Buffers above 2 GiB in a wasm memory: the modules return pointers as i32, so
// a pointer >= 2^31 arrives in JS as a negative number; the wrappers must read
// it unsigned. The metrics module may grow to 4 GiB (asconfig: maximumMemory
// 65536 pages); one allocation is at most 1 GiB (the stub runtime's
// BLOCK_MAXSIZE), so two inputs of just under 1 GiB push the outputs above 2 GiB.
import { describe, it, expect } from 'vitest';
import { metricsWasm } from '../../src/wasm/metrics';
import { dotMatrix } from '../../src/kernels/gram';
import { nearest } from '../../src/kernels/knn';

const GiB = 2 ** 30, GiB2 = 2 ** 31;

describe('pointers above 2 GiB (metrics module)', () => {
  // 2 rows of d floats: 2^30 - 16 bytes, the largest block the heap hands out.
  const d = 2 ** 27 - 2;
  const a = new Float32Array(2 * d), b = new Float32Array(2 * d); // zero pages: cheap until copied in
  const K = [0, 777, 5_000_001, d - 1];
  K.forEach((k, i) => { a[k] = i + 1; a[d + k] = -2 * i; b[k] = 0.5 * i; b[d + k] = 3 - i; });
  const dot = (x: Float32Array, i: number, y: Float32Array, j: number) => K.reduce((s, k) => s + x[i * d + k] * y[j * d + k], 0);
  const dist2 = (i: number, j: number) => dot(a, i, a, i) + dot(b, j, b, j) - 2 * dot(a, i, b, j);

  it('put() writes an input allocated above 2 GiB where its pointer says', () => {
    const wasm = metricsWasm();
    wasm.exports.reset();
    wasm.exports.alloc(GiB - 16);
    wasm.exports.alloc(GiB - 16);
    expect(wasm.exports.memoryBytes() >>> 0).toBeGreaterThan(GiB2);
    const src = Uint8Array.from({ length: 100 }, (_, i) => (i * 7 + 3) & 255);
    const p = wasm.put(src);
    expect(p).toBeGreaterThan(GiB2);
    expect(Array.from(wasm.u8.subarray(p, p + 100))).toEqual(Array.from(src));
    wasm.exports.reset();
  });

  // No time limit here but the suite's (testTimeout, for a hang): this copies 2 GiB into fresh
  // wasm pages, whose first touch alone takes 5-6 s on a VM where it costs ~2.7 ms a MB, and a
  // 20 s bound that once stood here failed at 23 s on such a machine with nothing wrong.
  it('dotMatrix (cross-Gram) with its output above 2 GiB', () => {
    const g = dotMatrix(a, 2, d, b, 2);
    expect(metricsWasm().exports.memoryBytes() >>> 0).toBeGreaterThan(GiB2);
    const want = [dot(a, 0, b, 0), dot(a, 0, b, 1), dot(a, 1, b, 0), dot(a, 1, b, 1)];
    expect(want).toEqual([10, 10, -14, -8]);
    expect(Array.from(g)).toEqual(want);
  });

  it('nearest (kNN) with its outputs above 2 GiB', () => {
    const r = nearest(a, 2, d, b, 2, 40);
    const near = [0, 1].map((i) => (dist2(i, 0) <= dist2(i, 1) ? 0 : 1));
    expect(Array.from(r.index)).toEqual(near);
    expect(Array.from(r.dist2)).toEqual([0, 1].map((i) => dist2(i, near[i])));
    expect(Array.from(r.within)).toEqual([0, 1].map((i) => [0, 1].filter((j) => dist2(i, j) < 40).length));
  });
});
