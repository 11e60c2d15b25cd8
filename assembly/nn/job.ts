// One job record describes one GEMM-shaped kernel call; the main thread
// writes it (JS: src/kernels/gemm.ts), then every thread calls run(job, tid,
// nt) on the same record and takes work items until none are left. Nothing here allocates:
// all buffers (packed B, outputs, per-thread scratch) are given as pointers,
// because each worker instance has its own (unused) heap pointer over the one
// shared memory.
//
// Record layout (i32/u32/f32 slots, 4 bytes each):
//   0 op   1 M   2 N   3 K   4 pb (packed B)   5 c   6 ldc   7 accumulate
//   8 bias (0 = none)   9 act   10 alpha (f32)   11 scratch   12 scratchBytes (per thread)
//   13 a   14 rsA   15 csA   16 dx   17 imgs per chunk   18 aLen (elements)   19 cLen (elements)
//   20.. Geom (conv.ts): x B H W Ci OH OW KH KW sh sw pt pl
//   33 next: work counter, 0 when written; threads take blocks with atomic.add
//
// Work is handed out dynamically (MC-row blocks, image chunks, groups of B
// panels) so a thread the OS descheduled (shared machine, busy browser) does
// not hold the others back: whoever is running takes the next block.
//
// Ops (work item):
//      GEMM      C = A @ B, A(i, k) = a[i*rsA + k*csA]                 (MC rows of C)
//      CONV      C = im2col(x) @ B                                      (MC pixels)
//      CONV_BPF  C = im2col(x)^T @ B                                    (MC (tap, ci) rows)
//      CONV_BPI  dx = col2im(A @ B), A = dy strided, via col scratch    (`imgs` whole images)
//      CONV_BPF_PIX  dw = im2col(x)^T @ dy, few filter rows (conv3.ts): pixels split
//                in `imgs` fixed slices, partials at dx + 16, the last finisher reduces
//                (dx: i32 done counter, 0 when written)                    (one slice)
//      CONV_BPI_FUSED  dx = col2im(dy @ B), few columns (conv3.ts): col2im per 4 rows  (`imgs` whole images)
//      (CONV with K <= KC takes conv3.ts's direct path: same results, no im2col packing)
//      PACK_B    pb = packB(B(k, n) = a[k*rsA + n*csA]), K x N, aLen elements  (8 NR panels)
//                (its own job, run before the GEMM job that reads pb)
//      COLSUM, AFFINE  per-channel reductions / affine pass over [R, C] (channel.ts, own layout)
//      ELTWISE   activations and their gradient over n elements (eltwise.ts, own layout)
//      PEAK      M items of K iterations of the SIMD peak loop (peak.ts); act = 1: FMA
//                (relaxed builds); thread tid adds its chains' sums into c[tid] (cLen >= nt)

import { MR, GEMM_SCRATCH, kernel4x8, kernelEdge, packAStrided, packB, epilogue, KC, MC, NC, NR } from './gemm';
import { Geom, packIm2col, packIm2colT, col2im } from './conv';
import { peakMulAdd, peakFma } from './peak';
import { convDirectRows, bpfSlice, bpfReduce, bpfRowPad, bpfPartialBytes, bpiImages, bpiTileBytes, BPF_CH, BPF_ROWS, BPI_COLS } from './conv3';
import { ChanJob, colsum, affine, colsumBytesPerThread, adamUpdate, rmspropUpdate } from './channel';
import { EltJob, eltwise, ELT_MODES, ELT_ACT_GRAD } from './eltwise';

export const OP_GEMM: i32 = 1;
export const OP_CONV: i32 = 2;
export const OP_CONV_BPF: i32 = 3;
export const OP_CONV_BPI: i32 = 4;
export const OP_PACK_B: i32 = 5;
export const OP_PEAK: i32 = 6;
export const OP_COLSUM: i32 = 7;
export const OP_AFFINE: i32 = 8;
export const OP_ADAM: i32 = 9;
export const OP_RMSPROP: i32 = 10;
// 11-12: the 3-channel convolution paths (conv3.ts); 13-19: the fused element-wise kernels (eltwise.ts)
export const OP_CONV_BPF_PIX: i32 = 11;
export const OP_CONV_BPI_FUSED: i32 = 12;
export const OP_ELTWISE: i32 = 13;
export const JOB_BYTES: i32 = 34 * 4;
const NEXT: usize = 33 * 4;
const PACK_GROUP: i32 = 8; // B panels per PACK_B work item

