import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { Generator, Discriminator, type ModelConfig } from '../../src/gan/models';
import { Rng } from '../../src/util/rng';

const seed64: ModelConfig = { size: 64, zDim: 100, ngf: 64, ndf: 64, sn: false, dBatchNorm: true, dDropout: 0 };

describe('DCGAN models', () => {
  afterEach(() => tf.disposeVariables());

  it('match the PyTorch seed parameter counts at 64x64, ngf = ndf = 64', async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(1);
    const G = new Generator(seed64, rng);
    const D = new Discriminator(seed64, rng);
    expect(G.params.countTrainable()).toBe(5_142_083);
    expect(D.params.countTrainable()).toBe(4_316_545);
  });

  it('map z to 64x64x3 images in [-1, 1] and images to one logit each', async () => {
    await tf.setBackend('cpu');
    const cfg = { ...seed64, ngf: 8, ndf: 8 };
    const rng = new Rng(2);
    const G = new Generator(cfg, rng);
    const D = new Discriminator(cfg, rng);
    const z = tf.randomNormal([3, 100]) as tf.Tensor2D;
    const x = G.apply(z, { training: true });
    expect(x.shape).toEqual([3, 64, 64, 3]);
    const v = await x.data();
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    expect(D.apply(x, { training: true }).shape).toEqual([3]);
    expect(G.apply(z, { training: false }).shape).toEqual([3, 64, 64, 3]);
  });

  it('build 32x32 models with one stage fewer', async () => {
    await tf.setBackend('cpu');
    const cfg: ModelConfig = { ...seed64, size: 32, ngf: 8, ndf: 8 };
    const rng = new Rng(3);
    const G = new Generator(cfg, rng);
    const D = new Discriminator(cfg, rng);
    const x = G.apply(tf.randomNormal([2, 100]) as tf.Tensor2D, { training: true });
    expect(x.shape).toEqual([2, 32, 32, 3]);
    expect(D.apply(x, { training: true }).shape).toEqual([2]);
    // G: fc 100*16*32 + bn + convT 32->16 (5x5) + bn + convT 16->8 + bn + out 8->3 + bias
    expect(G.params.countTrainable()).toBe(100 * 512 + 2 * 512 + 25 * 32 * 16 + 32 + 25 * 16 * 8 + 16 + 25 * 8 * 3 + 3);
    // D: conv 3->8, 8->16 (+bn), 16->32 (+bn), out 4x4x32->1
    expect(D.params.countTrainable()).toBe(25 * 3 * 8 + 8 + 25 * 8 * 16 + 16 + 32 + 25 * 16 * 32 + 32 + 64 + 16 * 32 + 1);
  });

  it('spectral norm makes the effective kernel have spectral norm ~1 after power iterations', async () => {
    await tf.setBackend('cpu');
    const cfg: ModelConfig = { ...seed64, size: 32, ngf: 8, ndf: 8, sn: true, dBatchNorm: false };
    const D = new Discriminator(cfg, new Rng(4));
    const { spectralNormalize, commitSpectralNorm } = await import('../../src/gan/spectral_norm');
    const w = D.params.get('conv1/kernel');
    let wsn!: tf.Tensor;
    for (let i = 0; i < 60; i++) {
      const st = { pendingU: [] as any[] };
      wsn = spectralNormalize(D.params, 'conv1/kernel', w, st);
      commitSpectralNorm(st);
    }
    // Largest singular value of the [K, cout] matrix by an independent route: eigen of M^T M via many power steps in JS.
    const m = tf.reshape(wsn, [-1, 16]);
    const mtm = await tf.matMul(m, m, true, false).array() as number[][];
    let v = Array.from({ length: 16 }, (_, i) => 1 + i * 0.01);
    for (let it = 0; it < 500; it++) {
      const nv = mtm.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
      const n = Math.hypot(...nv);
      v = nv.map((x) => x / n);
    }
    const lambda = mtm.map((row) => row.reduce((s, a, j) => s + a * v[j], 0)).reduce((s, x, i) => s + x * v[i], 0);
    expect(Math.sqrt(lambda)).toBeCloseTo(1, 2);
  });
});
