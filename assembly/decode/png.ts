// PNG decoder: file bytes -> RGBA8.
//
// Layout read: the whole file (`len` bytes at `src`). Written: an RGBA8 image
//   of W x H pixels (row-major, 4 bytes per pixel, W*H*4 bytes) allocated on
//   the heap, and a 4 x i32 result block at `res`:
//     res[0] = W, res[1] = H, res[2] = pointer to RGBA8, res[3] = detail code.
//   Returns PNG_OK or a PNG_* error class; the detail code says which check
//   failed (see src/kernels/png.ts for the messages).
// Letters: W, H image size; C channels per pixel (1..4); D bit depth
//   (1, 2, 4, 8, 16); B filter unit = max(1, C*D/8) bytes; R row bytes
//   = ceil(W*C*D / 8) of one (sub)image row, plus 1 filter byte in the stream.
// Strategy: one pass over the chunks checks every CRC and records IHDR, PLTE,
//   tRNS and the total IDAT size; sizes are checked against maxPixels and the
//   memory that can be grown BEFORE anything big is allocated. A second pass
//   concatenates the IDAT payloads, inflateZlib() writes the filtered rows
//   (all 7 Adam7 passes back to back when interlaced), and each row is
//   unfiltered in place (Up: 16 bytes per v128; Sub/Avg/Paeth on 3- and
//   4-byte pixels: one pixel per v128 step; other sizes: scalar, which is
//   also the exported reference twin) and immediately converted to RGBA8 at
//   its final position (x step 1 or the Adam7 step; 8-bit grey/RGB/RGBA with
//   v128 shuffles). 16-bit samples become round(v * 255 / 65535) (as pngjs
//   and the PNG spec's scaling formula); 1/2/4-bit grey is scaled by
//   255 / (2^D - 1); tRNS compares raw samples and only sets alpha; gamma is
//   not applied. Lenient where libpng is: invalid tRNS is ignored, palette
//   indices past PLTE decode as opaque black, data after IEND is ignored.
//   Strict elsewhere: bad CRC/Adler-32, missing IEND, more or less image data
//   than IHDR implies, unknown critical chunks are errors.
import { crc32 } from './checksum';
import { inflateZlib, INFLATE_BAD_HEADER, INFLATE_BAD_CHECKSUM, INFLATE_TRUNCATED, INFLATE_OVERFLOW, DST_SLACK } from './inflate';

export const PNG_OK: i32 = 0;
export const PNG_UNSUPPORTED: i32 = 1;
export const PNG_CORRUPT: i32 = 2;
export const PNG_TRUNCATED: i32 = 3;
export const PNG_TOO_LARGE: i32 = 4;

// detail codes (res[3])
const D_SIGNATURE = 1;
const D_NO_IHDR = 2;
const D_IHDR = 3;
const D_CHUNK_LEN = 4;
const D_CRC = 5;
const D_NO_IDAT = 6;
const D_NO_PLTE = 7;
const D_PLTE = 8;
const D_CHUNK_TYPE = 9;
const D_CRITICAL = 10;
const D_ZLIB_HEADER = 11;
const D_ADLER = 12;
const D_DEFLATE = 13;
const D_DATA_SIZE = 14;
const D_FILTER = 15;
const D_NO_IEND = 16;
const D_PIXELS = 17;
const D_MEMORY = 18;
const D_TRUNC_CHUNK = 19;
const D_TRUNC_ZLIB = 20;
const D_SHORT_DATA = 21;

const T_IHDR: u32 = 0x49484452;
const T_PLTE: u32 = 0x504C5445;
const T_IDAT: u32 = 0x49444154;
const T_IEND: u32 = 0x49454E44;
const T_tRNS: u32 = 0x74524E53;

// Adam7: x0, y0, dx, dy per pass
const ADAM7: usize = memory.data<u8>([0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2]);

// Largest single heap block of the stub runtime is just under 1 GiB.
const MAX_BLOCK: u64 = (1 << 30) - 64;

@inline function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline function fail(res: usize, cls: i32, detail: i32): i32 {
  store<i32>(res, <i32>W);
  store<i32>(res, <i32>H, 4);
  store<i32>(res, detail, 12);
  return cls;
}

