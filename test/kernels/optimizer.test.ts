// The Adam / RMSprop update kernels (assembly/nn/channel.ts) against the
// scalar float32 reference: identical bits, on both builds, 1 and 2 threads,
// lengths that are and are not multiples of 4 and span several work blocks.
import { describe, it, expect, afterAll } from 'vitest';
import type { NnPool } from '../../src/nn/pool';
import { adamStep, rmspropStep } from '../../src/kernels/optimizer';
import { adamRef, rmspropRef } from '../reference/optimizer';
import { randArray } from '../reference/backends';
import { SIMD_BUILDS, poolFor } from '../reference/simd';

const f = Math.fround;
const pools: NnPool[] = [];
afterAll(() => { for (const p of pools) p.dispose(); });

for (const simd of SIMD_BUILDS) for (const threads of [1, 2]) {
  describe(`optimizer kernels, ${simd} build, ${threads} thread(s)`, () => {
    for (const n of [1, 7, 64, 2 * 16384 + 3]) {
      it(`adam and rmsprop (with and without clip) equal the scalar reference bit for bit, n = ${n}`, async () => {
        const pool = await poolFor(threads, simd);
        pools.push(pool);
        const x = randArray(n, 1).map((v) => v * 0.02), g = randArray(n, 2), a = randArray(n, 3).map((v) => v * 0.1), b = randArray(n, 4).map((v) => Math.abs(v) * 0.01);
        for (const clip of [0, f(0.01)]) {
          const sa = { beta1: f(0.5), ob1: f(0.5), beta2: f(0.999), ob2: f(1 - 0.999), omab1: f(1 - f(0.125)), omab2: f(1 - f(0.997)), eps: f(1e-8), nlr: f(-1e-3), clip };
          const outA = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
          adamStep(pool, sa, x, g, a, b, ...outA);
          const refA = adamRef(sa, x, g, a, b);
          for (let k = 0; k < 3; k++) expect(Array.from(outA[k])).toEqual(Array.from(refA[k]));
          const sr = { decay: f(0.99), od: f(1 - 0.99), momentum: 0, lr: f(5e-3), eps: f(1e-8), clip };
          const outR = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
          rmspropStep(pool, sr, x, g, b, a, ...outR);
          const refR = rmspropRef(sr, x, g, b, a);
          for (let k = 0; k < 3; k++) expect(Array.from(outR[k])).toEqual(Array.from(refR[k]));
        }
      });
    }
  });
}

describe('optimizer kernel input checks', () => {
  it('a short buffer is refused before memory is touched', async () => {
    const pool = await poolFor(1, 'plain');
    pools.push(pool);
    const s = { beta1: 0.5, ob1: 0.5, beta2: 0.9, ob2: 0.1, omab1: 0.5, omab2: 0.1, eps: 1e-8, nlr: -1e-3, clip: 0 };
    const z = new Float32Array(8);
    expect(() => adamStep(pool, s, z, new Float32Array(5), z, z, z, z, z)).toThrow(/g has 5 values, need 8/);
  });
});
