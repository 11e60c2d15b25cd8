// The discriminator's convolution + bias (+ LeakyReLU) as one kernel call
// where the backend has our kernel (the wasm backend: the bias and the
// activation applied in the GEMM's epilogue, src/backend/wasm_kernels.ts),
// instead of Conv2D + Add (+ LeakyRelu): two passes and two tensors fewer per
// layer. Elsewhere the stock ops, unchanged.
//
// Not tf.fused.conv2d: its gradient is a tf.customGrad that computes the
// input and filter gradients eagerly, needed or not (D's first layer would
// pay a 3-channel input gradient it throws away, and the generator's step
// the filter gradients of every D layer). This kernel's gradient is
// registered per input, so the tape runs only the ones it needs:
//   g = y > 0 ? dy : alpha dy   (leakyrelu; y the output: y > 0 where the pre-activation is, alpha > 0)
//   dx = Conv2DBackpropInput(g), dfilter = Conv2DBackpropFilter(x, g), dbias = sum g over [B, H, W]
// all differentiable ops, so a gradient penalty can differentiate through it.
import { tf, type Tensor, type Tensor4D } from '../tf';
import { ACT_GRAD_KERNEL } from './activation_grads';

export const CONV_BIAS_ACT_KERNEL = 'GanforgeConv2DBiasAct';

export type ConvPad = number | 'same' | 'valid';

/**
 * Kernel contract: inputs {x [B,H,W,Ci], filter [KH,KW,Ci,Co], bias [Co]}, attrs {strides, pad,
 * activation: 'linear' | 'leakyrelu', leakyreluAlpha}: leaky(conv2d(x, filter) + bias), NHWC.
 */
const available = () => !!tf.getKernel(CONV_BIAS_ACT_KERNEL, tf.getBackend());

function actGrad(dy: Tensor, y: Tensor, alpha: number): Tensor {
  if (tf.getKernel(ACT_GRAD_KERNEL, tf.getBackend())) return tf.engine().runKernel(ACT_GRAD_KERNEL, { dy, x: y }, { alpha }) as Tensor;
  return tf.where(tf.greater(y, 0), dy, tf.mul(dy, alpha));
}

let installed = false;

/** Installs the kernel's gradient (idempotent; global, as every tfjs gradient is). */
export function installConvBiasActGradient(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: CONV_BIAS_ACT_KERNEL,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: any) => {
      const [x, filter, y] = saved;
      const g = attrs.activation === 'leakyrelu' ? actGrad(dy as Tensor, y, attrs.leakyreluAlpha) : (dy as Tensor);
      const conv = { strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC' };
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, { ...conv, inputShape: x.shape }) as Tensor,
        filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, { ...conv, filterShape: filter.shape }) as Tensor,
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

/** leakyRelu(conv2d(x, filter, strides, pad) + bias, alpha), or without the activation when alpha is null. */
export function conv2dBiasAct(x: Tensor4D, filter: Tensor4D, bias: Tensor, strides: number, pad: ConvPad, alpha: number | null): Tensor4D {
  if (alpha !== null && !(alpha > 0)) throw new Error(`conv2dBiasAct: leakyRelu alpha must be > 0, got ${alpha}`);
  if (available() && x.dtype === 'float32') {
    installConvBiasActGradient();
    const attrs = alpha === null ? { strides, pad, activation: 'linear' } : { strides, pad, activation: 'leakyrelu', leakyreluAlpha: alpha };
    return tf.engine().runKernel(CONV_BIAS_ACT_KERNEL, { x, filter, bias }, attrs as any) as Tensor4D;
  }
  const h = tf.add(tf.conv2d(x, filter, strides, pad), bias) as Tensor4D;
  return alpha === null ? h : (tf.leakyRelu(h, alpha) as Tensor4D);
}