@inline function isLetter(b: u32): bool {
  return (b - 65 < 26) || (b - 97 < 26);
}

// ---- decoded header state (plain values; set at the start of every call) ----
let W: u32 = 0;
let H: u32 = 0;
let DEPTH: u32 = 0;
let CTYPE: u32 = 0;
let INTERLACE: u32 = 0;
let CHANNELS: u32 = 0;
let HAS_TRNS = false;
let TR: u32 = 0; // tRNS key for grey (TR) or RGB (TR, TG, TB), raw sample values
let TG: u32 = 0;
let TB: u32 = 0;

@inline function rowBytes(w: u32): u64 {
  return ((<u64>w * <u64>(CHANNELS * DEPTH)) + 7) >> 3;
}

@inline function passCount(size: u32, start: u32, step: u32): u32 {
  return size > start ? (size - start + step - 1) / step : 0;
}

// ---------------------------------------------------------------- unfilter

/** Scalar reference: reverses one row's filter in place. row/prev: R bytes each; B: filter unit. */
export function unfilterScalar(ft: u32, row: usize, prev: usize, n: usize, bpp: usize): void {
  if (ft == 1) {
    for (let i = bpp; i < n; i++) store<u8>(row + i, load<u8>(row + i) + load<u8>(row + i - bpp));
  } else if (ft == 2) {
    for (let i: usize = 0; i < n; i++) store<u8>(row + i, load<u8>(row + i) + load<u8>(prev + i));
  } else if (ft == 3) {
    let i: usize = 0;
    for (; i < bpp && i < n; i++) store<u8>(row + i, load<u8>(row + i) + (load<u8>(prev + i) >> 1));
    for (; i < n; i++) {
      store<u8>(row + i, load<u8>(row + i) + <u8>((<u32>load<u8>(row + i - bpp) + <u32>load<u8>(prev + i)) >> 1));
    }
  } else if (ft == 4) {
    let i: usize = 0;
    for (; i < bpp && i < n; i++) store<u8>(row + i, load<u8>(row + i) + load<u8>(prev + i));
    for (; i < n; i++) {
      const a = <i32>load<u8>(row + i - bpp);
      const b = <i32>load<u8>(prev + i);
      const c = <i32>load<u8>(prev + i - bpp);
      const p = a + b - c;
      const pa = abs<i32>(p - a), pb = abs<i32>(p - b), pc = abs<i32>(p - c);
      const pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
      store<u8>(row + i, load<u8>(row + i) + <u8>pred);
    }
  }
}

/**
 * Reverses one row's filter in place (v128 where it helps). For 3- and
 * 4-byte pixels Sub/Avg/Paeth run one pixel per step with all channels in
 * the lanes of a v128 (the serial dependency is per pixel, not per byte).
 * They load 4 bytes per pixel (the 4th lane of a 3-byte pixel is ignored
 * and never stored, so no store overlaps a later load).
 */
