// The DCGAN generator and discriminator of the course's seed code, for 64x64
// (4 up/down-sampling stages) or 32x32 (3 stages) images, NHWC.
//
//   G: z[B, Z] -> Linear(Z, 4*4*C0, no bias) -> BN -> ReLU -> [B, 4, 4, C0]
//      -> (stages-1) x [ConvT 5x5 s2 pad 2, no bias, BN, ReLU], channels halve
//      -> ConvT 5x5 s2 pad 2 (bias) -> tanh          C0 = ngf * 2^(stages-1)
//   D: x[B, S, S, 3] -> Conv 5x5 s2 pad 2 (bias) + LeakyReLU(0.2)
//      -> (stages-1) x [Conv 5x5 s2 pad 2 (bias) + BN + LeakyReLU(0.2)], channels double
//      -> Conv 4x4 valid -> logits [B]   (no sigmoid here: the loss owns it)
//
// With layers 'torch' (every run since the PyTorch bridge) this computes what
// the seed's modules compute: Conv2d(5, 2, padding=2) pads 2 on every side,
// and ConvTranspose2d(5, 2, padding=2, output_padding=1) is that convolution's
// input gradient, which is tfjs's conv2dTranspose with a numeric pad of 2.
// Only the layouts differ (NHWC here; the Linear's 4x4xC0 features in NHWC
// order where the seed views them as NCHW): src/gan/torch_layout.ts maps them.
// 'tfjs-same' is the padding of runs made before that: tfjs's 'same' pads
// stride-2 convolutions (1, 2), the output grid shifted by one pixel; it is
// kept only so those checkpoints still draw what they were trained to draw.
//
// At 64x64 with ngf = ndf = 64 this is 5,142,083 + 4,316,545 parameters, as
// in the PyTorch seed. With spectral norm or WGAN-GP the discriminator drops
// its BatchNorm (as in the SNGAN and WGAN-GP papers: both normalise per sample).
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../tf';
import { ParamStore, normalInit } from './params';
import { addBatchNorm, batchNorm, type BnState } from './batchnorm';
import { addSpectralNorm, spectralNormalize, type SnState } from './spectral_norm';
import { conv2dBiasAct } from './conv_fused';
import type { Rng } from '../util/rng';

/** Padding convention of the 5x5 stride-2 layers (see the header). */
export type LayerConvention = 'torch' | 'tfjs-same';
export const LAYER_CONVENTIONS: readonly LayerConvention[] = ['torch', 'tfjs-same'];

export interface ModelConfig {
  size: 32 | 64;
  layers: LayerConvention;
  zDim: number;
  ngf: number;
  ndf: number;
  /** Spectral norm on every D kernel. */
  sn: boolean;
  /** BatchNorm in D's hidden stages. */
  dBatchNorm: boolean;
  /** Dropout rate after each hidden D activation (0 = off). */
  dDropout: number;
}

export interface ForwardContext {
  training: boolean;
  bn?: BnState;
  sn?: SnState;
  /** Source of dropout masks (training only). */
  rng?: Rng;
}

/** The pad argument of the 5x5 stride-2 convolutions for a convention. */
export function stridedPad(layers: LayerConvention): 2 | 'same' {
  if (layers === 'torch') return 2;
  if (layers === 'tfjs-same') return 'same';
  throw new Error(`unknown layer convention ${JSON.stringify(layers)} (expected ${LAYER_CONVENTIONS.join(' or ')})`);
}

export function stagesFor(size: number): number {
  if (size !== 32 && size !== 64) throw new Error(`image size must be 32 or 64, got ${size}`);
  return Math.log2(size) - 2;
}

export class Generator {
  readonly params = new ParamStore('generator');
  readonly stages: number;
  readonly c0: number;

  constructor(readonly cfg: ModelConfig, rng: Rng) {
    this.stages = stagesFor(cfg.size);
    this.c0 = cfg.ngf * 2 ** (this.stages - 1);
    const p = this.params;
    p.add('fc/kernel', normalInit(rng, [cfg.zDim, 16 * this.c0]));
    addBatchNorm(p, 'fc/bn', 16 * this.c0, rng);
    let c = this.c0;
    for (let i = 1; i < this.stages; i++) {
      p.add(`up${i}/kernel`, normalInit(rng, [5, 5, c / 2, c]));
      addBatchNorm(p, `up${i}/bn`, c / 2, rng);
      c /= 2;
    }
    p.add('out/kernel', normalInit(rng, [5, 5, 3, c]));
    p.add('out/bias', tf.zeros([3]));
  }

