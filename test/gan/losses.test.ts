import { describe, it, expect } from 'vitest';
import { tf } from '../../src/tf';
import { discriminatorLoss, generatorLoss, gradientPenalty, bceWithLogits } from '../../src/gan/losses';

const r = [2.0, -1.0, 0.5];
const f = [-0.5, 1.5, -2.0];
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const bce = (xs: number[], y: number) => mean(xs.map((x) => -(y * Math.log(sig(x)) + (1 - y) * Math.log(1 - sig(x)))));

async function val(t: tf.Tensor) {
  return (await t.data())[0];
}

describe('GAN losses on hand-made logits', () => {
  const R = () => tf.tensor1d(r);
  const F = () => tf.tensor1d(f);
  it('bce', async () => {
    await tf.setBackend('cpu');
    expect(await val(discriminatorLoss('bce', R(), F()))).toBeCloseTo((bce(r, 1) + bce(f, 0)) / 2, 5);
    expect(await val(generatorLoss('bce', F()))).toBeCloseTo(bce(f, 1), 5);
    // stable for large logits
    expect(await val(bceWithLogits(tf.tensor1d([100]), 0))).toBeCloseTo(100, 3);
  });
  it('lsgan', async () => {
    expect(await val(discriminatorLoss('lsgan', R(), F()))).toBeCloseTo((mean(r.map((x) => (x - 1) ** 2)) + mean(f.map((x) => x * x))) / 2, 5);
    expect(await val(generatorLoss('lsgan', F()))).toBeCloseTo(mean(f.map((x) => (x - 1) ** 2)) / 2, 5);
  });
  it('wgan and wgan-gp critic terms', async () => {
    for (const l of ['wgan', 'wgan-gp'] as const) {
      expect(await val(discriminatorLoss(l, R(), F()))).toBeCloseTo(-mean(r) + mean(f), 5);
      expect(await val(generatorLoss(l, F()))).toBeCloseTo(-mean(f), 5);
    }
  });
  it('hinge', async () => {
    expect(await val(discriminatorLoss('hinge', R(), F()))).toBeCloseTo(mean(r.map((x) => Math.max(0, 1 - x))) + mean(f.map((x) => Math.max(0, 1 + x))), 5);
    expect(await val(generatorLoss('hinge', F()))).toBeCloseTo(-mean(f), 5);
  });
  it('gradient penalty of a linear critic is (|w| - 1)^2 exactly', async () => {
    const w = tf.tensor1d([0.3, -1.2, 2.0, 0.5]);
    const critic = (x: tf.Tensor) => tf.sum(tf.mul(tf.reshape(x, [-1, 4]), w), 1);
    const real = tf.randomNormal([5, 1, 2, 2]);
    const fake = tf.randomNormal([5, 1, 2, 2]);
    const alpha = tf.randomUniform([5]);
    const norm = Math.hypot(0.3, -1.2, 2.0, 0.5);
    expect(await val(gradientPenalty(critic, real, fake, alpha))).toBeCloseTo((norm - 1) ** 2, 4);
  });
});
