// nn GEMM (SIMD, blocked, threaded) against a scalar float64 reference.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createNnPool, type NnPool } from '../../src/nn/pool';
import { nodeSpawner } from '../../src/nn/pool_node';
import { gemm } from '../../src/kernels/gemm';
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
