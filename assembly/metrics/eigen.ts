// Eigenvalues of a real symmetric matrix: Householder tridiagonalisation
// followed by the implicit QL iteration with Wilkinson-style shifts.
//
// Letters: N rows = columns.
// Reads   a f64 [N][N] symmetric, row-major; only the lower triangle j <= i is
//         read (destroyed: used as workspace)
// Writes  w f64 [N] eigenvalues, ascending
//
// Strategy: the reduction costs ~N^3/6 element updates on the lower triangle.
// Step k's rank-2 update of the trailing block (A -= v q^T + q v^T) is fused
// with step k+1's product A v': the first trailing column is updated first and
// gives v', then each row's lower part is updated and, in the same pass,
// dotted with v' (row contribution) and scattered into A v' (the mirrored
// column contribution), so the trailing triangle streams through memory once
// per step (f64x2). Rows go in pairs so q, v, v' and A v' are loaded once for
// two rows.

export const ERR_DIMS: i32 = -1;
export const ERR_BOUNDS: i32 = -2;
export const ERR_NOCONV: i32 = -4;

@inline function hsum2(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

// Householder vector for x = column c, rows r..n-1 (lower triangle) into v[r..n-1].
// Returns beta = 2 / v.v (0 when x is already (x0, 0, ...)); alpha in gAlpha.
let gAlpha: f64 = 0;
function householder(a: usize, n: i32, c: i32, r: i32, v: usize): f64 {
  let ss = 0.0;
  for (let j = r + 1; j < n; j++) { const x = load<f64>(a + <usize>(j * n + c) * 8); ss += x * x; store<f64>(v + <usize>j * 8, x); }
  const x0 = load<f64>(a + <usize>(r * n + c) * 8);
  if (ss == 0) { gAlpha = x0; store<f64>(v + <usize>r * 8, 0); return 0; }
  const norm = Math.sqrt(x0 * x0 + ss);
  const alpha = x0 > 0 ? -norm : norm;
  const v0 = x0 - alpha;
  store<f64>(v + <usize>r * 8, v0);
  gAlpha = alpha;
  return 2.0 / (v0 * v0 + ss);
}

// Symmetric product from the lower triangle, rows/columns c..n-1:
// pn[i] = sum_j A[i][j] vn[j] (pn must be zeroed by the caller). When beta != 0
// the rank-2 update A -= v q^T + q v^T (q held in p) is applied to each element
// first, in the same pass.
function fusedPass(a: usize, n: i32, c: i32, beta: f64, v: usize, p: usize, vn: usize, pn: usize): void {
  let i = c;
  for (; i + 1 < n; i += 2) fusedRows2(a, n, c, i, beta, v, p, vn, pn);
  if (i < n) fusedRow(a, n, c, i, beta, v, p, vn, pn);
}

// Rows i and i+1 together: the column vectors (q, v, v', A v') are loaded
// once for both rows.
function fusedRows2(a: usize, n: i32, c: i32, i: i32, beta: f64, v: usize, p: usize, vn: usize, pn: usize): void {
  const i1 = i + 1;
  const r0 = a + <usize>(i * n) * 8, r1 = a + <usize>(i1 * n) * 8;
  const vn0 = load<f64>(vn + <usize>i * 8), vn1 = load<f64>(vn + <usize>i1 * 8);
  const vnv0 = f64x2.splat(vn0), vnv1 = f64x2.splat(vn1);
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let j = c;
  let s0 = 0.0, s1 = 0.0;
  if (beta != 0) {
    const vi0 = load<f64>(v + <usize>i * 8), qi0 = load<f64>(p + <usize>i * 8);
    const vi1 = load<f64>(v + <usize>i1 * 8), qi1 = load<f64>(p + <usize>i1 * 8);
    const V0 = f64x2.splat(vi0), Q0 = f64x2.splat(qi0), V1 = f64x2.splat(vi1), Q1 = f64x2.splat(qi1);
    for (; j + 2 <= i; j += 2) {
      const o = <usize>j * 8;
      const qj = v128.load(p + o), vj = v128.load(v + o), vnj = v128.load(vn + o);
      const x0 = f64x2.sub(f64x2.sub(v128.load(r0 + o), f64x2.mul(V0, qj)), f64x2.mul(Q0, vj));
      const x1 = f64x2.sub(f64x2.sub(v128.load(r1 + o), f64x2.mul(V1, qj)), f64x2.mul(Q1, vj));
      v128.store(r0 + o, x0);
      v128.store(r1 + o, x1);
      acc0 = f64x2.add(acc0, f64x2.mul(x0, vnj));
      acc1 = f64x2.add(acc1, f64x2.mul(x1, vnj));
      v128.store(pn + o, f64x2.add(v128.load(pn + o), f64x2.add(f64x2.mul(x0, vnv0), f64x2.mul(x1, vnv1))));
    }
    s0 = hsum2(acc0); s1 = hsum2(acc1);
    for (; j < i; j++) {
      const o = <usize>j * 8;
      const qj = load<f64>(p + o), vj = load<f64>(v + o), vnj = load<f64>(vn + o);
      const x0 = load<f64>(r0 + o) - vi0 * qj - qi0 * vj;
      const x1 = load<f64>(r1 + o) - vi1 * qj - qi1 * vj;
      store<f64>(r0 + o, x0); store<f64>(r1 + o, x1);
      s0 += x0 * vnj; s1 += x1 * vnj;
      store<f64>(pn + o, load<f64>(pn + o) + x0 * vn0 + x1 * vn1);
    }
    // (i, i), (i+1, i), (i+1, i+1)
    const oi = <usize>i * 8, oi1 = <usize>i1 * 8;
    const d0 = load<f64>(r0 + oi) - vi0 * qi0 - qi0 * vi0;
    store<f64>(r0 + oi, d0);
    s0 += d0 * vn0;
    const x10 = load<f64>(r1 + oi) - vi1 * qi0 - qi1 * vi0;
    store<f64>(r1 + oi, x10);
    s1 += x10 * vn0;
    s0 += x10 * vn1; // mirrored (i, i+1)
    const d1 = load<f64>(r1 + oi1) - vi1 * qi1 - qi1 * vi1;
    store<f64>(r1 + oi1, d1);
    s1 += d1 * vn1;
  } else {
    for (; j + 2 <= i; j += 2) {
      const o = <usize>j * 8;
      const vnj = v128.load(vn + o);
      const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o);
      acc0 = f64x2.add(acc0, f64x2.mul(x0, vnj));
      acc1 = f64x2.add(acc1, f64x2.mul(x1, vnj));
      v128.store(pn + o, f64x2.add(v128.load(pn + o), f64x2.add(f64x2.mul(x0, vnv0), f64x2.mul(x1, vnv1))));
    }
    s0 = hsum2(acc0); s1 = hsum2(acc1);
    for (; j < i; j++) {
      const o = <usize>j * 8;
      const vnj = load<f64>(vn + o);
      const x0 = load<f64>(r0 + o), x1 = load<f64>(r1 + o);
      s0 += x0 * vnj; s1 += x1 * vnj;
      store<f64>(pn + o, load<f64>(pn + o) + x0 * vn0 + x1 * vn1);
    }
    const x10 = load<f64>(r1 + <usize>i * 8);
    s0 += load<f64>(r0 + <usize>i * 8) * vn0 + x10 * vn1;
    s1 += x10 * vn0 + load<f64>(r1 + <usize>i1 * 8) * vn1;
  }
  store<f64>(pn + <usize>i * 8, load<f64>(pn + <usize>i * 8) + s0);
  store<f64>(pn + <usize>i1 * 8, load<f64>(pn + <usize>i1 * 8) + s1);
}

