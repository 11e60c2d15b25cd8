// Resize one RGBA8 or RGB8 image to an S x S RGB8 square.
//
//   src  [H, W, C] u8, row-major, C = 4 (RGBA) or 3 (RGB; the buffer carries
//        one pad byte after the last pixel, srcLen >= H*W*3 + 1)
//   dst  [S, S, 3] u8
//   H, W source height and width; S output side; C channels per source pixel
//
// Optional centre crop to the largest square first (side min(W, H), offset
// floor((W - side) / 2), floor((H - side) / 2)). Each axis is resampled on its
// own: box filter with fractional pixel coverage (area averaging) when it
// shrinks, bilinear with half-pixel centres (OpenCV INTER_LINEAR) when it
// grows, identity when it keeps its length.
//
// Strategy: both axes become a fixed-width tap table (start index + T weights
// per output coordinate, start clamped so start + T <= length, unused weights
// zero) so the inner loops have no branches. One pixel is one f32x4 (R, G, B,
// A/garbage), so one madd handles all channels. Pass 1 widens each source row
// once and filters it horizontally into tmp [rows, S] f32x4; pass 2 filters
// tmp vertically and rounds (2^23 trick, saturating narrow) to u8, packing
// four pixels per swizzle.

export const RESIZE_OK: i32 = 0;
export const RESIZE_BAD_DIMS: i32 = -1;
export const RESIZE_BAD_CHANNELS: i32 = -2;
export const RESIZE_SRC_TOO_SHORT: i32 = -3;
export const RESIZE_DST_TOO_SHORT: i32 = -4;
export const RESIZE_OUT_OF_MEMORY: i32 = -5;

const MAX_SIDE: i32 = 1 << 16;

@inline function inMemory(ptr: usize, len: u64): bool {
  return <u64>ptr + len <= (<u64>memory.size() << 16);
}

/** Builds the tap table of one axis: returns T; starts [S] i32, weights [S*T] f32. */
function buildTaps(len: i32, s: i32, starts: usize, weights: usize, maxT: i32): i32 {
  if (len == s) {
    for (let o = 0; o < s; o++) {
      store<i32>(starts + (<usize>o << 2), o);
      store<f32>(weights + (<usize>o << 2), 1.0);
    }
    return 1;
  }
  if (len > s) {
    // Area: output o covers [o*scale, (o+1)*scale) source pixels.
    const scale = <f64>len / <f64>s;
    const inv = 1.0 / scale;
    for (let o = 0; o < s; o++) {
      const a = <f64>o * scale;
      const b = <f64>(o + 1) * scale;
      let start = <i32>Math.floor(a);
      let end = <i32>Math.ceil(b);
      if (end > len) end = len;
      let first = start;
      if (start + maxT > len) start = len - maxT;
      store<i32>(starts + (<usize>o << 2), start);
      const wrow = weights + (<usize>(o * maxT) << 2);
      for (let k = 0; k < maxT; k++) {
        const i = start + k;
        let w: f64 = 0;
        if (i >= first && i < end) {
          const lo = Math.max(a, <f64>i);
          const hi = Math.min(b, <f64>(i + 1));
          w = hi > lo ? (hi - lo) * inv : 0;
        }
        store<f32>(wrow + (<usize>k << 2), <f32>w);
      }
    }
    return maxT;
  }
  // Bilinear, half-pixel centres, edges clamped.
  const scale = <f64>len / <f64>s;
  for (let o = 0; o < s; o++) {
    let x = (<f64>o + 0.5) * scale - 0.5;
    if (x < 0) x = 0;
    let i0 = <i32>Math.floor(x);
    let f = x - <f64>i0;
    if (i0 >= len - 1) { i0 = len - 1; f = 0; }
    let start = i0;
    let w0 = 1.0 - f, w1 = f;
    if (maxT == 2 && start + 2 > len) { start = len - 2; w1 = w0; w0 = 0; }
    store<i32>(starts + (<usize>o << 2), start);
    const wrow = weights + (<usize>(o * maxT) << 2);
    store<f32>(wrow, <f32>w0);
    if (maxT == 2) store<f32>(wrow + 4, <f32>w1);
  }
  return maxT;
}

