// The 1-D Wasserstein-1 distance between two samples without sorting them.
//
// W1 = integral over t of |F_a(t) - F_b(t)| (F: the empirical CDFs), which for
// equal sizes n is mean_i |a_(i) - b_(i)| exactly. With D(t) = N_a(t) nb -
// N_b(t) na (N: count <= t, an integer), W1 = (1 / (na nb)) * integral |D|.
//
// Both samples go into BINS equal bins over [lo, hi] (their common range), in
// bin units u = (x - lo) * s, each bin keeping its two counts and the sums of
// (1 - frac(u)) per set. Walking the bins with D at each bin's left edge: in a
// bin where D cannot change sign (D - cb na >= 0 or D + ca nb <= 0) the integral of
// |D| over the bin is |D + nb Ga - na Gb| exactly from those sums. Only the
// bins where the sign can change ("mixed") need their elements: a second pass
// copies them out by bin, each bin's two runs are sorted (small) and merged.
//
// The value equals the sort path's up to float rounding (positions are
// quantised to f32 bin units, about 2^-22 of the range; the sums run in
// another order), not bit for bit. Cases it leaves to the sort path (returns
// -1): a non-finite value (NaN/Inf: the caller's sort path gives what it gave
// before), a range too small for an f32 scale, and more than a quarter of the
// elements in mixed bins (identical or nearly identical samples).
//
// Scratch (w1HistBytes): bins of a and of b [BINS][count i32, sum f32], a
// flag byte per bin (mixed), the mixed bins' list [BINS][k i32, start i32,
// D f64], the mixed elements f32 [(na + nb) / 4 + 4], and the sort's scratch
// for a large mixed bin.
import { sortKeys, HIST_BYTES } from './swd_sort';

export const BINS_LOG: i32 = 14;
const BINS: i32 = 1 << BINS_LOG;

@inline function a16(b: usize): usize { return (b + 15) & ~<usize>15; }

/** Most elements a mixed bin may hold for the insertion sort; bigger ones go through the radix sort. */
const SMALL: i32 = 64;

/** Mixed elements allowed: a quarter of all, else the sort path is as fast. */
@inline function mixedCap(na: i32, nb: i32): i32 { return ((na + nb) >> 2) + 4; }

export function w1HistBytes(na: i32, nb: i32): usize {
  const cap = <usize>mixedCap(na, nb);
  return a16(<usize>BINS * 12) + a16(<usize>BINS * 16) + a16(cap * 4) + a16(cap * 4) + HIST_BYTES + 16;
}

/** lo, hi over both samples (f32x4 pmin / pmax), and whether any value is NaN (lane 2 != 0). */
function range(a: usize, na: i32, b: usize, nb: i32): v128 {
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity), nan = i32x4.splat(0);
  for (let s = 0; s < 2; s++) {
    const p = s ? b : a, n = s ? nb : na, n4 = n & ~3;
    for (let i = 0; i < n4; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      mn = f32x4.pmin(mn, v); mx = f32x4.pmax(mx, v);
      nan = v128.or(nan, f32x4.ne(v, v));
    }
    for (let i = n4; i < n; i++) {
      const v = f32x4.splat(load<f32>(p + (<usize>i << 2)));
      mn = f32x4.pmin(mn, v); mx = f32x4.pmax(mx, v);
      nan = v128.or(nan, f32x4.ne(v, v));
    }
  }
  const lo = min(min(f32x4.extract_lane(mn, 0), f32x4.extract_lane(mn, 1)), min(f32x4.extract_lane(mn, 2), f32x4.extract_lane(mn, 3)));
  const hi = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
  return f32x4(lo, hi, v128.any_true(nan) ? 1 : 0, 0);
}

/** Counts one sample into its bins (i32 [BINS]); four positions at a time in SIMD, the counts per lane. */
function countSample(p: usize, n: i32, lo: f32, s: f32, cnt: usize): void {
  const vlo = f32x4.splat(lo), vs = f32x4.splat(s), top = i32x4.splat(BINS - 1);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const k = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.mul(f32x4.sub(v128.load(p + (<usize>i << 2)), vlo), vs)), top);
    inc(cnt, i32x4.extract_lane(k, 0));
    inc(cnt, i32x4.extract_lane(k, 1));
    inc(cnt, i32x4.extract_lane(k, 2));
    inc(cnt, i32x4.extract_lane(k, 3));
  }
  for (let i = n4; i < n; i++) inc(cnt, min(<i32>((load<f32>(p + (<usize>i << 2)) - lo) * s), BINS - 1));
}

