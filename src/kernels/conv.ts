// Typed wrapper for assembly/nn/conv.ts: NHWC Conv2D (+bias, activation),
// Conv2DBackpropInput and Conv2DBackpropFilter on the nn pool, dilation 1.
//
//   x [B, H, W, Ci], w [KH, KW, Ci, Co], y / dy [B, OH, OW, Co]
//   pt / pl: top / left padding (bottom / right follow from OH / OW).
import type { NnPool } from '../nn/pool';
import { ACT_CODE, OP_CONV, OP_CONV_BPF, OP_CONV_BPI, OP_CONV_BPF_PIX, OP_CONV_BPI_FUSED, allocScratch, packB, writeJob, type Activation } from './gemm';

export interface ConvGeom {
  B: number; H: number; W: number; Ci: number; Co: number;
  OH: number; OW: number; KH: number; KW: number;
  sh: number; sw: number; pt: number; pl: number;
}

function geomArr(g: ConvGeom, x: number) {
  return [x, g.B, g.H, g.W, g.Ci, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw, g.pt, g.pl] as [number, number, number, number, number, number, number, number, number, number, number, number, number];
}
const size = (...d: number[]) => d.reduce((p, q) => p * q, 1);

function need(name: string, a: ArrayLike<number>, n: number) {
  if (a.length < n) throw new Error(`conv: ${name} has ${a.length} values, need ${n}`);
}

export interface ConvOptions { bias?: Float32Array; activation?: Activation; alpha?: number }

/**
 * Image chunks of a pass with a big input or output (D's first layer: a 16 MB output, the
 * 3-channel input gradient: a 16 MB dy): the copies between the caller's arrays and the nn
 * memory run on the main thread and would leave the other cores idle for as long. In chunks
 * of whole images, each chunk's output is copied out and the next chunk's input in while
 * the workers compute the next chunk. Chosen by shape only; an image's result does not
 * depend on the chunk it is computed in (same sums, same order), so chunking changes no bit.
 */
const CHUNK_MIN_BYTES = 2 << 20;
/** Relative sizes of the chunks: the last one, whose copy-out nothing overlaps, smaller. */
const CHUNK_WEIGHTS = [2, 2, 2, 2, 1];
function imageChunks(B: number, bytes: number): number {
  return bytes < CHUNK_MIN_BYTES ? 1 : Math.min(B, CHUNK_WEIGHTS.length);
}
/** Chunks of the forward pass (by its input + output bytes). */
export function forwardChunks(g: ConvGeom): number {
  return imageChunks(g.B, (g.H * g.W * g.Ci + g.OH * g.OW * g.Co) * g.B * 4);
}
/** Chunks of the fused (few-column) input gradient: its dy and dx are the forward's output and input, so the forward's count. */
export function inputGradChunks(g: ConvGeom): number {
  return usesFusedInputGrad(g) ? forwardChunks(g) : 1;
}
/** First image of each chunk, then B: whole images, every chunk at least one. */
function chunkStarts(B: number, chunks: number): number[] {
  const w = CHUNK_WEIGHTS.slice(CHUNK_WEIGHTS.length - chunks);
  const total = w.reduce((p, q) => p + q, 0);
  const starts = [0];
  let acc = 0;
  for (let i = 0; i < chunks; i++) { acc += w[i]; starts.push(Math.max(starts[i] + 1, Math.min(B - (chunks - 1 - i), Math.round((acc * B) / total)))); }
  return starts;
}

/**
 * Runs one job per image chunk: src (the caller's input, inPer floats per image) is copied to
 * nn memory at inPtr and the result (outPer floats per image at outPtr) into res, chunk i's
 * output and chunk i+2's input alongside chunk i+1's job. `prepare(copyFirst)` runs the jobs
 * that precede the chunks (packing B), with copyFirst alongside; `job(b0, nb)` writes the job
 * record for images [b0, b0+nb).
 */
function runImageChunks(pool: NnPool, B: number, chunks: number, src: Float32Array, inPer: number, inPtr: number,
  res: Float32Array, outPer: number, outPtr: number, prepare: (copyFirst: () => void) => void, job: (b0: number, nb: number) => number): void {
  const mod = pool.mod;
  const b0 = chunkStarts(B, chunks);
  const copyIn = (i: number) => mod.f32.set(src.subarray(b0[i] * inPer, b0[i + 1] * inPer), (inPtr >>> 2) + b0[i] * inPer);
  const copyOut = (i: number) => res.set(mod.f32.subarray((outPtr >>> 2) + b0[i] * outPer, (outPtr >>> 2) + b0[i + 1] * outPer), b0[i] * outPer);
  prepare(() => copyIn(0));
  const jobs = Array.from({ length: chunks }, (_, i) => job(b0[i], b0[i + 1] - b0[i]));
  for (let i = 0; i < chunks; i++) {
    pool.run(jobs[i], () => {
      if (i + 1 < chunks) copyIn(i + 1);
      if (i > 0) copyOut(i - 1);
    });
  }
  copyOut(chunks - 1);
}

