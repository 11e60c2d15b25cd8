// DiffAugment on the CPU-memory backends (cpu, wasm) as one custom op: the
// whole policy is an affine map of the batch, y = A x + a, so its forward pass
// and its adjoint (dx = A^T dy, the gradient) are a few passes over a
// Float32Array each, instead of the chain of stock tfjs ops that diffaugment.ts
// builds (translation there is two batched one-hot matMuls with transposes).
// The ops and draws are diffaugment.ts's; this file only evaluates them.
//
// Per op, forward and adjoint on NHWC data:
//   brightness  y = x + b                        dx = dy
//   saturation  y = s x + (1 - s) m_c(x)          dx = s dy + (1 - s) m_c(dy)   (m_c: mean over a pixel's channels, symmetric)
//   contrast    y = c x + (1 - c) m(x)            dx = c dy + (1 - c) m(dy)     (m: mean over the image, symmetric)
//   translation y[i, j] = x[i + ty, j + tx]        dx[i, j] = dy[i - ty, j - tx]  (zero outside the image)
//   cutout      y = mask x                         dx = mask dy
// The adjoint applies the ops' adjoints in reverse policy order.
import type { AugmentDraws, AugmentName } from './diffaugment';

type Shape = readonly [number, number, number, number];

function color(x: Float32Array, [n, h, w, c]: Shape, d: AugmentDraws, adjoint: boolean): Float32Array {
  const y = new Float32Array(x.length);
  const px = h * w, len = px * c;
  for (let b = 0; b < n; b++) {
    const o = b * len;
    const bright = adjoint ? 0 : d.brightness![b], s = d.saturation![b], k = d.contrast![b];
    if (!adjoint) {
      // brightness, then saturation around each pixel's channel mean, then contrast around the image mean
      let sum = 0;
      for (let p = 0; p < px; p++) {
        const q = o + p * c;
        let m = 0;
        for (let ch = 0; ch < c; ch++) m += x[q + ch] + bright;
        m /= c;
        for (let ch = 0; ch < c; ch++) {
          const v = (x[q + ch] + bright - m) * s + m;
          y[q + ch] = v;
          sum += v;
        }
      }
      const mean = sum / len;
      for (let i = o; i < o + len; i++) y[i] = (y[i] - mean) * k + mean;
    } else {
      // contrast's adjoint, then saturation's (brightness passes the gradient through)
      let sum = 0;
      for (let i = o; i < o + len; i++) sum += x[i];
      const mean = sum / len;
      for (let p = 0; p < px; p++) {
        const q = o + p * c;
        let m = 0;
        for (let ch = 0; ch < c; ch++) m += (x[q + ch] - mean) * k + mean;
        m /= c;
        for (let ch = 0; ch < c; ch++) y[q + ch] = ((x[q + ch] - mean) * k + mean - m) * s + m;
      }
    }
  }
  return y;
}

function translate(x: Float32Array, [n, h, w, c]: Shape, d: AugmentDraws, adjoint: boolean): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    const ty = adjoint ? -d.ty![b] : d.ty![b], tx = adjoint ? -d.tx![b] : d.tx![b];
    // output columns j whose source column j + tx lies in the image
    const j0 = Math.max(0, -tx), j1 = Math.min(w, w - tx);
    if (j1 <= j0) continue;
    for (let i = 0; i < h; i++) {
      const si = i + ty;
      if (si < 0 || si >= h) continue;
      const dst = ((b * h + i) * w + j0) * c, src = ((b * h + si) * w + j0 + tx) * c;
      y.set(x.subarray(src, src + (j1 - j0) * c), dst);
    }
  }
  return y;
}

/**
 * The rows (or columns) [lo, hi] a cutout square of `side` centred at `centre`
 * covers in an image of `len`, clipped at the border (the authors' convention:
 * it starts at centre - floor(side / 2)). Empty when hi < lo.
 */
export function cutoutSpan(centre: number, side: number, len: number): [number, number] {
  const lo = centre - Math.floor(side / 2);
  return [Math.max(0, lo), Math.min(len - 1, lo + side - 1)];
}

function cutout(x: Float32Array, [n, h, w, c]: Shape, d: AugmentDraws, side: number): Float32Array {
  const y = x.slice();
  for (let b = 0; b < n; b++) {
    const [y0, y1] = cutoutSpan(d.cy![b], side, h), [x0, x1] = cutoutSpan(d.cx![b], side, w);
    for (let i = y0; i <= y1; i++) y.fill(0, ((b * h + i) * w + x0) * c, ((b * h + i) * w + x1 + 1) * c);
  }
  return y;
}

/**
 * The augmented batch (forward) or, with `adjoint`, the gradient of the input
 * given the output's gradient; `cutSide` is the cutout square's side.
 */
export function augmentTyped(x: Float32Array, shape: Shape, ops: readonly AugmentName[], d: AugmentDraws, cutSide: number, adjoint = false): Float32Array {
  if (x.length !== shape[0] * shape[1] * shape[2] * shape[3]) throw new Error(`augmentTyped: ${x.length} values for shape [${shape.join(', ')}]`);
  let y = x;
  const order = adjoint ? [...ops].reverse() : ops;
  for (const op of order) {
    if (op === 'color') y = color(y, shape, d, adjoint);
    else if (op === 'translation') y = translate(y, shape, d, adjoint);
    else y = cutout(y, shape, d, cutSide);
  }
  return y === x ? x.slice() : y;
}