@inline function inc(cnt: usize, k: i32): void {
  const q = cnt + (<usize>k << 2);
  store<i32>(q, load<i32>(q) + 1);
}

/**
 * Second pass over one sample: returns the sum of sign[k] * (1 - frac(u))
 * over its elements (sign f32 [BINS]: +1 / -1, the sign of D in bin k), and
 * copies the elements of mixed bins (sign 0) out to buf, at the cursor
 * curs[k] (i32 [BINS]), which moves on.
 */
function signedSums(p: usize, n: i32, lo: f32, s: f32, sign: usize, curs: usize, buf: usize): f64 {
  const vlo = f32x4.splat(lo), vs = f32x4.splat(s), top = i32x4.splat(BINS - 1), one = f32x4.splat(1), zero = f32x4.splat(0);
  const n4 = n & ~3;
  let total: f64 = 0;
  for (let i0 = 0; i0 < n4; i0 += 1024) {
    const i1 = min(n4, i0 + 1024);
    let acc = f32x4.splat(0);
    for (let i = i0; i < i1; i += 4) {
      const u = f32x4.mul(f32x4.sub(v128.load(p + (<usize>i << 2)), vlo), vs);
      const k = i32x4.min_s(i32x4.trunc_sat_f32x4_s(u), top);
      const fr = f32x4.sub(u, f32x4.convert_i32x4_s(k));
      const k0 = i32x4.extract_lane(k, 0), k1 = i32x4.extract_lane(k, 1), k2 = i32x4.extract_lane(k, 2), k3 = i32x4.extract_lane(k, 3);
      let g = v128.load32_zero(sign + (<usize>k0 << 2));
      g = v128.load32_lane(sign + (<usize>k1 << 2), g, 1);
      g = v128.load32_lane(sign + (<usize>k2 << 2), g, 2);
      g = v128.load32_lane(sign + (<usize>k3 << 2), g, 3);
      acc = f32x4.add(acc, f32x4.mul(g, f32x4.sub(one, fr)));
      if (v128.any_true(f32x4.eq(g, zero))) {
        if (f32x4.extract_lane(g, 0) == 0) take(curs, buf, k0, f32x4.extract_lane(fr, 0));
        if (f32x4.extract_lane(g, 1) == 0) take(curs, buf, k1, f32x4.extract_lane(fr, 1));
        if (f32x4.extract_lane(g, 2) == 0) take(curs, buf, k2, f32x4.extract_lane(fr, 2));
        if (f32x4.extract_lane(g, 3) == 0) take(curs, buf, k3, f32x4.extract_lane(fr, 3));
      }
    }
    total += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  }
  for (let i = n4; i < n; i++) {
    const u = (load<f32>(p + (<usize>i << 2)) - lo) * s;
    const k = min(<i32>u, BINS - 1), fr = u - <f32>k;
    const g = load<f32>(sign + (<usize>k << 2));
    if (g == 0) take(curs, buf, k, fr);
    else total += <f64>g * (1 - <f64>fr);
  }
  return total;
}

@inline function take(curs: usize, buf: usize, k: i32, fr: f32): void {
  const q = curs + (<usize>k << 2), c = load<i32>(q);
  store<f32>(buf + (<usize>c << 2), fr);
  store<i32>(q, c + 1);
}

/** Sorts n non-negative f32 at p in place (insertion sort; the radix sort for big runs). */
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
  const k = sortKeys(p, n, tmp, hist); // order-preserving keys: non-negative floats with the sign bit set
  for (let i = 0; i < n; i++) store<u32>(p + (<usize>i << 2), load<u32>(k + (<usize>i << 2)) ^ 0x80000000);
}

/**
 * W1 between a (na f32) and b (nb f32), or -1 where the caller should sort
 * (see the file's head). Reads a and b only.
 */
