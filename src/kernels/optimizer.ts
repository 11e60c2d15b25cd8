// Typed wrapper for the optimizer updates in assembly/nn/channel.ts (Adam,
// RMSprop; optional clip to [-clip, clip]) on the nn pool: one job per
// variable over its n elements, f32x4 ops that are exactly the float32 ops
// tfjs's optimizers run, in their order. Inputs copied once into the nn
// memory, outputs once out.
import type { NnPool } from '../nn/pool';
import { writeChanJob } from './batchnorm';

export const OP_ADAM = 9, OP_RMSPROP = 10;

export interface AdamScalars { beta1: number; ob1: number; beta2: number; ob2: number; omab1: number; omab2: number; eps: number; nlr: number; clip: number }
export interface RmspropScalars { decay: number; od: number; momentum: number; lr: number; eps: number; clip: number }

function update(pool: NnPool, op: number, scalars: number[], x: Float32Array, g: Float32Array, a: Float32Array, b: Float32Array,
  ox: Float32Array, oa: Float32Array, ob: Float32Array): void {
  const n = x.length;
  for (const [name, arr] of [['g', g], ['a', a], ['b', b], ['ox', ox], ['oa', oa], ['ob', ob]] as const) {
    if (arr.length < n) throw new Error(`optimizer: ${name} has ${arr.length} values, need ${n}`);
  }
  if (n === 0) return;
  const mod = pool.mod;
  mod.exports.reset();
  const xp = mod.put(x), gp = mod.put(g.subarray(0, n)), ap = mod.put(a.subarray(0, n)), bp = mod.put(b.subarray(0, n));
  const sp = mod.put(Float32Array.from([...scalars, 0, 0, 0].slice(0, 9)));
  const out = (mod.exports.alloc(n * 12) as number) >>> 0;
  pool.run(writeChanJob(pool, { op, R: n, C: 1, a: xp, b: gp, p: ap, q: bp, out, r: out + n * 4, acc: out + n * 8, m: sp }));
  const f32 = mod.f32, o = out >>> 2;
  ox.set(f32.subarray(o, o + n));
  oa.set(f32.subarray(o + n, o + 2 * n));
  ob.set(f32.subarray(o + 2 * n, o + 3 * n));
}

/** x' (ox), m' (om), v' (ov) of tfjs's Adam step, clipped when s.clip > 0. */
export function adamStep(pool: NnPool, s: AdamScalars, x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, ox: Float32Array, om: Float32Array, ov: Float32Array): void {
  update(pool, OP_ADAM, [s.beta1, s.ob1, s.beta2, s.ob2, s.omab1, s.omab2, s.eps, s.nlr, s.clip], x, g, m, v, ox, om, ov);
}

/** x' (ox), mean square' (oms), moments' (omom) of tfjs's (non-centered) RMSprop step, clipped when s.clip > 0. */
export function rmspropStep(pool: NnPool, s: RmspropScalars, x: Float32Array, g: Float32Array, ms: Float32Array, mom: Float32Array, ox: Float32Array, oms: Float32Array, omom: Float32Array): void {
  update(pool, OP_RMSPROP, [s.decay, s.od, s.momentum, s.lr, s.eps, s.clip], x, g, ms, mom, ox, oms, omom);
}