function unfilter(ft: u32, row: usize, prev: usize, n: usize, bpp: usize): void {
  if (ft == 0) return;
  if (ft == 2) {
    let i: usize = 0;
    for (; i + 16 <= n; i += 16) v128.store(row + i, i8x16.add(v128.load(row + i), v128.load(prev + i)));
    for (; i < n; i++) store<u8>(row + i, load<u8>(row + i) + load<u8>(prev + i));
    return;
  }
  if (ft == 1 && bpp == 4) {
    // prefix sum of 4-byte pixels, 4 pixels per v128
    let carry = i32x4.splat(0);
    let i: usize = 0;
    for (; i + 16 <= n; i += 16) {
      let x = v128.load(row + i);
      x = i8x16.add(x, i8x16.shuffle(i8x16.splat(0), x, 0, 0, 0, 0, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27));
      x = i8x16.add(x, i8x16.shuffle(i8x16.splat(0), x, 0, 0, 0, 0, 0, 0, 0, 0, 16, 17, 18, 19, 20, 21, 22, 23));
      x = i8x16.add(x, carry);
      v128.store(row + i, x);
      carry = i32x4.splat(i32x4.extract_lane(x, 3));
    }
    if (i == 0) i = 4;
    for (; i < n; i++) store<u8>(row + i, load<u8>(row + i) + load<u8>(row + i - 4));
    return;
  }
  if (bpp == 3 || bpp == 4) {
    let a = i32x4.splat(0); // previous pixel, unfiltered
    if (ft == 1) {
      for (let i: usize = 0; i < n; i += bpp) {
        a = i8x16.add(v128.load32_zero(row + i), a);
        storePixel(row + i, a, bpp);
      }
      return;
    }
    if (ft == 3) {
      // Carry na = ~a: floor((a + b) / 2) = ~avgr_u(~a, ~b), so ~(x + pred) = avgr_u(na, ~b) - x
      // (two ops on the loop-carried chain instead of four).
      let na = i8x16.splat(-1);
      for (let i: usize = 0; i < n; i += bpp) {
        na = i8x16.sub(i8x16.avgr_u(na, v128.not(v128.load32_zero(prev + i))), v128.load32_zero(row + i));
        storePixel(row + i, v128.not(na), bpp);
      }
      return;
    }
    // Paeth in i16 lanes: pa = |b - c|, pb = |a - c|, pc = |a + b - 2c| = |a - (2c - b)|;
    // only pb, pc and the selects depend on the previous pixel.
    const lo = i16x8.splat(0xFF);
    let a16 = i32x4.splat(0), c16 = i32x4.splat(0);
    for (let i: usize = 0; i < n; i += bpp) {
      const b16 = i16x8.extend_low_i8x16_u(v128.load32_zero(prev + i));
      const x16 = i16x8.extend_low_i8x16_u(v128.load32_zero(row + i));
      const pa = i16x8.abs(i16x8.sub(b16, c16));
      const t = i16x8.sub(i16x8.add(c16, c16), b16);
      const pb = i16x8.abs(i16x8.sub(a16, c16));
      const pc = i16x8.abs(i16x8.sub(a16, t));
      const notA = v128.or(i16x8.gt_s(pa, pb), i16x8.gt_s(pa, pc));
      const pred = v128.bitselect(v128.bitselect(c16, b16, i16x8.gt_s(pb, pc)), a16, notA);
      a16 = v128.and(i16x8.add(x16, pred), lo);
      storePixel(row + i, i8x16.narrow_i16x8_u(a16, a16), bpp);
      c16 = b16;
    }
    return;
  }
  unfilterScalar(ft, row, prev, n, bpp);
}

/** Stores the low 3 or 4 lanes of v as one pixel (3-byte pixels: 2 + 1 bytes, never touching the next pixel). */
@inline function storePixel(p: usize, v: v128, bpp: usize): void {
  if (bpp == 4) v128.store32_lane(p, v, 0);
  else { v128.store16_lane(p, v, 0); v128.store8_lane(p, v, 2, 2); }
}

/** Test hook: unfilters one row with the v128 path (simd = 1) or the scalar reference. */
export function pngUnfilterRow(ft: u32, row: usize, prev: usize, n: usize, bpp: usize, simd: i32): void {
  if (simd) unfilter(ft, row, prev, n, bpp);
  else unfilterScalar(ft, row, prev, n, bpp);
}

// ---------------------------------------------------------------- convert

@inline function rgba(r: u32, g: u32, b: u32, a: u32): u32 {
  return r | (g << 8) | (b << 16) | (a << 24);
}

@inline function s16(p: usize): u32 {
  return (<u32>load<u8>(p) << 8) | <u32>load<u8>(p, 1);
}

@inline function to8(v: u32): u32 {
  return (v * 255 + 32895) >> 16;
}

/**
 * Converts one unfiltered row of `w` pixels to RGBA8 at out, `step` bytes
 * between pixels. `row` lies in the raw buffer, which has DST_SLACK bytes
 * after its last row: SIMD loads may read a few bytes past the row.
 */