/** Widest tap count the axis needs (area: max source pixels one output touches). */
function tapsFor(len: i32, s: i32): i32 {
  if (len == s) return 1;
  if (len < s) return len >= 2 ? 2 : 1;
  const scale = <f64>len / <f64>s;
  let t = 1;
  for (let o = 0; o < s; o++) {
    let end = <i32>Math.ceil(<f64>(o + 1) * scale);
    if (end > len) end = len;
    const n = end - <i32>Math.floor(<f64>o * scale);
    if (n > t) t = n;
  }
  return t;
}

@inline function pixelF32(p: usize): v128 {
  const v = v128.load32_zero(p);
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v)));
}

/** Two-tap vertical sum of one pixel, rounded to i32x4 (see magic below). */
@inline function round2(p0: usize, p1: usize, w0: v128, w1: v128, magic: v128, bits: v128): v128 {
  const a = f32x4.add(f32x4.mul(v128.load(p0), w0), f32x4.mul(v128.load(p1), w1));
  return i32x4.sub(f32x4.add(a, magic), bits);
}

@inline function round4(p0: usize, p1: usize, p2: usize, p3: usize, w0: v128, w1: v128, w2: v128, w3: v128, magic: v128, bits: v128): v128 {
  const a = f32x4.add(f32x4.mul(v128.load(p0), w0), f32x4.mul(v128.load(p1), w1));
  const b = f32x4.add(f32x4.mul(v128.load(p2), w2), f32x4.mul(v128.load(p3), w3));
  return i32x4.sub(f32x4.add(f32x4.add(a, b), magic), bits);
}

/** Four i32x4 pixels -> 12 bytes RGB at dp (8 + 4 byte lane stores, nothing past them). */
@inline function store4(dp: usize, q0: v128, q1: v128, q2: v128, q3: v128, pack: v128): void {
  const rgb = i8x16.swizzle(i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(q0, q1), i16x8.narrow_i32x4_u(q2, q3)), pack);
  v128.store64_lane(dp, rgb, 0);
  v128.store32_lane(dp, rgb, 2, 8);
}

/** One i32x4 pixel -> 3 bytes RGB at dp. */
@inline function store1(dp: usize, q: v128): void {
  const n16 = i16x8.narrow_i32x4_u(q, q);
  const n8 = i8x16.narrow_i16x8_u(n16, n16);
  v128.store16_lane(dp, n8, 0);
  store<u8>(dp + 2, <u8>i8x16.extract_lane_u(n8, 2));
}

/**
 * Resizes src (W x H x C) to dst (S x S x 3), see the header. Returns 0 or a
 * negative RESIZE_* code; touches no memory when the arguments are invalid.
 */
