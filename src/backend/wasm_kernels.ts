// The one list of our kernel registrations for tfjs-backend-wasm (as tfjs's
// register_all_kernels.ts). Call after `await tf.setBackend('wasm')`.
//
// Each of ours replaces the stock kernel (kept, and called for the cases ours
// does not handle: NCHW, dilations, prelu/sigmoid/elu epilogues, broadcast
// batches, non-f32). Conv2DBackpropFilter has no stock kernel in 4.22: ours,
// with the tf-ops version (wasm_baseline.ts) as its fallback.
//
// Measured (npm run bench:train, seed DCGAN-64 shapes, batch 64, 2-core AMD
// EPYC, idle machine; bench/results/train.json). Stock Conv2D (XNNPACK, one
// core) runs 45-47 GFLOP/s on the big shapes, ours 54-60 on one thread and
// 98-118 on two; stock Conv2DBackpropInput 4-5.5 GFLOP/s vs ours 55-118; the
// tf-ops Conv2DBackpropFilter 1-2 vs ours 42-112; dense dW matMul 1 vs 35-66.
// Ties / small losses at one thread only: Conv2D 64x64x3 (24 ms both), dense
// forward (2.4 vs 3.0 ms), Conv2D with Co = 1 (0.3 vs 0.4 ms); the default
// is all cores, where ours wins or ties everywhere, so every one is replaced.
// Sum / Mean / Tile: stock ~1.5 s of a step under load, ours a few ms each.

// Data path of the conv / matmul kernels: each input copied once from the
// tfjs-wasm heap into the nn module's shared memory, the output copied once
// back into a tensor made with backend.makeOutput (~0.3-1 ms per call at the
// seed shapes, <1% of the big layers; D's first layer's 16 MB output takes
// ~3 ms, a fifth of its arithmetic on two threads, so a forward pass with a big
// output copies it out in image chunks while the workers compute the next:
// src/kernels/conv.ts). Sum / Mean / Tile work in place on the tfjs heap.
import { tf } from '../tf';
import type { NnPool } from '../nn/pool';
import { createNnPool, type WorkerSpawner, type NnSimd } from '../nn/pool';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, type ConvGeom } from '../kernels/conv';
import { gemm, type Activation } from '../kernels/gemm';
import { eltwise, type EltMode } from '../kernels/eltwise';
import { columnSums } from '../kernels/batchnorm';
import { registerBaselineConv2DBackpropFilter } from './wasm_baseline';
import { trainKernels } from './wasm_train_kernels';
import { BN_TRAIN_KERNEL, BN_TRAIN_GRAD_KERNEL } from '../gan/batchnorm';
import { ACT_GRAD_KERNEL, installActivationGradients } from '../gan/activation_grads';
import { ADAM_KERNEL, RMSPROP_KERNEL } from '../gan/optimizer_fused';
import { CONV_BIAS_ACT_KERNEL, installConvBiasActGradient } from '../gan/conv_fused';

export interface WasmKernelsInfo { threads: number; note?: string; /** 'relaxed': the kernels use relaxed-SIMD FMA; 'plain': 128-bit mul + add. */ simd?: NnSimd }
type KernelArgs = { inputs: Record<string, any>; backend: any; attrs: Record<string, any> };
type KernelFunc = (args: KernelArgs) => any;

/** Which of ours are registered (all by default; the benchmark compares). */
export const OUR_KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul', 'Sum', 'Mean', 'Tile',
  'Relu', 'LeakyRelu', 'Tanh', 'Identity', CONV_BIAS_ACT_KERNEL,
  BN_TRAIN_KERNEL, BN_TRAIN_GRAD_KERNEL, ACT_GRAD_KERNEL, ADAM_KERNEL, RMSPROP_KERNEL] as const;
export type OurKernel = (typeof OUR_KERNELS)[number];

let pool: NnPool | null = null;
const stock = new Map<string, KernelFunc>();
const ours = new Set<string>();

function f32In(backend: any, t: any): Float32Array {
  const d = backend.dataIdMap.get(t.dataId);
  return new Float32Array(backend.wasm.HEAPU8.buffer, d.memoryOffset, tf.util.sizeFromShape(t.shape));
}

function geomOf(info: tf.backend_util.Conv2DInfo): ConvGeom {
  return {
    B: info.batchSize, H: info.inHeight, W: info.inWidth, Ci: info.inChannels, Co: info.outChannels,
    OH: info.outHeight, OW: info.outWidth, KH: info.filterHeight, KW: info.filterWidth,
    sh: info.strideHeight, sw: info.strideWidth, pt: info.padInfo.top, pl: info.padInfo.left,
  };
}

