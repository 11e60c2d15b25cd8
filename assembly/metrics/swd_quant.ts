// The projection in 16-bit integers: the same GEMM as swd_project.ts (7x7x3
// neighbourhoods against the directions), with both operands rounded to i16
// and i32x4.dot_i16x8_s (pmaddwd on x64: 8 products and 4 sums an
// instruction, against 4 fused products for f32x4) into i32 accumulators.
//
// Why: the projection is two thirds of an SWD call, and bound by the
// multiply units. The integer micro-kernel does the same patches x directions
// in 0.65-0.76x the f32 kernel's time (interleaved, one thread), and the
// descriptors are packed once per level instead of once per 72 directions:
// the whole 2-thread SWD call takes 0.86x the f32 build's time.
//
// Exactness. Nothing overflows: the i32 sums are bounded by Cauchy-Schwarz,
// |sum_k q_k w_k| <= |q|_2 |w|_2, with |q|_2 the largest packed descriptor's
// norm (measured exactly while packing) and each direction's scale chosen so
// that bound stays below 2^31 (every partial sum and pair sum is bounded the
// same way). The only error is rounding: a descriptor component is off by at
// most half a step of max|x| / 32767, a direction component by half a step
// of its own scale (about 1/6,000 to 1/20,000). On the SWD's normalised
// levels that moves a projection by about 1e-4 of its spread, per direction
// W1 by up to ~5e-4 of itself and a level's average by a few 1e-5
// (test/kernels/swd.test.ts bounds both against the f32 path and the f64
// reference). Where the rounding would be coarse against the data the f32
// path is used instead (planQuant): a set whose largest |value| exceeds SPREAD_LIMIT
// times its values' mean absolute deviation (far outliers, or values far
// from 0 against their spread), a constant non-zero set, or any NaN or
// infinity (whose projections must stay NaN / infinite).
//
// Layouts. A packed descriptor is 148 i16 (component k = (row * 7 + x) * 3 + c,
// then a zero), QBYTES bytes. A direction block is QDB = 8 directions as 74
// steps of [8 directions][2 components] i16 (32 bytes a step): one v128.load
// a step feeds 4 directions' pairs, one load32_splat a patch's pair.
import { NH, ROW, DESC, PATCH_CHUNK, store4, statAt, statTile } from './swd_project';
import { lazyWritten, lazyMax, lazyPlane, lazyLoad, ensureLevel } from './swd_lazy';

/** Components of a packed descriptor (147 and a zero, so they pair up). */
const QK: i32 = 148;
/** Bytes of one packed descriptor. */
export const QBYTES: usize = <usize>QK * 2;
/** Patches a micro-kernel tile takes (4 x 8 directions: 8 accumulators, 2 direction and 4 splat registers, 1 temporary; 3 x 12 spills one accumulator). */
export const QTILE: i32 = 4;
/** Directions per block. */
export const QDB: i32 = 8;
const STEP: usize = <usize>QDB * 4; // bytes of a block per component pair
/** Bytes of one direction block. */
export const QBLOCK_BYTES: usize = <usize>(QK / 2) * STEP;
/** The largest |value| a set may have, in mean absolute deviations of its values, for the i16 path (a step is then at most 1/512 of that deviation). */
export const SPREAD_LIMIT: f64 = 64;
const QMAX: f64 = 32767;
const I32MAX: f64 = 2147483647;

/** Bytes of a set's packed descriptors for count patches (the last tile padded with copies of the last). */
export function packedBytes(count: i32): usize {
  return <usize>(count + QTILE - 1) * QBYTES;
}

/**
 * max|x| over a whole level (len floats): the provisional scale's range, so
 * the patches are gathered only once (packQuant). NaN when a value is NaN
 * (f32x4.max keeps it), infinite when one is.
 */
function levelMax(level: usize, len: i32): f64 {
  let m0 = f32x4.splat(0), m1 = f32x4.splat(0);
  const n8 = len & ~7;
  for (let i = 0; i < n8; i += 8) {
    const q = level + (<usize>i << 2);
    m0 = f32x4.max(m0, f32x4.abs(v128.load(q)));
    m1 = f32x4.max(m1, f32x4.abs(v128.load(q, 16)));
  }
  const m = f32x4.max(m0, m1);
  let r = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (let i = n8; i < len; i++) r = max(r, Mathf.abs(load<f32>(level + (<usize>i << 2))));
  return <f64>r;
}