function fusedRow(a: usize, n: i32, c: i32, i: i32, beta: f64, v: usize, p: usize, vn: usize, pn: usize): void {
  {
    const row = a + <usize>(i * n) * 8;
    const vni = load<f64>(vn + <usize>i * 8);
    const vniv = f64x2.splat(vni);
    let acc = f64x2.splat(0);
    let j = c;
    let s = 0.0;
    if (beta != 0) {
      const vis = load<f64>(v + <usize>i * 8), qis = load<f64>(p + <usize>i * 8);
      const vi = f64x2.splat(vis), qi = f64x2.splat(qis);
      for (; j + 2 <= i; j += 2) {
        const o = <usize>j * 8;
        const x = f64x2.sub(f64x2.sub(v128.load(row + o), f64x2.mul(vi, v128.load(p + o))), f64x2.mul(qi, v128.load(v + o)));
        v128.store(row + o, x);
        acc = f64x2.add(acc, f64x2.mul(x, v128.load(vn + o)));
        v128.store(pn + o, f64x2.add(v128.load(pn + o), f64x2.mul(x, vniv)));
      }
      s = hsum2(acc);
      for (; j < i; j++) {
        const o = <usize>j * 8;
        const x = load<f64>(row + o) - vis * load<f64>(p + o) - qis * load<f64>(v + o);
        store<f64>(row + o, x);
        s += x * load<f64>(vn + o);
        store<f64>(pn + o, load<f64>(pn + o) + x * vni);
      }
      const o = <usize>i * 8;
      const x = load<f64>(row + o) - vis * qis - qis * vis;
      store<f64>(row + o, x);
      s += x * vni;
    } else {
      for (; j + 2 <= i; j += 2) {
        const o = <usize>j * 8;
        const x = v128.load(row + o);
        acc = f64x2.add(acc, f64x2.mul(x, v128.load(vn + o)));
        v128.store(pn + o, f64x2.add(v128.load(pn + o), f64x2.mul(x, vniv)));
      }
      s = hsum2(acc);
      for (; j < i; j++) {
        const o = <usize>j * 8;
        const x = load<f64>(row + o);
        s += x * load<f64>(vn + o);
        store<f64>(pn + o, load<f64>(pn + o) + x * vni);
      }
      s += load<f64>(row + <usize>i * 8) * vni;
    }
    store<f64>(pn + <usize>i * 8, load<f64>(pn + <usize>i * 8) + s);
  }
}

