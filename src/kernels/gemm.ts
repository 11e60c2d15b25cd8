// Typed wrapper for assembly/nn/gemm.ts + job.ts: f32 GEMM with optional
// transposes, per-column bias and a fused activation, on the nn pool.
//
// Copies: each input once into the nn memory, the result once out (into
// `out`, e.g. a view of the tfjs-wasm heap). B is packed inside the nn memory.
import { NnError, type NnPool } from '../nn/pool';

export type Activation = 'linear' | 'relu' | 'relu6' | 'leakyrelu';
export const ACT_CODE: Record<Activation, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3 };

export const OP_GEMM = 1, OP_CONV = 2, OP_CONV_BPF = 3, OP_CONV_BPI = 4, OP_PACK_B = 5, OP_PEAK = 6;
/** Few-channel conv ops (assembly/nn/conv3.ts): pixel-split filter gradient, col2im-fused input gradient. */
export const OP_CONV_BPF_PIX = 11, OP_CONV_BPI_FUSED = 12;
const JOB_SLOTS = 34;

/** Fields of a job record (assembly/nn/job.ts); unset ones are 0. */
export interface JobFields {
  op: number; M: number; N: number; K: number; pb: number; c: number; ldc: number; acc?: number;
  bias?: number; act?: number; alpha?: number; scratch: number; scratchBytes: number;
  a?: number; rsA?: number; csA?: number; dx?: number; imgs?: number; aLen?: number; cLen?: number;
  geom?: [x: number, B: number, H: number, W: number, Ci: number, OH: number, OW: number, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number];
}

/** Allocates and fills a job record in the nn memory; returns its pointer. */
export function writeJob(pool: NnPool, f: JobFields): number {
  // pointers are unsigned: a usize comes back from wasm as a signed i32
  const ptr = (pool.exports.alloc(JOB_SLOTS * 4) as number) >>> 0;
  const i32 = pool.mod.i32, f32 = pool.mod.f32, o = ptr >>> 2;
  const v = [f.op, f.M, f.N, f.K, f.pb, f.c, f.ldc, f.acc ?? 0, f.bias ?? 0, f.act ?? 0, 0, f.scratch, f.scratchBytes,
    f.a ?? 0, f.rsA ?? 0, f.csA ?? 0, f.dx ?? 0, f.imgs ?? 0, f.aLen ?? 0, f.cLen ?? 0, ...(f.geom ?? new Array(13).fill(0)), 0];
  for (let i = 0; i < JOB_SLOTS; i++) i32[o + i] = v[i] | 0;
  f32[o + 10] = f.alpha ?? 0;
  return ptr;
}

/** B matrices up to this many floats are packed on the calling thread: cheaper than waking the pool. */
const PACK_ON_MAIN_MAX = 32768;

/**
 * Packs B(k, n) = src[k*rs + n*cs] (already in nn memory at `src`) into NR panels, on all threads
 * (a small B on the calling thread); returns the pointer.
 * `alongside`: main-thread work done meanwhile (NnPool.run; after the packing for a small B),
 * e.g. copying in the next job's input.
 */
export function packB(pool: NnPool, src: number, srcLen: number, K: number, N: number, rs: number, cs: number, alongside?: () => void): number {
  const dst = (pool.exports.alloc(Math.ceil(N / 8) * 8 * K * 4) as number) >>> 0;
  if (K * N <= PACK_ON_MAIN_MAX) {
    const r = pool.exports.packBChecked(src, srcLen, K, N, rs, cs, dst);
    if (r !== 0) throw new NnError(`nn: packB failed (${r === -1 ? 'bad dimensions' : 'buffer out of bounds'})`, r);
    alongside?.();
    return dst;
  }
  pool.run(writeJob(pool, { op: OP_PACK_B, M: 0, N, K, pb: dst, c: 0, ldc: 0, scratch: 0, scratchBytes: 0, a: src, rsA: rs, csA: cs, aLen: srcLen }), alongside);
  return dst;
}

/** Per-thread scratch for a job, allocated for all threads; returns [ptr, bytesPerThread]. */
export function allocScratch(pool: NnPool, op: number, N: number, imgs = 0, OH = 0, OW = 0): [number, number] {
  const per = pool.exports.jobScratchBytes(op, N, imgs, OH, OW);
  return [(pool.exports.alloc(per * pool.threads) as number) >>> 0, per];
}

export interface GemmOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  bias?: Float32Array;   // [N]
  activation?: Activation;
  alpha?: number;        // leakyrelu slope
}

/**
 * C[M, N] = act(op(A) @ op(B) + bias), op(A) is [M, K] (A stored [K, M] when
 * transposeA), op(B) is [K, N] (stored [N, K] when transposeB). Row-major.
 */
export function gemm(pool: NnPool, a: Float32Array, b: Float32Array, M: number, N: number, K: number,
  opts: GemmOptions = {}, out?: Float32Array): Float32Array {
  if (a.length < M * K || b.length < K * N) throw new Error(`gemm: A has ${a.length} (need ${M * K}), B has ${b.length} (need ${K * N})`);
  if (opts.bias && opts.bias.length < N) throw new Error(`gemm: bias has ${opts.bias.length} values, need ${N}`);
  const mod = pool.mod;
  mod.exports.reset();
  const ap = mod.put(a.subarray(0, M * K));
  const bp = mod.put(b.subarray(0, K * N));
  const biasp = opts.bias ? mod.put(opts.bias.subarray(0, N)) : 0;
  const pb = opts.transposeB ? packB(pool, bp, K * N, K, N, 1, K) : packB(pool, bp, K * N, K, N, N, 1);
  const c = (mod.exports.alloc(M * N * 4) as number) >>> 0;
  const [scratch, scratchBytes] = allocScratch(pool, OP_GEMM, N);
  const job = writeJob(pool, {
    op: OP_GEMM, M, N, K, pb, c, ldc: N, bias: biasp, act: ACT_CODE[opts.activation ?? 'linear'], alpha: opts.alpha ?? 0,
    scratch, scratchBytes, a: ap, rsA: opts.transposeA ? 1 : K, csA: opts.transposeA ? M : 1, aLen: M * K, cLen: M * N,
  });
  pool.run(job);
  const res = out ?? new Float32Array(M * N);
  res.set(mod.f32.subarray(c >>> 2, (c >>> 2) + M * N));
  return res;
}
