// 8x8 inverse DCT with dequantisation, f32x4 SIMD (the float IDCT libjpeg
// selects with JDCT_FLOAT; within 1 level of its integer islow IDCT).
//
//   coef  [8, 8] i16, natural (row-major) order, raw quantised coefficients
//   q     [8, 8] f32, natural order, the quantisation table as floats
//   out   [8 rows, stride] u8 samples, level-shifted (+128) and clamped
//
// Letters: v = vertical frequency (coefficient row), u = horizontal frequency
// (coefficient column), y = output row, x = output column.
// c[k][n] = C(k)/2 * cos((2n+1) k pi / 16), C(0) = 1/sqrt(2), so
// out[y][x] = sum_v sum_u c[v][y] * F[v][u] * q[v][u] * c[u][x].
//
// Strategy: a plain separable matrix product, no butterflies. Pass 1 (columns)
// keeps each coefficient row as two f32x4 and accumulates
// T[y] += c[v][y] * row[v] over the nonzero rows only (most are zero after
// quantisation). Pass 2 (rows) accumulates out[y] += T[y][u] * c[u][.] over
// the nonzero columns only, splatting T's lanes with shuffles. Blocks with only
// a DC coefficient are filled with one value. Rounding is libjpeg's:
// truncate(x + 128.5), then saturate to 0..255.

const CT: usize = memory.data(64 * 4, 16); // c[k][n] at (k*8 + n) * 4
let ctReady = false;

function initTable(): void {
  for (let k = 0; k < 8; k++) {
    const ck = k == 0 ? Math.SQRT1_2 : 1.0;
    for (let n = 0; n < 8; n++) {
      store<f32>(CT + ((k * 8 + n) << 2), <f32>(ck * 0.5 * Math.cos(<f64>((2 * n + 1) * k) * Math.PI / 16.0)));
    }
  }
  ctReady = true;
}

/** Must run once before idctBlock (cheap; safe to call per image). */
export function idctInit(): void {
  if (!ctReady) initTable();
}

// @ts-ignore: decorator
@inline function rowLo(row: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(row));
}
// @ts-ignore: decorator
@inline function rowHi(row: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(row));
}

// @ts-ignore: decorator
@inline function madd(acc: v128, s: v128, x: v128): v128 {
  return f32x4.add(acc, f32x4.mul(s, x));
}

// One output row: sum over the nonzero columns u of T[y][u] * c[u][0..7].
// @ts-ignore: decorator
@inline function rowPass(tlo: v128, thi: v128, cm: i32, dst: usize): void {
  let lo = f32x4.splat(128.5);
  let hi = lo;
  let s: v128;
  if (cm & 1) { s = f32x4.shuffle(tlo, tlo, 0, 0, 0, 0); lo = madd(lo, s, v128.load(CT, 0)); hi = madd(hi, s, v128.load(CT, 16)); }
  if (cm & 2) { s = f32x4.shuffle(tlo, tlo, 1, 1, 1, 1); lo = madd(lo, s, v128.load(CT, 32)); hi = madd(hi, s, v128.load(CT, 48)); }
  if (cm & 4) { s = f32x4.shuffle(tlo, tlo, 2, 2, 2, 2); lo = madd(lo, s, v128.load(CT, 64)); hi = madd(hi, s, v128.load(CT, 80)); }
  if (cm & 8) { s = f32x4.shuffle(tlo, tlo, 3, 3, 3, 3); lo = madd(lo, s, v128.load(CT, 96)); hi = madd(hi, s, v128.load(CT, 112)); }
  if (cm & 16) { s = f32x4.shuffle(thi, thi, 0, 0, 0, 0); lo = madd(lo, s, v128.load(CT, 128)); hi = madd(hi, s, v128.load(CT, 144)); }
  if (cm & 32) { s = f32x4.shuffle(thi, thi, 1, 1, 1, 1); lo = madd(lo, s, v128.load(CT, 160)); hi = madd(hi, s, v128.load(CT, 176)); }
  if (cm & 64) { s = f32x4.shuffle(thi, thi, 2, 2, 2, 2); lo = madd(lo, s, v128.load(CT, 192)); hi = madd(hi, s, v128.load(CT, 208)); }
  if (cm & 128) { s = f32x4.shuffle(thi, thi, 3, 3, 3, 3); lo = madd(lo, s, v128.load(CT, 224)); hi = madd(hi, s, v128.load(CT, 240)); }
  const n = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(lo), i32x4.trunc_sat_f32x4_s(hi));
  v128.store64_lane(dst, i8x16.narrow_i16x8_u(n, n), 0);
}