export const NN_OK: i32 = 0;
export const NN_BAD_DIMS: i32 = -1;
export const NN_OUT_OF_BOUNDS: i32 = -2;
export const NN_BAD_OP: i32 = -3;

@unmanaged class Job {
  op: i32; M: i32; N: i32; K: i32; pb: usize; c: usize; ldc: i32; acc: i32;
  bias: usize; act: i32; alpha: f32; scratch: usize; scratchBytes: i32;
  a: usize; rsA: i32; csA: i32; dx: usize; imgs: i32; aLen: i32; cLen: i32;
}

@inline function packA(j: Job, g: Geom, i0: i32, mc: i32, k0: i32, kc: i32, pa: usize): void {
  if (j.op == OP_CONV) packIm2col(g, j.M, i0, mc, k0, kc, pa);
  else if (j.op == OP_CONV_BPF) packIm2colT(g, j.M, i0, mc, k0, kc, pa);
  else packAStrided(j.a, j.M, j.rsA, j.csA, i0, mc, k0, kc, pa);
}

/** Blocked loops over rows [m0, m1) of C; C row m lives at c + (m - m0)*ldc. */
function gemmRows(j: Job, g: Geom, m0: i32, m1: i32, c: usize, ldc: i32, accumulate: bool, scratch: usize): void {
  const N = j.N, K = j.K, pb = j.pb;
  const pa = scratch;
  const tmp = scratch + <usize>(MC * KC * 4);
  const ldcB = <usize>ldc << 2;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const acc = accumulate || pc > 0;
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        packA(j, g, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pbp = pb + ((<usize>((jc + jr) / NR) * <usize>K + <usize>pc) * <usize>NR << 2);
          let cp = c + <usize>(ic - m0) * ldcB + (<usize>(jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pap = pa + (<usize>ir * <usize>kc << 2);
            if (mr == MR && nr == NR) kernel4x8(kc, pap, pbp, cp, ldcB, acc);
            else kernelEdge(kc, pap, pbp, cp, ldcB, acc, mr, nr, tmp);
            cp += ldcB * <usize>MR;
          }
        }
      }
    }
  }
}

/** Next work item of this job (shared counter). */
@inline function grab(job: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(job + NEXT, 1);
  const v = load<i32>(job + NEXT);
  store<i32>(job + NEXT, v + 1);
  return v;
}

@inline function fits(ptr: usize, bytes: u64): bool {
  return <u64>ptr + bytes <= (<u64>memory.size() << 16);
}

/** Bytes of per-thread scratch a job needs (JS asks before allocating). */
export function jobScratchBytes(op: i32, N: i32, imgs: i32, OH: i32, OW: i32): i32 {
  let s = GEMM_SCRATCH;
  if (op == OP_CONV_BPI) s += imgs * OH * OW * N * 4;
  return (s + 15) & ~15;
}

