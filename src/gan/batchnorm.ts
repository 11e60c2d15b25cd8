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