/** y = act(conv2d(x, w) + bias). */
export function conv2d(pool: NnPool, g: ConvGeom, x: Float32Array, w: Float32Array, opts: ConvOptions = {}, out?: Float32Array): Float32Array {
  const M = g.B * g.OH * g.OW, K = g.KH * g.KW * g.Ci, N = g.Co;
  const imgIn = g.H * g.W * g.Ci, imgOut = g.OH * g.OW * N;
  need('x', x, g.B * imgIn); need('w', w, K * N);
  if (out) need('out', out, M * N);
  const mod = pool.mod;
  mod.exports.reset();
  const xp = (mod.exports.alloc(g.B * imgIn * 4) as number) >>> 0;
  const wp = mod.put(w.subarray(0, K * N));
  const biasp = opts.bias ? mod.put(opts.bias.subarray(0, N)) : 0;
  const c = (mod.exports.alloc(M * N * 4) as number) >>> 0;
  const res = out ?? new Float32Array(M * N);
  const act = ACT_CODE[opts.activation ?? 'linear'], alpha = opts.alpha ?? 0;
  let pb = 0, scratch = 0, scratchBytes = 0;
  runImageChunks(pool, g.B, forwardChunks(g), x, imgIn, xp, res, imgOut, c,
    (copyFirst) => { pb = packB(pool, wp, K * N, K, N, N, 1, copyFirst); [scratch, scratchBytes] = allocScratch(pool, OP_CONV, N); },
    (b0, nb) => writeJob(pool, { op: OP_CONV, M: nb * g.OH * g.OW, N, K, pb, c: c + b0 * imgOut * 4, ldc: N, cLen: nb * g.OH * g.OW * N, bias: biasp, act, alpha, scratch, scratchBytes, geom: geomArr({ ...g, B: nb }, xp + b0 * imgIn * 4) }));
  return res;
}

// Few-channel paths (assembly/nn/conv3.ts), chosen by shape only, never by the
// thread count (results must not depend on it): the filter gradient with at
// most BPF_ROWS padded filter rows (KH * roundup4(KW*Ci)) splits the pixels
// into fixed slices; the input gradient with at most BPI_COLS columns
// (KH*KW*Ci) fuses col2im. The forward pass picks its direct path inside wasm.
const BPF_ROWS = 256, BPI_COLS = 256;
/** Pixel slices of the split filter gradient: fixed per shape (24 balances 2, 3, 4, 6 threads). */
const bpfSlices = (pixels: number) => Math.max(1, Math.min(24, Math.ceil(pixels / 256)));
export const usesPixelSplitFilterGrad = (g: ConvGeom) => g.KH * Math.ceil((g.KW * g.Ci) / 4) * 4 <= BPF_ROWS;
export const usesFusedInputGrad = (g: ConvGeom) => g.KH * g.KW * g.Ci <= BPI_COLS;

/** dw [KH, KW, Ci, Co] = sum over pixels of im2col(x)^T dy. */
export function conv2dBackpropFilter(pool: NnPool, g: ConvGeom, x: Float32Array, dy: Float32Array, out?: Float32Array): Float32Array {
  const M = g.KH * g.KW * g.Ci, K = g.B * g.OH * g.OW, N = g.Co;
  need('x', x, size(g.B, g.H, g.W, g.Ci)); need('dy', dy, K * N);
  const mod = pool.mod;
  mod.exports.reset();
  const xp = mod.put(x.subarray(0, size(g.B, g.H, g.W, g.Ci)));
  const dyp = mod.put(dy.subarray(0, K * N));
  if (usesPixelSplitFilterGrad(g)) {
    // partial sums of S slices of [KH * roundup4(KW*Ci), Co] after a 16-byte header (the done counter)
    const S = bpfSlices(K);
    const part = (mod.exports.alloc(16 + S * g.KH * Math.ceil((g.KW * g.Ci) / 4) * 4 * N * 4) as number) >>> 0;
    mod.i32[part >>> 2] = 0;
    const c = (mod.exports.alloc(M * N * 4) as number) >>> 0;
    const [scratch, scratchBytes] = allocScratch(pool, OP_CONV_BPF_PIX, N);
    pool.run(writeJob(pool, { op: OP_CONV_BPF_PIX, M, N, K, pb: 0, c, ldc: N, cLen: M * N, scratch, scratchBytes, a: dyp, aLen: K * N, dx: part, imgs: S, geom: geomArr(g, xp) }));
    const res = out ?? new Float32Array(M * N);
    res.set(mod.f32.subarray(c >>> 2, (c >>> 2) + M * N));
    return res;
  }
  const pb = packB(pool, dyp, K * N, K, N, N, 1);
  const c = (mod.exports.alloc(M * N * 4) as number) >>> 0;
  const [scratch, scratchBytes] = allocScratch(pool, OP_CONV_BPF, N);
  pool.run(writeJob(pool, { op: OP_CONV_BPF, M, N, K, pb, c, ldc: N, cLen: M * N, scratch, scratchBytes, geom: geomArr(g, xp) }));
  const res = out ?? new Float32Array(M * N);
  res.set(mod.f32.subarray(c >>> 2, (c >>> 2) + M * N));
  return res;
}

