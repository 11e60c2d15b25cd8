import { describe, it, expect } from 'vitest';
import { symEigenvalues } from '../../src/kernels/eigen';
import { lcg, randomOrthogonal, withSpectrum, jacobiEigenvalues, gaussian, reflectedSpectrum } from '../reference/linalg';

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]));
  return e / scale;
}

describe('sym_eigenvalues kernel', () => {
  it('diagonal matrices', () => {
    const n = 50;
    const d = Array.from({ length: n }, (_, i) => ((i * 37) % n) - 10.5);
    const a = new Float64Array(n * n);
    d.forEach((v, i) => (a[i * n + i] = v));
    expect(maxRelErr(symEigenvalues(a, n), [...d].sort((x, y) => x - y))).toBeLessThan(1e-12);
  });

  it('tiny sizes 1, 2, 3', () => {
    expect(Array.from(symEigenvalues(new Float64Array([4]), 1))).toEqual([4]);
    const w2 = symEigenvalues(new Float64Array([2, 1, 1, 2]), 2);
    expect(w2[0]).toBeCloseTo(1, 12); expect(w2[1]).toBeCloseTo(3, 12);
    const w3 = symEigenvalues(new Float64Array([2, -1, 0, -1, 2, -1, 0, -1, 2]), 3);
    [2 - Math.SQRT2, 2, 2 + Math.SQRT2].forEach((v, i) => expect(w3[i]).toBeCloseTo(v, 12));
  });

  it('Q diag Q^T with a known spectrum, n = 200, to 1e-6 relative', () => {
    const rng = lcg(11);
    const n = 200;
    const q = randomOrthogonal(n, rng);
    // a kernel-like spectrum: a few large, a long tail, some repeated and zero values
    const l = Array.from({ length: n }, (_, i) => (i < 5 ? 50 - i : i < 20 ? 1 : i % 7 === 0 ? 0 : Math.exp(-i / 30)));
    const a = withSpectrum(l, q, n);
    const got = symEigenvalues(a, n);
    expect(maxRelErr(got, [...l].sort((x, y) => x - y))).toBeLessThan(1e-6);
  });

  it('dense n = 1000 with a known Vendi-like spectrum (reflected diagonal), to 1e-6 relative', () => {
    const n = 1000;
    const l = Array.from({ length: n }, (_, i) => (i < 300 ? Math.exp(-i / 40) : 0));
    const a = reflectedSpectrum(l, lcg(21), 4);
    expect(maxRelErr(symEigenvalues(a, n), [...l].sort((x, y) => x - y))).toBeLessThan(1e-6);
  });

  it('random symmetric matrices against a cyclic Jacobi reference', () => {
    const rng = lcg(5);
    for (const n of [7, 33, 64]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { const v = gaussian(rng); a[i * n + j] = v; a[j * n + i] = v; }
      expect(maxRelErr(symEigenvalues(a, n), jacobiEigenvalues(a, n))).toBeLessThan(1e-10);
    }
  });

  it('rejects a size that does not match', () => {
    expect(() => symEigenvalues(new Float64Array(5), 2)).toThrow();
  });
});
