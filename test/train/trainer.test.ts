import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { GanTrainer } from '../../src/train/trainer';
import { BatchSampler } from '../../src/data/sampler';
import { gradientPenalty } from '../../src/gan/losses';
import { LOSSES } from '../../src/gan/losses';
import { tinyConfig, randomDataset } from './helpers';

function snapshot(tr: GanTrainer): Map<string, Float32Array> {
  return new Map([...tr.variables()].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
}

describe('GanTrainer on the cpu backend', () => {
  afterEach(() => tf.disposeVariables());

  for (const loss of LOSSES) {
    for (const sn of loss === 'bce' || loss === 'hinge' ? [false, true] : [false]) {
      it(`two ${loss}${sn ? '+sn' : ''} steps give finite losses and change both networks`, async () => {
        await tf.setBackend('cpu');
        const cfg = tinyConfig({ loss, sn, nCritic: 2 });
        const ds = randomDataset();
        const tr = new GanTrainer(cfg);
        const sampler = new BatchSampler(ds, cfg.batch, cfg.seed);
        const before = snapshot(tr);
        for (let i = 0; i < 2; i++) {
          const m = tr.trainStep(sampler);
          for (const v of [m.lossD, m.lossG, m.dReal, m.dFake, m.gradNormD, m.gradNormG]) expect(Number.isFinite(v)).toBe(true);
          if (loss === 'wgan-gp') expect(m.gp).toBeGreaterThanOrEqual(0);
        }
        const after = snapshot(tr);
        for (const prefix of ['generator/', 'discriminator/']) {
          const changed = [...before].filter(([n, a]) => n.startsWith(prefix) && a.some((x, i) => x !== after.get(n)![i]));
          expect(changed.length).toBeGreaterThan(0);
        }
        expect(tr.step).toBe(2);
        tr.dispose();
      });
    }
  }

  it('WGAN weight clipping bounds every discriminator weight after each step', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ loss: 'wgan', clip: 0.005, lr: 0.05, lrD: 0.05 });
    const tr = new GanTrainer(cfg);
    const sampler = new BatchSampler(randomDataset(), cfg.batch, 1);
    tr.trainStep(sampler);
    for (const v of tr.D.params.trainable()) {
      const d = v.dataSync();
      expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    tr.dispose();
  });

  it('keeps the tensor count flat across steps (no leaks)', async () => {
    await tf.setBackend('cpu');
    for (const loss of ['bce', 'wgan-gp'] as const) {
      const cfg = tinyConfig({ loss, sn: loss === 'bce', nCritic: 1 });
      const tr = new GanTrainer(cfg);
      const sampler = new BatchSampler(randomDataset(), cfg.batch, 1);
      tr.trainStep(sampler);
      const n0 = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tr.trainStep(sampler);
      expect(tf.memory().numTensors).toBe(n0);
      tr.generate(new Float32Array(5 * cfg.zDim));
      expect(tf.memory().numTensors).toBe(n0);
      tr.dispose();
    }
  });

  it('the WGAN-GP penalty gradient through a small conv critic matches finite differences', async () => {
    await tf.setBackend('cpu');
    const w1 = tf.variable(tf.randomNormal([3, 3, 2, 3], 0, 0.5, 'float32', 11));
    const w2 = tf.variable(tf.randomNormal([4 * 4 * 3, 1], 0, 0.5, 'float32', 12));
    const critic = (x: tf.Tensor) => tf.matMul(tf.reshape(tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'), 0.2), [x.shape[0], -1]), w2);
    const real = tf.randomNormal([3, 8, 8, 2], 0, 1, 'float32', 13);
    const fake = tf.randomNormal([3, 8, 8, 2], 0, 1, 'float32', 14);
    const alpha = tf.tensor1d([0.2, 0.5, 0.9]);
    const penalty = () => gradientPenalty(critic, real, fake, alpha);
    const { grads } = tf.variableGrads(penalty as () => tf.Scalar, [w1, w2]);
    const analytic = await grads[w1.name].data();
    const orig = await w1.data();
    const eps = 1e-3;
    let checked = 0;
    for (const idx of [0, 5, 17, 30, 53]) {
      const plus = orig.slice();
      plus[idx] += eps;
      w1.assign(tf.tensor(plus, w1.shape));
      const fp = (await penalty().data())[0];
      const minus = orig.slice();
      minus[idx] -= eps;
      w1.assign(tf.tensor(minus, w1.shape));
      const fm = (await penalty().data())[0];
      w1.assign(tf.tensor(orig, w1.shape));
      const fd = (fp - fm) / (2 * eps);
      expect(Math.abs(fd - analytic[idx])).toBeLessThan(1e-2 * Math.max(1, Math.abs(fd)));
      checked++;
    }
    expect(checked).toBe(5);
  });
});