/**
 * x * s rounded to the nearest integer (ties to even) as i32 lanes, for
 * |x * s| < 2^22: adding 1.5 * 2^23 leaves the integer in the low mantissa
 * bits (the same numbers as nearest + trunc_sat, in two cheap instructions
 * instead of V8's long trunc_sat sequence).
 */
@inline function roundI(x: v128, s: v128): v128 {
  return i32x4.sub(f32x4.add(f32x4.mul(x, s), f32x4.splat(12582912.0)), i32x4.splat(0x4B400000));
}

// what packQuant measured on the packed values: the largest and the summed |q|_2^2, sum |q|, sum q
let packN2Max: f64 = 0, packN2Sum: f64 = 0, packAbsSum: f64 = 0, packSum: f64 = 0;

/**
 * Packs count patches into dst [count][148] i16 (x * scale, rounded to
 * nearest, clamped to +-32767), the last repeated up to a multiple of QTILE,
 * and measures them (packN2Max etc.; the norms exactly, in f64).
 */
function packQuant(level: usize, stride: usize, offs: usize, count: i32, dst: usize, scale: f64): void {
  packN2Max = 0; packN2Sum = 0; packAbsSum = 0; packSum = 0;
  packRange(level, 0, stride, offs, 0, count, dst, scale);
  padTiles(dst, count);
}

/**
 * packQuant from a lazy level (swd_lazy.ts; patches in image order): each
 * image's normalised level is computed again in one image's buffer and its
 * patches packed from there; the same values, in the same order.
 */
function packLazy(z: usize, stride: usize, offs: usize, count: i32, dst: usize, scale: f64): void {
  packN2Max = 0; packN2Sum = 0; packAbsSum = 0; packSum = 0;
  const plane = lazyPlane(z);
  for (let i = 0; i < count;) {
    const im = load<i32>(offs + (<usize>i << 2)) / plane;
    let j = i + 1;
    while (j < count && load<i32>(offs + (<usize>j << 2)) / plane == im) j++;
    packRange(lazyLoad(z, im), im * plane, stride, offs, i, j, dst, scale);
    i = j;
  }
  padTiles(dst, count);
}

/**
 * Whether offs (count of them, floats into a level of plane floats an image,
 * rows `stride` bytes apart) come image by image (packLazy's order) and each
 * patch lies within its own image (swd_chunk checks them only against the
 * whole level; a patch reaching into the next image reads the one-image
 * buffer's neighbour instead, so it takes the written level).
 */
function imageWise(offs: usize, count: i32, plane: i32, stride: usize): bool {
  const span = (NH - 1) * <i32>(stride >> 2) + ROW;
  let last = 0;
  for (let i = 0; i < count; i++) {
    const off = load<i32>(offs + (<usize>i << 2)), im = off / plane;
    if (im < last || off - im * plane + span > plane) return false;
    last = im;
  }
  return true;
}

/** The lazy level to pack from (z, when its patches come image by image and it is not written), else 0 after writing it if lazy. */
function lazySource(z: usize, offs: usize, count: i32, stride: usize): usize {
  if (z == 0 || lazyWritten(z)) return 0;
  if (imageWise(offs, count, lazyPlane(z), stride)) return z;
  ensureLevel(z);
  return 0;
}

/** Copies of the last packed descriptor up to a multiple of QTILE. */
function padTiles(dst: usize, count: i32): void {
  for (let i = count; i % QTILE != 0; i++) memory.copy(dst + <usize>i * QBYTES, dst + <usize>(count - 1) * QBYTES, QBYTES);
}

/**
 * Patches i0 <= i < i1 (offsets offs[i] - base floats into level) into dst
 * [i] (x * scale, rounded to nearest, clamped to +-32767), adding their
 * measures to packN2Max etc. (the norms exactly, in f64, in patch order).
 */