/** Validates a job record: dimensions and every buffer inside memory. */
export function checkJob(job: usize, nt: i32): i32 {
  if (!fits(job, JOB_BYTES)) return NN_OUT_OF_BOUNDS;
  const j = changetype<Job>(job);
  if (j.op == OP_ELTWISE) {
    const e = changetype<EltJob>(job);
    if (e.n <= 0 || e.mode < 0 || e.mode >= ELT_MODES || nt <= 0) return NN_BAD_DIMS;
    const n = <u64>e.n * 4;
    if (e.a == 0 || e.out == 0 || !fits(e.a, n) || !fits(e.out, n)) return NN_OUT_OF_BOUNDS;
    if (e.mode == ELT_ACT_GRAD && (e.b == 0 || !fits(e.b, n))) return NN_OUT_OF_BOUNDS;
    return NN_OK;
  }
  if (j.op < OP_GEMM || j.op > OP_CONV_BPI_FUSED) return NN_BAD_OP;
  if (j.op == OP_ADAM || j.op == OP_RMSPROP) {
    const c = changetype<ChanJob>(job);
    if (c.R <= 0 || c.C != 1 || nt <= 0) return NN_BAD_DIMS;
    const n = <u64>c.R * 4;
    if (c.a == 0 || c.b == 0 || c.p == 0 || c.q == 0 || c.out == 0 || c.r == 0 || c.acc == 0 || c.m == 0) return NN_OUT_OF_BOUNDS;
    if (!fits(c.a, n) || !fits(c.b, n) || !fits(c.p, n) || !fits(c.q, n) || !fits(c.out, n) || !fits(c.r, n) || !fits(c.acc, n) || !fits(c.m, 9 * 4)) return NN_OUT_OF_BOUNDS;
    return NN_OK;
  }
  if (j.op == OP_COLSUM || j.op == OP_AFFINE) return checkChan(changetype<ChanJob>(job), nt);
  if (j.op == OP_PEAK) {
    if (j.M <= 0 || j.K <= 0 || nt <= 0 || j.cLen < nt) return NN_BAD_DIMS;
    if (j.act == 1 && !ASC_FEATURE_RELAXED_SIMD) return NN_BAD_OP;
    return fits(j.c, <u64>j.cLen * 4) ? NN_OK : NN_OUT_OF_BOUNDS;
  }
  if (j.op == OP_PACK_B) {
    if (j.K <= 0 || j.N <= 0 || j.rsA < 0 || j.csA < 0 || nt <= 0) return NN_BAD_DIMS;
    const lastB = <u64>(j.K - 1) * <u64>j.rsA + <u64>(j.N - 1) * <u64>j.csA + 1;
    if (lastB > <u64>j.aLen || !fits(j.a, <u64>j.aLen * 4)) return NN_OUT_OF_BOUNDS;
    if (!fits(j.pb, <u64>((j.N + NR - 1) / NR) * <u64>NR * <u64>j.K * 4)) return NN_OUT_OF_BOUNDS;
    return NN_OK;
  }
  const g = changetype<Geom>(job + 80);
  if (j.op == OP_CONV_BPF_PIX || j.op == OP_CONV_BPI_FUSED) return checkConv3(j, g, nt);
  if (j.M <= 0 || j.N <= 0 || j.K <= 0 || j.ldc < j.N || nt <= 0) return NN_BAD_DIMS;
  if (j.scratchBytes < GEMM_SCRATCH) return NN_BAD_DIMS;
  const panels = <u64>((j.N + NR - 1) / NR);
  if (!fits(j.pb, panels * <u64>NR * <u64>j.K * 4)) return NN_OUT_OF_BOUNDS;
  if (!fits(j.scratch, <u64>j.scratchBytes * <u64>nt)) return NN_OUT_OF_BOUNDS;
  if (j.bias != 0 && !fits(j.bias, <u64>j.N * 4)) return NN_OUT_OF_BOUNDS;
  if (j.op == OP_GEMM || j.op == OP_CONV_BPI) {
    if (j.rsA < 0 || j.csA < 0) return NN_BAD_DIMS;
    const last = <u64>(j.M - 1) * <u64>j.rsA + <u64>(j.K - 1) * <u64>j.csA + 1;
    if (last > <u64>j.aLen || !fits(j.a, <u64>j.aLen * 4)) return NN_OUT_OF_BOUNDS;
  }
  if (j.op != OP_GEMM) {
    if (g.B <= 0 || g.H <= 0 || g.W <= 0 || g.Ci <= 0 || g.OH <= 0 || g.OW <= 0 || g.KH <= 0 || g.KW <= 0 || g.sh <= 0 || g.sw <= 0) return NN_BAD_DIMS;
    const pixels = <u64>g.B * <u64>g.OH * <u64>g.OW;
    const taps = <u64>g.KH * <u64>g.KW * <u64>g.Ci;
    const xBytes = <u64>g.B * <u64>g.H * <u64>g.W * <u64>g.Ci * 4;
    if (j.op == OP_CONV && (<u64>j.M != pixels || <u64>j.K != taps)) return NN_BAD_DIMS;
    if (j.op == OP_CONV_BPF && (<u64>j.M != taps || <u64>j.K != pixels)) return NN_BAD_DIMS;
    if (j.op == OP_CONV_BPI) {
      if (<u64>j.M != pixels || <u64>j.N != taps || j.imgs <= 0 || j.ldc != j.N) return NN_BAD_DIMS;
      if (<u64>j.scratchBytes < <u64>GEMM_SCRATCH + <u64>j.imgs * <u64>g.OH * <u64>g.OW * <u64>j.N * 4) return NN_BAD_DIMS;
      if (!fits(j.dx, xBytes)) return NN_OUT_OF_BOUNDS;
    } else if (!fits(g.x, xBytes)) return NN_OUT_OF_BOUNDS;
  }
  if (j.op != OP_CONV_BPI) {
    if (<u64>j.cLen < <u64>(j.M - 1) * <u64>j.ldc + <u64>j.N || !fits(j.c, <u64>j.cLen * 4)) return NN_OUT_OF_BOUNDS;
  }
  return NN_OK;
}

