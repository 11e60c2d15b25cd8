// LeakyRelu / Relu gradients through our one-pass wasm kernel against the
// stock tfjs formulas on the cpu backend: identical values (the kernel is
// bit-exact by construction), and second-order gradients (WGAN-GP) agree.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { tf } from '../../src/tf';
import { initWasmBackend, onBackend, randArray, relErr } from '../reference/backends';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, nnKernelStats } from '../../src/backend/wasm_kernels';
import { ACT_GRAD_KERNEL } from '../../src/gan/activation_grads';

const n = 5 * 7 * 3;
// values on both sides of 0, exact zeros included
const xv = randArray(n, 11).map((v, i) => (i % 9 === 0 ? 0 : v));
const wv = randArray(n, 12);

const first = (act: (t: tf.Tensor) => tf.Tensor) => () => {
  const x = tf.tensor(xv, [5, 7, 3]), w = tf.tensor(wv, [5, 7, 3]);
  return tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(act(xi), w)))(x);
};

// d/dw1 of || d/dx sum(w2 * act(x * w1)) ||^2: a gradient of a gradient, as the penalty takes it
const second = (act: (t: tf.Tensor) => tf.Tensor) => () => {
  const x = tf.tensor(xv, [5, 7, 3]), w1 = tf.tensor(randArray(3, 13), [3]), w2 = tf.tensor(wv, [5, 7, 3]);
  return tf.grad((a: tf.Tensor) => {
    const gx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(act(tf.mul(xi, a)), w2)))(x);
    return tf.sum(tf.square(gx));
  })(w1);
};

const acts: [string, (t: tf.Tensor) => tf.Tensor][] = [
  ['leakyRelu(0.2)', (t) => tf.leakyRelu(t, 0.2)],
  ['relu', (t) => tf.relu(t)],
];

describe('activation gradients: fused (wasm) vs stock (cpu)', () => {
  beforeAll(async () => {
    expect(await initWasmBackend()).toBe(true);
    await registerWasmTrainingKernels({ threads: 1 });
  });
  afterAll(() => unregisterWasmTrainingKernels());

  for (const [name, act] of acts) {
    it(`${name}: first-order gradient identical, through the fused kernel`, async () => {
      const before = nnKernelStats.ours[ACT_GRAD_KERNEL] ?? 0;
      const [ref] = await onBackend('cpu', first(act));
      const [got] = await onBackend('wasm', first(act));
      expect(nnKernelStats.ours[ACT_GRAD_KERNEL]).toBeGreaterThan(before);
      expect(Array.from(got)).toEqual(Array.from(ref));
    });

    it(`${name}: gradient of a gradient agrees (1e-5)`, async () => {
      const [ref] = await onBackend('cpu', second(act));
      const [got] = await onBackend('wasm', second(act));
      expect(relErr(got, ref)).toBeLessThan(1e-5);
    });
  }
});
