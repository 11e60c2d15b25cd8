import { describe, it, expect } from 'vitest';
import { dotMatrix } from '../../src/kernels/gram';
import { nearest } from '../../src/kernels/knn';
import { lcg } from '../reference/linalg';

function rand(n: number, seed: number): Float32Array {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, () => r() - 0.5);
}

describe('dot_matrix kernel', () => {
  it('Gram and cross-Gram match scalar float64 dots (odd D, odd N)', () => {
    for (const [na, nb, d] of [[7, 5, 13], [66, 9, 3072], [1, 1, 1]]) {
      const a = rand(na * d, 1), b = rand(nb * d, 2);
      const cross = dotMatrix(a, na, d, b, nb);
      const gram = dotMatrix(a, na, d);
      for (let i = 0; i < na; i++) {
        for (let j = 0; j < nb; j++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += a[i * d + t] * b[j * d + t];
          expect(Math.abs(cross[i * nb + j] - s)).toBeLessThan(1e-4 * Math.sqrt(d));
        }
        for (let j = 0; j < na; j++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += a[i * d + t] * a[j * d + t];
          expect(Math.abs(gram[i * na + j] - s)).toBeLessThan(1e-4 * Math.sqrt(d));
          expect(gram[i * na + j]).toBe(gram[j * na + i]);
        }
      }
    }
  });
  it('rejects mismatched lengths', () => {
    expect(() => dotMatrix(new Float32Array(5), 2, 3)).toThrow();
  });
});

describe('nearest kernel', () => {
  it('matches brute force, self excluded, ties to the lowest index', () => {
    for (const [na, nb, d] of [[37, 21, 19], [70, 70, 768]]) {
      const a = rand(na * d, 3), b = rand(nb * d, 4);
      b.set(a.subarray(0, d), 5 * d); // exact copy of a0 at b5
      for (const self of [true, false]) {
        const res = self ? nearest(a, na, d) : nearest(a, na, d, b, nb);
        const B = self ? a : b, m = self ? na : nb;
        for (let i = 0; i < na; i++) {
          let best = Infinity, bi = -1;
          for (let j = 0; j < m; j++) {
            if (self && i === j) continue;
            let s = 0;
            for (let t = 0; t < d; t++) s += (a[i * d + t] - B[j * d + t]) ** 2;
            if (s < best - 1e-9) { best = s; bi = j; }
          }
          expect(res.index[i]).toBe(bi);
          expect(res.dist2[i]).toBeCloseTo(best, 3);
        }
        if (!self) { expect(res.index[0]).toBe(5); expect(res.dist2[0]).toBe(0); }
      }
    }
  });
  it('counts the rows within a squared distance', () => {
    const d = 9, n = 23;
    const a = rand(n * d, 8);
    const thr2 = 0.6;
    const res = nearest(a, n, d, undefined, undefined, thr2);
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let s = 0;
        for (let t = 0; t < d; t++) s += (a[i * d + t] - a[j * d + t]) ** 2;
        if (s < thr2) c++;
      }
      expect(res.within[i]).toBe(c);
    }
  });
  it('needs 2 rows for self search', () => {
    expect(() => nearest(new Float32Array(4), 1, 4)).toThrow(/bad dimensions/);
  });
});