const ACTS: Record<string, Activation> = { linear: 'linear', relu: 'relu', relu6: 'relu6', leakyrelu: 'leakyrelu' };
const isF32 = (...ts: any[]) => ts.every((t) => t == null || t.dtype === 'float32');
const dilated = (d: any) => d != null && (Array.isArray(d) ? d.some((v: number) => v !== 1) : d !== 1);

/** How often each of ours ran on the nn kernels vs fell back (tests, benchmarks). */
export const nnKernelStats = { ours: {} as Record<string, number>, fallback: {} as Record<string, number> };
const count = (m: Record<string, number>, k: string) => { m[k] = (m[k] ?? 0) + 1; };

function fallback(name: string, args: KernelArgs) {
  count(nnKernelStats.fallback, name);
  const f = stock.get(name);
  if (!f) throw new Error(`wasm ${name}: case not supported by the nn kernels and no stock kernel`);
  return f(args);
}

/** Conv2D, FusedConv2D, and ganforge's conv + bias + activation (src/gan/conv_fused.ts), whose fallback is the stock FusedConv2D. */
function conv2DKernel(name: 'Conv2D' | 'FusedConv2D' | typeof CONV_BIAS_ACT_KERNEL) {
  const stockName = name === CONV_BIAS_ACT_KERNEL ? 'FusedConv2D' : name;
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { x, filter, bias, preluActivationWeights } = inputs;
    const act = ACTS[attrs.activation ?? 'linear'];
    const Co = filter.shape[3];
    if (!pool || attrs.dataFormat === 'NCHW' || dilated(attrs.dilations) || preluActivationWeights || !act || !isF32(x, filter, bias)
      || (bias && tf.util.sizeFromShape(bias.shape) !== Co && tf.util.sizeFromShape(bias.shape) !== 1)) return fallback(stockName, args);
    const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const out = backend.makeOutput(info.outShape, 'float32');
    let b: Float32Array | undefined;
    if (bias) { b = f32In(backend, bias); if (b.length === 1) b = new Float32Array(Co).fill(b[0]); }
    count(nnKernelStats.ours, name);
    conv2d(pool, geomOf(info), f32In(backend, x), f32In(backend, filter), { bias: b, activation: act, alpha: attrs.leakyreluAlpha ?? 0.2 }, backend.typedArrayFromHeap(out));
    return out;
  };
}

function conv2DBackpropInputKernel(args: KernelArgs) {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  if (!pool || attrs.dataFormat === 'NCHW' || !isF32(dy, filter)) return fallback('Conv2DBackpropInput', args);
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  if (!tf.util.arraysEqual(dy.shape, info.outShape)) return fallback('Conv2DBackpropInput', args);
  const out = backend.makeOutput(info.inShape, 'float32');
  count(nnKernelStats.ours, 'Conv2DBackpropInput');
  conv2dBackpropInput(pool, geomOf(info), f32In(backend, dy), f32In(backend, filter), backend.typedArrayFromHeap(out));
  return out;
}

function conv2DBackpropFilterKernel(args: KernelArgs) {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  if (!pool || attrs.dataFormat === 'NCHW' || !isF32(x, dy)) return fallback('Conv2DBackpropFilter', args);
  const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  if (!tf.util.arraysEqual(dy.shape, info.outShape)) return fallback('Conv2DBackpropFilter', args);
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  count(nnKernelStats.ours, 'Conv2DBackpropFilter');
  conv2dBackpropFilter(pool, geomOf(info), f32In(backend, x), f32In(backend, dy), backend.typedArrayFromHeap(out));
  return out;
}

function matMulKernel(name: 'BatchMatMul' | '_FusedMatMul') {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { a, b, bias, preluActivationWeights } = inputs;
    const act = ACTS[attrs.activation ?? 'linear'];
    const ra = a.shape.length, rb = b.shape.length;
    if (!pool || preluActivationWeights || !act || !isF32(a, b, bias) || ra < 2 || rb < 2) return fallback(name, args);
    const tA = !!attrs.transposeA, tB = !!attrs.transposeB;
    const M = tA ? a.shape[ra - 1] : a.shape[ra - 2], K = tA ? a.shape[ra - 2] : a.shape[ra - 1];
    const K2 = tB ? b.shape[rb - 1] : b.shape[rb - 2], N = tB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2)), batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const sameBatch = tf.util.arraysEqual(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (K !== K2 || !(batchA === 1 && batchB === 1) && !sameBatch) return fallback(name, args);
    if (bias && tf.util.sizeFromShape(bias.shape) !== N && tf.util.sizeFromShape(bias.shape) !== 1) return fallback(name, args);
    const outShape = [...(ra >= rb ? a.shape : b.shape).slice(0, -2), M, N];
    const out = backend.makeOutput(outShape, 'float32');
    let bv: Float32Array | undefined;
    if (bias) { bv = f32In(backend, bias); if (bv.length === 1) bv = new Float32Array(N).fill(bv[0]); }
    const av = f32In(backend, a), bw = f32In(backend, b), ov = backend.typedArrayFromHeap(out) as Float32Array;
    const opts = { transposeA: tA, transposeB: tB, bias: bv, activation: act, alpha: attrs.leakyreluAlpha ?? 0.2 };
    count(nnKernelStats.ours, name);
    for (let i = 0; i < batchA; i++) {
      gemm(pool, av.subarray(i * M * K, (i + 1) * M * K), bw.subarray(i * K * N, (i + 1) * K * N), M, N, K, opts, ov.subarray(i * M * N, (i + 1) * M * N));
    }
    return out;
  };
}

