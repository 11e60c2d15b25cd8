// Spectral normalisation (Miyato et al. 2018) as in PyTorch's
// torch.nn.utils.spectral_norm: the kernel W [kh, kw, cin, cout] is viewed as
// the matrix Wm [cout, kh*kw*cin]; a persistent vector u [cout] (saved in
// checkpoints) gets one power-iteration step per training forward pass,
// sigma = u^T Wm v, and the layer uses W / sigma. u and v carry no gradient;
// sigma's dependence on W does.
import { tf, stopGradient, type Tensor, type Variable } from '../tf';
import { ParamStore } from './params';
import type { Rng } from '../util/rng';

export interface SnState {
  /** New u vectors to assign after the optimizer step (training passes only). */
  pendingU: { u: Variable; value: Tensor }[];
}

export function addSpectralNorm(p: ParamStore, kernelName: string, cout: number, rng: Rng): void {
  const u = rng.fillNormal(new Float32Array(cout));
  const n = Math.hypot(...u) || 1;
  p.add(`${kernelName}/sn_u`, tf.tensor1d(u.map((x) => x / n)), false);
}

function l2normalize(x: Tensor): Tensor {
  return tf.div(x, tf.add(tf.norm(x), 1e-12));
}

/** Returns W / sigma(W). With `state`, the updated u is recorded for commit. */
export function spectralNormalize(p: ParamStore, kernelName: string, w: Tensor, state?: SnState): Tensor {
  const uVar = p.get(`${kernelName}/sn_u`);
  const cout = w.shape[w.shape.length - 1];
  const wm = tf.reshape(w, [-1, cout]); // [K, cout] = Wm^T
  const wmStopped = stopGradient(wm);
  let u: Tensor = uVar;
  if (state) {
    const v0 = l2normalize(tf.squeeze(tf.matMul(wmStopped, tf.reshape(uVar, [cout, 1])), [1]));
    u = l2normalize(tf.squeeze(tf.matMul(tf.reshape(v0, [1, -1]), wmStopped), [0]));
    state.pendingU.push({ u: uVar, value: tf.keep(stopGradient(u)) });
  }
  const v = stopGradient(l2normalize(tf.squeeze(tf.matMul(wmStopped, tf.reshape(u, [cout, 1])), [1])));
  // sigma = u^T Wm v = v^T Wm^T u, differentiable in W only.
  const sigma = tf.sum(tf.mul(tf.squeeze(tf.matMul(tf.reshape(v, [1, -1]), wm), [0]), stopGradient(u)));
  return tf.div(w, sigma);
}

export function commitSpectralNorm(state: SnState): void {
  for (const { u, value } of state.pendingU) {
    u.assign(value);
    value.dispose();
  }
  state.pendingU.length = 0;
}

export function discardSpectralNorm(state: SnState): void {
  for (const { value } of state.pendingU) value.dispose();
  state.pendingU.length = 0;
}