  /** z [B, zDim] -> images [B, S, S, 3] in [-1, 1]. */
  apply(z: Tensor2D, ctx: ForwardContext): Tensor4D {
    const p = this.params;
    const b = z.shape[0];
    let h: Tensor = tf.matMul(z, p.get('fc/kernel'));
    h = batchNorm(p, 'fc/bn', h, ctx.training, ctx.bn, 'relu');
    let x = tf.reshape(h, [b, 4, 4, this.c0]) as Tensor4D;
    const pad = stridedPad(this.cfg.layers);
    let c = this.c0;
    let s = 4;
    for (let i = 1; i < this.stages; i++) {
      s *= 2;
      x = tf.conv2dTranspose(x, p.get(`up${i}/kernel`) as Tensor4D, [b, s, s, c / 2], 2, pad);
      x = batchNorm(p, `up${i}/bn`, x, ctx.training, ctx.bn, 'relu') as Tensor4D;
      c /= 2;
    }
    s *= 2;
    x = tf.conv2dTranspose(x, p.get('out/kernel') as Tensor4D, [b, s, s, 3], 2, pad);
    return tf.tanh(tf.add(x, p.get('out/bias'))) as Tensor4D;
  }
}

export class Discriminator {
  readonly params = new ParamStore('discriminator');
  readonly stages: number;

  constructor(readonly cfg: ModelConfig, rng: Rng) {
    this.stages = stagesFor(cfg.size);
    const p = this.params;
    let cin = 3;
    let c = cfg.ndf;
    for (let i = 0; i < this.stages; i++) {
      p.add(`conv${i}/kernel`, normalInit(rng, [5, 5, cin, c]));
      p.add(`conv${i}/bias`, tf.zeros([c]));
      if (cfg.sn) addSpectralNorm(p, `conv${i}/kernel`, c, rng);
      if (i > 0 && cfg.dBatchNorm) addBatchNorm(p, `conv${i}/bn`, c, rng);
      cin = c;
      c *= 2;
    }
    p.add('out/kernel', normalInit(rng, [4, 4, cin, 1]));
    p.add('out/bias', tf.zeros([1]));
    if (cfg.sn) addSpectralNorm(p, 'out/kernel', 1, rng);
  }

  private kernel(name: string, ctx: ForwardContext): Tensor4D {
    const w = this.params.get(name);
    return (this.cfg.sn ? spectralNormalize(this.params, name, w, ctx.training ? ctx.sn : undefined) : w) as Tensor4D;
  }

  /** images [B, S, S, 3] -> logits [B]. */
  apply(x: Tensor4D, ctx: ForwardContext): Tensor {
    const p = this.params;
    const pad = stridedPad(this.cfg.layers);
    let h: Tensor4D = x;
    for (let i = 0; i < this.stages; i++) {
      // conv + bias (+ LeakyReLU when no BatchNorm follows) in one kernel, and BatchNorm + LeakyReLU
      // in one, where the backend has them (src/gan/conv_fused.ts, batchnorm.ts)
      const bn = i > 0 && this.cfg.dBatchNorm;
      h = conv2dBiasAct(h, this.kernel(`conv${i}/kernel`, ctx), p.get(`conv${i}/bias`), 2, pad, bn ? null : 0.2);
      if (bn) h = batchNorm(p, `conv${i}/bn`, h, ctx.training, ctx.bn, { leakyRelu: 0.2 }) as Tensor4D;
      if (ctx.training && this.cfg.dDropout > 0) h = dropout(h, this.cfg.dDropout, ctx.rng);
    }
    const out = conv2dBiasAct(h, this.kernel('out/kernel', ctx), p.get('out/bias'), 1, 'valid', null);
    return tf.reshape(out, [x.shape[0]]);
  }
}

/** Inverted dropout with a mask drawn from the run's PRNG (so resume is exact). */
function dropout(x: Tensor4D, rate: number, rng?: Rng): Tensor4D {
  if (!rng) throw new Error('dropout in training needs the run PRNG');
  const mask = new Float32Array(x.size);
  const keep = 1 - rate;
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? 1 / keep : 0;
  return tf.mul(x, tf.tensor(mask, x.shape)) as Tensor4D;
}
