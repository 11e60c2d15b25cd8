// Packed, cache-blocked f32 GEMM: C[M, N] (=|+=) A[M, K] @ B[K, N], then an
// optional epilogue (per-column bias, activation).
//
//   M rows of A and C, N columns of B and C, K the shared (reduction) dim.
//   C is row-major with row stride ldc (elements).
//   B is packed ONCE by the caller (packB, main thread) into NR-wide column
//   panels:  pb[(jp*K + k)*NR + j] = B(k, jp*NR + j), zero past N.
//   A is packed per thread, per (MC x KC) block, into MR-tall row panels:
//   pa[(ip*kc + k)*MR + r] = A(ic + ip*MR + r, pc + k), zero past M.
//   How A(i, k) is read is the caller's business (job.ts: strided, or
//   conv.ts: im2col on the fly). The blocked loops live in job.ts.
//
// Strategy (Goto/BLIS): jc over NC columns, pc over KC of K, ic over MC rows;
// the B sub-panel (KC x NR, 8 KB) stays in L1 while MC/MR micro-kernels
// stream A panels from L2. The micro-kernel holds a 4x8 tile of C in eight
// v128 registers and does f32x4.mul + f32x4.add, or one f32x4.relaxed_madd in
// the relaxed-SIMD build (nn_relaxed; fused or not as the engine chooses:
// V8 on x64 with FMA emits vfmadd).

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 512;

/** Bytes of per-thread scratch the driver needs (packed A block + one edge tile). */
export const GEMM_SCRATCH: i32 = MC * KC * 4 + MR * NR * 4;

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_RELU6: i32 = 2;
export const ACT_LEAKY: i32 = 3;

/** The epilogue's operations on one vector: act(v + b) (as `epilogue` below, with a bias). */
@inline export function biasAct(v: v128, b: v128, act: i32, al: v128): v128 {
  v = f32x4.add(v, b);
  const zero = f32x4.splat(0);
  if (act == ACT_RELU) v = f32x4.max(v, zero);
  else if (act == ACT_RELU6) v = f32x4.min(f32x4.max(v, zero), f32x4.splat(6));
  else if (act == ACT_LEAKY) v = v128.bitselect(v, f32x4.mul(v, al), f32x4.gt(v, zero));
  return v;
}

/**
 * The one store of a 4x8 tile held in eight v128 (row r: cr0 = columns 0-3, cr1 = 4-7) at c,
 * rows ldc bytes apart: c (+)= tile when acc; then, when bias != 0, c = act(c + bias[j]) in
 * registers (8 floats at bias; the same operations as `epilogue`, so the same bits).
 * Shared by the micro-kernels here and in conv3.ts.
 */
@inline export function storeTile4x8(c: usize, ldc: usize, acc: bool, bias: usize, act: i32, alpha: f32,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  if (bias != 0) {
    const b0 = v128.load(bias), b1 = v128.load(bias, 16), al = f32x4.splat(alpha);
    c00 = biasAct(c00, b0, act, al); c01 = biasAct(c01, b1, act, al);
    c10 = biasAct(c10, b0, act, al); c11 = biasAct(c11, b1, act, al);
    c20 = biasAct(c20, b0, act, al); c21 = biasAct(c21, b1, act, al);
    c30 = biasAct(c30, b0, act, al); c31 = biasAct(c31, b1, act, al);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** 4x8 tile: c[r*ldc + j] (+)= sum_k pa[k*4 + r] * pb[k*8 + j]. ldc in bytes. */
@inline export function kernel4x8(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (ASC_FEATURE_RELAXED_SIMD) {
    for (let k = 0; k < kc; k++) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let a = v128.load32_splat(pa);
      c00 = f32x4.relaxed_madd(a, b0, c00);
      c01 = f32x4.relaxed_madd(a, b1, c01);
      a = v128.load32_splat(pa, 4);
      c10 = f32x4.relaxed_madd(a, b0, c10);
      c11 = f32x4.relaxed_madd(a, b1, c11);
      a = v128.load32_splat(pa, 8);
      c20 = f32x4.relaxed_madd(a, b0, c20);
      c21 = f32x4.relaxed_madd(a, b1, c21);
      a = v128.load32_splat(pa, 12);
      c30 = f32x4.relaxed_madd(a, b0, c30);
      c31 = f32x4.relaxed_madd(a, b1, c31);
      pa += 16;
      pb += 32;
    }
  } else {
    for (let k = 0; k < kc; k++) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let a = v128.load32_splat(pa);
      c00 = f32x4.add(c00, f32x4.mul(a, b0));
      c01 = f32x4.add(c01, f32x4.mul(a, b1));
      a = v128.load32_splat(pa, 4);
      c10 = f32x4.add(c10, f32x4.mul(a, b0));
      c11 = f32x4.add(c11, f32x4.mul(a, b1));
      a = v128.load32_splat(pa, 8);
      c20 = f32x4.add(c20, f32x4.mul(a, b0));
      c21 = f32x4.add(c21, f32x4.mul(a, b1));
      a = v128.load32_splat(pa, 12);
      c30 = f32x4.add(c30, f32x4.mul(a, b0));
      c31 = f32x4.add(c31, f32x4.mul(a, b1));
      pa += 16;
      pb += 32;
    }
  }
  storeTile4x8(c, ldc, acc, 0, ACT_LINEAR, 0, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** Partial tile (mr < 4 or nr < 8): full tile into `tmp`, then the valid part into C. */
export function kernelEdge(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool, mr: i32, nr: i32, tmp: usize): void {
  kernel4x8(kc, pa, pb, tmp, 32, false);
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const d = c + <usize>r * ldc + (<usize>j << 2);
      let v = load<f32>(tmp + (<usize>(r * 8 + j) << 2));
      if (acc) v += load<f32>(d);
      store<f32>(d, v);
    }
  }
}