// Sum / Mean over a leading run of axes (per-channel statistics of NHWC:
// BatchNorm, bias gradients), a trailing run (per-sample norms) or all axes,
// and Tile (BatchNorm's gradient broadcasts with it): stock tfjs-wasm
// transposes first / copies element by element, which cost ~15% of a DCGAN
// step. These run in place on the tfjs heap (no copies), f64 accumulators.
// Leading-axes sums of at least this many values (D's first-layer bias gradient is 0.5-2 M) run
// on the nn pool (copy in + f32x4 column sums on every thread), smaller ones here in JS.
const POOL_SUM_MIN = 1 << 16;

function reduceKernel(name: 'Sum' | 'Mean') {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank === 0) return fallback(name, args);
    const axes = [...new Set(tf.util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
    const n = axes.length;
    const leading = axes.every((a, i) => a === i), trailing = axes.every((a, i) => a === rank - n + i);
    if (n === 0 || (!leading && !trailing)) return fallback(name, args);
    const outShape = x.shape.filter((_: number, i: number) => !axes.includes(i));
    const keepShape = x.shape.map((d: number, i: number) => (axes.includes(i) ? 1 : d));
    const out = backend.makeOutput(attrs.keepDims ? keepShape : outShape, 'float32');
    const src = f32In(backend, x), dst = backend.typedArrayFromHeap(out) as Float32Array;
    const red = axes.reduce((p, a) => p * x.shape[a], 1), keep = src.length / Math.max(red, 1);
    const scale = name === 'Mean' ? 1 / red : 1;
    count(nnKernelStats.ours, name);
    if (leading && pool && src.length >= POOL_SUM_MIN && keep <= 4096) { // big column sums (bias gradients): one SIMD pool job
      const acc = columnSums(pool, src, red, keep);
      for (let c = 0; c < keep; c++) dst[c] = acc[c] * scale;
    } else if (leading) { // [red, keep]: column sums
      const acc = new Float64Array(keep);
      for (let r = 0, o = 0; r < red; r++, o += keep) for (let c = 0; c < keep; c++) acc[c] += src[o + c];
      for (let c = 0; c < keep; c++) dst[c] = acc[c] * scale;
    } else { // [keep, red]: row sums
      for (let r = 0, o = 0; r < keep; r++, o += red) {
        let a = 0;
        for (let c = 0; c < red; c++) a += src[o + c];
        dst[r] = a * scale;
      }
    }
    return out;
  };
}

function tileKernel(args: KernelArgs) {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const reps: number[] = attrs.reps;
  if (x.dtype === 'string' || x.shape.length === 0 || reps.length !== x.shape.length) return fallback('Tile', args);
  const s: number[] = x.shape, rank = s.length;
  const o = s.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(o, x.dtype);
  const src = backend.typedArrayFromHeap(x), dst = backend.typedArrayFromHeap(out);
  if (dst.length === 0) return out;
  count(nnKernelStats.ours, 'Tile');
  const outInner = new Array(rank).fill(1), srcInner = new Array(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) { outInner[d] = outInner[d + 1] * o[d + 1]; srcInner[d] = srcInner[d + 1] * s[d + 1]; }
  // Fill the block for axes d.. at dstOff from the source block at srcOff; repeats are bulk copies.
  const fill = (d: number, srcOff: number, dstOff: number) => {
    if (d === rank - 1) dst.set(src.subarray(srcOff, srcOff + s[d]), dstOff);
    else for (let i = 0; i < s[d]; i++) fill(d + 1, srcOff + i * srcInner[d], dstOff + i * outInner[d]);
    const block = s[d] * outInner[d];
    for (let r = 1; r < reps[d]; r++) dst.copyWithin(dstOff + r * block, dstOff, dstOff + block);
  };
  fill(0, 0, 0);
  return out;
}

