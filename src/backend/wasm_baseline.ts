// Conv2DBackpropFilter for stock tfjs-backend-wasm 4.22, which has none (so
// no conv net can train there). Built only from ops the wasm backend has:
//
//   dW[kh, kw, ci, co] = sum over (b, oh, ow) of
//                        xpad[b, oh*s + kh, ow*s + kw, ci] * dy[b, oh, ow, co]
//
// For each filter tap (kh, kw) a strided slice of the padded input is an
// [N = B*OH*OW, Ci] matrix; dW[kh, kw] = slice^T @ dy as [N, Co]. The taps are
// stacked into [KH, KW, Ci, Co]. KH*KW matMuls on XNNPACK: correct and
// cheap to write; it is the benchmark baseline and the fallback when our
// own kernels cannot load.
import { tf } from '../tf';
import type { Tensor4D } from '@tensorflow/tfjs-core';

type KernelArgs = { inputs: Record<string, any>; backend: any; attrs?: Record<string, any> };

/** dW for NHWC x / dy with tf ops; dilation 1 only (the tfjs op forbids others with stride > 1). */
export function conv2dBackpropFilterOps(
  x: Tensor4D, dy: Tensor4D, filterShape: [number, number, number, number],
  strides: [number, number] | number, pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]],
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad as any, dimRoundingMode, false, 'channelsLast');
  const [KH, KW, Ci, Co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: OH, outWidth: OW } = info;
  const { top, bottom, left, right } = info.padInfo;
  if (dy.shape[1] !== OH || dy.shape[2] !== OW || dy.shape[3] !== Co || dy.shape[0] !== x.shape[0] || x.shape[3] !== Ci) {
    throw new Error(`Conv2DBackpropFilter: dy ${dy.shape} does not match x ${x.shape}, filter ${filterShape}, out ${OH}x${OW}`);
  }
  return tf.tidy(() => {
    const B = x.shape[0];
    const H = x.shape[1] + top + bottom, W = x.shape[2] + left + right;
    // Pad so that every tap's strided window fits (explicit pads may leave a short edge).
    const extraH = Math.max(0, KH - 1 + (OH - 1) * sh + 1 - H), extraW = Math.max(0, KW - 1 + (OW - 1) * sw + 1 - W);
    const xp = top || bottom || left || right || extraH || extraW
      ? tf.pad(x, [[0, 0], [top, bottom + extraH], [left, right + extraW], [0, 0]]) : x;
    const dy2 = tf.reshape(dy, [B * OH * OW, Co]);
    const taps: tf.Tensor[] = [];
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const xs = tf.stridedSlice(xp, [0, kh, kw, 0], [B, kh + (OH - 1) * sh + 1, kw + (OW - 1) * sw + 1, Ci], [1, sh, sw, 1]);
        taps.push(tf.matMul(tf.reshape(xs, [B * OH * OW, Ci]), dy2, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), filterShape) as Tensor4D;
  });
}

function conv2DBackpropFilterKernel({ inputs, backend, attrs }: KernelArgs) {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as any;
  let x = inputs.x as Tensor4D, dy = inputs.dy as Tensor4D;
  const nchw = dataFormat === 'NCHW';
  const r = tf.tidy(() => {
    if (nchw) { x = tf.transpose(x, [0, 2, 3, 1]); dy = tf.transpose(dy, [0, 2, 3, 1]); }
    return conv2dBackpropFilterOps(x, dy, filterShape, strides, pad, dimRoundingMode);
  });
  // Hand the engine a fresh output on the backend heap (one small copy of dW).
  const out = backend.makeOutput(filterShape, 'float32');
  backend.typedArrayFromHeap(out).set(backend.readSync(r.dataId) as Float32Array);
  r.dispose();
  return out;
}

/** Registers (or replaces) Conv2DBackpropFilter for the 'wasm' backend with the tf-ops version. */
export function registerBaselineConv2DBackpropFilter(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterKernel as any });
}
