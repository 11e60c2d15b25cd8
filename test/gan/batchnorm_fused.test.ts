// Training-mode BatchNorm through our fused wasm kernels (a tf.customGrad op)
// against the stock path (tf.moments + tf.batchNorm) on the tfjs cpu backend:
// output, batch statistics and the gradients for x, gamma and beta.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { tf } from '../../src/tf';
import { initWasmBackend, onBackend, randArray, relErr } from '../reference/backends';
import { nodeSpawner } from '../../src/platform/node';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, nnKernelStats } from '../../src/backend/wasm_kernels';
import { ParamStore } from '../../src/gan/params';
import { batchNorm, BN_TRAIN_KERNEL, BN_TRAIN_GRAD_KERNEL, type BnState, type BnActivation } from '../../src/gan/batchnorm';

// (Not 2 rows: there dx is pure cancellation, ~eps/var of dy, and both sides are rounding noise.)
const shapes = [[4, 5, 6, 8], [3, 3, 3, 7], [64, 50], [2, 2, 1, 3], [16, 8, 8, 64]];

/** The layer's batchNorm (training mode) with gamma = g, beta = b, through a stand-in store. */
function batchNormWith(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, state?: BnState, act: BnActivation = 'linear'): tf.Tensor {
  const store = { get: (n: string) => (n.endsWith('gamma') ? g : b) } as unknown as ParamStore;
  return batchNorm(store, 'bn', x, true, state, act);
}

function bnCase(shape: number[], act: BnActivation = 'linear') {
  return () => {
    const C = shape[shape.length - 1], n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(randArray(n, 1).map((v, i) => 2 * v + 1 + (i % C) * 0.3), shape);
    const w = tf.tensor(randArray(n, 2), shape);
    const gamma = tf.tensor1d(randArray(C, 3).map((v) => 1 + 0.5 * v)), beta = tf.tensor1d(randArray(C, 4));
    const state: BnState = { pending: [] };
    const y = batchNormWith(x, gamma, beta, state, act);
    const { mean, variance } = state.pending[0];
    const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchNormWith(xi, g, b, undefined, act), w)))([x, gamma, beta]);
    return [y, mean, variance, ...grads];
  };
}

describe('fused BatchNorm (wasm, ours) vs stock (cpu)', () => {
  beforeAll(async () => {
    expect(await initWasmBackend()).toBe(true);
    await registerWasmTrainingKernels({ threads: 2, spawner: nodeSpawner() });
  });
  afterAll(() => unregisterWasmTrainingKernels());

  for (const shape of shapes) {
    it(`y, batch mean/variance and d/dx, d/dgamma, d/dbeta at [${shape}]`, async () => {
      const ref = await onBackend('cpu', bnCase(shape));
      const before = { f: nnKernelStats.ours[BN_TRAIN_KERNEL] ?? 0, g: nnKernelStats.ours[BN_TRAIN_GRAD_KERNEL] ?? 0 };
      const got = await onBackend('wasm', bnCase(shape));
      expect(nnKernelStats.ours[BN_TRAIN_KERNEL]).toBeGreaterThan(before.f); // the fused path ran
      expect(nnKernelStats.ours[BN_TRAIN_GRAD_KERNEL]).toBeGreaterThan(before.g);
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), names[i]).toBeLessThan(1e-4);
    });
  }

  for (const act of ['relu', { leakyRelu: 0.2 }] as BnActivation[]) {
    for (const shape of [[4, 5, 6, 8], [64, 50], [16, 8, 8, 64]]) {
      it(`with ${JSON.stringify(act)} fused: y, statistics and gradients at [${shape}] (cpu: the activation after tf.batchNorm)`, async () => {
        const ref = await onBackend('cpu', bnCase(shape, act));
        const before = { f: nnKernelStats.ours[BN_TRAIN_KERNEL] ?? 0, g: nnKernelStats.ours[BN_TRAIN_GRAD_KERNEL] ?? 0, r: nnKernelStats.ours.Relu ?? 0, l: nnKernelStats.ours.LeakyRelu ?? 0 };
        const got = await onBackend('wasm', bnCase(shape, act));
        expect(nnKernelStats.ours[BN_TRAIN_KERNEL]).toBeGreaterThan(before.f);
        expect(nnKernelStats.ours[BN_TRAIN_GRAD_KERNEL]).toBeGreaterThan(before.g);
        expect(nnKernelStats.ours.Relu ?? 0, 'no separate Relu').toBe(before.r); // the activation ran inside the fused kernel
        expect(nnKernelStats.ours.LeakyRelu ?? 0, 'no separate LeakyRelu').toBe(before.l);
        const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
        for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), names[i]).toBeLessThan(1e-4);
      });
    }
  }

  it('the step leaks no tensors (saved tensors, statistics)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randArray(2 * 4 * 4 * 8, 3), [2, 4, 4, 8]);
    const g = tf.ones([8]), b = tf.zeros([8]);
    const run = () => tf.tidy(() => tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.square(batchNormWith(xi, gi, bi))))([x, g, b]));
    tf.dispose(run());
    const n0 = tf.memory().numTensors;
    tf.dispose(run());
    expect(tf.memory().numTensors).toBe(n0);
    tf.dispose([x, g, b]);
  });
});