function packRange(level: usize, base: i32, stride: usize, offs: usize, i0: i32, i1: i32, dst: usize, scale: f64): void {
  const S = f32x4.splat(<f32>scale), sc = <f32>scale, lo = i16x8.splat(-32767);
  let n2max: f64 = packN2Max, n2sum: f64 = packN2Sum, sa: f64 = packAbsSum, s1: f64 = packSum;
  for (let i = i0; i < i1; i++) {
    const p = level + (<usize>(load<i32>(offs + (<usize>i << 2)) - base) << 2);
    const o = dst + <usize>i * QBYTES;
    for (let r = 0; r < NH; r++) {
      const q = p + <usize>r * stride, w = o + <usize>r * (ROW * 2);
      const v0 = roundI(v128.load(q), S);
      const v1 = roundI(v128.load(q, 16), S);
      const v2 = roundI(v128.load(q, 32), S);
      const v3 = roundI(v128.load(q, 48), S);
      const v4 = roundI(v128.load(q, 64), S);
      // narrow_s saturates at 32767 and -32768; -32768 is clamped away (two of them would make a pair sum of 2^31)
      v128.store(w, i16x8.max_s(i16x8.narrow_i32x4_s(v0, v1), lo));
      v128.store(w, i16x8.max_s(i16x8.narrow_i32x4_s(v2, v3), lo), 16);
      v128.store64_lane(w, i16x8.max_s(i16x8.narrow_i32x4_s(v4, v4), lo), 0, 32);
      store<i16>(w, <i16>max(-32767, min(32767, <i32>nearest<f32>(load<f32>(q, 80) * sc))), 40);
    }
    store<i16>(o, 0, (QK - 1) * 2);
    // |q|^2 from pair products (each <= 2 * 32767^2 < 2^31) in f64; sum q and sum |q| in i32 lanes (< 2^21 a patch)
    let n2 = f64x2.splat(0), a = i32x4.splat(0), b = i32x4.splat(0);
    for (let k: usize = 0; k < QBYTES - 8; k += 16) {
      const v = v128.load(o + k), d = i32x4.dot_i16x8_s(v, v);
      n2 = f64x2.add(n2, f64x2.add(f64x2.convert_low_i32x4_s(d), f64x2.convert_low_i32x4_s(i8x16.shuffle(d, d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
      a = i32x4.add(a, i32x4.extadd_pairwise_i16x8_s(v)); b = i32x4.add(b, i32x4.extadd_pairwise_i16x8_s(i16x8.abs(v)));
    }
    const t = v128.load64_zero(o + QBYTES - 8), d = i32x4.dot_i16x8_s(t, t);
    n2 = f64x2.add(n2, f64x2.convert_low_i32x4_s(d));
    a = i32x4.add(a, i32x4.extadd_pairwise_i16x8_s(t)); b = i32x4.add(b, i32x4.extadd_pairwise_i16x8_s(i16x8.abs(t)));
    const nn = f64x2.extract_lane(n2, 0) + f64x2.extract_lane(n2, 1);
    n2max = max(n2max, nn); n2sum += nn;
    s1 += <f64>(i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3));
    sa += <f64>(i32x4.extract_lane(b, 0) + i32x4.extract_lane(b, 1) + i32x4.extract_lane(b, 2) + i32x4.extract_lane(b, 3));
  }
  packN2Max = n2max; packN2Sum = n2sum; packAbsSum = sa; packSum = s1;
}

/**
 * Packed descriptors (count, and the padding copies) times f (< 1), rounded
 * again, in place: one contiguous pass. Returns the largest |q|_2 after.
 */
function rescale(dst: usize, count: i32, f: f64): f64 {
  const F = f32x4.splat(<f32>f);
  const rows = (count + QTILE - 1) / QTILE * QTILE;
  let n2max: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const o = dst + <usize>i * QBYTES;
    let n2 = f64x2.splat(0);
    for (let k: usize = 0; k < QBYTES; k += 8) {
      // four values at a time (148 = 37 x 4)
      const v = v128.load64_zero(o + k), x = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v));
      const y = roundI(x, F);
      const h = i16x8.narrow_i32x4_s(y, y);
      v128.store64_lane(o + k, h, 0);
      const d = i32x4.dot_i16x8_s(h, h);
      n2 = f64x2.add(n2, f64x2.convert_low_i32x4_s(d));
    }
    // the first two lanes of d hold the four products' pair sums (the upper half repeats them)
    if (i < count) n2max = max(n2max, f64x2.extract_lane(n2, 0) + f64x2.extract_lane(n2, 1));
  }
  return Math.sqrt(n2max);
}

