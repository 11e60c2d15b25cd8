// Dot products between two sets of vectors (Gram / cross-Gram matrices).
//
// Letters: NA rows of A, NB rows of B, D features per row.
// Reads   a f32 [NA][D], b f32 [NB][D]
// Writes  out f64 [NA][NB], out[i][j] = sum_d a[i][d] * b[j][d]
//         (sym = 1: a == b, NA == NB; only j <= i is computed, then mirrored)
//
// Strategy: one row of A against 4 rows of B at a time, f32x4 over D, four
// accumulators, so each A load feeds 4 MACs; D tail in scalar. Rows of B are
// visited in tiles of 64 so they stay in L2 while A rows stream.

export const ERR_DIMS: i32 = -1;
export const ERR_BOUNDS: i32 = -2;

@inline function hsum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

function dot1(x: usize, y: usize, d: i32): f64 {
  let acc = f32x4.splat(0);
  const d4 = d & ~3;
  for (let t = 0; t < d4; t += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(x + <usize>t * 4), v128.load(y + <usize>t * 4)));
  let s = hsum(acc);
  for (let t = d4; t < d; t++) s += <f64>(load<f32>(x + <usize>t * 4) * load<f32>(y + <usize>t * 4));
  return s;
}

/** Gram (sym=1) or cross-Gram (sym=0) matrix in f64. Returns 0 or an error code. */
export function dot_matrix(a: usize, na: i32, b: usize, nb: i32, d: i32, out: usize, sym: i32): i32 {
  if (na < 1 || nb < 1 || d < 1 || (sym != 0 && (na != nb || a != b))) return ERR_DIMS;
  const mem = (<u64>memory.size()) << 16;
  if (<u64>a + <u64>na * <u64>d * 4 > mem || <u64>b + <u64>nb * <u64>d * 4 > mem || <u64>out + <u64>na * <u64>nb * 8 > mem) return ERR_BOUNDS;
  const d4 = d & ~3;
  const rowB = <usize>d * 4;
  for (let j0 = 0; j0 < nb; j0 += 64) {
    const j1 = min(nb, j0 + 64);
    for (let i = sym ? j0 : 0; i < na; i++) {
      const x = a + <usize>i * rowB;
      const jEnd = sym ? min(j1, i + 1) : j1;
      let j = j0;
      for (; j + 4 <= jEnd; j += 4) {
        const y0 = b + <usize>j * rowB, y1 = y0 + rowB, y2 = y1 + rowB, y3 = y2 + rowB;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        for (let t = 0; t < d4; t += 4) {
          const o = <usize>t * 4;
          const xv = v128.load(x + o);
          s0 = f32x4.add(s0, f32x4.mul(xv, v128.load(y0 + o)));
          s1 = f32x4.add(s1, f32x4.mul(xv, v128.load(y1 + o)));
          s2 = f32x4.add(s2, f32x4.mul(xv, v128.load(y2 + o)));
          s3 = f32x4.add(s3, f32x4.mul(xv, v128.load(y3 + o)));
        }
        let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
        for (let t = d4; t < d; t++) {
          const xv = <f64>load<f32>(x + <usize>t * 4);
          r0 += xv * <f64>load<f32>(y0 + <usize>t * 4); r1 += xv * <f64>load<f32>(y1 + <usize>t * 4);
          r2 += xv * <f64>load<f32>(y2 + <usize>t * 4); r3 += xv * <f64>load<f32>(y3 + <usize>t * 4);
        }
        const o = out + (<usize>i * <usize>nb + <usize>j) * 8;
        store<f64>(o, r0); store<f64>(o, r1, 8); store<f64>(o, r2, 16); store<f64>(o, r3, 24);
      }
      for (; j < jEnd; j++) store<f64>(out + (<usize>i * <usize>nb + <usize>j) * 8, dot1(x, b + <usize>j * rowB, d));
    }
  }
  if (sym) {
    for (let i = 0; i < na; i++) for (let j = i + 1; j < nb; j++) {
      store<f64>(out + (<usize>i * <usize>nb + <usize>j) * 8, load<f64>(out + (<usize>j * <usize>nb + <usize>i) * 8));
    }
  }
  return 0;
}
