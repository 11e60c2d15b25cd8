// Nearest neighbours under squared L2 (assembly/metrics/knn.ts).
import { metricsWasm } from '../wasm/metrics';
import { checkCode } from './wasm_errors';

export interface Nearest {
  index: Int32Array;
  dist2: Float32Array;
  /** Per row: rows of B (other than itself) with squared distance < thr2. */
  within: Int32Array;
}

/**
 * For each row of a (na x d): nearest row of b (or of a itself, excluding i,
 * when b is omitted), and how many rows lie within squared distance thr2.
 */
export function nearest(a: Float32Array, na: number, d: number, b?: Float32Array, nb?: number, thr2 = 0): Nearest {
  if (a.length !== na * d) throw new Error(`nearest: a has ${a.length} floats, expected ${na * d}`);
  const wasm = metricsWasm();
  wasm.exports.reset();
  const ap = wasm.put(a);
  const self = b === undefined;
  const m = self ? na : nb!;
  let bp = ap;
  if (!self) {
    if (b!.length !== m * d) throw new Error(`nearest: b has ${b!.length} floats, expected ${m * d}`);
    bp = wasm.put(b!);
  }
  // pointers are unsigned (a signed i32 above 2 GiB)
  const np = wasm.exports.alloc(na * 4 + 16) >>> 0;
  const dp = wasm.exports.alloc(na * 4 + 16) >>> 0;
  const wp = wasm.exports.alloc(na * 4 + 16) >>> 0;
  checkCode('nearest', wasm.exports.nearest(ap, na, bp, m, d, self ? 1 : 0, np, dp, thr2, wp));
  return { index: wasm.i32.slice(np >>> 2, (np >>> 2) + na), dist2: wasm.f32.slice(dp >>> 2, (dp >>> 2) + na), within: wasm.i32.slice(wp >>> 2, (wp >>> 2) + na) };
}
