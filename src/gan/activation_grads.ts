// The gradients of LeakyRelu and Relu as one kernel call where the backend
// has our fused kernel (the wasm backend: src/backend/wasm_train_kernels.ts),
// instead of tfjs's Greater + Multiply + Select (LeakyRelu) or Step + Cast +
// Multiply (Relu), three passes and three tensors each. Elsewhere the stock
// formulas, unchanged. The fused kernel computes the same values bit for bit:
//   dx = x > 0 ? dy : alpha * dy        (alpha = 0 for Relu; f32 product)
// and has its own gradient (linear in dy, zero in x), so WGAN-GP can
// differentiate through it as through the stock ops.
import { tf, type Tensor } from '../tf';

export const ACT_GRAD_KERNEL = 'GanforgeActivationGrad';

const fused = () => !!tf.getKernel(ACT_GRAD_KERNEL, tf.getBackend());

function actGrad(dy: Tensor, x: Tensor, alpha: number): Tensor {
  return tf.engine().runKernel(ACT_GRAD_KERNEL, { dy, x }, { alpha }) as Tensor;
}

let installed = false;

/** Installs the gradients (idempotent; global, as every tfjs gradient is). */
export function installActivationGradients(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: any) => {
      const [x] = saved, g = dy as Tensor;
      if (fused() && x.dtype === 'float32' && g.dtype === 'float32') return { x: () => actGrad(g, x, attrs.alpha) };
      return { x: () => tf.where(tf.greater(x, 0), g, tf.mul(g, attrs.alpha)) };
    },
  });
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
      const [x] = saved, g = dy as Tensor;
      if (fused() && x.dtype === 'float32' && g.dtype === 'float32') return { x: () => actGrad(g, x, 0) };
      return { x: () => tf.mul(g, tf.cast(tf.step(x), 'float32')) };
    },
  });
  tf.registerGradient({
    kernelName: ACT_GRAD_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[], attrs: any) => {
      const [x] = saved;
      return { dy: () => actGrad(ddx as Tensor, x, attrs.alpha), x: () => tf.zerosLike(x) };
    },
  });
}