// Reads only the lower triangle (j <= i) of a.
function tridiagonalise(a: usize, n: i32, d: usize, e: usize, v: usize, p: usize, vn: usize, pn: usize): void {
  // e[k] couples d[k] and d[k+1]; e[n-1] = 0.
  store<f64>(e + <usize>(n - 1) * 8, 0);
  store<f64>(d, load<f64>(a));
  if (n == 1) return;
  let beta = householder(a, n, 0, 1, v);
  store<f64>(e, gAlpha);
  if (beta != 0) {
    memory.fill(p, 0, <usize>n * 8);
    fusedPass(a, n, 1, 0, v, p, v, p);
    for (let j = 1; j < n; j++) store<f64>(p + <usize>j * 8, beta * load<f64>(p + <usize>j * 8));
  }
  for (let k = 0; k < n - 1; k++) {
    const c = k + 1; // trailing block c..n-1
    if (beta != 0) {
      // q = p - (beta/2 * v.p) v, kept in p
      let vp = 0.0;
      for (let j = c; j < n; j++) vp += load<f64>(v + <usize>j * 8) * load<f64>(p + <usize>j * 8);
      const K = 0.5 * beta * vp;
      for (let j = c; j < n; j++) store<f64>(p + <usize>j * 8, load<f64>(p + <usize>j * 8) - K * load<f64>(v + <usize>j * 8));
      // update column c (rows c..n-1): it gives the next Householder vector
      const vc = load<f64>(v + <usize>c * 8), qc = load<f64>(p + <usize>c * 8);
      for (let j = c; j < n; j++) {
        const o = a + <usize>(j * n + c) * 8;
        store<f64>(o, load<f64>(o) - load<f64>(v + <usize>j * 8) * qc - load<f64>(p + <usize>j * 8) * vc);
      }
    }
    store<f64>(d + <usize>c * 8, load<f64>(a + <usize>(c * n + c) * 8));
    if (c == n - 1) break;
    const nbeta = householder(a, n, c, c + 1, vn);
    store<f64>(e + <usize>c * 8, gAlpha);
    const c2 = c + 1;
    memory.fill(pn + <usize>c2 * 8, 0, <usize>(n - c2) * 8);
    fusedPass(a, n, c2, beta, v, p, vn, pn);
    beta = nbeta;
    for (let j = c2; j < n; j++) {
      store<f64>(v + <usize>j * 8, load<f64>(vn + <usize>j * 8));
      store<f64>(p + <usize>j * 8, beta * load<f64>(pn + <usize>j * 8));
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
  const vn = heap.alloc(<usize>n * 8 + 16);
  const pn = heap.alloc(<usize>n * 8 + 16);
  tridiagonalise(a, n, w, e, v, p, vn, pn);
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