export function w1Hist(a: usize, na: i32, b: usize, nb: i32, scratch: usize): f64 {
  const r = range(a, na, b, nb);
  const lo = f32x4.extract_lane(r, 0), hi = f32x4.extract_lane(r, 1);
  if (f32x4.extract_lane(r, 2) != 0 || !(isFinite(lo) && isFinite(hi))) return -1;
  if (hi == lo) return 0;
  if (!isFinite(hi - lo)) return -1; // then every x - lo is finite, and u in [0, BINS] (up to rounding)
  const s = <f32>(<f64>BINS / (<f64>hi - <f64>lo));
  if (!isFinite(s)) return -1;
  const cntA = a16(scratch), cntB = cntA + <usize>BINS * 4, sign = cntB + <usize>BINS * 4;
  const list = sign + <usize>BINS * 4;
  const cap = mixedCap(na, nb);
  const buf = list + a16(<usize>BINS * 16), tmp = buf + a16(<usize>cap * 4), hist = tmp + a16(<usize>cap * 4);
  memory.fill(cntA, 0, <usize>BINS * 8);
  countSample(a, na, lo, s, cntA);
  countSample(b, nb, lo, s, cntB);
  // walk: D at each bin's left edge, in units where an a adds nb and a b subtracts na.
  // A pure bin's integral of |D| is sign * (D + nb sum_a (1 - frac) - na sum_b (1 - frac)):
  // the D terms here, the sums in signedSums.
  const wa = <f64>nb, wb = <f64>na;
  let D: f64 = 0, total: f64 = 0;
  let nm = 0, m = 0;
  for (let k = 0; k < BINS; k++) {
    const qa = cntA + (<usize>k << 2), qb = cntB + (<usize>k << 2);
    const ca = load<i32>(qa), cb = load<i32>(qb);
    const up = <f64>ca * wa, down = <f64>cb * wb;
    if (D - down >= 0) {
      total += D;
      store<f32>(sign + (<usize>k << 2), 1);
    } else if (D + up <= 0) {
      total -= D;
      store<f32>(sign + (<usize>k << 2), -1);
    } else {
      if (m + ca + cb > cap) return -1;
      const e = list + (<usize>nm << 4);
      store<i32>(e, k); store<i32>(e, m, 4); store<f64>(e, D, 8);
      // cursors where the bin's a and b elements go (over the counts, read by now)
      store<i32>(qa, m); store<i32>(qb, m + ca);
      store<f32>(sign + (<usize>k << 2), 0);
      m += ca + cb; nm++;
    }
    D += up - down;
  }
  total += wa * signedSums(a, na, lo, s, sign, cntA, buf) - wb * signedSums(b, nb, lo, s, sign, cntB, buf);
  if (nm > 0) {
    // after the copies, bin k's a-cursor has moved to the start of its b run and its b-cursor to the run's end
    for (let j = 0; j < nm; j++) {
      const e = list + (<usize>j << 4), k = <usize>load<i32>(e);
      const s0 = load<i32>(e, 4), s1 = load<i32>(cntA + (k << 2)), s2 = load<i32>(cntB + (k << 2));
      const pa = buf + (<usize>s0 << 2), pb = buf + (<usize>s1 << 2);
      const ca = s1 - s0, cb = s2 - s1;
      sortRun(pa, ca, tmp, hist);
      sortRun(pb, cb, tmp, hist);
      let d = load<f64>(e, 8), t: f32 = 0, acc: f64 = 0;
      let i = 0, l = 0;
      while (i < ca || l < cb) {
        let t1: f32;
        if (l >= cb || (i < ca && load<f32>(pa + (<usize>i << 2)) <= load<f32>(pb + (<usize>l << 2)))) {
          t1 = load<f32>(pa + (<usize>i << 2)); i++;
          acc += Math.abs(d) * (<f64>t1 - <f64>t); d += wa;
        } else {
          t1 = load<f32>(pb + (<usize>l << 2)); l++;
          acc += Math.abs(d) * (<f64>t1 - <f64>t); d -= wb;
        }
        t = t1;
      }
      total += acc + Math.abs(d) * (1 - <f64>t);
    }
  }
  return total / (<f64>s * <f64>na * <f64>nb);
}
