#!/usr/bin/env node
// Training-step benchmark for the seed DCGAN-64 (batch 64: one D update + one
// G update, Adam, BCE) on every backend in ONE process, plus a per-kernel
// table for each conv geometry of the model. Writes bench/results/train.json.
//
//   npm run bench:train [-- --steps N --quick --skip webgl,cpu,baseline,kernels,peak,plain,torch,steps --out train.json --batch 64 --profile --layers torch|tfjs-same]
//
// --skip steps: no timed steps of ours (the kernel table and the profile only).
//
// --layers: the models' padding (default torch, the seed's padding=2; tfjs-same
// is the padding of runs from before the PyTorch bridge), for a comparison.
// torch: the same step in PyTorch (scripts/bench/torch_dcgan.py) through
// /usr/bin/python3 when it can import torch (skipped with a message otherwise).
// --profile: one more step (all threads, ours) with every wasm kernel timed:
// exclusive ms per tfjs kernel name, its share of the step, ours or stock,
// and the time outside any kernel (tape, bookkeeping, JS).
// The SIMD peak (skip: peak) is 12 independent f32x4 mul+add chains per
// thread on the nn pool (assembly/nn/peak.ts); each step row says which
// fraction of the peak at its thread count it reached.
//
// --out: a bare or relative name is written under bench/results/; an absolute
// path is taken as given (its folder is made). --batch: the batch of the
// timed steps (default 64; figures are scaled to 64, a smaller batch is for
// quick checks only).
//
// FLOPs = 2 x multiply-adds of the convolutions and dense layers that a step
// needs (forward; filter gradients; input gradients except where the input is
// data or noise). Elementwise ops and BatchNorm are not counted.
// The browser page's step in headless Chromium, next to Node's for the same
// configs in the same run: npm run bench:page (scripts/bench/page.js).
// The machine may be shared: numbers are noisy.
import { createRequire } from 'node:module';
import { dirname, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = process.env.GANFORGE_DIST ?? join(root, 'dist/node/index.js');
const gf = await import(dist);
const { tf, GanTrainer, resolveConfig, initBackend, registerWasmTrainingKernels, unregisterWasmTrainingKernels, registerBaselineConv2DBackpropFilter, nnKernelStats, profileKernels, ourRegisteredKernels, currentNnPool, measureSimdPeak, simdPeak, nodeSpawner, nodePlatform, CONV_BIAS_ACT_KERNEL } = gf;
const require = createRequire(import.meta.url);

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const quick = argv.includes('--quick');
const PROFILE = argv.includes('--profile');
const STEPS = Number(opt('steps', quick ? 1 : 2));
const skip = new Set(String(opt('skip', '')).split(',').filter(Boolean));
const cores = os.availableParallelism?.() ?? os.cpus().length;
const B = 64;
const LAYERS = opt('layers', 'torch');
if (!['torch', 'tfjs-same'].includes(LAYERS)) throw new Error(`--layers must be torch or tfjs-same, got ${LAYERS}`);
const PAD = LAYERS === 'torch' ? 2 : 'same';
const TIMED_BATCH = Number(opt('batch', B));
function usage(msg) { process.stderr.write(`bench:train: ${msg}\n`); process.exit(2); }
if (!Number.isInteger(STEPS) || STEPS < 1) usage(`--steps must be a positive integer, got '${opt('steps')}'`);
if (!Number.isInteger(TIMED_BATCH) || TIMED_BATCH < 1) usage(`--batch must be a positive integer, got '${opt('batch')}'`);
const outDir = join(root, 'bench', 'results');
const outArg = opt('out', 'train.json');
if (outArg === undefined || outArg === '' || outArg.startsWith('--')) usage('--out needs a file name or path');
// resolve() keeps an absolute path as given and puts a relative one under bench/results/.
const outPath = resolve(outDir, outArg);

// ---- FLOP model of the seed DCGAN-64 ---------------------------------------
// Conv geometries (x [S, S, Ci] -> y [S/2, S/2, Co], 5x5 s2, pad 2 or 'same'); each is a
// D conv and (transposed, y -> x) a G convT.
const GEOMS = [
  { name: '64x64x3 -> 32x32x64', S: 64, Ci: 3, Co: 64, K: 5, s: 2, pad: PAD, roles: 'D conv0 / G out' },
  { name: '32x32x64 -> 16x16x128', S: 32, Ci: 64, Co: 128, K: 5, s: 2, pad: PAD, roles: 'D conv1 / G up3' },
  { name: '16x16x128 -> 8x8x256', S: 16, Ci: 128, Co: 256, K: 5, s: 2, pad: PAD, roles: 'D conv2 / G up2' },
  { name: '8x8x256 -> 4x4x512', S: 8, Ci: 256, Co: 512, K: 5, s: 2, pad: PAD, roles: 'D conv3 / G up1' },
  { name: '4x4x512 -> 1x1x1 (4x4 valid)', S: 4, Ci: 512, Co: 1, K: 4, s: 1, pad: 'valid', roles: 'D out' },
];
const outSize = (g) => (typeof g.pad === 'number' ? Math.floor((g.S + 2 * g.pad - g.K) / g.s) + 1 : g.pad === 'same' ? Math.ceil(g.S / g.s) : Math.ceil((g.S - g.K + 1) / g.s));
const convFlops = (g, b) => 2 * b * outSize(g) ** 2 * g.Co * g.K * g.K * g.Ci;
function stepFlops(b) {
  const c = GEOMS.map((g) => convFlops(g, b));
  const dense = 2 * b * 100 * 8192;
  const Dfwd = c.reduce((p, q) => p + q, 0);
  const Dbpf = Dfwd, DbpiNoIn = Dfwd - c[0], Dbpi = Dfwd;
  const Gconv = c[0] + c[1] + c[2] + c[3];
  const Gfwd = dense + Gconv, Gbpf = dense + Gconv, Gbpi = Gconv;
  const dStep = Gfwd + 2 * (Dfwd + Dbpf + DbpiNoIn);
  const gStep = Gfwd + Dfwd + Dbpi + Gbpf + Gbpi;
  return dStep + gStep;
}

// ---- helpers -------------------------------------------------------------
const now = () => performance.now();
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const wasmPath = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
function log(...a) { console.log(...a); }

function randData(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; a[i] = (s / 4294967296) * 2 - 1; }
  return a;
}

