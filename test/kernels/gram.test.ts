import { describe, it, expect } from 'vitest';
import { dotMatrix } from '../../src/kernels/gram';
import { nearest } from '../../src/kernels/knn';
import { lcg, dotMatrixRef, nearestRef } from '../reference/linalg';

function rand(n: number, seed: number): Float32Array {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, () => r() - 0.5);
}

describe('dot_matrix kernel', () => {
  it('Gram and cross-Gram match the scalar float64 reference (odd D, odd N)', () => {
    for (const [na, nb, d] of [[7, 5, 13], [66, 9, 3072], [1, 1, 1]]) {
      const a = rand(na * d, 1), b = rand(nb * d, 2);
      const cross = dotMatrix(a, na, d, b, nb), crossRef = dotMatrixRef(a, na, b, nb, d);
      const gram = dotMatrix(a, na, d), gramRef = dotMatrixRef(a, na, a, na, d);
      for (let k = 0; k < cross.length; k++) expect(Math.abs(cross[k] - crossRef[k])).toBeLessThan(1e-4 * Math.sqrt(d));
      for (let k = 0; k < gram.length; k++) expect(Math.abs(gram[k] - gramRef[k])).toBeLessThan(1e-4 * Math.sqrt(d));
      for (let i = 0; i < na; i++) for (let j = 0; j < na; j++) expect(gram[i * na + j]).toBe(gram[j * na + i]);
    }
  });
  it('rejects mismatched lengths', () => {
    expect(() => dotMatrix(new Float32Array(5), 2, 3)).toThrow();
  });
});

describe('nearest kernel', () => {
  it('matches the scalar reference, self excluded, exact copies at distance 0', () => {
    for (const [na, nb, d] of [[37, 21, 19], [70, 70, 768]]) {
      const a = rand(na * d, 3), b = rand(nb * d, 4);
      b.set(a.subarray(0, d), 5 * d); // exact copy of a0 at b5
      for (const self of [true, false]) {
        const res = self ? nearest(a, na, d) : nearest(a, na, d, b, nb);
        const ref = self ? nearestRef(a, na, a, na, d, true) : nearestRef(a, na, b, nb, d, false);
        for (let i = 0; i < na; i++) {
          expect(res.index[i]).toBe(ref.index[i]);
          expect(res.dist2[i]).toBeCloseTo(ref.dist2[i], 3);
        }
        if (!self) { expect(res.index[0]).toBe(5); expect(res.dist2[0]).toBe(0); }
      }
    }
  });
  it('counts the rows within a squared distance', () => {
    const d = 9, n = 23;
    const a = rand(n * d, 8);
    const res = nearest(a, n, d, undefined, undefined, 0.6);
    expect(Array.from(res.within)).toEqual(nearestRef(a, n, a, n, d, true, 0.6).within);
  });
  it('needs 2 rows for self search', () => {
    expect(() => nearest(new Float32Array(4), 1, 4)).toThrow(/bad dimensions/);
  });
});
