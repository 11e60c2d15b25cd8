// Typed wrapper for assembly/nn/eltwise.ts: the activations tfjs's wasm
// backend runs on one core without SIMD (Relu, LeakyRelu, Tanh) and the
// LeakyRelu / Relu gradient, as one nn-pool job each (f32x4, all threads).
// Inputs copied once into the nn memory, the output once out.
//
//   relu       y = max(x, 0)
//   leakyRelu  y = x > 0 ? x : alpha * x
//   tanh       y = tanh(x)                    (relative error < 1e-6)
//   actGrad    dx = x > 0 ? dy : alpha * dy   (f32 product: tfjs's result bit for bit)
import type { NnPool } from '../nn/pool';

export const OP_ELTWISE = 13;
const JOB_SLOTS = 34;

export type EltMode = 'relu' | 'leakyRelu' | 'tanh' | 'actGrad';
const MODES: Record<EltMode, number> = { relu: 0, leakyRelu: 1, tanh: 2, actGrad: 3 };

/**
 * out = mode(x) (dy = null) or the activation gradient from x and dy; alpha for
 * leakyRelu and actGrad (0: Relu's gradient). Every array holds at least x.length values.
 */
export function eltwise(pool: NnPool, mode: EltMode, x: Float32Array, dy: Float32Array | null, alpha: number, out: Float32Array): void {
  const m = MODES[mode];
  if (m === undefined) throw new Error(`eltwise: unknown mode ${JSON.stringify(mode)}`);
  const n = x.length;
  if (out.length < n) throw new Error(`eltwise ${mode}: out has ${out.length} values, need ${n}`);
  if (mode === 'actGrad' && (!dy || dy.length < n)) throw new Error(`eltwise ${mode}: dy has ${dy ? dy.length : 0} values, need ${n}`);
  if (n === 0) return;
  const mod = pool.mod;
  mod.exports.reset();
  const a = mod.put(x);
  const b = mode === 'actGrad' ? mod.put(dy!.subarray(0, n)) : 0;
  const o = (mod.exports.alloc(n * 4) as number) >>> 0;
  const ptr = (mod.exports.alloc(JOB_SLOTS * 4) as number) >>> 0;
  const i32 = mod.i32, s = ptr >>> 2;
  i32.fill(0, s, s + JOB_SLOTS);
  i32[s] = OP_ELTWISE; i32[s + 1] = n; i32[s + 3] = m; i32[s + 4] = a; i32[s + 5] = b; i32[s + 6] = o;
  mod.f32[s + 7] = alpha;
  pool.run(ptr);
  out.set(mod.f32.subarray(o >>> 2, (o >>> 2) + n));
}