function benchConfig(b) {
  return resolveConfig({ size: 64, ngf: 64, ndf: 64, zDim: 100, batch: b, steps: 1, loss: 'bce', layers: LAYERS, seed: 1, sampleEvery: 0, checkpointEvery: 0, diversityEvery: 0 });
}

/** One warm-up step, then one step with every kernel of the current backend timed. */
function profileStep(b) {
  const tr = new GanTrainer(benchConfig(b));
  const real = randData(b * 64 * 64 * 3, 7);
  const src = { next: () => real };
  tr.trainStep(src);
  const p = profileKernels(tf.getBackend(), () => tr.trainStep(src), ourRegisteredKernels());
  tr.dispose();
  return p;
}

// Back to the event loop between steps, so that Ctrl-C / SIGTERM (handled by
// src/platform/lifetime.ts once a tracked child such as Xvfb exists) is seen
// after the current step instead of after the whole row.
const breathe = () => new Promise((r) => setImmediate(r));

/** Times `steps` DCGAN steps (after one warm-up step unless told not to) at batch `b` on the current backend. */
async function timeSteps(b, steps, warmup = true) {
  const tr = new GanTrainer(benchConfig(b));
  const real = randData(b * 64 * 64 * 3, 7);
  const src = { next: () => real };
  const t0 = now();
  if (warmup) tr.trainStep(src);
  const warm = now() - t0;
  await breathe();
  const times = [];
  const cpu0 = process.cpuUsage(), w0 = now();
  for (let i = 0; i < steps; i++) { const t = now(); tr.trainStep(src); times.push(now() - t); await breathe(); }
  const cpu = process.cpuUsage(cpu0);
  // Cores this process kept busy while timing (all threads): < threads means it was starved.
  const coresBusy = (cpu.user + cpu.system) / 1000 / (now() - w0);
  const leak = tf.memory().numTensors;
  tr.dispose();
  return { warmupMs: warm, stepMs: median(times), allMs: times, numTensors: leak, coresBusy };
}