// Relu, LeakyRelu, Tanh: stock tfjs-wasm runs them on one core without SIMD
// (LeakyRelu and Tanh were ~8% of a default-config step); ours are one nn-pool
// job each (src/kernels/eltwise.ts). Non-f32 inputs fall back to the stock kernel.
function activationKernel(name: 'Relu' | 'LeakyRelu' | 'Tanh', mode: EltMode) {
  return (args: KernelArgs) => {
    const { inputs: { x }, backend, attrs } = args;
    if (!pool || x.dtype !== 'float32') return fallback(name, args);
    const out = backend.makeOutput(x.shape, 'float32');
    count(nnKernelStats.ours, name);
    eltwise(pool, mode, f32In(backend, x), null, mode === 'leakyRelu' ? Math.fround(attrs.alpha ?? 0.2) : 0, backend.typedArrayFromHeap(out));
    return out;
  };
}

// Identity (tfjs clones every tensor a customGrad op or the tape saves: ~130
// per step): stock tfjs-wasm copies the data; tensors are immutable (a
// variable's assign swaps its data id), so sharing the data, as tfjs's cpu
// backend does, gives the same tensor without the copy.
function identityKernel(args: KernelArgs) {
  const { inputs: { x }, backend } = args;
  backend.incRef(x.dataId);
  count(nnKernelStats.ours, 'Identity');
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const KERNELS: Record<OurKernel, KernelFunc> = {
  Relu: activationKernel('Relu', 'relu'),
  LeakyRelu: activationKernel('LeakyRelu', 'leakyRelu'),
  Tanh: activationKernel('Tanh', 'tanh'),
  Identity: identityKernel,
  ...trainKernels(() => pool, (name) => count(nnKernelStats.ours, name)),
  Sum: reduceKernel('Sum'),
  Mean: reduceKernel('Mean'),
  Tile: tileKernel,
  Conv2D: conv2DKernel('Conv2D'),
  FusedConv2D: conv2DKernel('FusedConv2D'),
  [CONV_BIAS_ACT_KERNEL]: conv2DKernel(CONV_BIAS_ACT_KERNEL),
  Conv2DBackpropInput: conv2DBackpropInputKernel,
  Conv2DBackpropFilter: conv2DBackpropFilterKernel,
  BatchMatMul: matMulKernel('BatchMatMul'),
  _FusedMatMul: matMulKernel('_FusedMatMul'),
};

/**
 * Registers our training kernels for the 'wasm' backend (idempotent; a new
 * thread count restarts the pool). `threads` (default 1) workers are started
 * with `spawner`, the platform's (src/platform/): without one the kernels run
 * on one thread. `kernels` limits which of ours replace the stock ones (benchmarks);
 * Conv2DBackpropFilter is always registered (baseline when not ours).
 */
export async function registerWasmTrainingKernels(opts: { threads?: number; spawner?: WorkerSpawner; kernels?: readonly OurKernel[]; simd?: NnSimd | 'auto' } = {}): Promise<WasmKernelsInfo> {
  const threads = Math.max(1, opts.threads && opts.threads > 0 ? Math.floor(opts.threads) : 1);
  const simd = opts.simd ?? 'auto';
  if (pool && ((pool.threads !== threads && !pool.note) || (simd !== 'auto' && pool.simd !== simd))) { pool.dispose(); pool = null; }
  registerBaselineConv2DBackpropFilter();
  installActivationGradients();
  installConvBiasActGradient();
  if (!pool) {
    try {
      pool = await createNnPool(threads, opts.spawner, { simd });
    } catch (e) {
      // Training still works on stock kernels + the baseline filter gradient, only slower.
      return { threads: 1, note: `nn kernels unavailable (${(e as Error).message}): stock tfjs-wasm with the baseline Conv2DBackpropFilter` };
    }
  }
  const want = new Set<string>(opts.kernels ?? OUR_KERNELS);
  for (const name of OUR_KERNELS) {
    const current = tf.getKernel(name, 'wasm');
    if (!ours.has(name) && current) stock.set(name, current.kernelFunc as KernelFunc);
    if (current) tf.unregisterKernel(name, 'wasm');
    if (want.has(name)) {
      tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: KERNELS[name] as any });
      ours.add(name);
    } else if (stock.has(name)) {
      tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: stock.get(name) as any });
      ours.delete(name);
    }
  }
  return { threads: pool.threads, note: pool.note, simd: pool.simd };
}

/** The running nn pool (null before registerWasmTrainingKernels): the benchmark's peak loop runs on it. */
export function currentNnPool(): NnPool | null { return pool; }

/** Names of the kernels that are ours right now (the profiler marks them). */
export function ourRegisteredKernels(): ReadonlySet<string> { return new Set(ours); }

/** Puts the stock kernels back (and the baseline Conv2DBackpropFilter) and stops the workers. */
export function unregisterWasmTrainingKernels(): void {
  for (const name of OUR_KERNELS) {
    if (!ours.has(name)) continue;
    tf.unregisterKernel(name, 'wasm');
    const s = stock.get(name);
    if (s) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: s as any });
    ours.delete(name);
  }
  pool?.dispose();
  pool = null;
}
