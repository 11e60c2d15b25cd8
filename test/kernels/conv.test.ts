// nn conv kernels (forward, backprop-filter, backprop-input) against scalar
// float64 references, single- and multi-threaded.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createNnPool, type NnPool } from '../../src/nn/pool';
import { nodeSpawner } from '../../src/platform/node';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../../src/kernels/conv';
import { conv2dRef, conv2dBackpropFilterRef, conv2dBackpropInputRef, geom } from '../reference/nn';
import { randArray, relErr } from '../reference/backends';
import { SIMD_BUILDS, poolFor } from '../reference/simd';

// [B, H, W, Ci, Co, K, stride, pad]
// a number pads that many on every side (the seed's Conv2d(5, 2, padding=2))
const cases: [number, number, number, number, number, number, number, 'same' | 'valid' | number][] = [
  [1, 5, 5, 1, 1, 1, 1, 'valid'],
  [1, 7, 6, 3, 5, 3, 1, 'same'],
  [2, 9, 9, 6, 7, 5, 2, 'same'],
  [3, 8, 8, 5, 4, 5, 2, 'valid'],
  [1, 6, 7, 9, 3, 1, 1, 'valid'],
  [2, 11, 10, 4, 6, 4, 1, 'valid'],
  [2, 8, 8, 8, 12, 5, 2, 'same'],
  [1, 4, 4, 16, 1, 4, 1, 'valid'],
  [5, 6, 6, 7, 9, 1, 2, 'same'],
  [2, 16, 16, 3, 10, 5, 2, 'same'],
  [4, 4, 4, 20, 8, 5, 2, 'same'],
  [2, 8, 8, 8, 12, 5, 2, 2],
  [3, 16, 16, 3, 10, 5, 2, 2],
  [2, 9, 7, 5, 6, 5, 2, 2],
  [4, 4, 4, 20, 8, 5, 2, 2],
  [1, 6, 6, 4, 3, 3, 1, 1],
];

for (const simd of SIMD_BUILDS) for (const threads of [1, 2]) {
  describe(`conv kernels, ${simd} build, ${threads} thread(s)`, () => {
    let pool: NnPool;
    beforeAll(async () => { pool = await poolFor(threads, simd); });
    afterAll(() => pool.dispose());

    for (const [B, H, W, Ci, Co, K, s, pad] of cases) {
      const g = geom(B, H, W, Ci, Co, K, s, pad);
      const name = `B${B} ${H}x${W}x${Ci}->${Co} k${K} s${s} ${pad}`;
      const x = randArray(B * H * W * Ci, 11), w = randArray(K * K * Ci * Co, 12), dy = randArray(B * g.OH * g.OW * Co, 13);
      it(`forward ${name}`, () => {
        expect(relErr(conv2d(pool, g, x, w), conv2dRef(g, x, w))).toBeLessThan(1e-5);
      });
      it(`backprop filter ${name}`, () => {
        expect(relErr(conv2dBackpropFilter(pool, g, x, dy), conv2dBackpropFilterRef(g, x, dy))).toBeLessThan(1e-5);
      });
      it(`backprop input ${name}`, () => {
        expect(relErr(conv2dBackpropInput(pool, g, dy, w), conv2dBackpropInputRef(g, dy, w))).toBeLessThan(1e-5);
      });
    }

    it('forward with bias + leakyrelu', () => {
      const g = geom(2, 8, 8, 5, 6, 3, 2, 'same');
      const x = randArray(2 * 64 * 5, 1), w = randArray(9 * 5 * 6, 2), bias = randArray(6, 3);
      const ref = conv2dRef(g, x, w).map((v, i) => { const t = v + bias[i % 6]; return t > 0 ? t : 0.2 * t; });
      expect(relErr(conv2d(pool, g, x, w, { bias, activation: 'leakyrelu', alpha: 0.2 }), ref)).toBeLessThan(1e-5);
    });

    it('rejects inputs shorter than the geometry', () => {
      const g = geom(2, 8, 8, 5, 6, 3, 2, 'same');
      expect(() => conv2d(pool, g, new Float32Array(10), new Float32Array(9 * 30))).toThrow(/need/);
    });
  });
}
