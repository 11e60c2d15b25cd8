// Typed wrapper for assembly/nn/channel.ts: BatchNorm's training forward
// (batch statistics) and backward (x, gamma, beta) on the nn pool, over x seen
// as [R, C] (NHWC: R = B*H*W rows of C channels).
//
//   forward:  mean = sum x / R; var = sum (x - mean)^2 / R (biased);
//             y = gamma / sqrt(var + eps) * (x - mean) + beta
//   backward: dbeta = sum dy; dgamma = invstd * sum dy (x - mean);
//             dx = k dy - k invstd dgamma / R (x - mean) - k dbeta / R, k = gamma invstd
// Three passes forward (two reductions, one affine), two backward; per-channel
// scalars are computed here in f64. Inputs copied once into the nn memory,
// outputs once out.
//
// With an activation (`act`: relu, or leakyRelu with its alpha) the forward
// applies it in the affine pass, and
// the backward takes that activated output y and reads dy in both its passes
// as the pre-activation gradient, y > 0 ? dy : alpha dy: y > 0 exactly where
// the pre-activation is, for relu and any alpha > 0.
import type { NnPool } from '../nn/pool';

/** The activation fused after BatchNorm: none, relu, or leakyRelu with alpha > 0. */
export type BnAct = { kind: 'linear' } | { kind: 'relu' } | { kind: 'leakyRelu'; alpha: number };
const NO_ACT: BnAct = { kind: 'linear' };

function checkAct(act: BnAct) {
  if (act.kind === 'leakyRelu' && !(act.alpha > 0)) throw new Error(`batchnorm: leakyRelu alpha must be > 0, got ${act.alpha}`);
  if (!['linear', 'relu', 'leakyRelu'].includes(act.kind)) throw new Error(`batchnorm: unknown activation ${JSON.stringify(act.kind)}`);
}

export const OP_COLSUM = 7, OP_AFFINE = 8;
const JOB_SLOTS = 34;

interface ChanFields { op: number; R: number; C: number; mode?: number; a: number; b?: number; out?: number; p?: number; q?: number; r?: number; acc?: number; m?: number;
  /** The activation output masking b (assembly/nn/channel.ts), and its alpha. */
  y?: number; yAlpha?: number }

export function writeChanJob(pool: NnPool, f: ChanFields): number {
  const ptr = (pool.exports.alloc(JOB_SLOTS * 4) as number) >>> 0;
  const i32 = pool.mod.i32, o = ptr >>> 2;
  i32.fill(0, o, o + JOB_SLOTS);
  const v = [f.op, f.R, f.C, f.mode ?? 0, f.a, f.b ?? 0, f.out ?? 0, f.p ?? 0, f.q ?? 0, f.r ?? 0, f.acc ?? 0, f.m ?? 0];
  for (let i = 0; i < v.length; i++) i32[o + i] = v[i] | 0;
  i32[o + 12] = f.y ?? 0;
  pool.mod.f32[o + 13] = f.yAlpha ?? 0;
  return ptr;
}

function check(name: string, a: ArrayLike<number>, n: number) {
  if (a.length < n) throw new Error(`batchnorm: ${name} has ${a.length} values, need ${n}`);
}

/** Column sums of the job over all threads: [s1, s2] in f64. */
function colsum(pool: NnPool, R: number, C: number, mode: number, a: number, b = 0, p = 0, y = 0, yAlpha = 0): [Float64Array, Float64Array] {
  const mod = pool.mod, nt = pool.threads;
  const per = C * 24;
  const acc = (mod.exports.alloc(per * nt + 8) as number) >>> 0;
  const acc8 = (acc + 7) & ~7;
  pool.run(writeChanJob(pool, { op: OP_COLSUM, R, C, mode, a, b, p, acc: acc8, y, yAlpha }));
  const s1 = new Float64Array(C), s2 = new Float64Array(C);
  const f64 = mod.f64;
  for (let t = 0; t < nt; t++) {
    const o = (acc8 + t * per) >>> 3;
    for (let c = 0; c < C; c++) { s1[c] += f64[o + c]; s2[c] += f64[o + C + c]; }
  }
  return [s1, s2];
}

/**
 * Column sums of x seen as [R, C] (the leading-axes Sum of NHWC tensors: bias gradients), in f64:
 * f32 within blocks of <= 256 rows, f64 across blocks and threads. One copy in, one pool job.
 */
export function columnSums(pool: NnPool, x: Float32Array, R: number, C: number): Float64Array {
  if (!(R > 0 && C > 0)) throw new Error(`columnSums: bad shape [${R}, ${C}]`);
  check('x', x, R * C);
  pool.mod.exports.reset();
  const xp = pool.mod.put(x.subarray(0, R * C));
  return colsum(pool, R, C, 0, xp)[0];
}

