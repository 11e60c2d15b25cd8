// Adam and RMSprop as one kernel call per network where the backend has our
// fused update (the wasm backend: src/backend/wasm_train_kernels.ts), instead
// of tfjs's chain of ~10 ops per variable. The optimizer objects stay tfjs's
// own: the same slot variables (created as tfjs names them), beta powers and
// iteration count, so checkpoints and --resume are unchanged. The kernel
// repeats tfjs's float32 arithmetic op for op (same order, each result
// rounded to f32), so it gives the stock update bit for bit; a WGAN weight
// clip happens in the same pass. Elsewhere: returns false and the caller runs
// the stock applyGradients.
import { tf, type Tensor, type Variable } from '../tf';

export const ADAM_KERNEL = 'GanforgeAdamUpdate';
export const RMSPROP_KERNEL = 'GanforgeRmspropUpdate';

/**
 * Kernel contract (both): inputs x<i>, g<i>, a<i>, b<i> for i < n (variable, gradient, first and
 * second slot: Adam m, v; RMSprop mean square, moments), attrs { n, clip, ... f32 scalars };
 * outputs [x0', a0', b0', x1', ...].
 */
type Slot = { originalName: string; variable: Variable };

function slots(list: (Slot | undefined)[], i: number, name: string, suffix: string, like: Variable): Variable {
  if (list[i] == null) list[i] = { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(like).variable(false)) };
  return list[i]!.variable;
}

/** Applies `grads` with `opt` (and clips to [-clip, clip] when clip > 0) in one fused call; false if not available here. */
export function applyGradientsFused(opt: tf.Optimizer, grads: tf.NamedTensorMap, clip = 0): boolean {
  const o = opt as any;
  const cls = opt.getClassName();
  const kernel = cls === 'Adam' ? ADAM_KERNEL : cls === 'RMSProp' && !o.centered ? RMSPROP_KERNEL : null;
  if (!kernel || !tf.getKernel(kernel, tf.getBackend())) return false;
  const names = Object.keys(grads);
  const vars = names.map((n) => tf.engine().registeredVariables[n] as Variable);
  if (names.some((n, i) => !vars[i] || grads[n] == null || grads[n].dtype !== 'float32' || vars[i].dtype !== 'float32' || !tf.util.arraysEqual(grads[n].shape, vars[i].shape))) return false;
  const f = Math.fround;
  const [listA, listB, sa, sb] = cls === 'Adam'
    ? [o.accumulatedFirstMoment, o.accumulatedSecondMoment, 'm', 'v']
    : [o.accumulatedMeanSquares, o.accumulatedMoments, 'rms', 'momentum'];
  tf.tidy(() => {
    const a = names.map((n, i) => slots(listA, i, n, sa, vars[i]));
    const b = names.map((n, i) => slots(listB, i, n, sb, vars[i]));
    const inputs: Record<string, Tensor> = {};
    names.forEach((n, i) => { inputs[`x${i}`] = vars[i]; inputs[`g${i}`] = grads[n]; inputs[`a${i}`] = a[i]; inputs[`b${i}`] = b[i]; });
    let attrs: Record<string, number>;
    if (cls === 'Adam') {
      const acc1 = o.accBeta1.dataSync()[0], acc2 = o.accBeta2.dataSync()[0];
      attrs = { n: names.length, clip: f(clip), beta1: f(o.beta1), ob1: f(1 - o.beta1), beta2: f(o.beta2), ob2: f(1 - o.beta2),
        omab1: f(1 - acc1), omab2: f(1 - acc2), eps: f(o.epsilon), nlr: f(-o.learningRate) };
    } else {
      attrs = { n: names.length, clip: f(clip), decay: f(o.decay), od: f(1 - o.decay), momentum: f(o.momentum), lr: f(o.learningRate), eps: f(o.epsilon) };
    }
    const outs = tf.engine().runKernel(kernel, inputs, attrs as any) as Tensor[];
    names.forEach((_, i) => { vars[i].assign(outs[3 * i]); a[i].assign(outs[3 * i + 1]); b[i].assign(outs[3 * i + 2]); });
    if (cls === 'Adam') {
      o.accBeta1.assign(tf.mul(o.accBeta1, o.beta1));
      o.accBeta2.assign(tf.mul(o.accBeta2, o.beta2));
    }
  });
  o.incrementIterations();
  return true;
}
