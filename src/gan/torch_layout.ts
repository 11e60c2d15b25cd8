// Weight layouts: ours (tfjs, NHWC) <-> the PyTorch seed's (NCHW). Plain
// Float32Array permutations with no tfjs, so the PyTorch bridge (import,
// export) and the parity tests share one definition.
//
//   Conv2d            ours [kh, kw, in, out]   torch (out, in, kh, kw)
//   ConvTranspose2d   ours [kh, kw, out, in]   torch (in, out, kh, kw)
//   first Linear      ours [z, H*W*C] (columns NHWC: (h*W + w)*C + c)
//                     torch (C*H*W, z) (rows NCHW: c*H*W + h*W + w)
//   its BatchNorm1d   vectors of H*W*C in the same NHWC / NCHW orders
//
// Every function returns a new array and checks the length against the shape.

function check(a: Float32Array, n: number, what: string): void {
  if (a.length !== n) throw new RangeError(`${what}: expected ${n} values, got ${a.length}`);
}

/** Generic 4-d transpose: `a` of `shape`, output axis i = input axis perm[i]. */
export function transpose4(a: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  if (shape.length !== 4 || perm.length !== 4) throw new RangeError('transpose4 needs a 4-d shape and permutation');
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  check(a, n, `transpose4 of [${shape.join(', ')}]`);
  const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const os = perm.map((p) => shape[p]);
  const is = perm.map((p) => strides[p]);
  const out = new Float32Array(n);
  let o = 0;
  for (let i0 = 0; i0 < os[0]; i0++)
    for (let i1 = 0; i1 < os[1]; i1++)
      for (let i2 = 0; i2 < os[2]; i2++) {
        const base = i0 * is[0] + i1 * is[1] + i2 * is[2];
        for (let i3 = 0; i3 < os[3]; i3++) out[o++] = a[base + i3 * is[3]];
      }
  return out;
}

/** Conv2d filter: ours [kh, kw, in, out] -> torch (out, in, kh, kw). `shape` is ours. */
export function conv2dToTorch(f: Float32Array, shape: readonly number[]): Float32Array {
  return transpose4(f, shape, [3, 2, 0, 1]);
}

/** Conv2d weight: torch (out, in, kh, kw) -> ours [kh, kw, in, out]. `shape` is torch's. */
export function conv2dFromTorch(w: Float32Array, shape: readonly number[]): Float32Array {
  return transpose4(w, shape, [2, 3, 1, 0]);
}

/** ConvTranspose2d filter: ours [kh, kw, out, in] -> torch (in, out, kh, kw). `shape` is ours. */
export function convTransposeToTorch(f: Float32Array, shape: readonly number[]): Float32Array {
  return transpose4(f, shape, [3, 2, 0, 1]);
}

/** ConvTranspose2d weight: torch (in, out, kh, kw) -> ours [kh, kw, out, in]. `shape` is torch's. */
export function convTransposeFromTorch(w: Float32Array, shape: readonly number[]): Float32Array {
  return transpose4(w, shape, [2, 3, 1, 0]);
}

/** A feature vector of h*w*c: NHWC order -> NCHW order (BatchNorm1d params after the Linear). */
export function featuresNhwcToNchw(v: Float32Array, c: number, h = 4, w = 4): Float32Array {
  check(v, c * h * w, 'features');
  const out = new Float32Array(v.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = v[(y * w + x) * c + k];
  return out;
}

/** Inverse of featuresNhwcToNchw. */
export function featuresNchwToNhwc(v: Float32Array, c: number, h = 4, w = 4): Float32Array {
  check(v, c * h * w, 'features');
  const out = new Float32Array(v.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = v[(k * h + y) * w + x];
  return out;
}

/** First Linear: ours [z, h*w*c] (NHWC columns) -> torch weight (c*h*w, z) (NCHW rows). */
export function linearToTorch(kernel: Float32Array, z: number, c: number, h = 4, w = 4): Float32Array {
  const f = c * h * w;
  check(kernel, z * f, 'linear kernel');
  const out = new Float32Array(z * f);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const col = (y * w + x) * c + k;
        const row = (k * h + y) * w + x;
        for (let i = 0; i < z; i++) out[row * z + i] = kernel[i * f + col];
      }
  return out;
}

/** First Linear: torch weight (c*h*w, z) (NCHW rows) -> ours [z, h*w*c] (NHWC columns). */
export function linearFromTorch(weight: Float32Array, z: number, c: number, h = 4, w = 4): Float32Array {
  const f = c * h * w;
  check(weight, z * f, 'linear weight');
  const out = new Float32Array(z * f);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const col = (y * w + x) * c + k;
        const row = (k * h + y) * w + x;
        for (let i = 0; i < z; i++) out[i * f + col] = weight[row * z + i];
      }
  return out;
}

/** Images / activations NHWC [n, h, w, c] -> NCHW, and back. */
export function nhwcToNchw(a: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  return transpose4(a, [n, h, w, c], [0, 3, 1, 2]);
}
export function nchwToNhwc(a: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  return transpose4(a, [n, c, h, w], [0, 2, 3, 1]);
}
