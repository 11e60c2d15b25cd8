// D's convolution + bias (+ LeakyReLU) through our one wasm kernel
// (src/gan/conv_fused.ts) against the stock ops (conv2d + add + leakyRelu) on
// the tfjs cpu backend: output, the gradients for x, filter and bias, a
// gradient of a gradient (WGAN-GP), and only the gradients the tape needs.
import { describe, it, expect, afterAll } from 'vitest';
import { tf } from '../../src/tf';
import { initWasmBackend, onBackend, randArray, relErr } from '../reference/backends';
import { nodeSpawner } from '../../src/platform/node';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, nnKernelStats } from '../../src/backend/wasm_kernels';
import { conv2dBiasAct, CONV_BIAS_ACT_KERNEL, type ConvPad } from '../../src/gan/conv_fused';

type Case = { B: number; S: number; Ci: number; Co: number; K: number; s: number; pad: ConvPad; alpha: number | null };
const cases: Case[] = [
  { B: 3, S: 16, Ci: 3, Co: 8, K: 5, s: 2, pad: 2, alpha: 0.2 },
  { B: 2, S: 9, Ci: 5, Co: 6, K: 5, s: 2, pad: 'same', alpha: 0.2 },
  { B: 2, S: 8, Ci: 16, Co: 8, K: 5, s: 2, pad: 2, alpha: null },
  { B: 4, S: 4, Ci: 12, Co: 1, K: 4, s: 1, pad: 'valid', alpha: null },
];

function run(c: Case) {
  return () => {
    const x = tf.tensor4d(randArray(c.B * c.S * c.S * c.Ci, 1), [c.B, c.S, c.S, c.Ci]);
    const f = tf.tensor4d(randArray(c.K * c.K * c.Ci * c.Co, 2), [c.K, c.K, c.Ci, c.Co]);
    const b = tf.tensor1d(randArray(c.Co, 3).map((v) => v * 0.5));
    const layer = (xi: tf.Tensor, fi: tf.Tensor, bi: tf.Tensor) => conv2dBiasAct(xi as tf.Tensor4D, fi as tf.Tensor4D, bi, c.s, c.pad, c.alpha);
    const y = layer(x, f, b);
    const w = tf.tensor(randArray(y.size, 4), y.shape);
    const grads = tf.grads((xi: tf.Tensor, fi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layer(xi, fi, bi), w)))([x, f, b]);
    // gradient penalty style: d/dfilter of || d/dx sum(w * layer(x)) ||^2
    const gp = tf.grad((fi: tf.Tensor) => {
      const gx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(layer(xi, fi, b), w)))(x);
      return tf.sum(tf.square(gx));
    })(f);
    return [y, ...grads, gp];
  };
}

afterAll(() => unregisterWasmTrainingKernels());

for (const threads of [1, 2, 3]) {
  describe(`conv + bias + leakyRelu kernel (wasm, ${threads} thread(s)) vs stock ops (cpu)`, () => {
    it('start', async () => {
      expect(await initWasmBackend()).toBe(true);
      expect((await registerWasmTrainingKernels({ threads, spawner: nodeSpawner() })).threads).toBe(threads);
    });
    for (const c of cases) {
      it(`y, dx, dfilter, dbias and a second-order gradient: ${JSON.stringify(c)}`, async () => {
        const ref = await onBackend('cpu', run(c));
        const before = nnKernelStats.ours[CONV_BIAS_ACT_KERNEL] ?? 0;
        const got = await onBackend('wasm', run(c));
        expect(nnKernelStats.ours[CONV_BIAS_ACT_KERNEL]).toBeGreaterThan(before);
        const names = ['y', 'dx', 'dfilter', 'dbias', 'second-order dfilter'];
        for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), names[i]).toBeLessThan(1e-4);
      });
    }
  });
}

describe('conv + bias + leakyRelu kernel: only the gradients the tape needs', () => {
  it('a gradient for x alone runs no filter gradient; for the filter alone no input gradient', async () => {
    expect(await initWasmBackend()).toBe(true);
    await registerWasmTrainingKernels({ threads: 1, spawner: nodeSpawner() });
    await tf.setBackend('wasm');
    const x = tf.tensor4d(randArray(2 * 8 * 8 * 3, 5), [2, 8, 8, 3]), f = tf.tensor4d(randArray(75 * 4, 6), [5, 5, 3, 4]), b = tf.zeros([4]);
    const count = (k: string) => nnKernelStats.ours[k] ?? 0;
    let bpf = count('Conv2DBackpropFilter'), bpi = count('Conv2DBackpropInput');
    tf.tidy(() => tf.grad((xi: tf.Tensor) => tf.sum(conv2dBiasAct(xi as tf.Tensor4D, f, b, 2, 2, 0.2)))(x).dataSync());
    expect(count('Conv2DBackpropInput')).toBe(bpi + 1);
    expect(count('Conv2DBackpropFilter')).toBe(bpf);
    bpf = count('Conv2DBackpropFilter'); bpi = count('Conv2DBackpropInput');
    tf.tidy(() => tf.grad((fi: tf.Tensor) => tf.sum(conv2dBiasAct(x, fi as tf.Tensor4D, b, 2, 2, 0.2)))(f).dataSync());
    expect(count('Conv2DBackpropFilter')).toBe(bpf + 1);
    expect(count('Conv2DBackpropInput')).toBe(bpi);
    tf.dispose([x, f, b]);
    await tf.setBackend('cpu');
  });

  it('refuses a non-positive alpha', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, f = tf.zeros([1, 1, 1, 1]) as tf.Tensor4D, b = tf.zeros([1]);
    expect(() => conv2dBiasAct(x, f, b, 1, 'valid', 0)).toThrow(/alpha must be > 0/);
    tf.dispose([x, f, b]);
  });
});