// ---- per-kernel table ---------------------------------------------------------
function kernelTimes(label, reps) {
  const rows = [];
  for (const g of GEOMS) {
    const OH = outSize(g);
    const xShape = [B, g.S, g.S, g.Ci], fShape = [g.K, g.K, g.Ci, g.Co], yShape = [B, OH, OH, g.Co];
    const x = tf.tensor4d(randData(B * g.S * g.S * g.Ci, 1), xShape);
    const w = tf.tensor4d(randData(g.K * g.K * g.Ci * g.Co, 2), fShape);
    const dy = tf.tensor4d(randData(B * OH * OH * g.Co, 3), yShape);
    const attrs = { strides: g.s, pad: g.pad, dataFormat: 'NHWC', dilations: 1 };
    const bias = tf.tensor1d(randData(g.Co, 4));
    const kernels = {
      Conv2D: () => tf.engine().runKernel('Conv2D', { x, filter: w }, attrs),
      Conv2DBackpropInput: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }),
      Conv2DBackpropFilter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }),
    };
    // D's first convolution as a training step runs it: conv + bias + LeakyReLU in one kernel (src/gan/conv_fused.ts)
    if (g.Ci === 3 && CONV_BIAS_ACT_KERNEL && tf.getKernel(CONV_BIAS_ACT_KERNEL, tf.getBackend())) {
      kernels[`Conv2D+bias+leaky`] = () => tf.engine().runKernel(CONV_BIAS_ACT_KERNEL, { x, filter: w, bias }, { strides: g.s, pad: g.pad, activation: 'leakyrelu', leakyreluAlpha: 0.2 });
    }
    const flops = convFlops(g, B);
    for (const [kname, fn] of Object.entries(kernels)) {
      const times = [];
      const cpu0 = process.cpuUsage(), w0 = now();
      for (let r = 0; r < reps + 1; r++) {
        // The wasm kernels are synchronous: the output tensor is complete when runKernel returns.
        // No dataSync(): a training step never reads a conv output back to JS, and reading back
        // costs a fresh copy of the output (~10 ms for D's first layer's 16 MB, more than its
        // arithmetic on two threads).
        const t = now();
        const out = fn();
        const dt = now() - t;
        out.dispose();
        if (r > 0) times.push(dt);
      }
      const ms = median(times);
      const cpu = process.cpuUsage(cpu0);
      const coresBusy = (cpu.user + cpu.system) / 1000 / (now() - w0);
      // Copy cost estimate: typed-array copies of the same sizes (inputs in, output out).
      const sizes = { Conv2D: [x.size, w.size, dy.size], 'Conv2D+bias+leaky': [x.size, w.size, dy.size], Conv2DBackpropInput: [dy.size, w.size, x.size], Conv2DBackpropFilter: [x.size, dy.size, w.size] }[kname];
      rows.push({ path: label, geometry: g.name, roles: g.roles, kernel: kname, ms, gflops: flops / ms / 1e6, coresBusy, copyMs: copyCost(sizes) });
    }
    tf.dispose([x, w, dy, bias]);
  }
  const dense = [
    ['dense fwd [64x100]@[100x8192]', [B, 100], [100, 8192], false, false],
    ['dense dW [100x64]@[64x8192]', [B, 100], [B, 8192], true, false],
  ];
  for (const [name, as, bs, tA, tB] of dense) {
    const a = tf.tensor2d(randData(as[0] * as[1], 4), as), b = tf.tensor2d(randData(bs[0] * bs[1], 5), bs);
    const M = tA ? as[1] : as[0], K = tA ? as[0] : as[1], N = tB ? bs[0] : bs[1];
    const times = [];
    for (let r = 0; r < reps + 1; r++) { const t = now(); const o = tf.matMul(a, b, tA, tB); const dt = now() - t; o.dispose(); if (r > 0) times.push(dt); }
    const ms = median(times);
    rows.push({ path: label, geometry: name, roles: 'G fc', kernel: 'BatchMatMul', ms, gflops: (2 * M * N * K) / ms / 1e6, copyMs: copyCost([a.size, b.size, M * N]) });
    tf.dispose([a, b]);
  }
  return rows;
}

