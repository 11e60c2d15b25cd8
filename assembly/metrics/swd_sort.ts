// Sorting projections and the 1-D Wasserstein-1 distance between two sorted
// samples.
//
// sortKeys: LSD radix sort of f32 values as order-preserving u32 keys
// (positive: flip the sign bit; negative: flip all bits), digits of 11, 11
// and 10 bits, one counting pass for all three histograms, three scatter
// passes (a -> tmp -> a -> tmp). 128k keys and their copy stay in L2.
//
// w1: equal sizes: mean |a_(i) - b_(i)| (ProGAN's definition), f32x4 over
// blocks of 256 summed into f64. Unequal sizes: the integral of
// |F_a^-1(t) - F_b^-1(t)| over t, walking both quantile functions (it is the
// same number when the sizes are equal).

const B0: u32 = 11, B1: u32 = 11;
const M0: u32 = 2047, M1: u32 = 2047;
export const HIST_BYTES: usize = 3 * 2048 * 4;

/** Sorts n f32 at a (keys are left in a and tmp); returns the pointer (tmp) to the sorted keys. */
export function sortKeys(a: usize, n: i32, tmp: usize, hist: usize): usize {
  memory.fill(hist, 0, HIST_BYTES);
  const h1 = hist + 8192, h2 = hist + 16384;
  for (let i = 0; i < n; i++) {
    const p = a + (<usize>i << 2);
    const b = load<u32>(p);
    const k = b ^ (<u32>(<i32>b >> 31) | 0x80000000);
    store<u32>(p, k);
    const q0 = hist + (<usize>(k & M0) << 2), q1 = h1 + (<usize>((k >> B0) & M1) << 2), q2 = h2 + (<usize>(k >> (B0 + B1)) << 2);
    store<u32>(q0, load<u32>(q0) + 1);
    store<u32>(q1, load<u32>(q1) + 1);
    store<u32>(q2, load<u32>(q2) + 1);
  }
  let s0: u32 = 0, s1: u32 = 0, s2: u32 = 0;
  for (let d = 0; d < 2048; d++) {
    const o = <usize>d << 2;
    const c0 = load<u32>(hist + o), c1 = load<u32>(h1 + o), c2 = load<u32>(h2 + o);
    store<u32>(hist + o, s0); store<u32>(h1 + o, s1); store<u32>(h2 + o, s2);
    s0 += c0; s1 += c1; s2 += c2;
  }
  scatter(a, tmp, n, hist, 0, M0);
  scatter(tmp, a, n, h1, B0, M1);
  scatter(a, tmp, n, h2, B0 + B1, 1023);
  return tmp;
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
