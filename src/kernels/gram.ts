// Gram and cross-Gram matrices in f64 (assembly/metrics/gram.ts).
import { metricsWasm } from '../wasm/metrics';
import { checkCode } from './wasm_errors';

/** out[i][j] = a_i . b_j for rows of a (na x d) and b (nb x d); b omitted: Gram of a. Row-major f64 [na][nb]. */
export function dotMatrix(a: Float32Array, na: number, d: number, b?: Float32Array, nb?: number): Float64Array {
  if (a.length !== na * d) throw new Error(`dotMatrix: a has ${a.length} floats, expected ${na * d}`);
  const wasm = metricsWasm();
  wasm.exports.reset();
  const ap = wasm.put(a);
  let bp = ap;
  const sym = b === undefined;
  const m = sym ? na : nb!;
  if (!sym) {
    if (b!.length !== m * d) throw new Error(`dotMatrix: b has ${b!.length} floats, expected ${m * d}`);
    bp = wasm.put(b!);
  }
  const op = wasm.exports.alloc(na * m * 8 + 16) >>> 0; // pointers are unsigned (a signed i32 above 2 GiB)
  checkCode('dot_matrix', wasm.exports.dot_matrix(ap, na, bp, m, d, op, sym ? 1 : 0));
  return wasm.f64.slice(op >>> 3, (op >>> 3) + na * m);
}