export function resizeSquare(src: usize, srcLen: usize, w: i32, h: i32, c: i32, s: i32, crop: i32, dst: usize, dstLen: usize): i32 {
  if (w < 1 || h < 1 || s < 1 || w > MAX_SIDE || h > MAX_SIDE || s > MAX_SIDE) return RESIZE_BAD_DIMS;
  if (c != 3 && c != 4) return RESIZE_BAD_CHANNELS;
  const need: u64 = <u64>w * <u64>h * <u64>c + (c == 3 ? 1 : 0);
  if (<u64>srcLen < need || !inMemory(src, need)) return RESIZE_SRC_TOO_SHORT;
  const out: u64 = <u64>s * <u64>s * 3;
  if (<u64>dstLen < out || !inMemory(dst, out)) return RESIZE_DST_TOO_SHORT;

  let x0 = 0, y0 = 0, cw = w, ch = h;
  if (crop) {
    const side = w < h ? w : h;
    x0 = (w - side) >> 1;
    y0 = (h - side) >> 1;
    cw = side;
    ch = side;
  }
  const tx = tapsFor(cw, s);
  const ty = tapsFor(ch, s);
  const su = <usize>s;
  const tmpBytes: u64 = <u64>ch * <u64>s * 16;
  const tableBytes: u64 = <u64>s * 24 + <u64>s * <u64>(tx + ty) * 4 + <u64>cw * 16 + 64;
  if (tmpBytes + tableBytes > 0x7000_0000) return RESIZE_OUT_OF_MEMORY;
  const xs = heap.alloc(su << 2);
  const xw = heap.alloc((su * <usize>tx) << 2);
  const ys = heap.alloc(su << 2);
  const yw = heap.alloc((su * <usize>ty) << 2);
  buildTaps(cw, s, xs, xw, tx);
  buildTaps(ch, s, ys, yw, ty);
  const tmp = heap.alloc(<usize>tmpBytes);

  // Pass 1: widen each source row of the region to f32x4 pixels once, then
  // filter it horizontally into tmp.
  const cu = <usize>c;
  const stride = <usize>w * cu;
  const wide = heap.alloc(<usize>cw << 4);
  for (let y = 0; y < ch; y++) {
    const row = src + <usize>(y0 + y) * stride + <usize>x0 * cu;
    const trow = tmp + (<usize>y * su << 4);
    // Identity axis: the widened row is the filtered row.
    const wrow = cw == s ? trow : wide;
    let x = 0;
    if (c == 4) {
      // Four RGBA pixels per 16-byte load.
      for (; x + 4 <= cw; x += 4) {
        const v = v128.load(row + (<usize>x << 2));
        const lo = i16x8.extend_low_i8x16_u(v);
        const hi = i16x8.extend_high_i8x16_u(v);
        const d = wrow + (<usize>x << 4);
        v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(lo)));
        v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(lo)), 16);
        v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(hi)), 32);
        v128.store(d, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(hi)), 48);
      }
    }
    for (; x < cw; x++) v128.store(wrow + (<usize>x << 4), pixelF32(row + <usize>x * cu));
    if (cw == s) continue;
    if (tx == 2) {
      for (let o = 0; o < s; o++) {
        const p = wide + (<usize>load<i32>(xs + (<usize>o << 2)) << 4);
        const wp = xw + (<usize>o << 3);
        const a = f32x4.add(f32x4.mul(v128.load(p), v128.load32_splat(wp)), f32x4.mul(v128.load(p, 16), v128.load32_splat(wp, 4)));
        v128.store(trow + (<usize>o << 4), a);
      }
    } else if (tx == 3) {
      for (let o = 0; o < s; o++) {
        const p = wide + (<usize>load<i32>(xs + (<usize>o << 2)) << 4);
        const wp = xw + <usize>o * 12;
        let a = f32x4.add(f32x4.mul(v128.load(p), v128.load32_splat(wp)), f32x4.mul(v128.load(p, 16), v128.load32_splat(wp, 4)));
        a = f32x4.add(a, f32x4.mul(v128.load(p, 32), v128.load32_splat(wp, 8)));
        v128.store(trow + (<usize>o << 4), a);
      }
    } else {
      for (let o = 0; o < s; o++) {
        let p = wide + (<usize>load<i32>(xs + (<usize>o << 2)) << 4);
        let wp = xw + (<usize>(o * tx) << 2);
        let a = f32x4.mul(v128.load(p), v128.load32_splat(wp));
        for (let k = 1; k < tx; k++) {
          p += 16;
          wp += 4;
          a = f32x4.add(a, f32x4.mul(v128.load(p), v128.load32_splat(wp)));
        }
        v128.store(trow + (<usize>o << 4), a);
      }
    }
  }

  // Pass 2: vertical, rounded to u8 four pixels at a time: 4 x i32x4 ->
  // narrow -> 16 bytes RGBA -> swizzle to 12 bytes RGB -> one 8-byte + one
  // 4-byte lane store (never past the output). Up to 4 taps straight from
  // registers; more taps go through one i32x4 row (acc).
  // Round to nearest by adding 2^23 (the sum's low mantissa bits are then the
  // integer; ties go to even, within the 1-level tolerance), cheaper in V8
  // than trunc_sat. Slightly negative sums give 0 or -1: narrow_u clamps to 0.
  const magic = f32x4.splat(8388608.0);
  const magicBits = i32x4.splat(0x4b000000);
  const pack = i8x16(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 3, 7, 11, 15);
  const acc = heap.alloc(su << 4);
  const rstride = su << 4;
  for (let o = 0; o < s; o++) {
    const r0 = tmp + (<usize>load<i32>(ys + (<usize>o << 2)) * rstride);
    const wrow = yw + (<usize>(o * ty) << 2);
    const drow = dst + <usize>o * su * 3;
    if (ty <= 4) {
      // Weights hoisted; missing taps read row r0 with weight 0.
      const w0 = v128.load32_splat(wrow);
      const w1 = ty > 1 ? v128.load32_splat(wrow, 4) : f32x4.splat(0);
      const w2 = ty > 2 ? v128.load32_splat(wrow, 8) : f32x4.splat(0);
      const w3 = ty > 3 ? v128.load32_splat(wrow, 12) : f32x4.splat(0);
      const r1 = ty > 1 ? r0 + rstride : r0;
      const r2 = ty > 2 ? r0 + 2 * rstride : r0;
      const r3 = ty > 3 ? r0 + 3 * rstride : r0;
      let x: usize = 0;
      if (ty <= 2) {
        for (; x + 4 <= su; x += 4) {
          const p = x << 4;
          const q0 = round2(r0 + p, r1 + p, w0, w1, magic, magicBits);
          const q1 = round2(r0 + p + 16, r1 + p + 16, w0, w1, magic, magicBits);
          const q2 = round2(r0 + p + 32, r1 + p + 32, w0, w1, magic, magicBits);
          const q3 = round2(r0 + p + 48, r1 + p + 48, w0, w1, magic, magicBits);
          store4(drow + x * 3, q0, q1, q2, q3, pack);
        }
        for (; x < su; x++) store1(drow + x * 3, round2(r0 + (x << 4), r1 + (x << 4), w0, w1, magic, magicBits));
      } else {
        for (; x + 4 <= su; x += 4) {
          const p = x << 4;
          const q0 = round4(r0 + p, r1 + p, r2 + p, r3 + p, w0, w1, w2, w3, magic, magicBits);
          const q1 = round4(r0 + p + 16, r1 + p + 16, r2 + p + 16, r3 + p + 16, w0, w1, w2, w3, magic, magicBits);
          const q2 = round4(r0 + p + 32, r1 + p + 32, r2 + p + 32, r3 + p + 32, w0, w1, w2, w3, magic, magicBits);
          const q3 = round4(r0 + p + 48, r1 + p + 48, r2 + p + 48, r3 + p + 48, w0, w1, w2, w3, magic, magicBits);
          store4(drow + x * 3, q0, q1, q2, q3, pack);
        }
        for (; x < su; x++) {
          const p = x << 4;
          store1(drow + x * 3, round4(r0 + p, r1 + p, r2 + p, r3 + p, w0, w1, w2, w3, magic, magicBits));
        }
      }
      continue;
    }
    for (let x = 0; x < s; x++) {
      let p = r0 + (<usize>x << 4);
      let a = f32x4.mul(v128.load(p), v128.load32_splat(wrow));
      for (let k = 1; k < ty; k++) {
        p += rstride;
        a = f32x4.add(a, f32x4.mul(v128.load(p), v128.load32_splat(wrow + (<usize>k << 2))));
      }
      v128.store(acc + (<usize>x << 4), i32x4.sub(f32x4.add(a, magic), magicBits));
    }
    let x: usize = 0;
    for (; x + 4 <= su; x += 4) {
      const q = acc + (x << 4);
      store4(drow + x * 3, v128.load(q), v128.load(q, 16), v128.load(q, 32), v128.load(q, 48), pack);
    }
    for (; x < su; x++) store1(drow + x * 3, v128.load(acc + (x << 4)));
  }
  return RESIZE_OK;
}
