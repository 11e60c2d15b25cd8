// One GAN training run's networks, optimizers and PRNG, and its update step.
// Platform-free: the run loop (loop.ts) feeds it batches and saves its state.
//
// A "step" is one generator update preceded by nCritic discriminator updates,
// each on a fresh real batch. Every random number (initial weights, z, GP
// interpolation weights, dropout masks, DiffAugment parameters) comes from
// `rng`, so a checkpoint that
// stores the weights, the optimizer slots and the PRNG state resumes exactly.
import { tf, type Tensor, type Tensor2D, type Tensor4D, type Variable } from '../tf';
import { Generator, Discriminator, type ModelConfig } from '../gan/models';
import { discriminatorLoss, generatorLoss, gradientPenalty } from '../gan/losses';
import { commitRunningStats, discardRunningStats, type BnState } from '../gan/batchnorm';
import { commitSpectralNorm, discardSpectralNorm, type SnState } from '../gan/spectral_norm';
import { diffAugment, type AugmentName } from '../gan/diffaugment';
import { applyGradientsFused } from '../gan/optimizer_fused';
import { Rng } from '../util/rng';
import { augmentOps, type TrainConfig } from './config';

export interface BatchSource {
  /** One real batch [batch, size, size, 3] in [-1, 1]. */
  next(): Float32Array;
}

export interface StepMetrics {
  step: number;
  lossD: number;
  lossG: number;
  /** Mean D(x) over the last real batch: sigmoid probability for bce, raw output otherwise. */
  dReal: number;
  /** Mean D(G(z)) over the last D step's fake batch (same convention). */
  dFake: number;
  /** mean(D(x)) - mean(D(G(z))) for the Wasserstein losses. */
  wasserstein?: number;
  /** Gradient-penalty term (before lambda) for wgan-gp. */
  gp?: number;
  gradNormD: number;
  gradNormG: number;
}

export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly which: string, readonly value: number) {
    super(`${which} became ${value} at step ${step}`);
    this.name = 'NonFiniteLossError';
  }
}

export function modelConfigOf(c: TrainConfig): ModelConfig {
  return {
    size: c.size,
    layers: c.layers,
    zDim: c.zDim,
    ngf: c.ngf,
    ndf: c.ndf,
    sn: c.sn,
    dBatchNorm: !c.sn && c.loss !== 'wgan-gp',
    dDropout: c.dDropout,
  };
}

function makeOptimizer(c: TrainConfig, lr: number): tf.Optimizer {
  // PyTorch's epsilons and RMSprop decay, so settings transfer from the seed.
  return c.opt === 'adam' ? tf.train.adam(lr, c.beta1, c.beta2, 1e-8) : tf.train.rmsprop(lr, 0.99, 0, 1e-8, false);
}

function globalNorm(grads: tf.NamedTensorMap): Tensor {
  return tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))));
}

/**
 * The EMA decay of the update after `t` completed steps (t = 0 for the first
 * update): min(beta, (1 + t) / (10 + t)), so the average follows the early,
 * fast-moving weights (0.1 at the first step, 0.5 at t = 8) and only settles
 * to `beta` after about 9 / (1 - beta) steps.
 */
export function emaBeta(beta: number, t: number): number {
  return Math.min(beta, (1 + t) / (10 + t));
}