/**
 * Images per work item for backprop-input: enough rows (~256) to amortise
 * streaming the packed filter, col scratch bounded (4 MB), and at least
 * ~4 items per thread so the dynamic split can balance.
 */
function imagesPerChunk(g: ConvGeom, threads: number): number {
  const rowsPerImg = g.OH * g.OW;
  const want = Math.max(1, Math.ceil(256 / rowsPerImg));
  const cap = Math.max(1, Math.floor((4 << 20) / (rowsPerImg * g.KH * g.KW * g.Ci * 4)));
  const balance = Math.max(1, Math.floor(g.B / (4 * threads)));
  return Math.max(1, Math.min(want, cap, balance));
}

/** dx [B, H, W, Ci] = col2im(dy @ w^T): the input gradient, i.e. conv2dTranspose(dy, w). */
export function conv2dBackpropInput(pool: NnPool, g: ConvGeom, dy: Float32Array, w: Float32Array, out?: Float32Array): Float32Array {
  const M = g.B * g.OH * g.OW, K = g.Co, N = g.KH * g.KW * g.Ci;
  need('dy', dy, M * K); need('w', w, K * N);
  const dxLen = size(g.B, g.H, g.W, g.Ci);
  if (out) need('out', out, dxLen);
  const mod = pool.mod;
  mod.exports.reset();
  const imgs = imagesPerChunk(g, pool.threads);
  if (usesFusedInputGrad(g)) {
    // dy in and dx out in image chunks, overlapped with the computing (see runImageChunks)
    const imgDy = g.OH * g.OW * K, imgDx = g.H * g.W * g.Ci;
    const dyp = (mod.exports.alloc(M * K * 4) as number) >>> 0;
    const wp = mod.put(w.subarray(0, K * N));
    const dx = (mod.exports.alloc(dxLen * 4) as number) >>> 0;
    const res = out ?? new Float32Array(dxLen);
    let pb = 0, scratch = 0, scratchBytes = 0;
    runImageChunks(pool, g.B, inputGradChunks(g), dy, imgDy, dyp, res, imgDx, dx,
      (copyFirst) => { pb = packB(pool, wp, K * N, K, N, 1, K, copyFirst); [scratch, scratchBytes] = allocScratch(pool, OP_CONV_BPI_FUSED, N); },
      (b0, nb) => writeJob(pool, { op: OP_CONV_BPI_FUSED, M: nb * g.OH * g.OW, N, K, pb, c: 0, ldc: N, scratch, scratchBytes, a: dyp + b0 * imgDy * 4, rsA: K, csA: 1, aLen: nb * imgDy, dx: dx + b0 * imgDx * 4, imgs: Math.min(imgs, nb), geom: geomArr({ ...g, B: nb }, 0) }));
    return res;
  }
  const dyp = mod.put(dy.subarray(0, M * K));
  const wp = mod.put(w.subarray(0, K * N));
  const pb = packB(pool, wp, K * N, K, N, 1, K); // B(co, t*Ci + ci) = w[(t*Ci + ci)*Co + co]
  const dx = (mod.exports.alloc(dxLen * 4) as number) >>> 0;
  const [scratch, scratchBytes] = allocScratch(pool, OP_CONV_BPI, N, imgs, g.OH, g.OW);
  pool.run(writeJob(pool, { op: OP_CONV_BPI, M, N, K, pb, c: 0, ldc: N, scratch, scratchBytes, a: dyp, rsA: K, csA: 1, aLen: M * K, dx, imgs, geom: geomArr(g, 0) }));
  const res = out ?? new Float32Array(dxLen);
  res.set(mod.f32.subarray(dx >>> 2, (dx >>> 2) + dxLen));
  return res;
}
