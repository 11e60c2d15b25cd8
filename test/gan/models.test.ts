import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { Generator, Discriminator, type ModelConfig } from '../../src/gan/models';
import { Rng } from '../../src/util/rng';

const seed64: ModelConfig = { size: 64, layers: 'torch', zDim: 100, ngf: 64, ndf: 64, sn: false, dBatchNorm: true, dDropout: 0 };

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

  it("layers 'torch' pad as PyTorch: Conv2d(5, 2, padding=2) and ConvTranspose2d(5, 2, padding=2, output_padding=1)", async () => {
    await tf.setBackend('cpu');
    const { stridedPad } = await import('../../src/gan/models');
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const w = tf.randomNormal([5, 5, 3, 4], 0, 1, 'float32', 8) as tf.Tensor4D;
    // PyTorch's definition: zero-pad 2 on every side, then a valid convolution
    const ref = tf.conv2d(tf.pad(x, [[0, 0], [2, 2], [2, 2], [0, 0]]), w, 2, 'valid');
    const got = tf.conv2d(x, w, 2, stridedPad('torch'));
    expect(got.shape).toEqual([2, 4, 4, 4]);
    expect(tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0]).toBeLessThan(1e-5);
    // 'same' pads (1, 2): a different result of the same shape
    expect(tf.max(tf.abs(tf.sub(tf.conv2d(x, w, 2, stridedPad('tfjs-same')), ref))).dataSync()[0]).toBeGreaterThan(0.1);
    // ConvTranspose2d: the full transposed convolution (size 2s + 3) with `padding` = 2
    // rows/cols cut at the start and output_padding = 1 extra at the end: rows 2 .. 2s+1
    const y = tf.randomNormal([2, 4, 4, 4], 0, 1, 'float32', 9) as tf.Tensor4D;
    const full = tf.conv2dTranspose(y, w, [2, 11, 11, 3], 2, 'valid');
    const tref = tf.slice(full, [0, 2, 2, 0], [2, 8, 8, 3]);
    const tgot = tf.conv2dTranspose(y, w, [2, 8, 8, 3], 2, stridedPad('torch'));
    expect(tf.max(tf.abs(tf.sub(tgot, tref))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(tf.conv2dTranspose(y, w, [2, 8, 8, 3], 2, 'same'), tref))).dataSync()[0]).toBeGreaterThan(0.1);
  });

  it("the two layer conventions draw different images from the same weights (an old checkpoint must keep its own)", async () => {
    await tf.setBackend('cpu');
    const cfg: ModelConfig = { ...seed64, size: 32, ngf: 4, ndf: 4 };
    const z = tf.randomNormal([2, 100], 0, 1, 'float32', 3) as tf.Tensor2D;
    const a = new Generator({ ...cfg, layers: 'torch' }, new Rng(11));
    const ya = a.apply(z, { training: false });
    a.params.dispose(); // variable names are global
    const b = new Generator({ ...cfg, layers: 'tfjs-same' }, new Rng(11));
    const d = tf.max(tf.abs(tf.sub(ya, b.apply(z, { training: false })))).dataSync()[0];
    // the freshly initialised outputs are small (std 0.02 weights): compare with their scale
    expect(d).toBeGreaterThan(0.1 * tf.max(tf.abs(ya)).dataSync()[0]);
  });
});