/** The few-channel conv ops (conv3.ts). */
function checkConv3(j: Job, g: Geom, nt: i32): i32 {
  if (j.M <= 0 || j.N <= 0 || j.K <= 0 || j.ldc != j.N || j.imgs <= 0 || nt <= 0) return NN_BAD_DIMS;
  if (g.B <= 0 || g.H <= 0 || g.W <= 0 || g.Ci <= 0 || g.OH <= 0 || g.OW <= 0 || g.KH <= 0 || g.KW <= 0 || g.sh <= 0 || g.sw <= 0) return NN_BAD_DIMS;
  if (j.scratchBytes <= 0 || !fits(j.scratch, <u64>j.scratchBytes * <u64>nt)) return NN_OUT_OF_BOUNDS;
  const pixels = <u64>g.B * <u64>g.OH * <u64>g.OW;
  const taps = <u64>g.KH * <u64>g.KW * <u64>g.Ci;
  const xBytes = <u64>g.B * <u64>g.H * <u64>g.W * <u64>g.Ci * 4;
  if (j.op == OP_CONV_BPF_PIX) {
    if (<u64>j.M != taps || <u64>j.K != pixels) return NN_BAD_DIMS;
    const rows = <u64>g.KH * <u64>bpfRowPad(g);
    if (rows > <u64>BPF_ROWS || <u64>j.scratchBytes < rows * <u64>BPF_CH * 4) return NN_BAD_DIMS;
    if (<u64>j.aLen < <u64>j.K * <u64>j.N || !fits(j.a, <u64>j.aLen * 4)) return NN_OUT_OF_BOUNDS;
    if (j.dx == 0 || !fits(j.dx, 16 + <u64>j.imgs * <u64>bpfPartialBytes(g, j.N))) return NN_OUT_OF_BOUNDS;
    // packPix reads whole v128 from a filter row's start: up to 12 bytes past x
    if (!fits(g.x, xBytes + 16)) return NN_OUT_OF_BOUNDS;
    if (<u64>j.cLen < <u64>j.M * <u64>j.N || !fits(j.c, <u64>j.cLen * 4)) return NN_OUT_OF_BOUNDS;
    return NN_OK;
  }
  if (<u64>j.M != pixels || <u64>j.N != taps || j.N > BPI_COLS || j.rsA != j.K || j.csA != 1) return NN_BAD_DIMS;
  if (j.scratchBytes < bpiTileBytes(j.N)) return NN_BAD_DIMS;
  if (<u64>j.aLen < <u64>j.M * <u64>j.K || !fits(j.a, <u64>j.aLen * 4)) return NN_OUT_OF_BOUNDS;
  if (!fits(j.pb, <u64>((j.N + NR - 1) / NR) * <u64>NR * <u64>j.K * 4)) return NN_OUT_OF_BOUNDS;
  if (!fits(j.dx, xBytes)) return NN_OUT_OF_BOUNDS;
  return NN_OK;
}

/** Adds 1 to the i32 at ptr; returns the old value. */
@inline function countDone(ptr: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(ptr, 1);
  const v = load<i32>(ptr);
  store<i32>(ptr, v + 1);
  return v;
}

function checkChan(j: ChanJob, nt: i32): i32 {
  if (j.R <= 0 || j.C <= 0 || nt <= 0) return NN_BAD_DIMS;
  const n = <u64>j.R * <u64>j.C * 4, cb = <u64>j.C * 4;
  if (!fits(j.a, n)) return NN_OUT_OF_BOUNDS;
  if (j.op == OP_COLSUM) {
    if (j.mode < 0 || j.mode > 2) return NN_BAD_DIMS;
    if (j.mode == 2 && (j.b == 0 || !fits(j.b, n))) return NN_OUT_OF_BOUNDS;
    if (j.mode == 2 && j.y != 0 && !fits(j.y, n)) return NN_OUT_OF_BOUNDS;
    if (j.mode >= 1 && (j.p == 0 || !fits(j.p, cb))) return NN_OUT_OF_BOUNDS;
    if (j.acc == 0 || !fits(j.acc, <u64>colsumBytesPerThread(j.C) * <u64>nt)) return NN_OUT_OF_BOUNDS;
    return NN_OK;
  }
  if (j.mode < 0 || j.mode > 2) return NN_BAD_DIMS;
  if (j.out == 0 || !fits(j.out, n) || j.p == 0 || !fits(j.p, cb) || j.r == 0 || !fits(j.r, cb) || j.m == 0 || !fits(j.m, cb)) return NN_OUT_OF_BOUNDS;
  if (j.b != 0 && (!fits(j.b, n) || j.q == 0 || !fits(j.q, cb))) return NN_OUT_OF_BOUNDS;
  if (j.b != 0 && j.y != 0 && !fits(j.y, n)) return NN_OUT_OF_BOUNDS;
  return NN_OK;
}

