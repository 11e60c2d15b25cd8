// Chroma upsampling of one output row, matching libjpeg-turbo's defaults.
//
//   src rows  u8, one component plane row (downsampled width n = ceil(W*h/hmax))
//   dst       u8 row at full resolution, >= 2n (or W for replication) bytes
//
// h2v1 and h2v2 use libjpeg's "fancy" triangle filter (3/4 nearest + 1/4 next
// sample, with its biases 1/2 and 8/7 so rounding alternates); h1v2 likewise
// (biases 1 and 2). libjpeg only filters when n > 2 for h2v1/h2v2; otherwise
// and for all other integral ratios it replicates samples.
// Rows above / below the component are clamped to its first / last real row
// by the caller (libjpeg's context rows do the same).
//
// Strategy: the interior of h2v1/h2v2 runs 8 input samples per step in i16x8
// lanes (the next/previous neighbours come from unaligned loads one byte
// apart); both output phases are interleaved with one shuffle.

// @ts-ignore: decorator
@inline function interleave(evenv: v128, oddv: v128): v128 {
  return i8x16.shuffle(evenv, oddv, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
}

/** h2v1 fancy: dst[2i] = (3s[i] + s[i-1] + 1) >> 2, dst[2i+1] = (3s[i] + s[i+1] + 2) >> 2. */
export function h2v1Fancy(src: usize, dst: usize, n: i32): void {
  // first and last columns
  let v = <i32>load<u8>(src);
  store<u8>(dst, <u8>v);
  store<u8>(dst + 1, <u8>((v * 3 + <i32>load<u8>(src + 1) + 2) >> 2));
  let i = 1;
  // SIMD interior: columns i .. i+7 need src[i-1 .. i+8], all < n when i + 8 < n
  const one = i16x8.splat(1), two = i16x8.splat(2);
  for (; i + 8 < n; i += 8) {
    const p = src + <usize>i;
    const cur = i16x8.mul(v128.load8x8_u(p), i16x8.splat(3));
    const prev = v128.load8x8_u(p - 1);
    const next = v128.load8x8_u(p + 1);
    const e = i16x8.shr_u(i16x8.add(i16x8.add(cur, prev), one), 2);
    const o = i16x8.shr_u(i16x8.add(i16x8.add(cur, next), two), 2);
    v128.store(dst + (<usize>i << 1), interleave(e, o));
  }
  for (; i < n - 1; i++) {
    const c = <i32>load<u8>(src + <usize>i) * 3;
    store<u8>(dst + (<usize>i << 1), <u8>((c + <i32>load<u8>(src + <usize>i - 1) + 1) >> 2));
    store<u8>(dst + (<usize>i << 1) + 1, <u8>((c + <i32>load<u8>(src + <usize>i + 1) + 2) >> 2));
  }
  v = <i32>load<u8>(src + <usize>(n - 1));
  store<u8>(dst + (<usize>(n - 1) << 1), <u8>((v * 3 + <i32>load<u8>(src + <usize>(n - 2)) + 1) >> 2));
  store<u8>(dst + (<usize>(n - 1) << 1) + 1, <u8>v);
}

/**
 * h2v2 fancy for one output row: `cur` is the nearer input row, `nb` the
 * other one (above for the upper output row, below for the lower one).
 * colsum[i] = 3 cur[i] + nb[i]; dst[2i] = (3 cs[i] + cs[i-1] + 8) >> 4,
 * dst[2i+1] = (3 cs[i] + cs[i+1] + 7) >> 4; edges use 4 cs[i].
 */
export function h2v2Fancy(cur: usize, nb: usize, dst: usize, n: i32): void {
  let cs0 = <i32>load<u8>(cur) * 3 + <i32>load<u8>(nb);
  let cs1 = <i32>load<u8>(cur + 1) * 3 + <i32>load<u8>(nb + 1);
  store<u8>(dst, <u8>((cs0 * 4 + 8) >> 4));
  store<u8>(dst + 1, <u8>((cs0 * 3 + cs1 + 7) >> 4));
  let i = 1;
  const three = i16x8.splat(3), e8 = i16x8.splat(8), s7 = i16x8.splat(7);
  for (; i + 8 < n; i += 8) {
    const p = <usize>i;
    const c = i16x8.add(i16x8.mul(v128.load8x8_u(cur + p), three), v128.load8x8_u(nb + p));
    const cp = i16x8.add(i16x8.mul(v128.load8x8_u(cur + p - 1), three), v128.load8x8_u(nb + p - 1));
    const cn = i16x8.add(i16x8.mul(v128.load8x8_u(cur + p + 1), three), v128.load8x8_u(nb + p + 1));
    const c3 = i16x8.mul(c, three);
    const e = i16x8.shr_u(i16x8.add(i16x8.add(c3, cp), e8), 4);
    const o = i16x8.shr_u(i16x8.add(i16x8.add(c3, cn), s7), 4);
    v128.store(dst + (p << 1), interleave(e, o));
  }
  for (; i < n - 1; i++) {
    const p = <usize>i;
    const c = (<i32>load<u8>(cur + p) * 3 + <i32>load<u8>(nb + p)) * 3;
    const cp = <i32>load<u8>(cur + p - 1) * 3 + <i32>load<u8>(nb + p - 1);
    const cn = <i32>load<u8>(cur + p + 1) * 3 + <i32>load<u8>(nb + p + 1);
    store<u8>(dst + (p << 1), <u8>((c + cp + 8) >> 4));
    store<u8>(dst + (p << 1) + 1, <u8>((c + cn + 7) >> 4));
  }
  const l = <usize>(n - 1);
  const cl = <i32>load<u8>(cur + l) * 3 + <i32>load<u8>(nb + l);
  const cpl = <i32>load<u8>(cur + l - 1) * 3 + <i32>load<u8>(nb + l - 1);
  store<u8>(dst + (l << 1), <u8>((cl * 3 + cpl + 8) >> 4));
  store<u8>(dst + (l << 1) + 1, <u8>((cl * 4 + 7) >> 4));
}

/** h1v2 fancy: dst[i] = (3 cur[i] + nb[i] + bias) >> 2 (bias 1 upper row, 2 lower). */
export function h1v2Fancy(cur: usize, nb: usize, dst: usize, n: i32, bias: i32): void {
  const b = i16x8.splat(<i16>bias), three = i16x8.splat(3);
  for (let i = 0; i < n; i += 8) {
    const p = <usize>i;
    const s = i16x8.add(i16x8.add(i16x8.mul(v128.load8x8_u(cur + p), three), v128.load8x8_u(nb + p)), b);
    const r = i8x16.narrow_i16x8_u(i16x8.shr_u(s, 2), s);
    v128.store64_lane(dst + p, r, 0);
  }
}

/** Sample replication by an integral factor hs: dst[x] = src[x / hs], x < w. */
export function replicate(src: usize, dst: usize, w: i32, hs: i32): void {
  if (hs == 1) { memory.copy(dst, src, <usize>w); return; }
  let x = 0;
  for (let i = 0; x < w; i++) {
    const v = load<u8>(src + <usize>i);
    for (let k = 0; k < hs; k++) store<u8>(dst + <usize>(x + k), v);
    x += hs;
  }
}