function convertRow(row: usize, w: u32, out: usize, step: usize, pal: usize): void {
  const d = DEPTH;
  const ct = CTYPE;
  if (d < 8) {
    const mask: u32 = (1 << d) - 1;
    const scale: u32 = 255 / mask;
    for (let x: u32 = 0; x < w; x++) {
      const bit = x * d;
      const v = (<u32>load<u8>(row + (bit >> 3)) >> (8 - d - (bit & 7))) & mask;
      if (ct == 3) store<u32>(out, load<u32>(pal + (<usize>v << 2)));
      else {
        const g = v * scale;
        store<u32>(out, rgba(g, g, g, (HAS_TRNS && v == TR) ? 0 : 255));
      }
      out += step;
    }
    return;
  }
  if (d == 8) {
    if (ct == 6) {
      if (step == 4) { memory.copy(out, row, <usize>w << 2); return; }
      for (let x: u32 = 0; x < w; x++) { store<u32>(out, load<u32>(row)); row += 4; out += step; }
      return;
    }
    if (ct == 2) {
      let x: u32 = 0;
      if (!HAS_TRNS && step == 4) {
        // 4 pixels per v128: one single-source shuffle, alpha or-ed in. A
        // 16-byte load at the last group reads up to 4 bytes past the row:
        // the next row or the raw buffer's DST_SLACK, never outside it.
        const alpha = i32x4.splat(0xFF000000);
        for (; x + 16 <= w; x += 16) {
          const a = v128.load(row), b = v128.load(row, 12), c = v128.load(row, 24), e = v128.load(row, 36);
          v128.store(out, v128.or(i8x16.shuffle(a, a, 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0), alpha));
          v128.store(out, v128.or(i8x16.shuffle(b, b, 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0), alpha), 16);
          v128.store(out, v128.or(i8x16.shuffle(c, c, 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0), alpha), 32);
          v128.store(out, v128.or(i8x16.shuffle(e, e, 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0), alpha), 48);
          row += 48; out += 64;
        }
        for (; x + 4 <= w; x += 4) {
          const a = v128.load(row);
          v128.store(out, v128.or(i8x16.shuffle(a, a, 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0), alpha));
          row += 12; out += 16;
        }
      }
      for (; x < w; x++) {
        const r = <u32>load<u8>(row), g = <u32>load<u8>(row, 1), b = <u32>load<u8>(row, 2);
        store<u32>(out, rgba(r, g, b, (HAS_TRNS && r == TR && g == TG && b == TB) ? 0 : 255));
        row += 3; out += step;
      }
      return;
    }
    if (ct == 3) {
      for (let x: u32 = 0; x < w; x++) { store<u32>(out, load<u32>(pal + (<usize>load<u8>(row + x) << 2))); out += step; }
      return;
    }
    if (ct == 0) {
      let x: u32 = 0;
      if (!HAS_TRNS && step == 4) {
        const ff = i8x16.splat(-1);
        for (; x + 16 <= w; x += 16) {
          const v = v128.load(row + x);
          v128.store(out, i8x16.shuffle(v, ff, 0, 0, 0, 16, 1, 1, 1, 16, 2, 2, 2, 16, 3, 3, 3, 16));
          v128.store(out, i8x16.shuffle(v, ff, 4, 4, 4, 16, 5, 5, 5, 16, 6, 6, 6, 16, 7, 7, 7, 16), 16);
          v128.store(out, i8x16.shuffle(v, ff, 8, 8, 8, 16, 9, 9, 9, 16, 10, 10, 10, 16, 11, 11, 11, 16), 32);
          v128.store(out, i8x16.shuffle(v, ff, 12, 12, 12, 16, 13, 13, 13, 16, 14, 14, 14, 16, 15, 15, 15, 16), 48);
          out += 64;
        }
      }
      for (; x < w; x++) {
        const g = <u32>load<u8>(row + x);
        store<u32>(out, rgba(g, g, g, (HAS_TRNS && g == TR) ? 0 : 255));
        out += step;
      }
      return;
    }
    // ct == 4: grey + alpha
    for (let x: u32 = 0; x < w; x++) {
      const g = <u32>load<u8>(row), a = <u32>load<u8>(row, 1);
      store<u32>(out, rgba(g, g, g, a));
      row += 2; out += step;
    }
    return;
  }
  // 16-bit samples, big-endian
  for (let x: u32 = 0; x < w; x++) {
    if (ct == 0) {
      const v = s16(row); const g = to8(v);
      store<u32>(out, rgba(g, g, g, (HAS_TRNS && v == TR) ? 0 : 255));
      row += 2;
    } else if (ct == 2) {
      const r = s16(row), g = s16(row + 2), b = s16(row + 4);
      store<u32>(out, rgba(to8(r), to8(g), to8(b), (HAS_TRNS && r == TR && g == TG && b == TB) ? 0 : 255));
      row += 6;
    } else if (ct == 4) {
      const g = to8(s16(row));
      store<u32>(out, rgba(g, g, g, to8(s16(row + 2))));
      row += 4;
    } else {
      store<u32>(out, rgba(to8(s16(row)), to8(s16(row + 2)), to8(s16(row + 4)), to8(s16(row + 6))));
      row += 8;
    }
    out += step;
  }
}