/** What planQuant chose: the sets' descriptor scales (0: the f32 path) and the largest packed descriptor norm |q|_2 of either set. */
export let quantScaleA: f64 = 0, quantScaleB: f64 = 0, quantNorm: f64 = 0;

/**
 * Decides and makes the i16 packing of both sets' patches (offsets oa / ob,
 * ca / cb of them, distinct; levels la / lb of lenA / lenB floats, rows
 * stride bytes apart) into qa / qb. False (take the f32 path) when a level
 * holds a NaN or an infinity, or when its largest |value| exceeds
 * SPREAD_LIMIT times the mean absolute deviation of its patches' values (all
 * components pooled; taken from below as mean|x| - |mean x| on the packed
 * values, so the packing pass serves). So a far outlier takes the f32 path
 * (it raises mean|x| only in proportion to its value; a standard deviation
 * grows with it), and so do a set far from 0 against its spread, a constant
 * set that is not 0, and patches small against a value elsewhere in the
 * level.
 *
 * Scales. The patches are gathered once, at the provisional scale 32767 /
 * max|x| of the whole level; the final scale s then splits the 2^31 of the
 * i32 sums between the descriptors and the directions: the descriptors'
 * rounding moves a projection by ~0.29 / s, the directions' by ~0.29 |x|_2 /
 * t with t ~ 2^31 / (s max|x|_2); the two are equal at s max|x|_2 =
 * sqrt(2^31 max|x|_2 / rms|x|_2). Where that s is smaller (smooth low-pass
 * patches, whose |x|_2 is large against max|x|; usually the finer levels
 * too) the packed values are scaled down in place (rounded twice: at most
 * half a step of each scale).
 */
export function planQuant(la: usize, lenA: i32, oa: usize, ca: i32, qa: usize, lb: usize, lenB: i32, ob: usize, cb: i32, qb: usize, stride: usize, zA: usize, zB: usize): bool {
  quantScaleA = 0; quantScaleB = 0; quantNorm = 0;
  // lazy levels (zA / zB, swd_lazy.ts): packed image by image where they can be, else written first
  const lzA = lazySource(zA, oa, ca, stride), lzB = lazySource(zB, ob, cb, stride);
  const mA = lzA ? lazyMax(lzA) : levelMax(la, lenA), mB = lzB ? lazyMax(lzB) : levelMax(lb, lenB);
  if (!isFinite(mA) || !isFinite(mB)) return false;
  const pA = mA > 0 ? QMAX / mA : 1, pB = mB > 0 ? QMAX / mB : 1;
  const nA = <f64>ca * <f64>DESC, nB = <f64>cb * <f64>DESC;
  if (lzA) packLazy(lzA, stride, oa, ca, qa, pA); else packQuant(la, stride, oa, ca, qa, pA);
  // the spread test in the packed values' units (|q| <= 32767): their mean absolute deviation >= 32767 / SPREAD_LIMIT.
  // As the range is the whole level's, this also catches patches whose values are small against a value elsewhere
  // in the level (they would round to few or no steps). A level of zeros packs exactly.
  if (mA > 0 && !(SPREAD_LIMIT * (packAbsSum / nA - Math.abs(packSum / nA)) >= QMAX)) return false;
  const xA = Math.sqrt(packN2Max) / pA, rA = Math.sqrt(packN2Sum / <f64>ca) / pA;
  if (lzB) packLazy(lzB, stride, ob, cb, qb, pB); else packQuant(lb, stride, ob, cb, qb, pB);
  if (mB > 0 && !(SPREAD_LIMIT * (packAbsSum / nB - Math.abs(packSum / nB)) >= QMAX)) return false;
  const xB = Math.sqrt(packN2Max) / pB, rB = Math.sqrt(packN2Sum / <f64>cb) / pB;
  const target = Math.sqrt(I32MAX * max(rA > 0 ? xA / rA : 1, rB > 0 ? xB / rB : 1));
  let sA = pA, sB = pB, qnA = xA * pA, qnB = xB * pB;
  if (xA > 0 && target / xA < pA * 0.999) { sA = target / xA; qnA = rescale(qa, ca, sA / pA); }
  if (xB > 0 && target / xB < pB * 0.999) { sB = target / xB; qnB = rescale(qb, cb, sB / pB); }
  quantScaleA = sA; quantScaleB = sB; quantNorm = max(qnA, qnB);
  return true;
}