const copyBuf = { src: new Float32Array(1), dst: new Float32Array(1) };
function copyCost(sizes) {
  const n = Math.max(...sizes);
  if (copyBuf.src.length < n) { copyBuf.src = new Float32Array(n); copyBuf.dst = new Float32Array(n); }
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = now();
    for (const s of sizes) copyBuf.dst.set(copyBuf.src.subarray(0, s));
    best = Math.min(best, now() - t);
  }
  return best;
}

// ---- webgl on headless-gl ---------------------------------------------------
// The platform's own GL factory: a private Xvfb on a free display, waited for,
// tracked by the process lifetime (stopped however the bench ends), as train.js uses it.
const createGl = () => nodePlatform().createGl();

// ---- run ---------------------------------------------------------------------------
const flops64 = stepFlops(B);
const result = {
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores, batch: B, stepsTimed: STEPS, layers: LAYERS,
  flopsPerStepBatch64: flops64, note: 'shared machine: other jobs were running; numbers are noisy', steps: [], kernels: [],
};
log(`DCGAN-64 step (layers ${LAYERS}): ${(flops64 / 1e9).toFixed(1)} GFLOP at batch ${B}; ${cores} cores; timing median of ${STEPS} step(s) after 1 warm-up`);

function record(path, b, r, extra = {}) {
  const scale = B / b;
  const stepMs = r.stepMs * scale;
  const gflops = stepFlops(b) / r.stepMs / 1e6;
  // Per CPU-second of this process: less sensitive to other jobs on a shared machine.
  const gflopsPerCpuSecond = gflops / r.coresBusy;
  const row = { path, batch: b, measuredStepMs: r.stepMs, stepMsAtBatch64: stepMs, gflops, warmupMs: r.warmupMs, allMs: r.allMs, coresBusy: r.coresBusy, gflopsPerCpuSecond, ...extra };
  result.steps.push(row);
  log(`  ${path.padEnd(44)} batch ${String(b).padStart(2)}  ${(stepMs / 1000).toFixed(2).padStart(8)} s/step @64${b !== B ? ' (scaled)' : '         '}  ${gflops.toFixed(2).padStart(6)} GFLOP/s  (${r.coresBusy.toFixed(2)} cores busy; ${gflopsPerCpuSecond.toFixed(1)} GFLOP per CPU-s)`);
  return row;
}

await initBackend('wasm', { wasmPath, threads: 1 });
const kernelReps = quick ? 1 : 3;

