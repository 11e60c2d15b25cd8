// The 1-D Wasserstein-1 distance between two samples without sorting them.
//
// W1 = integral over x of |F_a(x) - F_b(x)| (F: the empirical CDFs), which for
// equal sizes n is mean_i |a_(i) - b_(i)| exactly. With D(x) = N_a(x) nb -
// N_b(x) na (N: count <= x, an integer), W1 = (1 / (na nb)) * integral |D|.
//
// Bins (binsFor: about n / 8 of them): projections of normalised descriptors are centred on 0 and peaked
// there, so equal steps in x would put most elements in a few bins. Instead
// the bins are equal steps in bits(|x| + c) (c: the mean |x| of both samples;
// bits: the f32's pattern as an integer), which grows linearly in |x| below c
// and like its logarithm above; the negative side mirrors the positive one.
// See jOf / edgeOf below.
//
// Pass 1 counts both samples per bin. The walk over the bins keeps D at each
// bin's left edge; in a bin where D cannot change sign (D - cb na >= 0 or
// D + ca nb <= 0, sign g = +1 / -1), the integral of |D| over the bin is
// g (D_right w_k - nb sum_a (x - L_k) + na sum_b (x - L_k)) exactly (w_k: the
// bin's width, L_k its left edge). Pass 2 adds up g x per sample (SIMD, the sign looked
// up per element) and copies out the elements of "mixed" bins, where the sign
// can change: each such bin's two runs are sorted (small) and merged. D is an
// integer, kept in i64; the signs are i8, so their table (32 KB) stays in L1;
// both passes take 8 elements a step (the 4-wide sums' order kept).
//
// The value equals the sort path's up to float rounding (sums in another
// order; an element within an ulp of a bin edge may land on its other side),
// not bit for bit. Cases left to the sort path (returns -1): a NaN or
// infinite value (the caller's sort path gives what it gave before), and
// more than an eighth of the elements in mixed bins
// (identical or nearly identical samples).
//
// Scratch (w1HistBytes): counts of a and of b i32 [BINS], the signs i8
// [BINS], the mixed bins' list [BINS][k i32, start i32, D f64, L f64, w f64], the mixed
// elements f32 [(na + nb) / 8 + 4], the sort's scratch for a big mixed bin, and
// each element's bin i32 [na], [nb] (pass 1 finds them, pass 2 reads them).
import { sortKeys, HIST_BYTES } from './swd_sort';

/** Most bins (2^15): about 8 elements a bin for 2 x 128k; fewer elements get fewer bins, down to 2^10 (binsFor). */
export const BINS_LOG: i32 = 15;
const BINS: i32 = 1 << BINS_LOG;

/** Bins for n elements in all: a power of two near n / 8, within [2^10, BINS] (the walk over the bins costs per bin). */
function binsFor(n: i64): i32 {
  let b: i32 = 1 << 10;
  while (b < BINS && <i64>b * 8 < n) b <<= 1;
  return b;
}

@inline function a16(b: usize): usize { return (b + 15) & ~<usize>15; }

/** Most elements a mixed bin may hold for the insertion sort; bigger ones go through the radix sort. */
const SMALL: i32 = 32;

/** Mixed elements allowed: an eighth of all (sorting them in their bins costs more per element than the sort path). */
@inline function mixedCap(na: i32, nb: i32): i32 { return ((na + nb) >> 3) + 4; }

export function w1HistBytes(na: i32, nb: i32): usize {
  const cap = <usize>mixedCap(na, nb);
  return a16(<usize>BINS * 12) + a16(<usize>BINS * 32) + a16(cap * 4) + a16(cap * 4) + HIST_BYTES + a16(<usize>na * 4) + a16(<usize>nb * 4) + 16;
}

