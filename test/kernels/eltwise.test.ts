// The element-wise activation kernels (assembly/nn/eltwise.ts) against the
// scalar reference: Relu, LeakyRelu and the activation gradient bit for bit,
// tanh within 1e-6 relative per element; both builds, 1, 2 and 3 threads,
// lengths that are and are not multiples of 4 and span several work blocks.
import { describe, it, expect, afterAll } from 'vitest';
import { createNnPool, type NnPool } from '../../src/nn/pool';
import { eltwise } from '../../src/kernels/eltwise';
import { eltwiseRef } from '../reference/eltwise';
import { randArray } from '../reference/backends';
import { SIMD_BUILDS, poolFor } from '../reference/simd';

const pools: NnPool[] = [];
afterAll(() => { for (const p of pools) p.dispose(); });

/** Values across tanh's branches: tiny, around the 0.5 switch, large, saturated, signed zeros. */
function tanhInputs(n: number): Float32Array {
  const r = randArray(n, 9);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 6;
    x[i] = k === 0 ? r[i] * 1e-3 : k === 1 ? 0.5 + r[i] * 0.01 : k === 2 ? r[i] * 3 : k === 3 ? r[i] * 12 : k === 4 ? r[i] * 1e-30 : r[i];
  }
  if (n > 2) { x[0] = 0; x[1] = -0; x[2] = 100; }
  return x;
}

for (const simd of SIMD_BUILDS) for (const threads of [1, 2, 3]) {
  describe(`eltwise kernels, ${simd} build, ${threads} thread(s)`, () => {
    let pool: NnPool;
    it('start', async () => { pool = await poolFor(threads, simd); pools.push(pool); });
    for (const n of [1, 7, 64, 3 * 16384 + 5]) {
      it(`relu, leakyRelu and the activation gradient equal the reference bit for bit, n = ${n}`, () => {
        const x = randArray(n, n + 1), dy = randArray(n, n + 2);
        for (const [mode, alpha] of [['relu', 0], ['leakyRelu', 0.2], ['actGrad', 0.2], ['actGrad', 0]] as const) {
          const out = new Float32Array(n);
          eltwise(pool, mode, x, mode === 'actGrad' ? dy : null, alpha, out);
          expect(Array.from(out), `${mode} ${alpha}`).toEqual(Array.from(eltwiseRef(mode, x, dy, alpha)));
        }
      });
      it(`tanh within 1e-6 relative of Math.tanh, element by element, n = ${n}`, () => {
        const x = tanhInputs(n);
        const out = new Float32Array(n);
        eltwise(pool, 'tanh', x, null, 0, out);
        const ref = eltwiseRef('tanh', x, null, 0);
        let worst = 0;
        for (let i = 0; i < n; i++) {
          const e = Math.abs(out[i] - ref[i]) / Math.max(Math.abs(ref[i]), 1e-38);
          if (ref[i] === 0) expect(Object.is(out[i], ref[i]), `tanh(${x[i]})`).toBe(true);
          else worst = Math.max(worst, e);
        }
        expect(worst).toBeLessThan(1e-6);
      });
    }
  });
}

describe('eltwise kernel input checks', () => {
  it('short buffers and unknown modes are refused before memory is touched', async () => {
    const pool = await createNnPool(1);
    pools.push(pool);
    expect(() => eltwise(pool, 'relu', new Float32Array(8), null, 0, new Float32Array(7))).toThrow(/out has 7 values, need 8/);
    expect(() => eltwise(pool, 'actGrad', new Float32Array(8), new Float32Array(4), 0, new Float32Array(8))).toThrow(/dy has 4 values, need 8/);
    expect(() => eltwise(pool, 'actGrad', new Float32Array(8), null, 0, new Float32Array(8))).toThrow(/dy has 0 values/);
    expect(() => eltwise(pool, 'gelu' as any, new Float32Array(8), null, 0, new Float32Array(8))).toThrow(/unknown mode "gelu"/);
  });

  it('the wasm side refuses a job whose buffers leave memory, a bad mode or length, before running it', async () => {
    const pool = await createNnPool(1);
    pools.push(pool);
    const mod = pool.mod;
    mod.exports.reset();
    const a = mod.put(new Float32Array(16));
    const job = (fields: number[]) => {
      const ptr = (mod.exports.alloc(34 * 4) as number) >>> 0;
      mod.i32.fill(0, ptr >>> 2, (ptr >>> 2) + 34);
      fields.forEach((v, i) => { mod.i32[(ptr >>> 2) + i] = v; });
      return ptr;
    };
    const end = mod.i32.length * 4;
    // op 13 ELTWISE: op n _ mode a b out
    expect(() => pool.run(job([13, 16, 0, 0, a, 0, end - 32]))).toThrow(/buffer out of bounds/);
    expect(() => pool.run(job([13, 16, 0, 3, a, 0, a]))).toThrow(/buffer out of bounds/); // the gradient without dy
    expect(() => pool.run(job([13, 16, 0, 4, a, 0, a]))).toThrow(/bad dimensions/);
    expect(() => pool.run(job([13, 0, 0, 0, a, 0, a]))).toThrow(/bad dimensions/);
    expect(() => pool.run(job([13, 16, 0, 0, a, 0, a]))).not.toThrow();
    // op 8 AFFINE with an unknown activation mode: op R C mode a b out p q r acc m
    expect(() => pool.run(job([8, 4, 4, 3, a, 0, a, a, 0, a, 0, a]))).toThrow(/bad dimensions/);
    expect(() => pool.run(job([8, 4, 4, 2, a, 0, a, a, 0, a, 0, a]))).not.toThrow();
    // BatchNorm's backward after an activation: the mask y (slot 12) must lie in memory too
    const acc = (mod.exports.alloc(4 * 24 + 8) as number + 7) & ~7;
    expect(() => pool.run(job([7, 4, 4, 2, a, a, 0, a, 0, 0, acc, 0, end - 32]))).toThrow(/buffer out of bounds/); // COLSUM
    expect(() => pool.run(job([8, 4, 4, 0, a, a, a, a, a, a, 0, a, end - 32]))).toThrow(/buffer out of bounds/); // AFFINE
    expect(() => pool.run(job([8, 4, 4, 0, a, a, a, a, a, a, 0, a, a]))).not.toThrow();
  });
});
