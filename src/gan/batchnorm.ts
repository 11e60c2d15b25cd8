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
 */
export const BN_TRAIN_KERNEL = 'GanforgeBatchNormTrain';
export const BN_TRAIN_GRAD_KERNEL = 'GanforgeBatchNormTrainGrad';

function fusedAvailable(x: Tensor): boolean {
  const b = tf.getBackend();
  return x.dtype === 'float32' && !!tf.getKernel(BN_TRAIN_KERNEL, b) && !!tf.getKernel(BN_TRAIN_GRAD_KERNEL, b);
}

/** Training-mode batch norm through the fused kernels: y plus the batch's (biased) mean and variance (kept: the caller disposes them). */
function fusedBatchNormTrain(x: Tensor, gamma: Tensor, beta: Tensor): { y: Tensor; mean: Tensor; variance: Tensor } {
  let mean!: Tensor, variance!: Tensor;
  const attrs = { varianceEpsilon: BN_EPS };
  const op = tf.customGrad(((xi: Tensor, g: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
    const [y, m, v] = tf.engine().runKernel(BN_TRAIN_KERNEL, { x: xi, gamma: g, beta: b }, attrs) as Tensor[];
    save([xi, g, m, v]);
    // customGrad runs this inside a tidy that keeps only `value`: keep the statistics (the caller owns them)
    mean = tf.keep(m);
    variance = tf.keep(v);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sg, sm, sv] = saved;
        return tf.engine().runKernel(BN_TRAIN_GRAD_KERNEL, { dy, x: sx, mean: sm, variance: sv, gamma: sg }, attrs) as Tensor[];
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

/** x: [B, C] or [B, H, W, C]; normalises over every axis but the last. */
export function batchNorm(p: ParamStore, name: string, x: Tensor, training: boolean, state?: BnState): Tensor {
  const gamma = p.get(`${name}/gamma`);
  const beta = p.get(`${name}/beta`);
  if (!training) {
    return tf.batchNorm(x, p.get(`${name}/running_mean`), p.get(`${name}/running_var`), beta, gamma, BN_EPS);
  }
  if (fusedAvailable(x)) {
    const { y, mean, variance } = fusedBatchNormTrain(x, gamma, beta);
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
  return tf.batchNorm(x, mean, variance, beta, gamma, BN_EPS);
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
