// Our wasm-backend training kernels against the tfjs cpu backend.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf } from '../../src/tf';
import { initWasmBackend, onBackend, randArray, relErr } from '../reference/backends';
import { registerBaselineConv2DBackpropFilter } from '../../src/backend/wasm_baseline';

type Case = { B: number; H: number; W: number; Ci: number; Co: number; K: number; s: number; pad: any };
const cases: Case[] = [
  { B: 1, H: 7, W: 5, Ci: 3, Co: 5, K: 3, s: 1, pad: 'same' },
  { B: 2, H: 9, W: 9, Ci: 6, Co: 7, K: 5, s: 2, pad: 'same' },
  { B: 3, H: 8, W: 8, Ci: 5, Co: 4, K: 5, s: 2, pad: 'valid' },
  { B: 1, H: 6, W: 7, Ci: 9, Co: 3, K: 1, s: 1, pad: 'valid' },
  { B: 2, H: 11, W: 10, Ci: 4, Co: 6, K: 4, s: 1, pad: 'valid' },
  { B: 2, H: 10, W: 9, Ci: 3, Co: 2, K: 3, s: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { B: 4, H: 8, W: 8, Ci: 16, Co: 8, K: 5, s: 2, pad: 'same' },
];

describe('baseline Conv2DBackpropFilter on wasm (tf ops)', () => {
  beforeAll(async () => {
    expect(await initWasmBackend()).toBe(true);
    registerBaselineConv2DBackpropFilter();
  });

  for (const c of cases) {
    it(`matches cpu: ${JSON.stringify(c)}`, async () => {
      const xShape = [c.B, c.H, c.W, c.Ci] as [number, number, number, number];
      const fShape = [c.K, c.K, c.Ci, c.Co] as [number, number, number, number];
      const info = tf.backend_util.computeConv2DInfo(xShape, fShape, c.s, 1, c.pad, undefined, false, 'channelsLast');
      const dyShape = [c.B, info.outHeight, info.outWidth, c.Co];
      const xv = randArray(xShape.reduce((a, b) => a * b), 1), dyv = randArray(dyShape.reduce((a, b) => a * b), 2);
      const run = () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xv, xShape), dy: tf.tensor(dyv, dyShape) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: fShape }) as tf.Tensor;
      const [ref] = await onBackend('cpu', run);
      const [got] = await onBackend('wasm', run);
      expect(relErr(got, ref)).toBeLessThan(1e-4);
    });
  }

  it('trains a small conv net through tf.grads on wasm like on cpu', async () => {
    const w1v = randArray(3 * 3 * 3 * 4, 3), w2v = randArray(4 * 4 * 4 * 1, 4), xv = randArray(2 * 8 * 8 * 3, 5);
    const step = () => {
      const x = tf.tensor4d(xv, [2, 8, 8, 3]);
      const g = tf.grads((w1: tf.Tensor, w2: tf.Tensor) => {
        const h = tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'), 0.2);
        return tf.sum(tf.square(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid')));
      });
      return g([tf.tensor4d(w1v, [3, 3, 3, 4]), tf.tensor4d(w2v, [4, 4, 4, 1])]);
    };
    const ref = await onBackend('cpu', step);
    const got = await onBackend('wasm', step);
    for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i])).toBeLessThan(1e-4);
  });
});