/** lo, hi, sum |x| over both samples (f32x4 pmin / pmax), and whether any value is NaN (lane 3 != 0). */
function range(a: usize, na: i32, b: usize, nb: i32): v128 {
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity), nan = i32x4.splat(0);
  let sum: f64 = 0;
  for (let s = 0; s < 2; s++) {
    const p = s ? b : a, n = s ? nb : na, n4 = n & ~3;
    for (let i0 = 0; i0 < n4; i0 += 1024) {
      const i1 = min(n4, i0 + 1024);
      let acc = f32x4.splat(0);
      for (let i = i0; i < i1; i += 4) {
        const v = v128.load(p + (<usize>i << 2));
        mn = f32x4.pmin(mn, v); mx = f32x4.pmax(mx, v);
        nan = v128.or(nan, f32x4.ne(v, v));
        acc = f32x4.add(acc, f32x4.abs(v));
      }
      sum += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    }
    for (let i = n4; i < n; i++) {
      const x = load<f32>(p + (<usize>i << 2)), v = f32x4.splat(x);
      mn = f32x4.pmin(mn, v); mx = f32x4.pmax(mx, v);
      nan = v128.or(nan, f32x4.ne(v, v));
      sum += Math.abs(<f64>x);
    }
  }
  const lo = min(min(f32x4.extract_lane(mn, 0), f32x4.extract_lane(mn, 1)), min(f32x4.extract_lane(mn, 2), f32x4.extract_lane(mn, 3)));
  const hi = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
  return f32x4(lo, hi, <f32>(sum / (<f64>na + <f64>nb)), v128.any_true(nan) ? 1 : 0);
}

// The bins' geometry. With C = bits(c) and sc the scale that fits the range
// in BINS: y(x) = f32(bits(|x| + c) - C) * sc and j(x) = y rounded to the
// nearest integer (y + 2^23 in f32: no float-to-int conversion); bin k =
// JN + j for x >= 0 and JN - 1 - j for x < 0. Every pass computes j with the
// same f32 operations. Edges (f64, from f32): E_0 = 0, E_j = f32 with bits
// C + ceil((j - 1/2) / sc) (/ sc: times 1 / sc in f64), less c; positive bin j = [E_j, E_j+1), negative
// bin j = (-E_j+1, -E_j]. An element within an ulp of an edge may land on
// its other side; the integrals then move by about that ulp.
const MAGIC: f32 = 8388608; // 2^23: y + MAGIC holds round(y) in its low mantissa bits (0 <= y < 2^22)
@inline function jOf(x: f32, c: f32, C: i32, sc: f32): i32 {
  return reinterpret<i32>(<f32>(reinterpret<i32>(abs<f32>(x) + c) - C) * sc + MAGIC) - reinterpret<i32>(MAGIC);
}
@inline function kOf(x: f32, c: f32, C: i32, sc: f32, JN: i32): i32 {
  const j = jOf(x, c, C, sc);
  return x < 0 ? JN - 1 - j : JN + j;
}
@inline function edgeOf(j: i32, c: f32, C: i32, isc: f64): f64 {
  if (j <= 0) return 0;
  return <f64>(reinterpret<f32>(C + <i32>Math.ceil((<f64>j - 0.5) * isc)) - c);
}
/** Left edge of bin k (f64); isc = 1 / sc in f64. */
@inline function leftOf(k: i32, c: f32, C: i32, isc: f64, JN: i32): f64 {
  return k >= JN ? edgeOf(k - JN, c, C, isc) : -edgeOf(JN - k, c, C, isc);
}

/** k for four values (SIMD; the same bins as kOf: x < 0 flips j to ~j = -1 - j, and x + 0 turns -0 into +0 first). */
@inline function kOf4(x: v128, vc: v128, vC: v128, vsc: v128, vpos: v128): v128 {
  const y = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(f32x4.add(f32x4.abs(x), vc), vC)), vsc);
  const j = i32x4.sub(f32x4.add(y, f32x4.splat(MAGIC)), i32x4.splat(reinterpret<i32>(MAGIC)));
  return i32x4.add(v128.xor(j, i32x4.shr_s(f32x4.add(x, f32x4.splat(0)), 31)), vpos);
}

/**
 * Counts one sample into its bins (i32 [BINS]): the bins eight at a time in
 * SIMD, stored to ks (for pass 2) and read back as scalars for the counts.
 * wt: i32 [n] multiplicities, or 0 for ones.
 */
