// Sorting projections and the 1-D Wasserstein-1 distance between two sorted
// samples.
//
// sortKeys: LSD radix sort of f32 values as order-preserving u32 keys
// (positive: flip the sign bit; negative: flip all bits), digits of 8, 8, 7
// and 9 bits (the top digit is the sign and the exponent), one counting pass
// for all four histograms, four scatter passes (a -> tmp -> a -> tmp -> a).
// Measured on 128k projections: about 10% faster than three passes of 11
// bits, whose 2048 buckets per pass overflow L1 (bench:diversity, loaded
// 2-core Xeon, 7.7 against 8.5 ns per key). The sort is exact: the sorted
// order of the values is unique, so W1 does not depend on the algorithm.
//
// w1: equal sizes: mean |a_(i) - b_(i)| (ProGAN's definition), f32x4 over
// blocks of 256 summed into f64. Unequal sizes: the integral of
// |F_a^-1(t) - F_b^-1(t)| over t, walking both quantile functions (it is the
// same number when the sizes are equal).

export const HIST_BYTES: usize = 4 * 512 * 4;

/** Sorts n f32 at a into keys, in place (tmp: n u32 of scratch); returns a. */
export function sortKeys(a: usize, n: i32, tmp: usize, hist: usize): usize {
  memory.fill(hist, 0, HIST_BYTES);
  const h1 = hist + 2048, h2 = hist + 4096, h3 = hist + 6144;
  for (let i = 0; i < n; i++) {
    const p = a + (<usize>i << 2);
    const b = load<u32>(p);
    const k = b ^ (<u32>(<i32>b >> 31) | 0x80000000);
    store<u32>(p, k);
    const q0 = hist + (<usize>(k & 255) << 2), q1 = h1 + (<usize>((k >> 8) & 255) << 2);
    const q2 = h2 + (<usize>((k >> 16) & 127) << 2), q3 = h3 + (<usize>(k >> 23) << 2);
    store<u32>(q0, load<u32>(q0) + 1);
    store<u32>(q1, load<u32>(q1) + 1);
    store<u32>(q2, load<u32>(q2) + 1);
    store<u32>(q3, load<u32>(q3) + 1);
  }
  let s0: u32 = 0, s1: u32 = 0, s2: u32 = 0, s3: u32 = 0;
  for (let d = 0; d < 512; d++) {
    const o = <usize>d << 2;
    const c0 = load<u32>(hist + o), c1 = load<u32>(h1 + o), c2 = load<u32>(h2 + o), c3 = load<u32>(h3 + o);
    store<u32>(hist + o, s0); store<u32>(h1 + o, s1); store<u32>(h2 + o, s2); store<u32>(h3 + o, s3);
    s0 += c0; s1 += c1; s2 += c2; s3 += c3;
  }
  scatter(a, tmp, n, hist, 0, 255);
  scatter(tmp, a, n, h1, 8, 255);
  scatter(a, tmp, n, h2, 16, 127);
  scatter(tmp, a, n, h3, 23, 511);
  return a;
}

@inline function scatter(src: usize, dst: usize, n: i32, h: usize, shift: u32, mask: u32): void {
  for (let i = 0; i < n; i++) {
    const k = load<u32>(src + (<usize>i << 2));
    const q = h + (<usize>((k >> shift) & mask) << 2);
    const pos = load<u32>(q);
    store<u32>(q, pos + 1);
    store<u32>(dst + (<usize>pos << 2), k);
  }
}

@inline function keyToF32(k: u32): f32 {
  return reinterpret<f32>(k ^ (~<u32>(<i32>k >> 31) | 0x80000000));
}

@inline function keysToF32x4(v: v128): v128 {
  const m = i32x4.shr_s(v, 31);
  return v128.xor(v, v128.or(v128.not(m), i32x4.splat(0x80000000)));
}

/** W1 distance between the samples whose sorted keys are at ka (na) and kb (nb). */
export function w1Sorted(ka: usize, na: i32, kb: usize, nb: i32): f64 {
  if (na == nb) {
    let total: f64 = 0;
    const n4 = na & ~3;
    for (let i0 = 0; i0 < n4; i0 += 256) {
      const i1 = min(n4, i0 + 256);
      let acc = f32x4.splat(0);
      for (let i = i0; i < i1; i += 4) {
        const o = <usize>i << 2;
        acc = f32x4.add(acc, f32x4.abs(f32x4.sub(keysToF32x4(v128.load(ka + o)), keysToF32x4(v128.load(kb + o)))));
      }
      total += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
    }
    for (let i = n4; i < na; i++) {
      const o = <usize>i << 2;
      total += Math.abs(<f64>keyToF32(load<u32>(ka + o)) - <f64>keyToF32(load<u32>(kb + o)));
    }
    return total / <f64>na;
  }
  // quantile walk in units of 1 / (na * nb)
  let i = 0, j = 0;
  let t: i64 = 0, acc: f64 = 0;
  const NA = <i64>na, NB = <i64>nb;
  while (i < na && j < nb) {
    const ta = <i64>(i + 1) * NB, tb = <i64>(j + 1) * NA;
    const tn = ta < tb ? ta : tb;
    const a = <f64>keyToF32(load<u32>(ka + (<usize>i << 2))), b = <f64>keyToF32(load<u32>(kb + (<usize>j << 2)));
    acc += <f64>(tn - t) * Math.abs(a - b);
    t = tn;
    if (ta == tn) i++;
    if (tb == tn) j++;
  }
  return acc / (<f64>na * <f64>nb);
}
