// 8x8 inverse DCT with dequantisation: libjpeg's "islow" integer algorithm
// (jidctint.c, the libjpeg-turbo default), bit-exact, in i32x4 SIMD.
//
//   coef  [8, 8] i16, natural (row-major) order, raw quantised coefficients
//   q     [8, 8] i32, natural order, the quantisation table
//   out   [8 rows, stride] u8 samples, level-shifted (+128) and clamped
//
// Letters: v = vertical frequency (coefficient row), u = horizontal frequency
// (coefficient column), y = output row, x = output column.
//
// Strategy: the 1-D Loeffler-Ligtenberg-Moschytz transform with 13-bit
// constants runs on four independent lanes. Pass 1 transforms columns
// (lanes = u, two halves), keeping PASS1_BITS = 2 extra bits; the 8x8 i32
// workspace is transposed with shuffles so that pass 2 can transform rows
// with lanes = y; the result (lanes = y per column x) is narrowed to u8 and
// byte-transposed back to rows. Blocks whose only nonzero coefficient is DC
// (most of them) are filled with one value, which is exactly what the full
// transform gives. Saturation replaces libjpeg's range-limit table (they
// differ only for corrupt coefficients that overflow the 10-bit range).

const WS: usize = memory.data(8 * 8 * 4, 16);  // pass-1 output [y][u]
const TP: usize = memory.data(8 * 8 * 4, 16);  // transposed [u][y]
const OT: usize = memory.data(8 * 8 * 4, 16);  // pass-2 output [x][y]

// @ts-ignore: decorator
@inline function mulc(a: v128, k: i32): v128 { return i32x4.mul(a, i32x4.splat(k)); }

// One 1-D islow transform on four lanes; stores (result + round) >> shift of
// output k at dst + k * 32.
// @ts-ignore: decorator
@inline function islow8(i0: v128, i1: v128, i2: v128, i3: v128, i4: v128, i5: v128, i6: v128, i7: v128,
  dst: usize, round: i32, shift: i32): void {
  // even part
  let z1 = mulc(i32x4.add(i2, i6), 4433);                   // FIX(0.541196100)
  const tmp2 = i32x4.add(z1, mulc(i6, -15137));             // -FIX(1.847759065)
  const tmp3 = i32x4.add(z1, mulc(i2, 6270));               // FIX(0.765366865)
  const tmp0 = i32x4.shl(i32x4.add(i0, i4), 13);
  const tmp1 = i32x4.shl(i32x4.sub(i0, i4), 13);
  const tmp10 = i32x4.add(tmp0, tmp3), tmp13 = i32x4.sub(tmp0, tmp3);
  const tmp11 = i32x4.add(tmp1, tmp2), tmp12 = i32x4.sub(tmp1, tmp2);
  // odd part
  z1 = i32x4.add(i7, i1);
  let z2 = i32x4.add(i5, i3), z3 = i32x4.add(i7, i3), z4 = i32x4.add(i5, i1);
  const z5 = mulc(i32x4.add(z3, z4), 9633);                 // FIX(1.175875602)
  let t0 = mulc(i7, 2446), t1 = mulc(i5, 16819), t2 = mulc(i3, 25172), t3 = mulc(i1, 12299);
  z1 = mulc(z1, -7373); z2 = mulc(z2, -20995); z3 = mulc(z3, -16069); z4 = mulc(z4, -3196);
  z3 = i32x4.add(z3, z5); z4 = i32x4.add(z4, z5);
  t0 = i32x4.add(t0, i32x4.add(z1, z3));
  t1 = i32x4.add(t1, i32x4.add(z2, z4));
  t2 = i32x4.add(t2, i32x4.add(z2, z3));
  t3 = i32x4.add(t3, i32x4.add(z1, z4));
  const r = i32x4.splat(round);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp10, t3), r), shift), 0);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp10, t3), r), shift), 224);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp11, t2), r), shift), 32);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp11, t2), r), shift), 192);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp12, t1), r), shift), 64);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp12, t1), r), shift), 160);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp13, t0), r), shift), 96);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp13, t0), r), shift), 128);
}