/**
 * ns directions (dirs f32 [ns][147], from row d0) into blocks of 8 at dq
 * (ceil(ns / 8) blocks, the last zero-padded), each direction with its own
 * scale w = round(v * t_j), t_j as large as both the i16 range and the
 * overflow bound |q|_2 |w|_2 < 2^31 allow (qnorm: the largest packed
 * descriptor norm of either set). invA / invB f32 [ns]: 1 / (t_j * scale of
 * A / B), the factors that turn a tile's i32 sums back into projections.
 * Returns false (take the f32 path) if a direction is not finite.
 */
export function quantDirs(dirs: usize, ns: i32, qnorm: f64, scaleA: f64, scaleB: f64, dq: usize, invA: usize, invB: usize): bool {
  const nb = (ns + QDB - 1) / QDB;
  memory.fill(dq, 0, <usize>nb * QBLOCK_BYTES);
  // the rounding moves |w|_2 by at most 0.5 sqrt(147)
  const room = I32MAX / max(qnorm, 1) - 0.5 * Math.sqrt(<f64>DESC) - 1;
  for (let j = 0; j < ns; j++) {
    const src = dirs + <usize>j * <usize>DESC * 4;
    let n2: f64 = 0, mx: f64 = 0;
    for (let k = 0; k < DESC; k++) { const v = <f64>load<f32>(src + (<usize>k << 2)); n2 += v * v; mx = max(mx, Math.abs(v)); }
    if (!isFinite(n2)) return false;
    let t: f64 = 1;
    if (mx > 0) t = min(QMAX / mx, room / Math.sqrt(n2));
    const blk = dq + <usize>(j / QDB) * QBLOCK_BYTES + (<usize>(j % QDB) << 2);
    for (let k = 0; k < DESC; k++) {
      store<i16>(blk + <usize>(k >> 1) * STEP + (<usize>(k & 1) << 1), <i16>max(-32767, min(32767, <i32>nearest<f64>(<f64>load<f32>(src + (<usize>k << 2)) * t))));
    }
    store<f32>(invA + (<usize>j << 2), <f32>(1 / (t * scaleA)));
    store<f32>(invB + (<usize>j << 2), <f32>(1 / (t * scaleB)));
  }
  for (let j = ns; j < nb * QDB; j++) { store<f32>(invA + (<usize>j << 2), 0); store<f32>(invB + (<usize>j << 2), 0); }
  return true;
}

