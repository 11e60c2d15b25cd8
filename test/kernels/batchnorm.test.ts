// BatchNorm training forward/backward SIMD kernels (assembly/nn/channel.ts)
// against the float64 reference, on 1 and 2 threads, with channel counts that
// are and are not multiples of 4 and row counts across work-item boundaries.
import { describe, it, expect, afterAll } from 'vitest';
import { createNnPool, type NnPool } from '../../src/nn/pool';
import { nodeSpawner } from '../../src/platform/node';
import { bnTrainForward, bnTrainBackward, columnSums } from '../../src/kernels/batchnorm';
import { bnForwardRef, bnBackwardRef } from '../reference/batchnorm';
import { randArray, relErr } from '../reference/backends';
import { SIMD_BUILDS, poolFor } from '../reference/simd';

const pools: NnPool[] = [];
afterAll(() => { for (const p of pools) p.dispose(); });
const shapes: [number, number][] = [[1, 1], [3, 5], [257, 4], [600, 7], [4096, 64], [64, 8192], [70, 130]];

for (const simd of SIMD_BUILDS) for (const threads of [1, 2, 3]) {
  describe(`batchnorm kernels, ${simd} build, ${threads} thread(s)`, () => {
    let pool: NnPool;
    it('start', async () => { pool = await poolFor(threads, simd); pools.push(pool); });
    for (const [R, C] of shapes) {
      it(`forward and backward match the float64 reference at [${R}, ${C}]`, () => {
        // an offset mean, so the statistics are not trivially ~0
        const x = randArray(R * C, R + C).map((v, i) => 3 * v + 2 + (i % C) * 0.1);
        const gamma = randArray(C, 3).map((v) => 1 + 0.5 * v), beta = randArray(C, 4);
        const dy = randArray(R * C, 5);
        const eps = 1e-5;
        const y = new Float32Array(R * C);
        const f = bnTrainForward(pool, x, R, C, gamma, beta, eps, y);
        const rf = bnForwardRef(x, R, C, gamma, beta, eps);
        expect(relErr(y, rf.y)).toBeLessThan(1e-5);
        expect(relErr(f.mean, rf.mean)).toBeLessThan(1e-5);
        expect(relErr(f.variance, rf.variance)).toBeLessThan(1e-5);
        const dx = new Float32Array(R * C);
        const b = bnTrainBackward(pool, dy, x, R, C, f.mean, f.variance, gamma, eps, dx);
        const rb = bnBackwardRef(dy, x, R, C, gamma, eps);
        if (R > 1) expect(relErr(dx, rb.dx)).toBeLessThan(1e-4);
        expect(relErr(b.dgamma, rb.dgamma)).toBeLessThan(1e-4);
        expect(relErr(b.dbeta, rb.dbeta)).toBeLessThan(1e-5);
      });
      it(`columnSums matches the float64 column sums at [${R}, ${C}]`, () => {
        const x = randArray(R * C, R * 3 + C).map((v, i) => v + (i % C) * 0.5);
        const ref = new Float64Array(C);
        for (let i = 0; i < R * C; i++) ref[i % C] += x[i];
        expect(relErr(columnSums(pool, x, R, C), ref)).toBeLessThan(1e-6);
      });
      it(`with relu / leakyRelu fused: forward and backward match act(reference) at [${R}, ${C}]`, () => {
        const x = randArray(R * C, R + C + 7).map((v, i) => 3 * v + 0.5 + (i % C) * 0.1);
        const gamma = randArray(C, 8).map((v) => 1 + 0.5 * v), beta = randArray(C, 9);
        const dy = randArray(R * C, 10);
        const eps = 1e-5;
        const rf = bnForwardRef(x, R, C, gamma, beta, eps);
        for (const act of [{ kind: 'relu' }, { kind: 'leakyRelu', alpha: 0.2 }] as const) {
          const alpha = act.kind === 'relu' ? 0 : Math.fround(act.alpha);
          const y = new Float32Array(R * C);
          const f = bnTrainForward(pool, x, R, C, gamma, beta, eps, y, act);
          const yRef = rf.y.map((v) => (v > 0 ? v : alpha * v));
          expect(relErr(y, yRef), act.kind).toBeLessThan(1e-5);
          // the pre-activation gradient masked where the f32 output is > 0 (as tfjs masks with its
          // f32 pre-activation: a value within rounding of 0 may fall either side in f64), then BatchNorm's backward
          const dyPre = dy.map((g, i) => (y[i] > 0 ? g : alpha * g));
          const rb = bnBackwardRef(dyPre, x, R, C, gamma, eps);
          const dx = new Float32Array(R * C);
          const b = bnTrainBackward(pool, dy, x, R, C, f.mean, f.variance, gamma, eps, dx, act, y);
          if (R > 1) expect(relErr(dx, rb.dx), act.kind).toBeLessThan(1e-4);
          expect(relErr(b.dgamma, rb.dgamma), act.kind).toBeLessThan(1e-4);
          expect(relErr(b.dbeta, rb.dbeta), act.kind).toBeLessThan(1e-5);
        }
      });
    }
  });
}

describe('batchnorm kernel input checks', () => {
  it('short buffers are refused before any memory is touched', async () => {
    const pool = await createNnPool(1);
    pools.push(pool);
    expect(() => bnTrainForward(pool, new Float32Array(10), 4, 3, new Float32Array(3), new Float32Array(3), 1e-5, new Float32Array(12))).toThrow(/x has 10 values, need 12/);
    expect(() => bnTrainBackward(pool, new Float32Array(12), new Float32Array(12), 4, 3, new Float32Array(3), new Float32Array(2), new Float32Array(3), 1e-5, new Float32Array(12))).toThrow(/variance has 2/);
    expect(() => bnTrainForward(pool, new Float32Array(0), 0, 3, new Float32Array(3), new Float32Array(3), 1e-5, new Float32Array(0))).toThrow(/bad shape/);
    expect(() => bnTrainBackward(pool, new Float32Array(12), new Float32Array(12), 4, 3, new Float32Array(3), new Float32Array(3), new Float32Array(3), 1e-5, new Float32Array(12), { kind: 'relu' })).toThrow(/y has 0 values, need 12/);
    expect(() => bnTrainForward(pool, new Float32Array(12), 4, 3, new Float32Array(3), new Float32Array(3), 1e-5, new Float32Array(12), { kind: 'leakyRelu', alpha: 0 })).toThrow(/alpha must be > 0/);
  });
});