// ours, 1 thread and all threads
result.peak = [];
// ours: 1 thread and all threads on the build picked at start-up (relaxed-SIMD FMA where the engine
// takes it), then all threads on the plain-SIMD build for comparison (skip: plain)
const runs = [...new Set([1, cores])].map((threads) => ({ threads, simd: 'auto' }));
if (!skip.has('plain')) runs.push({ threads: cores, simd: 'plain' });
for (const { threads, simd } of runs) {
  const info = await registerWasmTrainingKernels({ threads, simd, spawner: nodeSpawner() });
  const build = info.simd === 'relaxed' ? 'relaxed-SIMD FMA' : 'SIMD mul+add';
  const path = `wasm + nn kernels (${build}), ${info.threads} thread${info.threads > 1 ? 's' : ''}`;
  let peak = null, fmaPeak = null;
  if (!skip.has('peak')) {
    for (const fma of info.simd === 'relaxed' ? [false, true] : [false]) {
      // best of 3 runs by GFLOP per CPU-second, each run's CPU time its own (a shared machine
      // takes cores away at random: wall-clock best and average busy cores would not match)
      const probe = measureSimdPeak(currentNnPool(), { fma, reps: 1, targetMs: 100 });
      const iters = Math.max(1000, Math.round(probe.flops / (currentNnPool().threads * 8 * 96) * 300 / probe.ms));
      let p = null;
      for (let rep = 0; rep < 3; rep++) {
        const cpu0 = process.cpuUsage(), w0 = now();
        const q = simdPeak(currentNnPool(), currentNnPool().threads * 8, iters, fma);
        const cpu = process.cpuUsage(cpu0);
        q.coresBusy = (cpu.user + cpu.system) / 1000 / (now() - w0);
        if (!p || q.gflops / q.coresBusy > p.gflops / p.coresBusy) p = q;
      }
      const coresBusy = p.coresBusy;
      if (fma) fmaPeak = p; else peak = p;
      result.peak.push({ threads: info.threads, fma, gflops: p.gflops, coresBusy, gflopsPerCpuSecond: p.gflops / coresBusy });
      log(`  ${`wasm SIMD peak (f32x4 ${fma ? 'relaxed_madd' : 'mul+add'}), ${info.threads} thread${info.threads > 1 ? 's' : ''}`.padEnd(44)} ${p.gflops.toFixed(1).padStart(6)} GFLOP/s  (${coresBusy.toFixed(2)} cores busy)`);
    }
  }
  const row = skip.has('steps') ? null : record(path, TIMED_BATCH, await timeSteps(TIMED_BATCH, STEPS), { note: info.note, simd: info.simd });
  if (peak && row) {
    // The peak is the issue's: f32x4 mul + add. On a shared machine the wall-clock ratio mixes in
    // how much CPU each got, so per CPU-second too; and against the FMA loop where there is one.
    row.fractionOfPeak = row.gflops / peak.gflops;
    row.fractionOfPeakPerCpuSecond = row.gflopsPerCpuSecond / (peak.gflops / peak.coresBusy);
    if (fmaPeak) row.fractionOfFmaPeakPerCpuSecond = row.gflopsPerCpuSecond / (fmaPeak.gflops / fmaPeak.coresBusy);
    log(`  ${''.padEnd(44)} = ${(100 * row.fractionOfPeak).toFixed(0)}% of the mul+add peak measured just before (same run); per CPU-second ${(100 * row.fractionOfPeakPerCpuSecond).toFixed(0)}%${fmaPeak ? `, ${(100 * row.fractionOfFmaPeakPerCpuSecond).toFixed(0)}% of the FMA peak` : ''}`);
  }
  if (!skip.has('kernels')) result.kernels.push(...kernelTimes(path, kernelReps));
}
// the profile below runs on the build picked at start-up
if (PROFILE && !skip.has('plain')) await registerWasmTrainingKernels({ threads: cores, simd: 'auto', spawner: nodeSpawner() });
if (PROFILE) {
  const p = profileStep(TIMED_BATCH);
  const shareOf = (pred) => p.rows.filter(pred).reduce((s, r) => s + r.ms, 0) / p.totalMs;
  result.profile = { batch: TIMED_BATCH, threads: currentNnPool()?.threads ?? 1, totalMs: p.totalMs, kernelMs: p.kernelMs, otherMs: p.otherMs,
    oursShare: shareOf((r) => r.ours), stockShare: shareOf((r) => !r.ours), otherShare: p.otherMs / p.totalMs, rows: p.rows };
  log(`\nprofile of one step (batch ${TIMED_BATCH}, ${result.profile.threads} threads): ${p.totalMs.toFixed(0)} ms; ours ${(100 * result.profile.oursShare).toFixed(1)}%, stock kernels ${(100 * result.profile.stockShare).toFixed(1)}%, outside kernels ${(100 * result.profile.otherShare).toFixed(1)}%`);
  log(`  ${'kernel'.padEnd(26)} ${'calls'.padStart(6)} ${'ms'.padStart(9)} ${'share'.padStart(7)}  whose`);
  for (const r of p.rows) {
    if (r.ms < 0.005 * p.totalMs && r !== p.rows[0]) continue;
    log(`  ${r.kernel.padEnd(26)} ${String(r.calls).padStart(6)} ${r.ms.toFixed(1).padStart(9)} ${(100 * r.share).toFixed(1).padStart(6)}%  ${r.ours ? 'ours' : 'stock'}`);
  }
  const small = p.rows.filter((r) => r.ms < 0.005 * p.totalMs);
  if (small.length) log(`  ${`(${small.length} more < 0.5% each)`.padEnd(26)} ${String(small.reduce((s, r) => s + r.calls, 0)).padStart(6)} ${small.reduce((s, r) => s + r.ms, 0).toFixed(1).padStart(9)} ${(100 * shareOf((r) => r.ms < 0.005 * p.totalMs)).toFixed(1).padStart(6)}%`);
  log(`  ${'(outside kernels)'.padEnd(26)} ${''.padStart(6)} ${p.otherMs.toFixed(1).padStart(9)} ${(100 * p.otherMs / p.totalMs).toFixed(1).padStart(6)}%`);
}
log(`  (nn kernel calls: ${JSON.stringify(nnKernelStats.ours)}; fallbacks: ${JSON.stringify(nnKernelStats.fallback)})`);