/** Patches x, y, z, u (4 directions each) into 4 rows ps bytes apart, 4 patches a row: a 4 x 4 transpose. */
@inline function storeT(o: usize, ps: usize, x: v128, y: v128, z: v128, u: v128): void {
  const t0 = v128.shuffle<f32>(x, y, 0, 4, 1, 5), t1 = v128.shuffle<f32>(x, y, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(z, u, 0, 4, 1, 5), t3 = v128.shuffle<f32>(z, u, 2, 6, 3, 7);
  v128.store(o, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(o + ps, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(o + 2 * ps, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(o + 3 * ps, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

@inline function dot(acc: v128, s: v128, w: v128): v128 {
  return i32x4.add(acc, i32x4.dot_i16x8_s(s, w));
}

/** Packed patches x [pc] (padded to a multiple of 4) against one block of 8 directions (the d0-th onwards) into out rows ps bytes apart. */
function project8(x0: usize, pc: i32, blk: usize, out: usize, ps: usize, st: usize, d0: i32, inv: usize): void {
  for (let i = 0; i < pc; i += QTILE) {
    let x = x0 + <usize>i * QBYTES;
    let a0 = i32x4.splat(0), a1 = i32x4.splat(0), b0 = i32x4.splat(0), b1 = i32x4.splat(0);
    let c0 = i32x4.splat(0), c1 = i32x4.splat(0), e0 = i32x4.splat(0), e1 = i32x4.splat(0);
    let d = blk;
    const e = blk + QBLOCK_BYTES;
    while (d < e) {
      const w0 = v128.load(d), w1 = v128.load(d, 16);
      let s = v128.load32_splat(x);
      a0 = dot(a0, s, w0); a1 = dot(a1, s, w1);
      s = v128.load32_splat(x, QBYTES);
      b0 = dot(b0, s, w0); b1 = dot(b1, s, w1);
      s = v128.load32_splat(x, 2 * QBYTES);
      c0 = dot(c0, s, w0); c1 = dot(c1, s, w1);
      s = v128.load32_splat(x, 3 * QBYTES);
      e0 = dot(e0, s, w0); e1 = dot(e1, s, w1);
      d += STEP;
      x += 4;
    }
    const f0 = v128.load(inv), f1 = v128.load(inv, 16);
    const ya0 = f32x4.mul(f32x4.convert_i32x4_s(a0), f0), ya1 = f32x4.mul(f32x4.convert_i32x4_s(a1), f1);
    const yb0 = f32x4.mul(f32x4.convert_i32x4_s(b0), f0), yb1 = f32x4.mul(f32x4.convert_i32x4_s(b1), f1);
    const yc0 = f32x4.mul(f32x4.convert_i32x4_s(c0), f0), yc1 = f32x4.mul(f32x4.convert_i32x4_s(c1), f1);
    const ye0 = f32x4.mul(f32x4.convert_i32x4_s(e0), f0), ye1 = f32x4.mul(f32x4.convert_i32x4_s(e1), f1);
    const o = out + (<usize>i << 2);
    if (i + QTILE <= pc) {
      // a whole tile: each direction's 4 patches are contiguous in its row; transpose and store them as one vector
      storeT(o, ps, ya0, yb0, yc0, ye0);
      storeT(o + 4 * ps, ps, ya1, yb1, yc1, ye1);
    } else {
      // the last tile (its padding must not spill into the next row)
      store4(o, ps, ya0, 0); store4(o, ps, ya1, 4);
      if (i + 1 < pc) { store4(o + 4, ps, yb0, 0); store4(o + 4, ps, yb1, 4); }
      if (i + 2 < pc) { store4(o + 8, ps, yc0, 0); store4(o + 8, ps, yc1, 4); }
    }
    const nv = min(QTILE, pc - i);
    statTile(statAt(st, d0), ya0, yb0, yc0, ye0, nv);
    statTile(statAt(st, d0 + 4), ya1, yb1, yc1, ye1, nv);
  }
}

/**
 * All count packed patches (pq, from packQuant) against nb blocks of 8
 * directions (dq, from quantDirs) into out f32 [8 nb][count] (rows ps = 4
 * count bytes apart), scaled by inv f32 [8 nb], and each direction's min, max
 * and sum |x| into stats (set up by statsInit for ceil(8 nb / 12) blocks).
 * Patches go in chunks of PATCH_CHUNK, each against every block (the chunk,
 * 38 KB, stays in L1 / L2 while the 2.4 KB blocks cycle).
 */
export function projectQuant(pq: usize, count: i32, dq: usize, nb: i32, out: usize, stats: usize, inv: usize): void {
  const ps = <usize>count << 2;
  for (let p0 = 0; p0 < count; p0 += PATCH_CHUNK) {
    const pc = min(PATCH_CHUNK, count - p0);
    for (let b = 0; b < nb; b++) {
      project8(pq + <usize>p0 * QBYTES, pc, dq + <usize>b * QBLOCK_BYTES, out + <usize>(b * QDB) * ps + (<usize>p0 << 2), ps, stats, b * QDB, inv + (<usize>(b * QDB) << 2));
    }
  }
}
