// DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for
// Data-Efficient GAN Training"): random, differentiable transformations applied
// to every image the discriminator sees, real and generated, in both the D and
// the G step, so D cannot memorise a small training set and G still gets
// gradients through the augmentation.
//
// The ops follow the authors' published DiffAugment functions, on NHWC images
// in [-1, 1] (the range they use too); every image draws its own parameters:
//   color        brightness  x + b,                      b ~ U(-0.5, 0.5)
//                saturation  (x - mean_c(x)) * s + mean_c(x)   (per-pixel channel mean), s ~ U(0, 2)
//                contrast    (x - mean(x)) * c + mean(x)        (per-image mean),         c ~ U(0.5, 1.5)
//   translation  out[i, j] = x[i + ty, j + tx], zero outside the image,
//                ty, tx integers uniform in [-r, r], r = round(size / 8)
//   cutout       one zeroed square of side round(size / 2) (clipped at the
//                border), centred at a uniform position in [0, size - (side mod 2)]
//
// On the backends whose tensors live in CPU memory (cpu, wasm) the whole policy
// runs as one custom op with its own gradient (diffaugment_typed.ts: a few
// passes over the batch each way). Elsewhere (webgl), and with
// impl: 'ops', only ops with kernels and gradients on every tfjs backend are used: translation is a product with per-image one-hot shift matrices
// (batched matMul; exact, since each output is one input times 1 plus zeros),
// cutout a product with a 0/1 mask. Every random number comes from the caller's
// Rng (the trainer's seeded PRNG), so a run stays reproducible and resumable.
import { tf, type Tensor4D } from '../tf';
import type { Rng } from '../util/rng';
import { augmentTyped, cutoutSpan } from './diffaugment_typed';

export type AugmentName = 'color' | 'translation' | 'cutout';
/** The policy names, in the order the paper lists them. */
export const AUGMENTS: readonly AugmentName[] = ['color', 'translation', 'cutout'];

/** Largest translation in pixels for an image side: round(side / 8) (4 at 32, 8 at 64). */
export const translationRange = (side: number) => Math.floor(side * 0.125 + 0.5);
/** Cutout square side for an image side: round(side / 2). */
export const cutoutSide = (side: number) => Math.floor(side * 0.5 + 0.5);

/** x + b[n] per image. */
export function brightness(x: Tensor4D, b: Float32Array): Tensor4D {
  return tf.tidy(() => tf.add(x, tf.tensor4d(b, [b.length, 1, 1, 1])));
}

/** (x - m) * s[n] + m with m the mean over the channels of each pixel. */
export function saturation(x: Tensor4D, s: Float32Array): Tensor4D {
  return tf.tidy(() => {
    const m = tf.mean(x, 3, true);
    return tf.add(tf.mul(tf.sub(x, m), tf.tensor4d(s, [s.length, 1, 1, 1])), m);
  });
}

/** (x - m) * c[n] + m with m the mean of each image (all pixels and channels). */
export function contrast(x: Tensor4D, c: Float32Array): Tensor4D {
  return tf.tidy(() => {
    const m = tf.mean(x, [1, 2, 3], true);
    return tf.add(tf.mul(tf.sub(x, m), tf.tensor4d(c, [c.length, 1, 1, 1])), m);
  });
}

/** [n, len, len] one-hot rows: row i of image b picks input index i + shift[b], or nothing outside [0, len). */
function shiftMatrices(shift: Int32Array, len: number): tf.Tensor3D {
  const m = new Float32Array(shift.length * len * len);
  for (let b = 0; b < shift.length; b++) {
    for (let i = 0; i < len; i++) {
      const k = i + shift[b];
      if (k >= 0 && k < len) m[(b * len + i) * len + k] = 1;
    }
  }
  return tf.tensor3d(m, [shift.length, len, len]);
}

/**
 * out[b, i, j] = x[b, i + ty[b], j + tx[b]], zero where that falls outside the
 * image (the authors' zero-padded translation).
 */
export function translate(x: Tensor4D, ty: Int32Array, tx: Int32Array): Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    // rows: [n, h, h] x [n, h, w*c]
    const rows = tf.matMul(shiftMatrices(ty, h), tf.reshape(x, [n, h, w * c]));
    // columns: move W to the front, [n, w, w] x [n, w, h*c], and back
    const t = tf.reshape(tf.transpose(tf.reshape(rows, [n, h, w, c]), [0, 2, 1, 3]), [n, w, h * c]);
    const cols = tf.matMul(shiftMatrices(tx, w), t);
    return tf.transpose(tf.reshape(cols, [n, w, h, c]), [0, 2, 1, 3]) as Tensor4D;
  });
}