/** Dequantises and inverse-transforms one block into 8 rows of `out`. */
export function idctBlock(coef: usize, q: usize, out: usize, stride: i32): void {
  const r0 = v128.load(coef, 0);
  const r1 = v128.load(coef, 16);
  const r2 = v128.load(coef, 32);
  const r3 = v128.load(coef, 48);
  const r4 = v128.load(coef, 64);
  const r5 = v128.load(coef, 80);
  const r6 = v128.load(coef, 96);
  const r7 = v128.load(coef, 112);
  const rest = v128.or(v128.or(v128.or(r1, r2), v128.or(r3, r4)), v128.or(v128.or(r5, r6), r7));
  const acOnly0 = v128.and(r0, i16x8(0, -1, -1, -1, -1, -1, -1, -1));
  const st = <usize>stride;
  if (!v128.any_true(v128.or(rest, acOnly0))) {
    // DC only: every sample is F[0][0] * q[0][0] * c0 * c0 (= /8).
    const dc = <f32>load<i16>(coef) * load<f32>(q) * 0.125 + 128.5;
    let v = <i32>dc;
    if (dc < 0) v = 0;
    if (v > 255) v = 255;
    const s = i8x16.splat(<i8>v);
    let p = out;
    for (let y = 0; y < 8; y++) { v128.store64_lane(p, s, 0); p += st; }
    return;
  }
  const cm = i16x8.bitmask(v128.not(i16x8.eq(v128.or(rest, r0), i16x8.splat(0))));

  let t0l = f32x4.splat(0), t0h = t0l, t1l = t0l, t1h = t0l, t2l = t0l, t2h = t0l, t3l = t0l, t3h = t0l;
  let t4l = t0l, t4h = t0l, t5l = t0l, t5h = t0l, t6l = t0l, t6h = t0l, t7l = t0l, t7h = t0l;
  for (let v = 0; v < 8; v++) {
    const row = v128.load(coef + (<usize>v << 4));
    if (!v128.any_true(row)) continue;
    const qp = q + (<usize>v << 5);
    const a = f32x4.mul(rowLo(row), v128.load(qp));
    const b = f32x4.mul(rowHi(row), v128.load(qp, 16));
    const cp = CT + (<usize>v << 5);
    let s = v128.load32_splat(cp, 0); t0l = madd(t0l, s, a); t0h = madd(t0h, s, b);
    s = v128.load32_splat(cp, 4); t1l = madd(t1l, s, a); t1h = madd(t1h, s, b);
    s = v128.load32_splat(cp, 8); t2l = madd(t2l, s, a); t2h = madd(t2h, s, b);
    s = v128.load32_splat(cp, 12); t3l = madd(t3l, s, a); t3h = madd(t3h, s, b);
    s = v128.load32_splat(cp, 16); t4l = madd(t4l, s, a); t4h = madd(t4h, s, b);
    s = v128.load32_splat(cp, 20); t5l = madd(t5l, s, a); t5h = madd(t5h, s, b);
    s = v128.load32_splat(cp, 24); t6l = madd(t6l, s, a); t6h = madd(t6h, s, b);
    s = v128.load32_splat(cp, 28); t7l = madd(t7l, s, a); t7h = madd(t7h, s, b);
  }
  rowPass(t0l, t0h, cm, out);
  rowPass(t1l, t1h, cm, out + st);
  rowPass(t2l, t2h, cm, out + 2 * st);
  rowPass(t3l, t3h, cm, out + 3 * st);
  rowPass(t4l, t4h, cm, out + 4 * st);
  rowPass(t5l, t5h, cm, out + 5 * st);
  rowPass(t6l, t6h, cm, out + 6 * st);
  rowPass(t7l, t7h, cm, out + 7 * st);
}