/** Thread `tid` of `nt` takes work items of the job until none are left. Returns NN_OK or an error code. */
export function run(job: usize, tid: i32, nt: i32): i32 {
  const err = checkJob(job, nt);
  if (err != NN_OK || tid < 0 || tid >= nt) return err != NN_OK ? err : NN_BAD_DIMS;
  const j = changetype<Job>(job);
  const g = changetype<Geom>(job + 80);
  if (j.op == OP_PACK_B) {
    const panels = (j.N + NR - 1) / NR;
    for (let it = grab(job); it * PACK_GROUP < panels; it = grab(job)) {
      packB(j.a, j.K, j.N, j.rsA, j.csA, j.pb, it * PACK_GROUP, min(panels, (it + 1) * PACK_GROUP));
    }
    return NN_OK;
  }
  if (j.op == OP_COLSUM) { colsum(job, changetype<ChanJob>(job), tid); return NN_OK; }
  if (j.op == OP_AFFINE) { affine(job, changetype<ChanJob>(job)); return NN_OK; }
  if (j.op == OP_ADAM) { adamUpdate(job, changetype<ChanJob>(job)); return NN_OK; }
  if (j.op == OP_RMSPROP) { rmspropUpdate(job, changetype<ChanJob>(job)); return NN_OK; }
  if (j.op == OP_ELTWISE) { eltwise(job, changetype<EltJob>(job)); return NN_OK; }
  if (j.op == OP_PEAK) {
    let sum: f32 = 0;
    for (let it = grab(job); it < j.M; it = grab(job)) sum += j.act == 1 ? peakFma(j.K, <f32>it) : peakMulAdd(j.K, <f32>it);
    store<f32>(j.c + (<usize>tid << 2), load<f32>(j.c + (<usize>tid << 2)) + sum);
    return NN_OK;
  }
  const scratch = j.scratch + <usize>tid * <usize>j.scratchBytes;
  if (j.op == OP_CONV_BPF_PIX) {
    // Work item = one fixed slice of the pixels; whoever finishes the last one sums the slices in order.
    const part = j.dx + 16;
    for (let it = grab(job); it < j.imgs; it = grab(job)) {
      bpfSlice(g, j.K, j.N, j.a, part, it, j.imgs, scratch);
      if (countDone(j.dx) == j.imgs - 1) bpfReduce(g, j.N, part, j.imgs, j.c);
    }
    return NN_OK;
  }
  if (j.op == OP_CONV_BPI_FUSED) {
    for (let it = grab(job); it * j.imgs < g.B; it = grab(job)) {
      const b = it * j.imgs;
      bpiImages(g, j.K, j.N, j.a, j.pb, j.dx, b, min(j.imgs, g.B - b), scratch);
    }
    return NN_OK;
  }
  if (j.op == OP_CONV_BPI) {
    // Work item = a chunk of whole images, so no two threads scatter-add into the same dx pixels.
    const imgPix = g.OH * g.OW;
    const imgBytes = <usize>g.H * <usize>g.W * <usize>g.Ci << 2;
    const col = scratch + <usize>GEMM_SCRATCH;
    for (let it = grab(job); it * j.imgs < g.B; it = grab(job)) {
      const b = it * j.imgs, nb = min(j.imgs, g.B - b);
      memory.fill(j.dx + <usize>b * imgBytes, 0, <usize>nb * imgBytes);
      const p0 = b * imgPix, p1 = (b + nb) * imgPix;
      gemmRows(j, g, p0, p1, col, j.N, false, scratch);
      col2im(g, j.dx, col, p0, p1 - p0);
    }
    return NN_OK;
  }
  // Work item = MC rows of C.
  for (let it = grab(job); it * MC < j.M; it = grab(job)) {
    const m0 = it * MC, m1 = min(j.M, m0 + MC);
    const c = j.c + (<usize>m0 * <usize>j.ldc << 2);
    if (j.op == OP_CONV && j.K <= KC) {
      convDirectRows(g, j.M, j.N, j.K, j.pb, m0, m1, c, j.ldc, j.acc != 0, scratch, j.scratchBytes, j.bias, j.act, j.alpha); // epilogue fused
    } else {
      gemmRows(j, g, m0, m1, c, j.ldc, j.acc != 0, scratch);
      epilogue(c, m1 - m0, j.N, j.ldc, j.bias, j.act, j.alpha);
    }
  }
  return NN_OK;
}
