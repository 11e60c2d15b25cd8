// Colour conversion of one output row to RGBA8, 16 pixels per step.
//
//   in   one u8 row per component, full resolution, readable for
//        ceil(W / 16) * 16 bytes (callers pad their rows)
//   out  [W] RGBA8; writes ceil(W / 16) * 16 pixels, so the caller keeps 64
//        bytes of slack after the image and fills rows top to bottom
//
// YCbCr -> RGB is libjpeg's fixed-point formula (16 fraction bits, same
// constants and rounding), computed exactly in i32x4 lanes:
//   R = Y + ((91881 * Cr' + 32768) >> 16)
//   G = Y + ((-22554 * Cb' - 46802 * Cr' + 32768) >> 16)
//   B = Y + ((116130 * Cb' + 32768) >> 16),  Cb' = Cb - 128, Cr' = Cr - 128
// CMYK (Adobe files store it inverted) -> RGB: R = round(C * K / 255); YCCK is
// first turned into CMY by libjpeg's rule C = 255 - R (R from the YCbCr formula).

// @ts-ignore: decorator
@inline function lanes0(v: v128): v128 { return i32x4.extend_low_i16x8_s(v); }
// @ts-ignore: decorator
@inline function lanes1(v: v128): v128 { return i32x4.extend_high_i16x8_s(v); }

// @ts-ignore: decorator
@inline function fix(c: v128, k: i32): v128 {
  return i32x4.shr_s(i32x4.add(i32x4.mul(c, i32x4.splat(k)), i32x4.splat(32768)), 16);
}
// @ts-ignore: decorator
@inline function fix2(cb: v128, cr: v128): v128 {
  return i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(cb, i32x4.splat(-22554)), i32x4.mul(cr, i32x4.splat(-46802))), i32x4.splat(32768)), 16);
}

// Writes 16 RGBA pixels from 16 R, G, B bytes (alpha 255).
// @ts-ignore: decorator
@inline function storeRgba(out: usize, r: v128, g: v128, b: v128): void {
  const a = i8x16.splat(-1);
  const rgl = i8x16.shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const rgh = i8x16.shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const bal = i8x16.shuffle(b, a, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const bah = i8x16.shuffle(b, a, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  v128.store(out, i8x16.shuffle(rgl, bal, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), 0);
  v128.store(out, i8x16.shuffle(rgl, bal, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 16);
  v128.store(out, i8x16.shuffle(rgh, bah, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), 32);
  v128.store(out, i8x16.shuffle(rgh, bah, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), 48);
}

// YCbCr -> (R, G, B) for 8 pixels held as i16x8 lanes; returns them packed
// as i16x8 through the out-params of the caller (inlined three times).
// @ts-ignore: decorator
@inline function ycc8(y: v128, cb: v128, cr: v128, which: i32): v128 {
  const y0 = lanes0(y), y1 = lanes1(y);
  const b0 = lanes0(cb), b1 = lanes1(cb), r0 = lanes0(cr), r1 = lanes1(cr);
  if (which == 0) return i16x8.narrow_i32x4_s(i32x4.add(y0, fix(r0, 91881)), i32x4.add(y1, fix(r1, 91881)));
  if (which == 1) return i16x8.narrow_i32x4_s(i32x4.add(y0, fix2(b0, r0)), i32x4.add(y1, fix2(b1, r1)));
  return i16x8.narrow_i32x4_s(i32x4.add(y0, fix(b0, 116130)), i32x4.add(y1, fix(b1, 116130)));
}

// @ts-ignore: decorator
@inline function yccRgb16(yv: v128, cbv: v128, crv: v128, which: i32): v128 {
  const c128 = i16x8.splat(128);
  const yl = i16x8.extend_low_i8x16_u(yv), yh = i16x8.extend_high_i8x16_u(yv);
  const bl = i16x8.sub(i16x8.extend_low_i8x16_u(cbv), c128), bh = i16x8.sub(i16x8.extend_high_i8x16_u(cbv), c128);
  const rl = i16x8.sub(i16x8.extend_low_i8x16_u(crv), c128), rh = i16x8.sub(i16x8.extend_high_i8x16_u(crv), c128);
  return i8x16.narrow_i16x8_u(ycc8(yl, bl, rl, which), ycc8(yh, bh, rh, which));
}

export function rowYcc(yp: usize, cbp: usize, crp: usize, out: usize, w: i32): void {
  for (let x = 0; x < w; x += 16) {
    const o = <usize>x;
    const yv = v128.load(yp + o), cbv = v128.load(cbp + o), crv = v128.load(crp + o);
    storeRgba(out + (o << 2), yccRgb16(yv, cbv, crv, 0), yccRgb16(yv, cbv, crv, 1), yccRgb16(yv, cbv, crv, 2));
  }
}

export function rowGray(yp: usize, out: usize, w: i32): void {
  for (let x = 0; x < w; x += 16) {
    const o = <usize>x;
    const v = v128.load(yp + o);
    storeRgba(out + (o << 2), v, v, v);
  }
}

export function rowRgb(rp: usize, gp: usize, bp: usize, out: usize, w: i32): void {
  for (let x = 0; x < w; x += 16) {
    const o = <usize>x;
    storeRgba(out + (o << 2), v128.load(rp + o), v128.load(gp + o), v128.load(bp + o));
  }
}

// round(a * k / 255) for 16 u8 lanes.
// @ts-ignore: decorator
@inline function mulDiv255(a: v128, k: v128): v128 {
  const c = i16x8.splat(128);
  let lo = i16x8.add(i16x8.extmul_low_i8x16_u(a, k), c);
  let hi = i16x8.add(i16x8.extmul_high_i8x16_u(a, k), c);
  lo = i16x8.shr_u(i16x8.add(lo, i16x8.shr_u(lo, 8)), 8);
  hi = i16x8.shr_u(i16x8.add(hi, i16x8.shr_u(hi, 8)), 8);
  return i8x16.narrow_i16x8_u(lo, hi);
}

/** Inverted CMYK (or YCCK when `ycck`) -> RGB. */
export function rowCmyk(cp: usize, mp: usize, yp: usize, kp: usize, out: usize, w: i32, ycck: bool): void {
  for (let x = 0; x < w; x += 16) {
    const o = <usize>x;
    let c = v128.load(cp + o), m = v128.load(mp + o), y = v128.load(yp + o);
    const k = v128.load(kp + o);
    if (ycck) {
      const r = yccRgb16(c, m, y, 0), g = yccRgb16(c, m, y, 1), b = yccRgb16(c, m, y, 2);
      c = v128.not(r); m = v128.not(g); y = v128.not(b); // libjpeg's YCCK -> CMYK: C = 255 - R
    }
    storeRgba(out + (o << 2), mulDiv255(c, k), mulDiv255(m, k), mulDiv255(y, k));
  }
}
