// Eigenvalues of a symmetric matrix (assembly/metrics/eigen.ts).
import { metricsWasm } from '../wasm/metrics';
import { checkCode } from './wasm_errors';

/** Eigenvalues, ascending, of the symmetric n x n row-major matrix `a` (not modified). */
export function symEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new Error(`symEigenvalues: expected ${n * n} values, got ${a.length}`);
  const wasm = metricsWasm();
  wasm.exports.reset();
  const ap = wasm.put(a);
  const wp = wasm.exports.alloc(n * 8 + 16) >>> 0; // pointers are unsigned (a signed i32 above 2 GiB)
  checkCode('sym_eigenvalues', wasm.exports.sym_eigenvalues(ap, n, wp));
  return wasm.f64.slice(wp >>> 3, (wp >>> 3) + n);
}