function putF32(pool: NnPool, v: ArrayLike<number>): number {
  return pool.mod.put(Float32Array.from(v));
}

export interface BnForward { mean: Float32Array; variance: Float32Array }

/** y = batchnorm(x) with the batch's own statistics; returns the (biased) statistics. */
export function bnTrainForward(pool: NnPool, x: Float32Array, R: number, C: number, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array,
  act: BnAct = NO_ACT): BnForward {
  if (!(R > 0 && C > 0)) throw new Error(`batchnorm: bad shape [${R}, ${C}]`);
  checkAct(act);
  check('x', x, R * C); check('gamma', gamma, C); check('beta', beta, C); check('y', y, R * C);
  const mod = pool.mod;
  mod.exports.reset();
  const xp = mod.put(x.subarray(0, R * C));
  const [sum] = colsum(pool, R, C, 0, xp);
  const mean = new Float32Array(C);
  for (let c = 0; c < C; c++) mean[c] = sum[c] / R;
  const mp = putF32(pool, mean);
  const [sq] = colsum(pool, R, C, 1, xp, 0, mp);
  const variance = new Float32Array(C), scale = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    variance[c] = sq[c] / R;
    scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
  }
  const sp = putF32(pool, scale), bp = putF32(pool, beta.subarray(0, C));
  const out = (mod.exports.alloc(R * C * 4) as number) >>> 0;
  // the activation in the same pass (AFFINE mode 1 relu, 2 leaky relu with the f32 alpha in slot 10)
  const job = writeChanJob(pool, { op: OP_AFFINE, R, C, a: xp, out, p: sp, r: bp, m: mp, mode: act.kind === 'relu' ? 1 : act.kind === 'leakyRelu' ? 2 : 0 });
  if (act.kind === 'leakyRelu') mod.f32[(job >>> 2) + 10] = act.alpha;
  pool.run(job);
  y.set(mod.f32.subarray(out >>> 2, (out >>> 2) + R * C));
  return { mean, variance };
}

export interface BnBackward { dgamma: Float32Array; dbeta: Float32Array }

/**
 * dx (into `dx`), dgamma, dbeta of the training-mode batchnorm, given the forward's statistics;
 * with `act`, dy is the gradient of the activated output `y` (the forward's output).
 */
export function bnTrainBackward(pool: NnPool, dy: Float32Array, x: Float32Array, R: number, C: number, mean: Float32Array, variance: Float32Array,
  gamma: Float32Array, eps: number, dx: Float32Array, act: BnAct = NO_ACT, y?: Float32Array): BnBackward {
  if (!(R > 0 && C > 0)) throw new Error(`batchnorm: bad shape [${R}, ${C}]`);
  checkAct(act);
  check('dy', dy, R * C); check('x', x, R * C); check('mean', mean, C); check('variance', variance, C); check('gamma', gamma, C); check('dx', dx, R * C);
  if (act.kind !== 'linear') check('y', y ?? [], R * C);
  const mod = pool.mod;
  mod.exports.reset();
  const xp = mod.put(x.subarray(0, R * C));
  const dyp = mod.put(dy.subarray(0, R * C));
  // after an activation both passes read dy masked by its output (y > 0 ? dy : alpha dy)
  const yp = act.kind === 'linear' ? 0 : mod.put(y!.subarray(0, R * C));
  const yAlpha = act.kind === 'leakyRelu' ? act.alpha : 0;
  const mp = putF32(pool, mean.subarray(0, C));
  const [sdy, sdyx] = colsum(pool, R, C, 2, xp, dyp, mp, yp, yAlpha);
  const dgamma = new Float32Array(C), dbeta = new Float32Array(C);
  const p = new Float32Array(C), q = new Float32Array(C), r = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const invstd = 1 / Math.sqrt(variance[c] + eps);
    const dg = sdyx[c] * invstd, db = sdy[c];
    dgamma[c] = dg; dbeta[c] = db;
    const k = gamma[c] * invstd;
    q[c] = k;
    p[c] = (-k * invstd * dg) / R;
    r[c] = (-k * db) / R;
  }
  const out = (mod.exports.alloc(R * C * 4) as number) >>> 0;
  pool.run(writeChanJob(pool, { op: OP_AFFINE, R, C, a: xp, b: dyp, out, p: putF32(pool, p), q: putF32(pool, q), r: putF32(pool, r), m: mp, y: yp, yAlpha }));
  dx.set(mod.f32.subarray(out >>> 2, (out >>> 2) + R * C));
  return { dgamma, dbeta };
}