/** Name of the EMA copy of a generator variable ("generator/fc/kernel" -> "generator-ema/fc/kernel"). */
export const emaName = (name: string) => name.replace(/^generator\//, 'generator-ema/');

export class GanTrainer {
  readonly G: Generator;
  readonly D: Discriminator;
  readonly optG: tf.Optimizer;
  readonly optD: tf.Optimizer;
  readonly rng: Rng;
  step = 0;
  /**
   * With cfg.ema > 0: an exponential moving average of every generator
   * variable (weights and BN running statistics), keyed by G's names. It
   * starts as a copy of the initial G; generate() uses it.
   */
  readonly ema: Map<string, Variable> | null = null;
  /**
   * False when the average was not restored from a checkpoint but copied from
   * the raw G (a checkpoint written without EMA weights): it then equals G.
   */
  emaFromCheckpoint = true;
  /** DiffAugment ops (--augment) applied to every image D sees in training; [] = none. */
  readonly augment: readonly AugmentName[];

  constructor(readonly cfg: TrainConfig) {
    this.rng = new Rng(cfg.seed);
    this.augment = augmentOps(cfg);
    const mc = modelConfigOf(cfg);
    this.G = new Generator(mc, this.rng);
    this.D = new Discriminator(mc, this.rng);
    this.optG = makeOptimizer(cfg, cfg.lr);
    this.optD = makeOptimizer(cfg, cfg.lrD);
    if (cfg.ema > 0) {
      // tf.variable names are global: the copies get their own prefix
      this.ema = new Map([...this.G.params.vars].map(([n, v]) => {
        const copy = v.clone();
        const e = tf.variable(copy, false, emaName(n));
        copy.dispose(); // the variable holds its own reference to the data
        return [n, e] as const;
      }));
    }
  }

  /**
   * One EMA update over every G variable, in one tidy:
   * ema <- beta_t * ema + (1 - beta_t) * G with beta_t = emaBeta(cfg.ema, t),
   * t = the steps completed before the one just taken.
   */
  updateEma(t: number): void {
    if (!this.ema) return;
    const b = emaBeta(this.cfg.ema, t);
    tf.tidy(() => {
      const beta = tf.scalar(b), rest = tf.scalar(1 - b);
      for (const [n, e] of this.ema!) e.assign(tf.add(tf.mul(e, beta), tf.mul(this.G.params.vars.get(n)!, rest)));
    });
  }

  /** Sets the average to the raw G's current values (a checkpoint without EMA weights). */
  resetEmaToRaw(): void {
    if (!this.ema) return;
    tf.tidy(() => {
      for (const [n, e] of this.ema!) e.assign(this.G.params.vars.get(n)!);
    });
    this.emaFromCheckpoint = false;
  }

  private noise(n: number): Tensor2D {
    return tf.tensor2d(this.rng.fillNormal(new Float32Array(n * this.cfg.zDim)), [n, this.cfg.zDim]);
  }

  private realBatch(src: BatchSource): Tensor4D {
    const { batch, size } = this.cfg;
    const data = src.next();
    if (data.length !== batch * size * size * 3) throw new Error(`batch source gave ${data.length} values, expected ${batch * size * size * 3}`);
    return tf.tensor4d(data, [batch, size, size, 3]);
  }

  /** How D's outputs are shown: probabilities for BCE, raw scores otherwise. */
  private shown(t: Tensor): Tensor {
    return tf.mean(this.cfg.loss === 'bce' ? tf.sigmoid(t) : t);
  }

  private discriminatorStep(src: BatchSource) {
    const c = this.cfg;
    const gBn: BnState = { pending: [] };
    const dBn: BnState = { pending: [] };
    const sn: SnState = { pendingU: [] };
    const real = this.realBatch(src);
    const z = this.noise(c.batch);
    const fake = tf.tidy(() => this.G.apply(z, { training: true, bn: gBn }));
    // DiffAugment: D sees augmented reals and fakes (each image its own draw);
    // the gradient penalty is taken on interpolates of these augmented images,
    // the inputs D is trained on. Without --augment these are real and fake.
    const realA = diffAugment(real, this.augment, this.rng);
    const fakeA = diffAugment(fake, this.augment, this.rng);
    const alpha = c.gp > 0 ? tf.tensor1d(Float32Array.from({ length: c.batch }, () => this.rng.next())) : null;
    let kept: Tensor[] = [];
    try {
      const { value, grads } = tf.variableGrads(() => {
        const dr = this.D.apply(realA, { training: true, bn: dBn, sn, rng: this.rng });
        const df = this.D.apply(fakeA, { training: true, bn: dBn, rng: this.rng });
        let loss = discriminatorLoss(c.loss, dr, df);
        kept = [tf.keep(this.shown(dr)), tf.keep(this.shown(df)), tf.keep(tf.sub(tf.mean(dr), tf.mean(df)))];
        if (alpha) {
          const pen = gradientPenalty((x) => this.D.apply(x as Tensor4D, { training: true, rng: this.rng }), realA, fakeA, alpha);
          kept.push(tf.keep(pen));
          loss = tf.add(loss, tf.mul(pen, c.gp));
        }
        return loss as tf.Scalar;
      }, this.D.params.trainable());
      const norm = globalNorm(grads);
      // one fused pass over D's variables where the backend has it (wasm), the WGAN clip included
      // (the clip touches only trainable weights, which the commits below do not read)
      const fused = applyGradientsFused(this.optD, grads, c.clip);
      if (!fused) this.optD.applyGradients(grads);
      commitRunningStats(this.D.params, dBn);
      commitRunningStats(this.G.params, gBn);
      commitSpectralNorm(sn);
      if (c.clip > 0 && !fused) {
        tf.tidy(() => {
          for (const v of this.D.params.trainable()) v.assign(tf.clipByValue(v, -c.clip, c.clip));
        });
      }
      const [lossD, gradNormD, dReal, dFake, w, gp] = [value, norm, ...kept].map((t) => t.dataSync()[0]);
      tf.dispose([value, norm, grads as any]);
      return { lossD, gradNormD, dReal, dFake, w, gp };
    } finally {
      discardRunningStats(dBn);
      discardRunningStats(gBn);
      discardSpectralNorm(sn);
      tf.dispose([real, z, fake, ...(realA !== real ? [realA] : []), ...(fakeA !== fake ? [fakeA] : []), ...(alpha ? [alpha] : []), ...kept]);
    }
  }

  private generatorStep() {
    const c = this.cfg;
    const gBn: BnState = { pending: [] };
    const z = this.noise(c.batch);
    try {
      const { value, grads } = tf.variableGrads(() => {
        const fake = this.G.apply(z, { training: true, bn: gBn });
        // gradients flow to G through the augmentation
        const df = this.D.apply(diffAugment(fake, this.augment, this.rng), { training: true, rng: this.rng });
        return generatorLoss(c.loss, df);
      }, this.G.params.trainable());
      const norm = globalNorm(grads);
      if (!applyGradientsFused(this.optG, grads)) this.optG.applyGradients(grads);
      commitRunningStats(this.G.params, gBn);
      const [lossG, gradNormG] = [value, norm].map((t) => t.dataSync()[0]);
      tf.dispose([value, norm, grads as any]);
      return { lossG, gradNormG };
    } finally {
      discardRunningStats(gBn);
      z.dispose();
    }
  }

  /** One step: nCritic D updates, then one G update. Throws NonFiniteLossError. */
  trainStep(src: BatchSource): StepMetrics {
    let d!: ReturnType<GanTrainer['discriminatorStep']>;
    for (let k = 0; k < this.cfg.nCritic; k++) {
      d = this.discriminatorStep(src);
      if (!Number.isFinite(d.lossD)) throw new NonFiniteLossError(this.step + 1, 'lossD', d.lossD);
    }
    const g = this.generatorStep();
    if (!Number.isFinite(g.lossG)) throw new NonFiniteLossError(this.step + 1, 'lossG', g.lossG);
    this.updateEma(this.step);
    this.step++;
    const m: StepMetrics = { step: this.step, lossD: d.lossD, lossG: g.lossG, dReal: d.dReal, dFake: d.dFake, gradNormD: d.gradNormD, gradNormG: g.gradNormG };
    if (this.cfg.loss === 'wgan' || this.cfg.loss === 'wgan-gp') m.wasserstein = d.w;
    if (d.gp !== undefined) m.gp = d.gp;
    return m;
  }

  /**
   * Generator output in eval mode (running BN statistics) for fixed z: NHWC in
   * [-1, 1]. The EMA generator when there is one (cfg.ema > 0), unless `raw`.
   */
  generate(z: Float32Array, chunk = 64, opts: { raw?: boolean } = {}): Float32Array {
    const n = z.length / this.cfg.zDim;
    const s = this.cfg.size;
    const out = new Float32Array(n * s * s * 3);
    const vars = this.G.params.vars;
    const saved = this.ema && !opts.raw ? new Map(vars) : null;
    try {
      // G.apply reads its variables by name from params.vars: point the names at the averages for the call
      if (saved) for (const [k, e] of this.ema!) vars.set(k, e);
      for (let i = 0; i < n; i += chunk) {
        const m = Math.min(chunk, n - i);
        const img = tf.tidy(() => this.G.apply(tf.tensor2d(z.subarray(i * this.cfg.zDim, (i + m) * this.cfg.zDim), [m, this.cfg.zDim]), { training: false }));
        out.set(img.dataSync(), i * s * s * 3);
        img.dispose();
      }
    } finally {
      if (saved) for (const [k, v] of saved) vars.set(k, v);
    }
    return out;
  }

  /** Every variable of both networks (weights and buffers) by name (the EMA copies: emaVariables()). */
  variables(): Map<string, Variable> {
    return new Map([...this.G.params.vars, ...this.D.params.vars]);
  }

  /** The EMA copies of G's variables by their own names (generator-ema/...), empty without EMA. */
  emaVariables(): Map<string, Variable> {
    return new Map([...(this.ema ?? [])].map(([n, v]) => [emaName(n), v]));
  }

  dispose(): void {
    if (this.ema) for (const v of this.ema.values()) v.dispose();
    this.G.params.dispose();
    this.D.params.dispose();
    this.optG.dispose();
    this.optD.dispose();
  }
}

/** The fixed z of sample grids and diversity scores: independent of training randomness. */
export function fixedNoise(seed: number, n: number, zDim: number): Float32Array {
  return new Rng((seed ^ 0x5eed1234) >>> 0).fillNormal(new Float32Array(n * zDim));
}