function countSample(p: usize, n: i32, wt: usize, c: f32, C: i32, sc: f32, JN: i32, cnt: usize, ks: usize): void {
  const vc = f32x4.splat(c), vC = i32x4.splat(C), vsc = f32x4.splat(sc), vpos = i32x4.splat(JN);
  const n4 = n & ~3;
  if (wt == 0) {
    const n8 = n & ~7;
    for (let i = 0; i < n8; i += 8) {
      const q = p + (<usize>i << 2);
      // stored for pass 2, and read back as scalars (store forwarding: cheaper than lane extracts)
      const kp = ks + (<usize>i << 2);
      v128.store(kp, kOf4(v128.load(q), vc, vC, vsc, vpos));
      v128.store(kp, kOf4(v128.load(q, 16), vc, vC, vsc, vpos), 16);
      inc(cnt, load<i32>(kp), 1);
      inc(cnt, load<i32>(kp, 4), 1);
      inc(cnt, load<i32>(kp, 8), 1);
      inc(cnt, load<i32>(kp, 12), 1);
      inc(cnt, load<i32>(kp, 16), 1);
      inc(cnt, load<i32>(kp, 20), 1);
      inc(cnt, load<i32>(kp, 24), 1);
      inc(cnt, load<i32>(kp, 28), 1);
    }
    for (let i = n8; i < n4; i += 4) {
      const kp = ks + (<usize>i << 2);
      v128.store(kp, kOf4(v128.load(p + (<usize>i << 2)), vc, vC, vsc, vpos));
      inc(cnt, load<i32>(kp), 1);
      inc(cnt, load<i32>(kp, 4), 1);
      inc(cnt, load<i32>(kp, 8), 1);
      inc(cnt, load<i32>(kp, 12), 1);
    }
  } else {
    const n8 = n & ~7;
    for (let i = 0; i < n8; i += 8) {
      const q = p + (<usize>i << 2), m = wt + (<usize>i << 2), kp = ks + (<usize>i << 2);
      v128.store(kp, kOf4(v128.load(q), vc, vC, vsc, vpos));
      v128.store(kp, kOf4(v128.load(q, 16), vc, vC, vsc, vpos), 16);
      inc(cnt, load<i32>(kp), load<i32>(m));
      inc(cnt, load<i32>(kp, 4), load<i32>(m, 4));
      inc(cnt, load<i32>(kp, 8), load<i32>(m, 8));
      inc(cnt, load<i32>(kp, 12), load<i32>(m, 12));
      inc(cnt, load<i32>(kp, 16), load<i32>(m, 16));
      inc(cnt, load<i32>(kp, 20), load<i32>(m, 20));
      inc(cnt, load<i32>(kp, 24), load<i32>(m, 24));
      inc(cnt, load<i32>(kp, 28), load<i32>(m, 28));
    }
    for (let i = n8; i < n4; i += 4) {
      const k = kOf4(v128.load(p + (<usize>i << 2)), vc, vC, vsc, vpos), m = wt + (<usize>i << 2);
      const kp = ks + (<usize>i << 2);
      v128.store(kp, k);
      inc(cnt, load<i32>(kp), load<i32>(m));
      inc(cnt, load<i32>(kp, 4), load<i32>(m, 4));
      inc(cnt, load<i32>(kp, 8), load<i32>(m, 8));
      inc(cnt, load<i32>(kp, 12), load<i32>(m, 12));
    }
  }
  for (let i = n4; i < n; i++) inc(cnt, kOf(load<f32>(p + (<usize>i << 2)), c, C, sc, JN), wt ? load<i32>(wt + (<usize>i << 2)) : 1);
}

@inline function inc(cnt: usize, k: i32, m: i32): void {
  const q = cnt + (<usize>k << 2);
  store<i32>(q, load<i32>(q) + m);
}

/**
 * Second pass over one sample: returns the sum of sign[k] * x (times its
 * multiplicity, wt i32 [n] or 0 for ones) over its elements (sign i8 [BINS]:
 * +1 / -1, the sign of D in bin k), and copies the elements of mixed bins
 * (sign 0) out to buf, each as often as it counts, at the cursor curs[k]
 * (i32 [BINS]), which moves on.
 */