// ---------------------------------------------------------------- decode

/** Makes sure `bytes` more can be allocated; false if memory cannot grow that far. */
function reserve(bytes: u64): bool {
  const top = <u64>heap.alloc(16);
  const need = top + bytes + 4096;
  const have = <u64>memory.size() << 16;
  if (need <= have) return true;
  if (need > (<u64>65536 << 16)) return false;
  const pages = <i32>((need - have + 65535) >> 16);
  return memory.grow(pages) >= 0;
}

/**
 * Decodes the PNG file at src (len bytes). maxPixels: largest accepted W*H.
 * Writes W, H, the RGBA8 pointer and a detail code to res (4 x i32).
 */
export function decodePng(src: usize, len: usize, maxPixels: f64, res: usize): i32 {
  store<i32>(res, 0); store<i32>(res, 0, 4); store<i32>(res, 0, 8); store<i32>(res, 0, 12);
  W = 0; H = 0; DEPTH = 0; CTYPE = 0; INTERLACE = 0; CHANNELS = 0; HAS_TRNS = false; TR = 0; TG = 0; TB = 0;
  // signature
  const sigLo: u32 = 0x474E5089, sigHi: u32 = 0x0A1A0A0D;
  if (len < 8) {
    for (let i: usize = 0; i < len; i++) {
      const want = i < 4 ? (sigLo >> (<u32>i << 3)) & 0xFF : (sigHi >> (<u32>(i - 4) << 3)) & 0xFF;
      if (<u32>load<u8>(src + i) != want) return fail(res, PNG_CORRUPT, D_SIGNATURE);
    }
    return fail(res, PNG_TRUNCATED, D_SIGNATURE);
  }
  if (load<u32>(src) != sigLo || load<u32>(src, 4) != sigHi) return fail(res, PNG_CORRUPT, D_SIGNATURE);

  // ---- pass 1: walk chunks, check CRCs, read header data
  const pal = heap.alloc(1024);
  const black = i32x4.splat(0xFF000000);
  for (let i: usize = 0; i < 1024; i += 16) v128.store(pal + i, black);
  let nPal: u32 = 0;
  let idatTotal: u64 = 0;
  let idatChunks = 0;
  let idatFirst: usize = 0;
  let seenIdat = false;
  let pos: u64 = 8;
  const end = <u64>len;
  let first = true;
  while (true) {
    if (pos + 8 > end) return fail(res, PNG_TRUNCATED, first ? D_NO_IHDR : D_NO_IEND);
    const p = src + <usize>pos;
    const clen = be32(p);
    const type = be32(p + 4);
    if (clen > 0x7FFFFFFF) return fail(res, PNG_CORRUPT, D_CHUNK_LEN);
    if (!isLetter(type >> 24) || !isLetter((type >> 16) & 0xFF) || !isLetter((type >> 8) & 0xFF) || !isLetter(type & 0xFF)) return fail(res, PNG_CORRUPT, D_CHUNK_TYPE);
    if (first && type != T_IHDR) return fail(res, PNG_CORRUPT, D_NO_IHDR);
    if (pos + 12 + <u64>clen > end) return fail(res, PNG_TRUNCATED, D_TRUNC_CHUNK);
    if (crc32(p + 4, <usize>clen + 4) != be32(p + 8 + <usize>clen)) return fail(res, PNG_CORRUPT, D_CRC);
    const data = p + 8;
    if (type == T_IHDR) {
      if (!first || clen != 13) return fail(res, PNG_CORRUPT, D_IHDR);
      W = be32(data); H = be32(data + 4);
      DEPTH = <u32>load<u8>(data + 8); CTYPE = <u32>load<u8>(data + 9);
      INTERLACE = <u32>load<u8>(data + 12);
      if (W == 0 || H == 0 || W > 0x7FFFFFFF || H > 0x7FFFFFFF) return fail(res, PNG_CORRUPT, D_IHDR);
      if (load<u8>(data + 10) != 0 || load<u8>(data + 11) != 0 || INTERLACE > 1) return fail(res, PNG_CORRUPT, D_IHDR);
      const d = DEPTH, ct = CTYPE;
      let ok = false;
      if (ct == 0) ok = d == 1 || d == 2 || d == 4 || d == 8 || d == 16;
      else if (ct == 3) ok = d == 1 || d == 2 || d == 4 || d == 8;
      else if (ct == 2 || ct == 4 || ct == 6) ok = d == 8 || d == 16;
      if (!ok) return fail(res, PNG_CORRUPT, D_IHDR);
      CHANNELS = ct == 0 ? 1 : ct == 2 ? 3 : ct == 3 ? 1 : ct == 4 ? 2 : 4;
      first = false;
    } else if (type == T_PLTE) {
      if (clen == 0 || clen % 3 != 0 || clen > 768) return fail(res, PNG_CORRUPT, D_PLTE);
      nPal = clen / 3;
      for (let i: u32 = 0; i < nPal; i++) {
        const q = data + <usize>(i * 3);
        store<u32>(pal + (<usize>i << 2), rgba(<u32>load<u8>(q), <u32>load<u8>(q, 1), <u32>load<u8>(q, 2), 255));
      }
    } else if (type == T_tRNS) {
      // invalid tRNS (wrong length, or with an alpha channel) is ignored, as libpng does
      if (CTYPE == 3) {
        const n = clen < 256 ? clen : 256;
        for (let i: u32 = 0; i < n; i++) store<u8>(pal + (<usize>i << 2) + 3, load<u8>(data + i));
      } else if (CTYPE == 0 && clen == 2) {
        HAS_TRNS = true; TR = (<u32>load<u8>(data) << 8) | <u32>load<u8>(data + 1);
      } else if (CTYPE == 2 && clen == 6) {
        HAS_TRNS = true;
        TR = (<u32>load<u8>(data) << 8) | <u32>load<u8>(data + 1);
        TG = (<u32>load<u8>(data + 2) << 8) | <u32>load<u8>(data + 3);
        TB = (<u32>load<u8>(data + 4) << 8) | <u32>load<u8>(data + 5);
      }
    } else if (type == T_IDAT) {
      idatTotal += clen;
      if (idatChunks++ == 0) idatFirst = data;
      seenIdat = true;
    } else if (type == T_IEND) {
      break;
    } else if ((type & 0x20000000) == 0) {
      return fail(res, PNG_UNSUPPORTED, D_CRITICAL); // unknown critical chunk
    }
    pos += 12 + <u64>clen;
  }
  if (!seenIdat) return fail(res, PNG_CORRUPT, D_NO_IDAT);
  if (CTYPE == 3 && nPal == 0) return fail(res, PNG_CORRUPT, D_NO_PLTE);

  // ---- sizes, checked before any big allocation
  const pixels = <u64>W * <u64>H;
  if (<f64>pixels > maxPixels) return fail(res, PNG_TOO_LARGE, D_PIXELS);
  let rawTotal: u64 = 0;
  let maxRow: u64 = rowBytes(W);
  if (INTERLACE == 0) rawTotal = (maxRow + 1) * <u64>H;
  else {
    for (let ps: usize = 0; ps < 7; ps++) {
      const a = ADAM7 + (ps << 2);
      const pw = passCount(W, <u32>load<u8>(a), <u32>load<u8>(a, 2));
      const ph = passCount(H, <u32>load<u8>(a, 1), <u32>load<u8>(a, 3));
      if (pw != 0 && ph != 0) rawTotal += (rowBytes(pw) + 1) * <u64>ph;
    }
  }
  // deflate expands at most 1032x (a 258-byte match in 2 bits): reject impossible sizes before allocating
  if (rawTotal > idatTotal * 1032 + 1024) return fail(res, PNG_CORRUPT, D_SHORT_DATA);
  const outBytes = pixels * 4;
  if (outBytes > MAX_BLOCK || rawTotal + DST_SLACK > MAX_BLOCK || idatTotal + 16 > MAX_BLOCK) return fail(res, PNG_TOO_LARGE, D_MEMORY);
  // + 32 KiB: inflate's tables (2 x 8.9 KiB + 384), the zero row's slack and block headers
  if (!reserve(outBytes + rawTotal + idatTotal + maxRow + 32768)) return fail(res, PNG_TOO_LARGE, D_MEMORY);

  // ---- pass 2: concatenate IDAT payloads (a single IDAT is inflated in place:
  // inflate never reads outside [src, src + srcLen))
  let idat = idatFirst;
  if (idatChunks > 1) {
    idat = heap.alloc(<usize>idatTotal + 16);
    let q = idat;
    pos = 8;
    while (true) {
      const p = src + <usize>pos;
      const clen = be32(p);
      const type = be32(p + 4);
      if (type == T_IDAT) { memory.copy(q, p + 8, <usize>clen); q += <usize>clen; }
      else if (type == T_IEND) break;
      pos += 12 + <u64>clen;
    }
  }

  // ---- inflate all filtered rows
  const raw = heap.alloc(<usize>rawTotal + DST_SLACK);
  const n = inflateZlib(idat, <usize>idatTotal, raw, <usize>rawTotal);
  if (n < 0) {
    if (n == INFLATE_BAD_HEADER) return fail(res, PNG_CORRUPT, D_ZLIB_HEADER);
    if (n == INFLATE_BAD_CHECKSUM) return fail(res, PNG_CORRUPT, D_ADLER);
    if (n == INFLATE_TRUNCATED) return fail(res, PNG_TRUNCATED, D_TRUNC_ZLIB);
    if (n == INFLATE_OVERFLOW) return fail(res, PNG_CORRUPT, D_DATA_SIZE);
    return fail(res, PNG_CORRUPT, D_DEFLATE);
  }
  if (<u64>n != rawTotal) return fail(res, PNG_CORRUPT, D_SHORT_DATA);

  // ---- unfilter + convert, pass by pass
  const out = heap.alloc(<usize>outBytes);
  const zero = heap.alloc(<usize>maxRow + 16);
  memory.fill(zero, 0, <usize>maxRow + 16);
  const bpp = <usize>max<u32>(1, (CHANNELS * DEPTH) >> 3);
  let rp = raw;
  const nPasses: usize = INTERLACE ? 7 : 1;
  for (let ps: usize = 0; ps < nPasses; ps++) {
    let x0: u32 = 0, y0: u32 = 0, dx: u32 = 1, dy: u32 = 1;
    if (INTERLACE) {
      const a = ADAM7 + (ps << 2);
      x0 = <u32>load<u8>(a); y0 = <u32>load<u8>(a, 1); dx = <u32>load<u8>(a, 2); dy = <u32>load<u8>(a, 3);
    }
    const pw = passCount(W, x0, dx), ph = passCount(H, y0, dy);
    if (pw == 0 || ph == 0) continue;
    const rb = <usize>rowBytes(pw);
    let prev = zero;
    for (let y: u32 = 0; y < ph; y++) {
      const ft = <u32>load<u8>(rp);
      if (ft > 4) return fail(res, PNG_CORRUPT, D_FILTER);
      const row = rp + 1;
      unfilter(ft, row, prev, rb, bpp);
      const oy = <usize>(y0 + y * dy);
      convertRow(row, pw, out + ((oy * <usize>W + <usize>x0) << 2), <usize>dx << 2, pal);
      prev = row;
      rp = row + rb;
    }
  }
  store<i32>(res, <i32>W);
  store<i32>(res, <i32>H, 4);
  store<i32>(res, <i32>out, 8);
  return PNG_OK;
}
