// nn GEMM (SIMD, blocked, threaded) against a scalar float64 reference.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createNnPool, type NnPool } from '../../src/nn/pool';
import { nodeSpawner } from '../../src/nn/pool_node';
import { gemm, writeJob, OP_GEMM } from '../../src/kernels/gemm';
import { gemmRef } from '../reference/nn';
import { randArray, relErr } from '../reference/backends';

const shapes: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [4, 8, 16], [17, 13, 9], [64, 100, 37], [5, 33, 300], [130, 70, 520], [64, 600, 100], [2, 1030, 3],
];

for (const threads of [1, 2, 3]) {
  describe(`gemm, ${threads} thread(s)`, () => {
    let pool: NnPool;
    beforeAll(async () => { pool = await createNnPool(threads, await nodeSpawner()); expect(pool.threads).toBe(threads); });
    afterAll(() => pool.dispose());

    for (const [M, N, K] of shapes) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        it(`M=${M} N=${N} K=${K} tA=${ta} tB=${tb}`, () => {
          const a = randArray(M * K, M + K), b = randArray(K * N, N * 7 + K);
          const o = { transposeA: ta, transposeB: tb };
          expect(relErr(gemm(pool, a, b, M, N, K, o), gemmRef(a, b, M, N, K, o))).toBeLessThan(1e-5);
        });
      }
    }

    for (const act of ['linear', 'relu', 'relu6', 'leakyrelu'] as const) {
      it(`bias + ${act}`, () => {
        const [M, N, K] = [23, 19, 41];
        const a = randArray(M * K, 1), b = randArray(K * N, 2), bias = randArray(N, 3).map((v) => v * 4);
        const o = { bias, activation: act, alpha: 0.15 };
        expect(relErr(gemm(pool, a, b, M, N, K, o), gemmRef(a, b, M, N, K, o))).toBeLessThan(1e-5);
      });
    }

    it('rejects too-short inputs', () => {
      expect(() => gemm(pool, new Float32Array(5), new Float32Array(6), 2, 3, 3)).toThrow(/need/);
    });
    it('memory stays bounded across repeated calls', () => {
      const a = randArray(64 * 100, 1), b = randArray(100 * 256, 2);
      gemm(pool, a, b, 64, 256, 100);
      const m0 = pool.exports.memoryBytes();
      for (let i = 0; i < 5; i++) gemm(pool, a, b, 64, 256, 100);
      expect(pool.exports.memoryBytes()).toBe(m0);
    });
  });
}

describe('single-threaded build (no SharedArrayBuffer)', () => {
  it('computes the same GEMM and says why it is single-threaded', async () => {
    const pool = await createNnPool(4, await nodeSpawner(), { forceSingleThreadBuild: true });
    expect(pool.threads).toBe(1);
    expect(pool.note).toMatch(/SharedArrayBuffer/);
    expect(pool.mod.memory.buffer instanceof SharedArrayBuffer).toBe(false);
    const [M, N, K] = [37, 29, 300];
    const a = randArray(M * K, 1), b = randArray(K * N, 2);
    expect(relErr(gemm(pool, a, b, M, N, K), gemmRef(a, b, M, N, K))).toBeLessThan(1e-5);
    pool.dispose();
  });
});

describe('kernel-side validation', () => {
  it('rejects a job whose buffers lie outside memory, without trapping', async () => {
    const pool = await createNnPool(1);
    const e = pool.exports;
    e.reset();
    const job = writeJob(pool, { op: OP_GEMM, M: 4, N: 8, K: 4, pb: 0x7ffffff0, c: 0, ldc: 8, cLen: 32, scratch: 0, scratchBytes: 1 << 20, a: 0, rsA: 4, csA: 1, aLen: 16 });
    expect(e.run(job, 0, 1)).toBe(-2);
    const bad = writeJob(pool, { op: 9, M: 4, N: 8, K: 4, pb: 0, c: 0, ldc: 8, scratch: 0, scratchBytes: 0 });
    expect(e.run(bad, 0, 1)).toBe(-3);
    const neg = writeJob(pool, { op: OP_GEMM, M: -1, N: 8, K: 4, pb: 0, c: 0, ldc: 8, scratch: 0, scratchBytes: 0 });
    expect(e.run(neg, 0, 1)).toBe(-1);
    expect(() => pool.run(job)).toThrow(/out of bounds/);
    expect(e.packBChecked(0, 10, 4, 8, 8, 1, 0)).toBe(-2);
    pool.dispose();
  });
});