// stock tfjs-wasm (XNNPACK) + only the baseline Conv2DBackpropFilter
if (!skip.has('baseline')) {
  unregisterWasmTrainingKernels();
  registerBaselineConv2DBackpropFilter();
  record('stock tfjs-wasm + baseline BackpropFilter', TIMED_BATCH, await timeSteps(TIMED_BATCH, Math.min(STEPS, 1)));
  if (!skip.has('kernels')) result.kernels.push(...kernelTimes('stock tfjs-wasm (+baseline BPF)', kernelReps));
}

// PyTorch peer (Debian's python3-torch through /usr/bin/python3), same batch, in this run
if (!skip.has('torch')) {
  const py = process.env.GANFORGE_TORCH_PYTHON ?? '/usr/bin/python3';
  const probe = existsSync(py) ? spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }) : null;
  if (!probe || probe.status !== 0) {
    const why = !probe ? `${py} does not exist` : `${py} cannot import torch (${(probe.stderr || '').trim().split('\n').pop()})`;
    log(`  PyTorch: skipped (${why}; apt-get install python3-torch)`);
    result.steps.push({ path: 'pytorch', error: why });
  } else {
    const r = spawnSync(py, [join(root, 'scripts/bench/torch_dcgan.py'), '--batch', String(TIMED_BATCH), '--steps', String(STEPS)], { encoding: 'utf8', timeout: 3_600_000 });
    const line = r.status === 0 ? r.stdout.trim().split('\n').pop() : null;
    if (!line) {
      log(`  PyTorch: failed (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`);
      result.steps.push({ path: 'pytorch', error: r.stderr });
    } else {
      const t = JSON.parse(line);
      const gflops = stepFlops(TIMED_BATCH) / t.stepMs / 1e6;
      const stepMs = t.stepMs * (B / TIMED_BATCH);
      result.steps.push({ path: `PyTorch ${t.torch} CPU, ${t.threads} threads`, batch: TIMED_BATCH, measuredStepMs: t.stepMs, stepMsAtBatch64: stepMs, gflops, allMs: t.allMs });
      log(`  ${`PyTorch ${t.torch} CPU, ${t.threads} threads`.padEnd(44)} batch ${String(TIMED_BATCH).padStart(2)}  ${(stepMs / 1000).toFixed(2).padStart(8)} s/step @64${TIMED_BATCH !== B ? ' (scaled)' : '         '}  ${gflops.toFixed(2).padStart(6)} GFLOP/s`);
    }
  }
}