// islow8 for inputs i4..i7 = 0 (blocks whose high frequencies are all zero).
// @ts-ignore: decorator
@inline function islow4(i0: v128, i1: v128, i2: v128, i3: v128, dst: usize, round: i32, shift: i32): void {
  const z1e = mulc(i2, 4433);
  const tmp2 = z1e, tmp3 = i32x4.add(z1e, mulc(i2, 6270));
  const tmp0 = i32x4.shl(i0, 13);
  const tmp10 = i32x4.add(tmp0, tmp3), tmp13 = i32x4.sub(tmp0, tmp3);
  const tmp11 = i32x4.add(tmp0, tmp2), tmp12 = i32x4.sub(tmp0, tmp2);
  // odd part with i5 = i7 = 0: z1 = z4 = i1, z2 = z3 = i3
  const z5 = mulc(i32x4.add(i3, i1), 9633);
  const z1 = mulc(i1, -7373), z2 = mulc(i3, -20995);
  const z3 = i32x4.add(mulc(i3, -16069), z5), z4 = i32x4.add(mulc(i1, -3196), z5);
  const t0 = i32x4.add(z1, z3);
  const t1 = i32x4.add(z2, z4);
  const t2 = i32x4.add(mulc(i3, 25172), i32x4.add(z2, z3));
  const t3 = i32x4.add(mulc(i1, 12299), i32x4.add(z1, z4));
  const r = i32x4.splat(round);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp10, t3), r), shift), 0);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp10, t3), r), shift), 224);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp11, t2), r), shift), 32);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp11, t2), r), shift), 192);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp12, t1), r), shift), 64);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp12, t1), r), shift), 160);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.add(tmp13, t0), r), shift), 96);
  v128.store(dst, i32x4.shr_s(i32x4.add(i32x4.sub(tmp13, t0), r), shift), 128);
}

// Transposes the 4x4 i32 tile at src (row stride 32) into dst (row stride 32).
// @ts-ignore: decorator
@inline function tile(src: usize, dst: usize): void {
  const a = v128.load(src, 0), b = v128.load(src, 32), c = v128.load(src, 64), d = v128.load(src, 96);
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5), t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(c, d, 0, 4, 1, 5), t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(t0, t2, 0, 2), 0);
  v128.store(dst, i64x2.shuffle(t0, t2, 1, 3), 32);
  v128.store(dst, i64x2.shuffle(t1, t3, 0, 2), 64);
  v128.store(dst, i64x2.shuffle(t1, t3, 1, 3), 96);
}

// @ts-ignore: decorator
@inline function deq(row: v128, q: usize, lo: bool): v128 {
  return i32x4.mul(lo ? i32x4.extend_low_i16x8_s(row) : i32x4.extend_high_i16x8_s(row), v128.load(q));
}

