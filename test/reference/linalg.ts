// Scalar float64 helpers for the kernel tests: seeded random numbers, random
// orthogonal matrices (Gram-Schmidt), dot/distance matrices, and the cyclic
// Jacobi eigenvalue method as an independent eigen reference.
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

export function gaussian(rng: () => number): number {
  const u = Math.max(1e-12, rng()), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Random orthogonal n x n (rows orthonormal), row-major. */
export function randomOrthogonal(n: number, rng: () => number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) q[i * n + j] = gaussian(rng);
    for (let pass = 0; pass < 2; pass++) for (let k = 0; k < i; k++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += q[i * n + j] * q[k * n + j];
      for (let j = 0; j < n; j++) q[i * n + j] -= d * q[k * n + j];
    }
    let nr = 0;
    for (let j = 0; j < n; j++) nr += q[i * n + j] ** 2;
    nr = Math.sqrt(nr);
    for (let j = 0; j < n; j++) q[i * n + j] /= nr;
  }
  return q;
}

/** Q^T diag(l) Q. */
export function withSpectrum(l: ArrayLike<number>, q: Float64Array, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const lk = l[k];
    for (let i = 0; i < n; i++) {
      const qi = q[k * n + i] * lk;
      for (let j = 0; j < n; j++) a[i * n + j] += qi * q[k * n + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) { const m = (a[i * n + j] + a[j * n + i]) / 2; a[i * n + j] = m; a[j * n + i] = m; }
  return a;
}

/** Cyclic Jacobi eigenvalues (ascending). O(n^3) per sweep: small n only. */
export function jacobiEigenvalues(a0: ArrayLike<number>, n: number): number[] {
  const a = Float64Array.from(a0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = a[p * n + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq; a[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) {
        const apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk; a[q * n + k] = s * apk + c * aqk;
      }
    }
  }
  const w: number[] = [];
  for (let i = 0; i < n; i++) w.push(a[i * n + i]);
  return w.sort((x, y) => x - y);
}

/** Scalar float64 dot-product matrix of rows of a (na x d) and b (nb x d). */
export function dotMatrixRef(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number, d: number): Float64Array {
  const out = new Float64Array(na * nb);
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += a[i * d + t] * b[j * d + t];
    out[i * nb + j] = s;
  }
  return out;
}

/** Scalar nearest neighbour (squared L2; self excludes i; ties to the lowest index) and counts within thr2. */
export function nearestRef(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number, d: number, self: boolean, thr2 = 0): { index: number[]; dist2: number[]; within: number[] } {
  const index: number[] = [], dist2: number[] = [], within: number[] = [];
  for (let i = 0; i < na; i++) {
    let best = Infinity, bi = -1, c = 0;
    for (let j = 0; j < nb; j++) {
      if (self && i === j) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (a[i * d + t] - b[j * d + t]) ** 2;
      if (s < thr2) c++;
      if (s < best - 1e-9) { best = s; bi = j; }
    }
    index.push(bi); dist2.push(best); within.push(c);
  }
  return { index, dist2, within };
}

/**
 * A dense symmetric matrix with spectrum l in O(k n^2): diag(l) conjugated by
 * k random Householder reflections H = I - 2uu^T (HAH = A - 2uw^T - 2wu^T + 4(u.w)uu^T, w = Au).
 */
export function reflectedSpectrum(l: ArrayLike<number>, rng: () => number, k = 3): Float64Array {
  const n = l.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = l[i];
  for (let r = 0; r < k; r++) {
    const u = new Float64Array(n);
    let nr = 0;
    for (let i = 0; i < n; i++) { u[i] = gaussian(rng); nr += u[i] * u[i]; }
    nr = Math.sqrt(nr);
    for (let i = 0; i < n; i++) u[i] /= nr;
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += a[i * n + j] * u[j]; w[i] = s; }
    let c = 0;
    for (let i = 0; i < n; i++) c += u[i] * w[i];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += -2 * u[i] * w[j] - 2 * w[i] * u[j] + 4 * c * u[i] * u[j];
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) { const m = (a[i * n + j] + a[j * n + i]) / 2; a[i * n + j] = m; a[j * n + i] = m; }
  }
  return a;
}
