// Squared L2 distances between two sets of vectors, and nearest neighbours.
//
// Letters: NA rows of A (queries), NB rows of B, D features per row.
// Reads   a f32 [NA][D], b f32 [NB][D]
// Writes  nn  i32 [NA] index of the nearest row of B (ties: lowest index)
//         dist f32 [NA] its squared distance
//         within i32 [NA] how many rows of B lie closer than thr2 (squared)
//         With self = 1 (a == b), j == i is excluded.
//
// Strategy: direct (a-b)^2 accumulation (not |a|^2+|b|^2-2ab, which loses the
// small distances that matter for near duplicates), f32x4 over D, one A row
// against 4 B rows per pass; B in tiles of 64 rows kept in cache.

export const ERR_DIMS: i32 = -1;
export const ERR_BOUNDS: i32 = -2;

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline function sq(x: v128, y: v128): v128 { const t = f32x4.sub(x, y); return f32x4.mul(t, t); }

function dist1(x: usize, y: usize, d: i32): f32 {
  let acc = f32x4.splat(0);
  const d4 = d & ~3;
  for (let t = 0; t < d4; t += 4) acc = f32x4.add(acc, sq(v128.load(x + <usize>t * 4), v128.load(y + <usize>t * 4)));
  let s = hsum(acc);
  for (let t = d4; t < d; t++) { const u = load<f32>(x + <usize>t * 4) - load<f32>(y + <usize>t * 4); s += u * u; }
  return s;
}

/** Nearest row of B for every row of A. Returns 0 or an error code. */
export function nearest(a: usize, na: i32, b: usize, nb: i32, d: i32, self: i32, nn: usize, dist: usize, thr2: f32, within: usize): i32 {
  if (na < 1 || nb < 1 || d < 1 || (self != 0 && (na != nb || a != b || na < 2))) return ERR_DIMS;
  const mem = (<u64>memory.size()) << 16;
  if (<u64>a + <u64>na * <u64>d * 4 > mem || <u64>b + <u64>nb * <u64>d * 4 > mem || <u64>nn + <u64>na * 4 > mem || <u64>dist + <u64>na * 4 > mem || <u64>within + <u64>na * 4 > mem) return ERR_BOUNDS;
  for (let i = 0; i < na; i++) { store<i32>(nn + <usize>i * 4, -1); store<f32>(dist + <usize>i * 4, Infinity); store<i32>(within + <usize>i * 4, 0); }
  const d4 = d & ~3;
  const row = <usize>d * 4;
  for (let j0 = 0; j0 < nb; j0 += 64) {
    const j1 = min(nb, j0 + 64);
    for (let i = 0; i < na; i++) {
      const x = a + <usize>i * row;
      let best = load<f32>(dist + <usize>i * 4);
      let bi = load<i32>(nn + <usize>i * 4);
      let cnt = 0;
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        const y0 = b + <usize>j * row, y1 = y0 + row, y2 = y1 + row, y3 = y2 + row;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        for (let t = 0; t < d4; t += 4) {
          const o = <usize>t * 4;
          const xv = v128.load(x + o);
          s0 = f32x4.add(s0, sq(xv, v128.load(y0 + o)));
          s1 = f32x4.add(s1, sq(xv, v128.load(y1 + o)));
          s2 = f32x4.add(s2, sq(xv, v128.load(y2 + o)));
          s3 = f32x4.add(s3, sq(xv, v128.load(y3 + o)));
        }
        let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
        for (let t = d4; t < d; t++) {
          const xv = load<f32>(x + <usize>t * 4);
          let u = xv - load<f32>(y0 + <usize>t * 4); r0 += u * u;
          u = xv - load<f32>(y1 + <usize>t * 4); r1 += u * u;
          u = xv - load<f32>(y2 + <usize>t * 4); r2 += u * u;
          u = xv - load<f32>(y3 + <usize>t * 4); r3 += u * u;
        }
        cnt += i32(r0 < thr2 && !(self && i == j)) + i32(r1 < thr2 && !(self && i == j + 1)) + i32(r2 < thr2 && !(self && i == j + 2)) + i32(r3 < thr2 && !(self && i == j + 3));
        if (r0 < best && !(self && i == j)) { best = r0; bi = j; }
        if (r1 < best && !(self && i == j + 1)) { best = r1; bi = j + 1; }
        if (r2 < best && !(self && i == j + 2)) { best = r2; bi = j + 2; }
        if (r3 < best && !(self && i == j + 3)) { best = r3; bi = j + 3; }
      }
      for (; j < j1; j++) {
        if (self && i == j) continue;
        const r = dist1(x, b + <usize>j * row, d);
        if (r < thr2) cnt++;
        if (r < best) { best = r; bi = j; }
      }
      store<i32>(within + <usize>i * 4, load<i32>(within + <usize>i * 4) + cnt);
      store<f32>(dist + <usize>i * 4, best);
      store<i32>(nn + <usize>i * 4, bi);
    }
  }
  return 0;
}