/** Dequantises and inverse-transforms one block into 8 rows of `out`. */
export function idctBlock(coef: usize, q: usize, out: usize, stride: i32): void {
  const r0 = v128.load(coef, 0), r1 = v128.load(coef, 16), r2 = v128.load(coef, 32), r3 = v128.load(coef, 48);
  const r4 = v128.load(coef, 64), r5 = v128.load(coef, 80), r6 = v128.load(coef, 96), r7 = v128.load(coef, 112);
  const st = <usize>stride;
  const rest = v128.or(v128.or(v128.or(r1, r2), v128.or(r3, r4)), v128.or(v128.or(r5, r6), r7));
  if (!v128.any_true(v128.or(rest, v128.and(r0, i16x8(0, -1, -1, -1, -1, -1, -1, -1))))) {
    // DC only: pass 1 gives dc*q << 2 in column 0, pass 2 (x << 15 + 2^17) >> 18.
    let v = ((<i32>load<i16>(coef) * load<i32>(q) + 4) >> 3) + 128;
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    const s = i8x16.splat(<i8>v);
    let p = out;
    for (let y = 0; y < 8; y++) { v128.store64_lane(p, s, 0); p += st; }
    return;
  }
  // Frequencies 4..7 all zero in both directions (common after quantisation):
  // pass 1 skips the right half and both passes use the 4-input transform.
  const low = !v128.any_true(v128.or(v128.or(v128.or(r4, r5), v128.or(r6, r7)),
    v128.and(v128.or(v128.or(r0, r1), v128.or(r2, r3)), i16x8(0, 0, 0, 0, -1, -1, -1, -1))));
  // pass 1: columns, lanes = u
  if (low) {
    islow4(deq(r0, q, true), deq(r1, q + 32, true), deq(r2, q + 64, true), deq(r3, q + 96, true), WS, 1 << 10, 11);
  } else {
    islow8(deq(r0, q, true), deq(r1, q + 32, true), deq(r2, q + 64, true), deq(r3, q + 96, true),
      deq(r4, q + 128, true), deq(r5, q + 160, true), deq(r6, q + 192, true), deq(r7, q + 224, true), WS, 1 << 10, 11);
    islow8(deq(r0, q + 16, false), deq(r1, q + 48, false), deq(r2, q + 80, false), deq(r3, q + 112, false),
      deq(r4, q + 144, false), deq(r5, q + 176, false), deq(r6, q + 208, false), deq(r7, q + 240, false), WS + 16, 1 << 10, 11);
  }
  // transpose [y][u] -> [u][y] (only u < 4 when `low`: the rest is zero)
  tile(WS, TP); tile(WS + 128, TP + 16);
  // pass 2: rows, lanes = y; +128 folded into the rounding constant
  const rnd = (1 << 17) + (128 << 18);
  if (low) {
    islow4(v128.load(TP, 0), v128.load(TP, 32), v128.load(TP, 64), v128.load(TP, 96), OT, rnd, 18);
    islow4(v128.load(TP, 16), v128.load(TP, 48), v128.load(TP, 80), v128.load(TP, 112), OT + 16, rnd, 18);
  } else {
    tile(WS + 16, TP + 128); tile(WS + 144, TP + 144);
    islow8(v128.load(TP, 0), v128.load(TP, 32), v128.load(TP, 64), v128.load(TP, 96),
      v128.load(TP, 128), v128.load(TP, 160), v128.load(TP, 192), v128.load(TP, 224), OT, rnd, 18);
    islow8(v128.load(TP, 16), v128.load(TP, 48), v128.load(TP, 80), v128.load(TP, 112),
      v128.load(TP, 144), v128.load(TP, 176), v128.load(TP, 208), v128.load(TP, 240), OT + 16, rnd, 18);
  }
  // OT[x] = column x, lanes y 0..7 -> u8, then byte-transpose to rows
  const n0 = i16x8.narrow_i32x4_s(v128.load(OT, 0), v128.load(OT, 16));
  const n1 = i16x8.narrow_i32x4_s(v128.load(OT, 32), v128.load(OT, 48));
  const n2 = i16x8.narrow_i32x4_s(v128.load(OT, 64), v128.load(OT, 80));
  const n3 = i16x8.narrow_i32x4_s(v128.load(OT, 96), v128.load(OT, 112));
  const n4 = i16x8.narrow_i32x4_s(v128.load(OT, 128), v128.load(OT, 144));
  const n5 = i16x8.narrow_i32x4_s(v128.load(OT, 160), v128.load(OT, 176));
  const n6 = i16x8.narrow_i32x4_s(v128.load(OT, 192), v128.load(OT, 208));
  const n7 = i16x8.narrow_i32x4_s(v128.load(OT, 224), v128.load(OT, 240));
  const b01 = i8x16.narrow_i16x8_u(n0, n1), b23 = i8x16.narrow_i16x8_u(n2, n3);
  const b45 = i8x16.narrow_i16x8_u(n4, n5), b67 = i8x16.narrow_i16x8_u(n6, n7);
  const c0 = i8x16.shuffle(b01, b23, 0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
  const c1 = i8x16.shuffle(b01, b23, 4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
  const d0 = i8x16.shuffle(b45, b67, 0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
  const d1 = i8x16.shuffle(b45, b67, 4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
  const y01 = i8x16.shuffle(c0, d0, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const y23 = i8x16.shuffle(c0, d0, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  const y45 = i8x16.shuffle(c1, d1, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const y67 = i8x16.shuffle(c1, d1, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  v128.store64_lane(out, y01, 0);
  v128.store64_lane(out + st, y01, 1);
  v128.store64_lane(out + 2 * st, y23, 0);
  v128.store64_lane(out + 3 * st, y23, 1);
  v128.store64_lane(out + 4 * st, y45, 0);
  v128.store64_lane(out + 5 * st, y45, 1);
  v128.store64_lane(out + 6 * st, y67, 0);
  v128.store64_lane(out + 7 * st, y67, 1);
}