/** The 0/1 cutout mask [n, h, w, 1]: a square of `side` centred (authors' convention) at (cy[b], cx[b]) is 0. */
export function cutoutMask(n: number, h: number, w: number, cy: Int32Array, cx: Int32Array, side = cutoutSide(Math.min(h, w))): Float32Array {
  const mask = new Float32Array(n * h * w).fill(1);
  for (let b = 0; b < n; b++) {
    const [y0, y1] = cutoutSpan(cy[b], side, h), [x0, x1] = cutoutSpan(cx[b], side, w);
    for (let y = y0; y <= y1; y++) mask.fill(0, (b * h + y) * w + x0, (b * h + y) * w + x1 + 1);
  }
  return mask;
}

/** x times the cutout mask of squares centred at (cy[b], cx[b]). */
export function cutout(x: Tensor4D, cy: Int32Array, cx: Int32Array): Tensor4D {
  const [n, h, w] = x.shape;
  return tf.tidy(() => tf.mul(x, tf.tensor4d(cutoutMask(n, h, w, cy, cx), [n, h, w, 1])));
}

/** The random parameters of one augmentation call, as drawn (see drawAugment for the order). */
export interface AugmentDraws {
  brightness?: Float32Array;
  saturation?: Float32Array;
  contrast?: Float32Array;
  /** Translation along H (rows) and W (columns). */
  ty?: Int32Array;
  tx?: Int32Array;
  /** Cutout centre row and column. */
  cy?: Int32Array;
  cx?: Int32Array;
}

/**
 * Draws the parameters of `ops` for n images of h x w from `rng`, in this
 * order: per op in policy order; color: n brightness, n saturation, n contrast
 * values; translation: n row shifts, n column shifts; cutout: n centre rows, n
 * centre columns.
 */
export function drawAugment(ops: readonly AugmentName[], n: number, h: number, w: number, rng: Rng): AugmentDraws {
  const d: AugmentDraws = {};
  const f = (g: () => number) => Float32Array.from({ length: n }, g);
  const i = (g: () => number) => Int32Array.from({ length: n }, g);
  for (const op of ops) {
    if (op === 'color') {
      d.brightness = f(() => rng.next() - 0.5);
      d.saturation = f(() => rng.next() * 2);
      d.contrast = f(() => rng.next() + 0.5);
    } else if (op === 'translation') {
      const ry = translationRange(h), rx = translationRange(w);
      d.ty = i(() => rng.int(2 * ry + 1) - ry);
      d.tx = i(() => rng.int(2 * rx + 1) - rx);
    } else {
      const side = cutoutSide(Math.min(h, w));
      d.cy = i(() => rng.int(h + 1 - (side % 2)));
      d.cx = i(() => rng.int(w + 1 - (side % 2)));
    }
  }
  return d;
}

/**
 * How applyAugment evaluates the policy: 'ops' as a chain of stock tfjs ops
 * (every backend), 'typed' as one custom op over the batch's values (cpu and
 * wasm, whose tensors live in CPU memory), 'auto' typed where the backend is
 * cpu or wasm, else ops.
 */
export type AugmentImpl = 'auto' | 'ops' | 'typed';

/** Applies `ops` in policy order with the given draws (no randomness here). */
export function applyAugment(x: Tensor4D, ops: readonly AugmentName[], d: AugmentDraws, impl: AugmentImpl = 'auto'): Tensor4D {
  const typed = impl === 'typed' || (impl === 'auto' && ops.length > 0 && ['cpu', 'wasm'].includes(tf.getBackend()));
  if (typed) return applyTyped(x, ops, d);
  return tf.tidy(() => {
    let y = x;
    for (const op of ops) {
      if (op === 'color') y = contrast(saturation(brightness(y, d.brightness!), d.saturation!), d.contrast!);
      else if (op === 'translation') y = translate(y, d.ty!, d.tx!);
      else y = cutout(y, d.cy!, d.cx!);
    }
    // with no ops the input itself (tidy must not hand back a tensor it does not own)
    return y === x ? tf.clone(x) : y;
  });
}

/** The policy as one op with its own gradient (the adjoint of the affine map). */
function applyTyped(x: Tensor4D, ops: readonly AugmentName[], d: AugmentDraws): Tensor4D {
  const shape = x.shape;
  const side = cutoutSide(Math.min(shape[1], shape[2]));
  const op = tf.customGrad(((input: tf.Tensor) => ({
    value: tf.tensor4d(augmentTyped(input.dataSync() as Float32Array, shape, ops, d, side), shape),
    gradFunc: (dy: tf.Tensor) => tf.tensor4d(augmentTyped(dy.dataSync() as Float32Array, shape, ops, d, side, true), shape),
  })) as any) as (x: tf.Tensor) => tf.Tensor;
  return op(x) as Tensor4D;
}

/**
 * DiffAugment of a batch: draws fresh per-image parameters from `rng` and
 * applies `ops`. With no ops it returns `x` itself and draws nothing, so a run
 * without --augment is unchanged. Differentiable with respect to `x`.
 */
export function diffAugment(x: Tensor4D, ops: readonly AugmentName[], rng: Rng): Tensor4D {
  if (ops.length === 0) return x;
  const [n, h, w] = x.shape;
  return applyAugment(x, ops, drawAugment(ops, n, h, w, rng));
}
