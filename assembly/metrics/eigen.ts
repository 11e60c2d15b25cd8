// Eigenvalues of a real symmetric matrix: Householder tridiagonalisation
// followed by the implicit QL iteration with Wilkinson-style shifts.
//
// Letters: N rows = columns.
// Reads   a f64 [N][N] symmetric, row-major (destroyed: used as workspace)
// Writes  w f64 [N] eigenvalues, ascending
//
// Strategy: the reduction costs ~N^3/3 element updates. Step k's rank-2
// update of the trailing block (A -= v q^T + q v^T) is fused with step k+1's
// product A v': the first trailing row is updated first, gives v', then each
// other row is updated and dotted with v' in the same pass, so the trailing
// block streams through memory once per step (f64x2). Updates are symmetric in
// floating point (same products, same sums), so A stays exactly symmetric.

export const ERR_DIMS: i32 = -1;
export const ERR_BOUNDS: i32 = -2;
export const ERR_NOCONV: i32 = -4;

@inline function hsum2(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

// Householder vector for x = row r, columns c..n-1 into v[c..n-1].
// Returns beta (0 when x is already (x0, 0, ...)); stores alpha in *alphaOut.
let gAlpha: f64 = 0;
function householder(a: usize, n: i32, r: i32, c: i32, v: usize): f64 {
  const row = a + <usize>(r * n) * 8;
  let ss = 0.0;
  for (let j = c + 1; j < n; j++) { const x = load<f64>(row + <usize>j * 8); ss += x * x; store<f64>(v + <usize>j * 8, x); }
  const x0 = load<f64>(row + <usize>c * 8);
  if (ss == 0) { gAlpha = x0; return 0; }
  const norm = Math.sqrt(x0 * x0 + ss);
  const alpha = x0 > 0 ? -norm : norm;
  const v0 = x0 - alpha;
  store<f64>(v + <usize>c * 8, v0);
  gAlpha = alpha;
  return 2.0 / (v0 * v0 + ss);
}

// p[i] = beta * sum_j A[i][j] v[j] for i, j in c..n-1.
function matvec(a: usize, n: i32, c: i32, v: usize, p: usize, beta: f64): void {
  for (let i = c; i < n; i++) {
    const row = a + <usize>(i * n) * 8;
    let acc = f64x2.splat(0);
    let j = c;
    for (; j + 2 <= n; j += 2) acc = f64x2.add(acc, f64x2.mul(v128.load(row + <usize>j * 8), v128.load(v + <usize>j * 8)));
    let s = hsum2(acc);
    for (; j < n; j++) s += load<f64>(row + <usize>j * 8) * load<f64>(v + <usize>j * 8);
    store<f64>(p + <usize>i * 8, beta * s);
  }
}

function tridiagonalise(a: usize, n: i32, d: usize, e: usize, v: usize, p: usize, vn: usize): void {
  // e[k] couples d[k] and d[k+1]; e[n-1] = 0.
  store<f64>(e + <usize>(n - 1) * 8, 0);
  if (n == 1) { store<f64>(d, load<f64>(a)); return; }
  store<f64>(d, load<f64>(a));
  let beta = householder(a, n, 0, 1, v);
  store<f64>(e, gAlpha);
  if (beta != 0) matvec(a, n, 1, v, p, beta);
  for (let k = 0; k < n - 1; k++) {
    const c = k + 1; // trailing block c..n-1
    if (beta != 0) {
      // q = p - (beta/2 * v.p) v
      let vp = 0.0;
      for (let j = c; j < n; j++) vp += load<f64>(v + <usize>j * 8) * load<f64>(p + <usize>j * 8);
      const K = 0.5 * beta * vp;
      for (let j = c; j < n; j++) store<f64>(p + <usize>j * 8, load<f64>(p + <usize>j * 8) - K * load<f64>(v + <usize>j * 8));
      // p now holds q. Update the first trailing row.
      const rowc = a + <usize>(c * n) * 8;
      const vc = load<f64>(v + <usize>c * 8), qc = load<f64>(p + <usize>c * 8);
      for (let j = c; j < n; j++) {
        store<f64>(rowc + <usize>j * 8, load<f64>(rowc + <usize>j * 8) - vc * load<f64>(p + <usize>j * 8) - qc * load<f64>(v + <usize>j * 8));
      }
    }
    store<f64>(d + <usize>c * 8, load<f64>(a + <usize>(c * n + c) * 8));
    if (c == n - 1) break;
    const nbeta = householder(a, n, c, c + 1, vn);
    store<f64>(e + <usize>c * 8, gAlpha);
    const c2 = c + 1;
    // Rows c2..n-1: update (columns c2..n-1) fused with the next product.
    for (let i = c2; i < n; i++) {
      const row = a + <usize>(i * n) * 8;
      let acc = f64x2.splat(0);
      let j = c2;
      if (beta != 0) {
        const vi = f64x2.splat(load<f64>(v + <usize>i * 8)), qi = f64x2.splat(load<f64>(p + <usize>i * 8));
        for (; j + 2 <= n; j += 2) {
          const o = <usize>j * 8;
          const x = f64x2.sub(f64x2.sub(v128.load(row + o), f64x2.mul(vi, v128.load(p + o))), f64x2.mul(qi, v128.load(v + o)));
          v128.store(row + o, x);
          acc = f64x2.add(acc, f64x2.mul(x, v128.load(vn + o)));
        }
        let s = hsum2(acc);
        const vis = load<f64>(v + <usize>i * 8), qis = load<f64>(p + <usize>i * 8);
        for (; j < n; j++) {
          const o = <usize>j * 8;
          const x = load<f64>(row + o) - vis * load<f64>(p + o) - qis * load<f64>(v + o);
          store<f64>(row + o, x);
          s += x * load<f64>(vn + o);
        }
        store<f64>(vn + <usize>(n + i) * 8, s); // scratch: next p, kept past vn[0..n)
      } else {
        for (; j + 2 <= n; j += 2) acc = f64x2.add(acc, f64x2.mul(v128.load(row + <usize>j * 8), v128.load(vn + <usize>j * 8)));
        let s = hsum2(acc);
        for (; j < n; j++) s += load<f64>(row + <usize>j * 8) * load<f64>(vn + <usize>j * 8);
        store<f64>(vn + <usize>(n + i) * 8, s);
      }
    }
    // Shift: v <- vn, p <- beta' * (A v').
    beta = nbeta;
    for (let j = c2; j < n; j++) {
      store<f64>(v + <usize>j * 8, load<f64>(vn + <usize>j * 8));
      store<f64>(p + <usize>j * 8, beta * load<f64>(vn + <usize>(n + j) * 8));
    }
  }
}

// Implicit QL on the tridiagonal (d, e); eigenvalues left in d.
function tql(d: usize, e: usize, n: i32): bool {
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: i32;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(load<f64>(d + <usize>m * 8)) + Math.abs(load<f64>(d + <usize>(m + 1) * 8));
        if (Math.abs(load<f64>(e + <usize>m * 8)) <= 2.220446049250313e-16 * dd) break;
      }
      if (m != l) {
        if (iter++ == 100) return false;
        const dl = load<f64>(d + <usize>l * 8), el = load<f64>(e + <usize>l * 8);
        let g = (load<f64>(d + <usize>(l + 1) * 8) - dl) / (2.0 * el);
        let r = Math.sqrt(g * g + 1.0);
        g = load<f64>(d + <usize>m * 8) - dl + el / (g + (g >= 0 ? r : -r));
        let s = 1.0, c = 1.0, p = 0.0;
        let i = m - 1;
        let underflow = false;
        for (; i >= l; i--) {
          const f = s * load<f64>(e + <usize>i * 8);
          const b = c * load<f64>(e + <usize>i * 8);
          r = Math.sqrt(f * f + g * g);
          store<f64>(e + <usize>(i + 1) * 8, r);
          if (r == 0) {
            store<f64>(d + <usize>(i + 1) * 8, load<f64>(d + <usize>(i + 1) * 8) - p);
            store<f64>(e + <usize>m * 8, 0);
            underflow = true;
            break;
          }
          s = f / r; c = g / r;
          g = load<f64>(d + <usize>(i + 1) * 8) - p;
          r = (load<f64>(d + <usize>i * 8) - g) * s + 2.0 * c * b;
          p = s * r;
          store<f64>(d + <usize>(i + 1) * 8, g + p);
          g = c * r - b;
        }
        if (underflow) continue;
        store<f64>(d + <usize>l * 8, load<f64>(d + <usize>l * 8) - p);
        store<f64>(e + <usize>l * 8, g);
        store<f64>(e + <usize>m * 8, 0);
      }
    } while (m != l);
  }
  return true;
}