function signedSums(p: usize, n: i32, wt: usize, c: f32, C: i32, sc: f32, JN: i32, sign: usize, curs: usize, buf: usize, ks: usize): f64 {
  const vc = f32x4.splat(c), vC = i32x4.splat(C), vsc = f32x4.splat(sc), zero = f32x4.splat(0);
  const n4 = n & ~3;
  let total: f64 = 0;
  // sums in f64 lanes: g x is exact in f32, but the sums cancel (x up to the range, the result about a bin's width)
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  // 8 elements a step (the sums in the same order as the 4-wide loop below)
  const n8 = n & ~7;
  for (let i = 0; i < n8; i += 8) {
    const q = p + (<usize>i << 2), kp = ks + (<usize>i << 2);
    const x = v128.load(q), y = v128.load(q, 16);
    const k0 = load<i32>(kp), k1 = load<i32>(kp, 4), k2 = load<i32>(kp, 8), k3 = load<i32>(kp, 12);
    const k4 = load<i32>(kp, 16), k5 = load<i32>(kp, 20), k6 = load<i32>(kp, 24), k7 = load<i32>(kp, 28);
    let g8 = v128.load8_lane(sign + <usize>k0, zero, 0);
    g8 = v128.load8_lane(sign + <usize>k1, g8, 1);
    g8 = v128.load8_lane(sign + <usize>k2, g8, 2);
    g8 = v128.load8_lane(sign + <usize>k3, g8, 3);
    g8 = v128.load8_lane(sign + <usize>k4, g8, 4);
    g8 = v128.load8_lane(sign + <usize>k5, g8, 5);
    g8 = v128.load8_lane(sign + <usize>k6, g8, 6);
    g8 = v128.load8_lane(sign + <usize>k7, g8, 7);
    const g16 = i16x8.extend_low_i8x16_s(g8);
    const g = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(g16)), h = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(g16));
    const gx = f32x4.mul(g, x), hy = f32x4.mul(h, y);
    const gx1 = i8x16.shuffle(gx, gx, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7), hy1 = i8x16.shuffle(hy, hy, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    if (wt == 0) {
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(gx));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(gx1));
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(hy));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(hy1));
    } else {
      const mq = wt + (<usize>i << 2);
      const m = v128.load(mq), mm = v128.load(mq, 16);
      acc0 = f64x2.add(acc0, f64x2.mul(f64x2.promote_low_f32x4(gx), f64x2.convert_low_i32x4_s(m)));
      acc1 = f64x2.add(acc1, f64x2.mul(f64x2.promote_low_f32x4(gx1), f64x2.convert_low_i32x4_s(i8x16.shuffle(m, m, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
      acc0 = f64x2.add(acc0, f64x2.mul(f64x2.promote_low_f32x4(hy), f64x2.convert_low_i32x4_s(mm)));
      acc1 = f64x2.add(acc1, f64x2.mul(f64x2.promote_low_f32x4(hy1), f64x2.convert_low_i32x4_s(i8x16.shuffle(mm, mm, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
    }
    if (v128.any_true(i16x8.eq(g16, i16x8.splat(0)))) {
      const mq = wt + (<usize>i << 2);
      if (f32x4.extract_lane(g, 0) == 0) take(curs, buf, k0, f32x4.extract_lane(x, 0), wt ? load<i32>(mq) : 1);
      if (f32x4.extract_lane(g, 1) == 0) take(curs, buf, k1, f32x4.extract_lane(x, 1), wt ? load<i32>(mq, 4) : 1);
      if (f32x4.extract_lane(g, 2) == 0) take(curs, buf, k2, f32x4.extract_lane(x, 2), wt ? load<i32>(mq, 8) : 1);
      if (f32x4.extract_lane(g, 3) == 0) take(curs, buf, k3, f32x4.extract_lane(x, 3), wt ? load<i32>(mq, 12) : 1);
      if (f32x4.extract_lane(h, 0) == 0) take(curs, buf, k4, f32x4.extract_lane(y, 0), wt ? load<i32>(mq, 16) : 1);
      if (f32x4.extract_lane(h, 1) == 0) take(curs, buf, k5, f32x4.extract_lane(y, 1), wt ? load<i32>(mq, 20) : 1);
      if (f32x4.extract_lane(h, 2) == 0) take(curs, buf, k6, f32x4.extract_lane(y, 2), wt ? load<i32>(mq, 24) : 1);
      if (f32x4.extract_lane(h, 3) == 0) take(curs, buf, k7, f32x4.extract_lane(y, 3), wt ? load<i32>(mq, 28) : 1);
    }
  }
  for (let i = n8; i < n4; i += 4) {
    const x = v128.load(p + (<usize>i << 2));
    // the bins countSample found (scalar loads: cheaper than lane extracts)
    const kp = ks + (<usize>i << 2);
    const k0 = load<i32>(kp), k1 = load<i32>(kp, 4), k2 = load<i32>(kp, 8), k3 = load<i32>(kp, 12);
    // the signs are i8 (32 KB for 2^15 bins: these lookups stay in L1)
    let g8 = v128.load8_lane(sign + <usize>k0, zero, 0);
    g8 = v128.load8_lane(sign + <usize>k1, g8, 1);
    g8 = v128.load8_lane(sign + <usize>k2, g8, 2);
    g8 = v128.load8_lane(sign + <usize>k3, g8, 3);
    const g = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(g8)));
    const gx = f32x4.mul(g, x), hi = i8x16.shuffle(gx, gx, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    if (wt == 0) {
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(gx));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(hi));
    } else {
      const m = v128.load(wt + (<usize>i << 2));
      acc0 = f64x2.add(acc0, f64x2.mul(f64x2.promote_low_f32x4(gx), f64x2.convert_low_i32x4_s(m)));
      acc1 = f64x2.add(acc1, f64x2.mul(f64x2.promote_low_f32x4(hi), f64x2.convert_low_i32x4_s(i8x16.shuffle(m, m, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))));
    }
    if (v128.any_true(f32x4.eq(g, zero))) {
      if (f32x4.extract_lane(g, 0) == 0) take(curs, buf, k0, f32x4.extract_lane(x, 0), wt ? load<i32>(wt + (<usize>i << 2)) : 1);
      if (f32x4.extract_lane(g, 1) == 0) take(curs, buf, k1, f32x4.extract_lane(x, 1), wt ? load<i32>(wt + (<usize>(i + 1) << 2)) : 1);
      if (f32x4.extract_lane(g, 2) == 0) take(curs, buf, k2, f32x4.extract_lane(x, 2), wt ? load<i32>(wt + (<usize>(i + 2) << 2)) : 1);
      if (f32x4.extract_lane(g, 3) == 0) take(curs, buf, k3, f32x4.extract_lane(x, 3), wt ? load<i32>(wt + (<usize>(i + 3) << 2)) : 1);
    }
  }
  total += f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1) + f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1);
  for (let i = n4; i < n; i++) {
    const x = load<f32>(p + (<usize>i << 2)), k = kOf(x, c, C, sc, JN), m = wt ? load<i32>(wt + (<usize>i << 2)) : 1;
    const g = <f32>load<i8>(sign + <usize>k);
    if (g == 0) take(curs, buf, k, x, m);
    else total += <f64>g * <f64>x * <f64>m;
  }
  return total;
}

@inline function take(curs: usize, buf: usize, k: i32, x: f32, m: i32): void {
  const q = curs + (<usize>k << 2), i = load<i32>(q);
  for (let r = 0; r < m; r++) store<f32>(buf + (<usize>(i + r) << 2), x);
  store<i32>(q, i + m);
}

/** Sorts n f32 at p in place (insertion sort; the radix sort for big runs). */
function sortRun(p: usize, n: i32, tmp: usize, hist: usize): void {
  if (n <= SMALL) {
    for (let i = 1; i < n; i++) {
      const v = load<f32>(p + (<usize>i << 2));
      let j = i - 1;
      while (j >= 0 && load<f32>(p + (<usize>j << 2)) > v) { store<f32>(p + (<usize>(j + 1) << 2), load<f32>(p + (<usize>j << 2))); j--; }
      store<f32>(p + (<usize>(j + 1) << 2), v);
    }
    return;
  }
  const k = sortKeys(p, n, tmp, hist); // order-preserving u32 keys: back to floats
  for (let i = 0; i < n; i++) {
    const u = load<u32>(k + (<usize>i << 2));
    store<u32>(p + (<usize>i << 2), u ^ (~<u32>(<i32>u >> 31) | 0x80000000));
  }
}

/**
 * W1 between a (na f32) and b (nb f32), or -1 where the caller should sort
 * (see the file's head). Reads a and b only.
 */
export function w1Hist(a: usize, na: i32, b: usize, nb: i32, scratch: usize): f64 {
  return w1HistWeighted(a, na, 0, na, b, nb, 0, nb, scratch);
}

/**
 * W1 between samples given as distinct values with multiplicities: a (ua f32)
 * with wa i32 [ua] (0: all ones) summing to na, likewise b. scratch:
 * w1HistBytes(na, nb) bytes.
 */
export function w1HistWeighted(a: usize, ua: i32, wta: usize, na: i32, b: usize, ub: i32, wtb: usize, nb: i32, scratch: usize): f64 {
  const r = range(a, ua, b, ub);
  if (f32x4.extract_lane(r, 3) != 0) return -1;
  return w1HistRanged(a, ua, wta, na, b, ub, wtb, nb, scratch, f32x4.extract_lane(r, 0), f32x4.extract_lane(r, 1), f32x4.extract_lane(r, 2));
}

/**
 * w1HistWeighted with the range already known: lo and hi, the least and
 * greatest of all ua + ub values, and c, their sum of |x| over (na + nb)
 * (any c > 0 gives the same W1 up to float rounding: it only shapes the bins;
 * swd_chunk takes these from the projection's epilogue). The caller makes
 * sure no value is NaN or infinite.
 */
export function w1HistRanged(a: usize, ua: i32, wta: usize, na: i32, b: usize, ub: i32, wtb: usize, nb: i32, scratch: usize, lo: f32, hi: f32, c: f32): f64 {
  if (!(isFinite(lo) && isFinite(hi))) return -1;
  if (hi == lo) return 0;
  if (!(c > 0 && isFinite(c))) return -1;
  // the scale that fits both sides' bins in BINS
  const C = reinterpret<i32>(c);
  if (!isFinite(abs<f32>(lo) + c) || !isFinite(abs<f32>(hi) + c)) return -1;
  const bn = lo < 0 ? <f64>(reinterpret<i32>(abs<f32>(lo) + c) - C) : 0, bp = hi >= 0 ? <f64>(reinterpret<i32>(abs<f32>(hi) + c) - C) : 0;
  if (bn + bp <= 0) return -1;
  const nbins = binsFor(<i64>na + <i64>nb);
  const sc = <f32>((<f64>nbins - 4) / (bn + bp));
  const JN = lo < 0 ? jOf(lo, c, C, sc) + 1 : 0, JP = hi >= 0 ? jOf(hi, c, C, sc) + 1 : 0;
  if (!(sc > 0) || JN + JP > nbins) return -1;
  const NB = JN + JP;
  const cntA = a16(scratch), cntB = cntA + <usize>BINS * 4, sign = cntB + <usize>BINS * 4;
  const list = sign + <usize>BINS * 4;
  const cap = mixedCap(na, nb);
  const buf = list + a16(<usize>BINS * 32), tmp = buf + a16(<usize>cap * 4), hist = tmp + a16(<usize>cap * 4);
  const ksA = hist + HIST_BYTES, ksB = ksA + a16(<usize>na * 4); // each element's bin (i32 [ua], [ub]), from pass 1 for pass 2
  memory.fill(cntA, 0, <usize>NB * 4);
  memory.fill(cntB, 0, <usize>NB * 4);
  countSample(a, ua, wta, c, C, sc, JN, cntA, ksA);
  countSample(b, ub, wtb, c, C, sc, JN, cntB, ksB);
  // walk: D at each bin's left edge, in units where an a adds nb and a b subtracts na.
  // A pure bin's integral of |D| is g (D_right w + (nb ca - na cb) L - nb sum_a x + na sum_b x)
  // = g (D_right R - D_left L - ...): over a run of pure bins of one sign the first terms
  // telescope to g (D R at the run's end - D L at its start), so edges are computed only
  // where the sign changes or a bin is mixed; the sums come from signedSums.
  const wa = <f64>nb, wb = <f64>na, isc = 1 / <f64>sc;
  // D is an integer (|D| <= na nb < 2^53): kept in i64, whose adds do not hold up the walk as f64 adds would
  const ia = <i64>nb, ib = <i64>na;
  let D: i64 = 0, total: f64 = 0;
  let nm = 0, m = 0;
  let run: i32 = 0, start: f64 = 0; // the current run's sign (0: none) and D L at its start
  for (let k = 0; k < NB; k++) {
    const qa = cntA + (<usize>k << 2), qb = cntB + (<usize>k << 2);
    const ca = load<i32>(qa), cb = load<i32>(qb);
    const up = <i64>ca * ia, down = <i64>cb * ib;
    const g: i32 = D - down >= 0 ? 1 : D + up <= 0 ? -1 : 0;
    store<i8>(sign + <usize>k, <i8>g);
    if (g != run || g == 0) {
      const L = leftOf(k, c, C, isc, JN), Df = <f64>D;
      if (run != 0 && g != run) total += <f64>run * (Df * L - start);
      if (g != 0) start = Df * L;
      else {
        // a mixed bin
        if (m + ca + cb > cap) return -1;
        const e = list + (<usize>nm << 5);
        store<i32>(e, k); store<i32>(e, m, 4); store<f64>(e, Df, 8); store<f64>(e, L, 16); store<f64>(e, leftOf(k + 1, c, C, isc, JN) - L, 24);
        // cursors where the bin's a and b elements go (over the counts, read by now)
        store<i32>(qa, m); store<i32>(qb, m + ca);
        m += ca + cb; nm++;
      }
      run = g;
    }
    D += up - down;
  }
  if (run != 0) total += <f64>run * (<f64>D * leftOf(NB, c, C, isc, JN) - start);
  total -= wa * signedSums(a, ua, wta, c, C, sc, JN, sign, cntA, buf, ksA) - wb * signedSums(b, ub, wtb, c, C, sc, JN, sign, cntB, buf, ksB);
  // the mixed bins: after the copies, bin k's a-cursor has moved to the start of its b run and its b-cursor to the run's end
  for (let j = 0; j < nm; j++) {
    const e = list + (<usize>j << 5), k = load<i32>(e);
    const s0 = load<i32>(e, 4), s1 = load<i32>(cntA + (<usize>k << 2)), s2 = load<i32>(cntB + (<usize>k << 2));
    const pa = buf + (<usize>s0 << 2), pb = buf + (<usize>s1 << 2);
    const ca = s1 - s0, cb = s2 - s1;
    sortRun(pa, ca, tmp, hist);
    sortRun(pb, cb, tmp, hist);
    const L = load<f64>(e, 16), w = load<f64>(e, 24);
    let d = load<f64>(e, 8), t: f64 = 0, acc: f64 = 0;
    let i = 0, l = 0;
    while (i < ca || l < cb) {
      let t1: f64;
      if (l >= cb || (i < ca && load<f32>(pa + (<usize>i << 2)) <= load<f32>(pb + (<usize>l << 2)))) {
        t1 = <f64>load<f32>(pa + (<usize>i << 2)) - L; i++;
        acc += Math.abs(d) * (t1 - t); d += wa;
      } else {
        t1 = <f64>load<f32>(pb + (<usize>l << 2)) - L; l++;
        acc += Math.abs(d) * (t1 - t); d -= wb;
      }
      t = t1;
    }
    total += acc + Math.abs(d) * (w - t);
  }
  return total / (<f64>na * <f64>nb);
}