/**
 * Packs panels [p0, p1) of B(k, n) = src[k*rs + n*cs] (elements) into NR-wide
 * panels at dst (see header). Row-major B (cs = 1) copies two v128 per k;
 * transposed B (rs = 1) loads four k of each of 8 columns and transposes 4x4
 * blocks in registers.
 */
export function packB(src: usize, K: i32, N: i32, rs: i32, cs: i32, dst: usize, p0: i32, p1: i32): void {
  for (let jp = p0; jp < p1; jp++) {
    const n0 = jp * NR;
    const full = n0 + NR <= N;
    let d = dst + (<usize>jp * <usize>K * <usize>NR << 2);
    if (full && cs == 1) {
      for (let k = 0; k < K; k++) {
        const s = src + ((<usize>k * <usize>rs + <usize>n0) << 2);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        d += 32;
      }
    } else if (full && rs == 1) {
      const col = <usize>cs << 2;
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        for (let h = 0; h < 2; h++) {
          const s = src + ((<usize>(n0 + h * 4) * <usize>cs + <usize>k) << 2);
          const a = v128.load(s), b = v128.load(s + col), c = v128.load(s + 2 * col), e = v128.load(s + 3 * col);
          // rows of the 4x4 block [a; b; c; e] become columns
          const ab0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
          const ce0 = v128.shuffle<f32>(c, e, 0, 4, 1, 5), ce1 = v128.shuffle<f32>(c, e, 2, 6, 3, 7);
          const o = d + (<usize>h << 4);
          v128.store(o, v128.shuffle<f32>(ab0, ce0, 0, 1, 4, 5));
          v128.store(o + 32, v128.shuffle<f32>(ab0, ce0, 2, 3, 6, 7));
          v128.store(o + 64, v128.shuffle<f32>(ab1, ce1, 0, 1, 4, 5));
          v128.store(o + 96, v128.shuffle<f32>(ab1, ce1, 2, 3, 6, 7));
        }
        d += 128;
      }
      for (; k < K; k++) {
        for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), load<f32>(src + ((<usize>k + <usize>(n0 + j) * <usize>cs) << 2)));
        d += 32;
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < NR; j++) {
          const n = n0 + j;
          store<f32>(d + (<usize>j << 2), n < N ? load<f32>(src + ((<usize>k * <usize>rs + <usize>n * <usize>cs) << 2)) : 0);
        }
        d += 32;
      }
    }
  }
}

/** Packs A(i, k) = src[i*rs + k*cs] for i in [i0, i0+mc), k in [k0, k0+kc) into MR panels. */
export function packAStrided(src: usize, M: i32, rs: i32, cs: i32, i0: i32, mc: i32, k0: i32, kc: i32, pa: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const dst = pa + (<usize>ir * <usize>kc << 2);
    for (let r = 0; r < MR; r++) {
      const i = i0 + ir + r;
      if (ir + r < mc && i < M) {
        let s = src + ((<usize>i * <usize>rs + <usize>k0 * <usize>cs) << 2);
        const step = <usize>cs << 2;
        for (let k = 0; k < kc; k++) { store<f32>(dst + (<usize>(k * MR + r) << 2), load<f32>(s)); s += step; }
      } else {
        for (let k = 0; k < kc; k++) store<f32>(dst + (<usize>(k * MR + r) << 2), 0);
      }
    }
  }
}

/** Epilogue on rows [0, rows) of C: c = act(c + bias[n]). bias 0 = none. */
export function epilogue(c: usize, rows: i32, N: i32, ldc: i32, bias: usize, act: i32, alpha: f32): void {
  if (bias == 0 && act == ACT_LINEAR) return;
  const zero = f32x4.splat(0), six = f32x4.splat(6), al = f32x4.splat(alpha);
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>r * <usize>ldc << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const p = row + (<usize>j << 2);
      let v = v128.load(p);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + (<usize>j << 2)));
      if (act == ACT_RELU) v = f32x4.max(v, zero);
      else if (act == ACT_RELU6) v = f32x4.min(f32x4.max(v, zero), six);
      else if (act == ACT_LEAKY) v = v128.bitselect(v, f32x4.mul(v, al), f32x4.gt(v, zero));
      v128.store(p, v);
    }
    for (; j < N; j++) {
      const p = row + (<usize>j << 2);
      let v = load<f32>(p);
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      if (act == ACT_RELU) v = max(v, <f32>0);
      else if (act == ACT_RELU6) v = min(max(v, <f32>0), <f32>6);
      else if (act == ACT_LEAKY) v = v > 0 ? v : v * alpha;
      store<f32>(p, v);
    }
  }
}
