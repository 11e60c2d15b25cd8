// The one place that imports tfjs: core, every gradient, and the backends
// that work everywhere (cpu, wasm, webgl's kernels). Everything else imports
// `tf` from here so Node, tests and the browser share one engine.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';

// WGAN-GP differentiates a gradient. LeakyRelu's and Relu's gradients use
// comparison ops that have no gradient registered in tfjs 4.22 ("gradient
// function not found for Greater"); their true derivative is zero almost
// everywhere, so register exactly that.
for (const kernelName of ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual']) {
  if (!tf.getGradient(kernelName)) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }),
    });
  }
}

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor4D, Variable, Scalar, Rank } from '@tensorflow/tfjs-core';

/** Identity whose gradient is zero (tfjs-core has no stop_gradient op). */
export const stopGradient: <T extends import('@tensorflow/tfjs-core').Tensor>(x: T) => T = tf.customGrad((x: any) => ({
  value: tf.clone(x),
  gradFunc: (dy: any) => tf.zerosLike(dy),
})) as any;
