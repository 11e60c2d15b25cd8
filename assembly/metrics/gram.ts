// Dot products between two sets of vectors (Gram / cross-Gram matrices).
//
// Letters: NA rows of A, NB rows of B, D features per row.
// Reads   a f32 [NA][D], b f32 [NB][D]
// Writes  out f64 [NA][NB], out[i][j] = sum_d a[i][d] * b[j][d]
//         (sym = 1: a == b, NA == NB; only j <= i is computed, then mirrored)
//
// Strategy: two rows of A against 4 rows of B at a time, f32x4 over D, eight
// accumulators, so 6 loads feed 8 MACs; D tail in scalar. Rows of B are
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
    let i = sym ? j0 : 0;
    for (; i + 2 <= na; i += 2) {
      // rows i and i+1 share every B load; in sym mode both take j <= i, then row i+1 its j = i+1
      const x = a + <usize>i * rowB, x1 = x + rowB;
      const jEnd = sym ? min(j1, i + 1) : j1;
      let j = j0;
      for (; j + 4 <= jEnd; j += 4) {
        const y0 = b + <usize>j * rowB, y1 = y0 + rowB, y2 = y1 + rowB, y3 = y2 + rowB;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let u0 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0), u3 = f32x4.splat(0);
        for (let t = 0; t < d4; t += 4) {
          const o = <usize>t * 4;
          const xv = v128.load(x + o), xw = v128.load(x1 + o);
          const b0 = v128.load(y0 + o), b1 = v128.load(y1 + o), b2 = v128.load(y2 + o), b3 = v128.load(y3 + o);
          s0 = f32x4.add(s0, f32x4.mul(xv, b0)); u0 = f32x4.add(u0, f32x4.mul(xw, b0));
          s1 = f32x4.add(s1, f32x4.mul(xv, b1)); u1 = f32x4.add(u1, f32x4.mul(xw, b1));
          s2 = f32x4.add(s2, f32x4.mul(xv, b2)); u2 = f32x4.add(u2, f32x4.mul(xw, b2));
          s3 = f32x4.add(s3, f32x4.mul(xv, b3)); u3 = f32x4.add(u3, f32x4.mul(xw, b3));
        }
        let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
        let q0 = hsum(u0), q1 = hsum(u1), q2 = hsum(u2), q3 = hsum(u3);
        for (let t = d4; t < d; t++) {
          const o = <usize>t * 4;
          const xv = <f64>load<f32>(x + o), xw = <f64>load<f32>(x1 + o);
          const b0 = <f64>load<f32>(y0 + o), b1 = <f64>load<f32>(y1 + o), b2 = <f64>load<f32>(y2 + o), b3 = <f64>load<f32>(y3 + o);
          r0 += xv * b0; r1 += xv * b1; r2 += xv * b2; r3 += xv * b3;
          q0 += xw * b0; q1 += xw * b1; q2 += xw * b2; q3 += xw * b3;
        }
        const o = out + (<usize>i * <usize>nb + <usize>j) * 8;
        store<f64>(o, r0); store<f64>(o, r1, 8); store<f64>(o, r2, 16); store<f64>(o, r3, 24);
        const p = o + <usize>nb * 8;
        store<f64>(p, q0); store<f64>(p, q1, 8); store<f64>(p, q2, 16); store<f64>(p, q3, 24);
      }
      for (; j < jEnd; j++) {
        const y = b + <usize>j * rowB;
        store<f64>(out + (<usize>i * <usize>nb + <usize>j) * 8, dot1(x, y, d));
        store<f64>(out + (<usize>(i + 1) * <usize>nb + <usize>j) * 8, dot1(x1, y, d));
      }
      if (sym && i + 1 < j1) store<f64>(out + (<usize>(i + 1) * <usize>nb + <usize>(i + 1)) * 8, dot1(x1, b + <usize>(i + 1) * rowB, d));
    }
    for (; i < na; i++) {
      const x = a + <usize>i * rowB;
      const jEnd = sym ? min(j1, i + 1) : j1;
      for (let j = j0; j < jEnd; j++) store<f64>(out + (<usize>i * <usize>nb + <usize>j) * 8, dot1(x, b + <usize>j * rowB, d));
    }
  }
  if (sym) {
    for (let i = 0; i < na; i++) for (let j = i + 1; j < nb; j++) {
      store<f64>(out + (<usize>i * <usize>nb + <usize>j) * 8, load<f64>(out + (<usize>j * <usize>nb + <usize>i) * 8));
    }
  }
  return 0;
}