if (!skip.has('webgl')) {
  try {
    const info = await initBackend('webgl', { createGl });
    const b = Number(opt('webgl-batch', 8));
    record(`tfjs-webgl (headless-gl: ${info.renderer})`, b, await timeSteps(b, 1));
  } catch (e) {
    log(`  tfjs-webgl: skipped (${e.message})`);
    result.steps.push({ path: 'tfjs-webgl', error: e.message });
  }
}

if (!skip.has('cpu')) {
  await tf.setBackend('cpu');
  // cpu: no warm-up step (it would cost minutes; its first step has no shader/JIT cost worth excluding)
  record('tfjs-cpu', 8, await timeSteps(8, 1, false));
}

// ---- report ------------------------------------------------------------------
const best = result.steps.find((s) => s.path.startsWith('wasm + nn') && s.path.includes(`${cores} thread`)) ?? result.steps[0];
const plainRow = result.steps.find((s) => s.simd === 'plain' && s.path.includes(`${cores} thread`));
if (best && plainRow && best !== plainRow) {
  result.relaxedSpeedup = plainRow.stepMsAtBatch64 / best.stepMsAtBatch64;
  log(`  relaxed-SIMD FMA build over the plain build (${cores} threads, same run): ${result.relaxedSpeedup.toFixed(2)}x`);
}
const base = result.steps.find((s) => s.path.startsWith('stock tfjs-wasm'));
const torchRow = result.steps.find((s) => s.path.startsWith('PyTorch'));
if (best && torchRow) {
  result.speedVsPytorch = torchRow.stepMsAtBatch64 / best.stepMsAtBatch64;
  log(`  ours (${cores} threads) vs PyTorch, same run: ${result.speedVsPytorch.toFixed(2)}x PyTorch's speed`);
}
if (best && base) {
  result.speedupVsBaseline = base.stepMsAtBatch64 / best.stepMsAtBatch64;
  log(`  speed-up of ours (${cores} threads) over stock wasm: ${result.speedupVsBaseline.toFixed(2)}x`);
}
if (result.kernels.length) {
  log('\nper-kernel (batch 64, median; runKernel to its output tensor, no read-back; GFLOP/s = 2 x MACs / time; copy = typed-array copies of the same sizes):');
  log(`  ${'path'.padEnd(34)} ${'geometry'.padEnd(32)} ${'kernel'.padEnd(21)} ${'ms'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'copy ms'.padStart(8)} ${'cores'.padStart(6)}`);
  for (const k of result.kernels) {
    log(`  ${k.path.padEnd(34)} ${k.geometry.padEnd(32)} ${k.kernel.padEnd(21)} ${k.ms.toFixed(1).padStart(8)} ${k.gflops.toFixed(2).padStart(8)} ${k.copyMs.toFixed(2).padStart(8)} ${k.coresBusy != null ? k.coresBusy.toFixed(2).padStart(6) : ''}`);
  }
}
mkdirSync(dirname(outPath), { recursive: true });
const tmp = `${outPath}.tmp-${process.pid}`;
writeFileSync(tmp, JSON.stringify(result, null, 2) + '\n');
renameSync(tmp, outPath);
log(`\nwrote ${relative(process.cwd(), outPath).startsWith('..') ? outPath : relative(process.cwd(), outPath)}`);
unregisterWasmTrainingKernels();
process.exit(0);
