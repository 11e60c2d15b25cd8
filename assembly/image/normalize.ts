// u8 RGB images -> f32 in [-1, 1], NHWC, optional horizontal flip per image.
//
//   src  [N, H, W, 3] u8
//   dst  [N, H, W, 3] f32, dst = (2 * src - 255) / 255  (= src / 127.5 - 1,
//        correctly rounded: the numerator is an exact integer)
//   flips [N] u8 (0 = keep, else mirror left-right); pointer 0 = no flips
//   N images, H rows, W columns, 3 channels
//
// Strategy: an unflipped image is one contiguous run of H*W*3 bytes, widened
// 16 at a time (u8 -> u16 -> u32 -> f32, four f32x4 stores). A flipped row is
// first mirrored into a scratch row with i8x16.swizzle (5 whole RGB pixels per
// 16-byte load, reversed), then widened the same way. No load or store leaves
// the row/image it belongs to.

export const NORM_OK: i32 = 0;
export const NORM_BAD_DIMS: i32 = -1;
export const NORM_SRC_TOO_SHORT: i32 = -3;
export const NORM_DST_TOO_SHORT: i32 = -4;

@inline function inMemory(ptr: usize, len: u64): bool {
  return <u64>ptr + len <= (<u64>memory.size() << 16);
}

@inline function cvt4(v: v128): v128 {
  const f = f32x4.convert_i32x4_s(v);
  return f32x4.div(f32x4.sub(f32x4.add(f, f), f32x4.splat(255.0)), f32x4.splat(255.0));
}

/** n bytes at src -> n floats at dst. */
export function widenRun(src: usize, dst: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(src + i);
    const lo = i16x8.extend_low_i8x16_u(v);
    const hi = i16x8.extend_high_i8x16_u(v);
    const d = dst + (i << 2);
    v128.store(d, cvt4(i32x4.extend_low_i16x8_u(lo)));
    v128.store(d, cvt4(i32x4.extend_high_i16x8_u(lo)), 16);
    v128.store(d, cvt4(i32x4.extend_low_i16x8_u(hi)), 32);
    v128.store(d, cvt4(i32x4.extend_high_i16x8_u(hi)), 48);
  }
  for (; i < n; i++) {
    const x = <f32>load<u8>(src + i);
    store<f32>(dst + (i << 2), (x + x - 255.0) / 255.0);
  }
}

/** Mirrors one row of w RGB pixels from src into dst (no overlap, no over-read). */
export function mirrorRowRGB(src: usize, dst: usize, w: i32): void {
  // dst pixel j = src pixel w-1-j. A block takes src pixels p..p+4, loaded
  // from byte 3p-1 (so the load ends inside the row), and writes them
  // reversed to dst pixels w-5-p .. w-1-p (16-byte store into scratch with slack).
  const mask = i8x16(13, 14, 15, 10, 11, 12, 7, 8, 9, 4, 5, 6, 1, 2, 3, 0);
  let j = 0;
  let p = w - 5;
  for (; p >= 1; p -= 5, j += 5) {
    const v = v128.load(src + <usize>(3 * p - 1));
    v128.store(dst + <usize>(3 * j), i8x16.swizzle(v, mask));
  }
  for (; j < w; j++) {
    const s = src + <usize>(3 * (w - 1 - j));
    const d = dst + <usize>(3 * j);
    store<u8>(d, load<u8>(s));
    store<u8>(d + 1, load<u8>(s + 1));
    store<u8>(d + 2, load<u8>(s + 2));
  }
}

/** One image: h x w x 3 u8 at src -> f32 at dst, mirrored when flip. scratch: w*3+16 bytes. */
export function normalizeImage(src: usize, dst: usize, h: i32, w: i32, flip: bool, scratch: usize): void {
  const rowBytes = <usize>w * 3;
  if (!flip) {
    widenRun(src, dst, rowBytes * <usize>h);
    return;
  }
  for (let y = 0; y < h; y++) {
    const off = <usize>y * rowBytes;
    mirrorRowRGB(src + off, scratch, w);
    widenRun(scratch, dst + (off << 2), rowBytes);
  }
}

/**
 * n images [n, h, w, 3] u8 -> [n, h, w, 3] f32 in [-1, 1]; flips: n bytes or 0.
 * Returns 0 or a negative NORM_* code (nothing touched on error).
 */
export function normalizeBatch(src: usize, srcLen: usize, n: i32, h: i32, w: i32, flips: usize, dst: usize, dstLen: usize): i32 {
  if (n < 0 || h < 1 || w < 1 || h > 65536 || w > 65536) return NORM_BAD_DIMS;
  const img: u64 = <u64>h * <u64>w * 3;
  const total: u64 = img * <u64>n;
  if (total > 0x4000_0000) return NORM_BAD_DIMS;
  if (<u64>srcLen < total || !inMemory(src, total)) return NORM_SRC_TOO_SHORT;
  if (flips != 0 && !inMemory(flips, <u64>n)) return NORM_SRC_TOO_SHORT;
  if (<u64>dstLen < total * 4 || !inMemory(dst, total * 4)) return NORM_DST_TOO_SHORT;
  const scratch = heap.alloc(<usize>w * 3 + 16);
  const imgU = <usize>img;
  for (let i = 0; i < n; i++) {
    const f = flips != 0 && load<u8>(flips + <usize>i) != 0;
    normalizeImage(src + <usize>i * imgU, dst + ((<usize>i * imgU) << 2), h, w, f, scratch);
  }
  return NORM_OK;
}
