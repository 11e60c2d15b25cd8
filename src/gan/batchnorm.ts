// BatchNorm as PyTorch does it: in training, normalise with the batch's own
// mean and biased variance and fold them into running statistics with
// momentum 0.1 (running variance uses the unbiased estimate); in eval mode use
// the running statistics. The running update is deferred: forward() records
// the batch moments and commitRunningStats() applies them after the
// optimizer step, outside any gradient tape.
import { tf, stopGradient, type Tensor } from '../tf';
import { ParamStore } from './params';
import type { Rng } from '../util/rng';
import { normalInit } from './params';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/**
 * Fused training-mode BatchNorm kernels a backend may register (the wasm
 * backend does, src/backend/wasm_train_kernels.ts):
 *   BN_TRAIN_KERNEL       {x, gamma, beta}, {varianceEpsilon} -> [y, mean, variance (biased)]
 *   BN_TRAIN_GRAD_KERNEL  {dy, x, mean, variance, gamma}, {varianceEpsilon} -> [dx, dgamma, dbeta]
 * Where both are registered, training-mode batchNorm runs through them (one
 * tf.customGrad op); elsewhere through tf.moments + tf.batchNorm.
 * Both take attrs { activation: 'linear' | 'relu' | 'leakyrelu', leakyreluAlpha }:
 * the forward applies the activation to y, and the gradient kernel then also
 * takes the forward's (activated) output y as input `y`.
 */
export const BN_TRAIN_KERNEL = 'GanforgeBatchNormTrain';
export const BN_TRAIN_GRAD_KERNEL = 'GanforgeBatchNormTrainGrad';

function fusedAvailable(x: Tensor): boolean {
  const b = tf.getBackend();
  return x.dtype === 'float32' && !!tf.getKernel(BN_TRAIN_KERNEL, b) && !!tf.getKernel(BN_TRAIN_GRAD_KERNEL, b);
}

/** The activation after a BatchNorm layer (applied by the fused kernel where it runs). */
export type BnActivation = 'linear' | 'relu' | { leakyRelu: number };

function activate(x: Tensor, act: BnActivation): Tensor {
  if (act === 'linear') return x;
  if (act === 'relu') return tf.relu(x);
  return tf.leakyRelu(x, act.leakyRelu);
}

/** Training-mode batch norm (+ activation) through the fused kernels: y plus the batch's (biased) mean and variance (kept: the caller disposes them). */
function fusedBatchNormTrain(x: Tensor, gamma: Tensor, beta: Tensor, act: BnActivation): { y: Tensor; mean: Tensor; variance: Tensor } {
  let mean!: Tensor, variance!: Tensor;
  const attrs: Record<string, string | number> = act === 'linear' || act === 'relu' ? { varianceEpsilon: BN_EPS, activation: act }
    : { varianceEpsilon: BN_EPS, activation: 'leakyrelu', leakyreluAlpha: act.leakyRelu };
  const withAct = act !== 'linear';
  const op = tf.customGrad(((xi: Tensor, g: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
    const [y, m, v] = tf.engine().runKernel(BN_TRAIN_KERNEL, { x: xi, gamma: g, beta: b }, attrs) as Tensor[];
    save(withAct ? [xi, g, m, v, y] : [xi, g, m, v]);
    // customGrad runs this inside a tidy that keeps only `value`: keep the statistics (the caller owns them)
    mean = tf.keep(m);
    variance = tf.keep(v);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sg, sm, sv, sy] = saved;
        const inputs: Record<string, Tensor> = { dy, x: sx, mean: sm, variance: sv, gamma: sg };
        if (withAct) inputs.y = sy;
        return tf.engine().runKernel(BN_TRAIN_GRAD_KERNEL, inputs, attrs) as Tensor[];
      },
    };
  }) as any) as (x: Tensor, g: Tensor, b: Tensor) => Tensor;
  const y = op(x, gamma, beta);
  return { y, mean, variance };
}

export interface BnState {
  pending: { name: string; mean: Tensor; variance: Tensor; count: number }[];
}

export function addBatchNorm(p: ParamStore, name: string, channels: number, rng: Rng): void {
  p.add(`${name}/gamma`, normalInit(rng, [channels], 1, 0.02));
  p.add(`${name}/beta`, tf.zeros([channels]));
  p.add(`${name}/running_mean`, tf.zeros([channels]), false);
  p.add(`${name}/running_var`, tf.ones([channels]), false);
}

/**
 * x: [B, C] or [B, H, W, C]; normalises over every axis but the last, then
 * applies `act` (leakyRelu's alpha > 0): in one fused kernel in training where
 * the backend has it, as act(batchNorm(x)) elsewhere.
 */
export function batchNorm(p: ParamStore, name: string, x: Tensor, training: boolean, state?: BnState, act: BnActivation = 'linear'): Tensor {
  const gamma = p.get(`${name}/gamma`);
  const beta = p.get(`${name}/beta`);
  if (typeof act === 'object' && !(act.leakyRelu > 0)) throw new Error(`batchNorm ${name}: leakyRelu alpha must be > 0, got ${act.leakyRelu}`);
  if (!training) {
    return activate(tf.batchNorm(x, p.get(`${name}/running_mean`), p.get(`${name}/running_var`), beta, gamma, BN_EPS), act);
  }
  if (fusedAvailable(x)) {
    const { y, mean, variance } = fusedBatchNormTrain(x, gamma, beta, act);
    if (state) {
      const count = x.size / x.shape[x.shape.length - 1];
      state.pending.push({ name, mean, variance, count });
    } else {
      tf.dispose([mean, variance]);
    }
    return y;
  }
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  if (state) {
    const count = x.size / x.shape[x.shape.length - 1];
    state.pending.push({ name, mean: tf.keep(stopGradient(mean)), variance: tf.keep(stopGradient(variance)), count });
  }
  return activate(tf.batchNorm(x, mean, variance, beta, gamma, BN_EPS), act);
}

export function commitRunningStats(p: ParamStore, state: BnState): void {
  tf.tidy(() => {
    for (const { name, mean, variance, count } of state.pending) {
      const rm = p.get(`${name}/running_mean`);
      const rv = p.get(`${name}/running_var`);
      const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
      rm.assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
      rv.assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
    }
  });
  discardRunningStats(state);
}

export function discardRunningStats(state: BnState): void {
  for (const e of state.pending) {
    e.mean.dispose();
    e.variance.dispose();
  }
  state.pending.length = 0;
}