/** Eigenvalues (ascending) of the symmetric n x n f64 matrix at a (destroyed) into w. */
export function sym_eigenvalues(a: usize, n: i32, w: usize): i32 {
  if (n < 1 || n > 46340) return ERR_DIMS;
  const mem = (<u64>memory.size()) << 16;
  if (<u64>a + <u64>n * <u64>n * 8 > mem || <u64>w + <u64>n * 8 > mem) return ERR_BOUNDS;
  const e = heap.alloc(<usize>n * 8 + 16);
  const v = heap.alloc(<usize>n * 8 + 16);
  const p = heap.alloc(<usize>n * 8 + 16);
  const vn = heap.alloc(<usize>n * 16 + 16);
  tridiagonalise(a, n, w, e, v, p, vn);
  if (!tql(w, e, n)) return ERR_NOCONV;
  // insertion sort is O(n^2) worst case; use a simple heap sort instead.
  sortAsc(w, n);
  return 0;
}

function sortAsc(w: usize, n: i32): void {
  // heap sort
  for (let start = (n >> 1) - 1; start >= 0; start--) sift(w, start, n);
  for (let end = n - 1; end > 0; end--) {
    const t = load<f64>(w); store<f64>(w, load<f64>(w + <usize>end * 8)); store<f64>(w + <usize>end * 8, t);
    sift(w, 0, end);
  }
}

function sift(w: usize, start: i32, end: i32): void {
  let root = start;
  while (true) {
    let child = 2 * root + 1;
    if (child >= end) break;
    if (child + 1 < end && load<f64>(w + <usize>(child + 1) * 8) > load<f64>(w + <usize>child * 8)) child++;
    if (load<f64>(w + <usize>root * 8) < load<f64>(w + <usize>child * 8)) {
      const t = load<f64>(w + <usize>root * 8);
      store<f64>(w + <usize>root * 8, load<f64>(w + <usize>child * 8));
      store<f64>(w + <usize>child * 8, t);
      root = child;
    } else break;
  }
}
