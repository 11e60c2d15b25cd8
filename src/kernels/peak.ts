// The machine's wasm SIMD peak on the nn pool (assembly/nn/peak.ts): 12
// independent f32x4 mul+add chains per thread (or one relaxed_madd per chain
// in a relaxed-SIMD build), no memory traffic. The benchmark reports the
// training step as a fraction of it.
import type { NnPool } from '../nn/pool';
import { OP_PEAK, writeJob } from './gemm';

/** FLOPs of one iteration of the peak loop: 12 chains x 4 lanes x (mul + add). */
export const PEAK_FLOPS_PER_ITER = 12 * 4 * 2;

export interface PeakResult { gflops: number; ms: number; flops: number; threads: number; fma: boolean; checksum: number }

/**
 * Runs `items` work items of `iters` iterations each on every thread of the
 * pool (handed out dynamically) and returns GFLOP/s. `fma` needs a pool built
 * with relaxed SIMD (the job is refused otherwise).
 */
export function simdPeak(pool: NnPool, items: number, iters: number, fma = false): PeakResult {
  if (!(Number.isInteger(items) && items > 0 && Number.isInteger(iters) && iters > 0)) throw new Error(`simdPeak: items and iters must be positive integers (got ${items}, ${iters})`);
  const mod = pool.mod;
  mod.exports.reset();
  const nt = pool.threads;
  const c = (mod.exports.alloc(nt * 4) as number) >>> 0;
  mod.f32.fill(0, c >>> 2, (c >>> 2) + nt);
  const job = writeJob(pool, { op: OP_PEAK, M: items, N: 0, K: iters, pb: 0, c, ldc: 0, act: fma ? 1 : 0, cLen: nt, scratch: 0, scratchBytes: 0 });
  const t0 = performance.now();
  pool.run(job);
  const ms = performance.now() - t0;
  let checksum = 0;
  for (let t = 0; t < nt; t++) checksum += mod.f32[(c >>> 2) + t];
  const flops = items * iters * PEAK_FLOPS_PER_ITER;
  return { gflops: flops / ms / 1e6, ms, flops, threads: nt, fma, checksum };
}

/** Best of `reps` runs of about `targetMs` each (iterations calibrated on a short run first). */
export function measureSimdPeak(pool: NnPool, opts: { fma?: boolean; targetMs?: number; reps?: number } = {}): PeakResult {
  const items = pool.threads * 8, fma = !!opts.fma;
  const probe = simdPeak(pool, items, 20_000, fma);
  const iters = Math.max(1000, Math.round(20_000 * (opts.targetMs ?? 300) / Math.max(probe.ms, 0.1)));
  let best: PeakResult | null = null;
  for (let r = 0; r < (opts.reps ?? 3); r++) {
    const res = simdPeak(pool, items, iters, fma);
    if (!best || res.gflops > best.gflops) best = res;
  }
  return best!;
}
