// The fused Adam / RMSprop update (one kernel call per network, WGAN clip in
// the same pass) on wasm against tfjs's own optimizers on the cpu backend:
// weights and optimizer slots bit for bit after several steps.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { tf } from '../../src/tf';
import { initWasmBackend, randArray } from '../reference/backends';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, nnKernelStats } from '../../src/backend/wasm_kernels';
import { applyGradientsFused, ADAM_KERNEL, RMSPROP_KERNEL } from '../../src/gan/optimizer_fused';

const shapes = [[5, 5, 3, 8], [8], [100, 33]];
let run = 0;

async function train(backend: string, which: 'adam' | 'rmsprop', clip: number, fused: boolean): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  run++;
  const vars = shapes.map((s, i) => tf.variable(tf.tensor(randArray(s.reduce((a, b) => a * b, 1), 10 + i).map((v) => v * 0.02), s), true, `opt-test-${run}/v${i}`));
  const opt = which === 'adam' ? tf.train.adam(1e-3, 0.5, 0.999, 1e-8) : tf.train.rmsprop(5e-3, 0.99, 0, 1e-8, false);
  for (let step = 0; step < 4; step++) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => { grads[v.name] = tf.tensor(randArray(v.size, 100 * step + i), v.shape); });
    if (fused) {
      expect(applyGradientsFused(opt, grads, clip)).toBe(true);
    } else {
      opt.applyGradients(grads as any);
      if (clip > 0) tf.tidy(() => { for (const v of vars) v.assign(tf.clipByValue(v, -clip, clip)); });
    }
    tf.dispose(Object.values(grads));
  }
  const weights = await opt.getWeights();
  const out = [...vars.map((v) => v.dataSync().slice() as Float32Array), ...weights.map((w) => w.tensor.dataSync().slice() as Float32Array)];
  expect(weights.map((w) => w.name).slice(1)).toEqual(vars.flatMap((v) => (which === 'adam' ? [`${v.name}/m`] : [`${v.name}/rms`])).concat(vars.flatMap((v) => (which === 'adam' ? [`${v.name}/v`] : [`${v.name}/momentum`]))));
  tf.dispose([...vars, ...weights.map((w) => w.tensor)]);
  opt.dispose();
  return out;
}

describe('fused optimizer update (wasm) vs tfjs optimizers (cpu)', () => {
  beforeAll(async () => {
    expect(await initWasmBackend()).toBe(true);
    await registerWasmTrainingKernels({ threads: 1 });
  });
  afterAll(() => unregisterWasmTrainingKernels());

  for (const [which, clip] of [['adam', 0], ['rmsprop', 0], ['rmsprop', 0.01], ['adam', 0.01]] as const) {
    it(`${which}${clip ? ` + clip ${clip}` : ''}: weights and slots identical after 4 steps`, async () => {
      const kernel = which === 'adam' ? ADAM_KERNEL : RMSPROP_KERNEL;
      const ref = await train('cpu', which, clip, false);
      const before = nnKernelStats.ours[kernel] ?? 0;
      const got = await train('wasm', which, clip, true);
      expect(nnKernelStats.ours[kernel] - before).toBe(4); // one call per step for all three variables
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(Array.from(got[i]), `tensor ${i}`).toEqual(Array.from(ref[i]));
      if (clip) expect(Math.max(...got.slice(0, shapes.length).map((a) => Math.max(...a.map(Math.abs))))).toBeLessThanOrEqual(Math.fround(clip));
    });
  }

  it('is not used where the backend lacks the kernel (cpu): the caller runs the stock update', async () => {
    await tf.setBackend('cpu');
    const v = tf.variable(tf.zeros([3]), true, `opt-test-cpu-${++run}`);
    const opt = tf.train.adam(1e-3);
    const g = { [v.name]: tf.ones([3]) };
    expect(applyGradientsFused(opt, g, 0)).toBe(false);
    expect(Array.from(v.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([v, g[v.name]]);
    opt.dispose();
  });
});
