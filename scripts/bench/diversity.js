#!/usr/bin/env node
// Benchmark of the diversity metrics (issue #4 targets, 2-core machine):
//   all 499,500 MS-SSIM pairs of 1,000 64x64x3 samples   <= 15 s
//   >= 50x faster per pair than ssim.js (timed on a subset, scaled)
//   Vendi (cosine, 32x32 pixels) on 2,000 samples         <= 5 s
//   SWD, 1,000 against 1,000 at 64x64 (issue 12)           <= 3 s
// Prints a table and writes bench/results/diversity.json (atomically).
//   node scripts/bench/diversity.js [--n 1000] [--vendi-n 2000] [--threads 2] [--ssimjs-pairs 300] [--only swd] [--simd plain|relaxed]
// --simd picks the metrics module's build (default: relaxed where Node runs it, see src/wasm/metrics.ts).
// --only swd runs the SWD rows alone and prints them (bench/results/diversity.json is left as it is).
import { writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { loadDist } from '../lib/load-dist.js';

const { syntheticFaces, pairwiseMsssim, pixelFeatures, vendiCosinePool, MetricsPool, scoreDiversity, nodeWorkerFactory: workers, symEigenvalues, slicedWasserstein, useMetricsSimd } = await loadDist();
const require = createRequire(import.meta.url);
const { ssim } = require('ssim.js');

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? Number(process.argv[i + 1]) : def; };
const N = arg('n', 1000), VN = arg('vendi-n', 2000), THREADS = arg('threads', Math.min(2, availableParallelism())), SUB = arg('ssimjs-pairs', 300);

const si = process.argv.indexOf('--simd');
const SIMD = useMetricsSimd(si >= 0 ? process.argv[si + 1] : 'auto');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const now = () => performance.now() / 1000;
// CPU seconds of the whole process (all threads): less sensitive than wall
// time to other processes on a shared machine.
let cpuMark = process.cpuUsage();
const cpuSince = () => { const c = process.cpuUsage(cpuMark); cpuMark = process.cpuUsage(); return (c.user + c.system) / 1e6; };
const rows = [];
const row = (name, seconds, target, note = '') => { rows.push({ name, seconds, cpu_seconds: cpuSince(), target, ok: target === null ? null : seconds <= target, note }); };

const set = syntheticFaces(N, 64, 1);
const totalPairs = (N * (N - 1)) / 2;
const pad = (s, n) => String(s).padEnd(n);
const printRows = () => {
  console.log(pad('benchmark', 78) + pad('wall s', 9) + pad('cpu s', 9) + pad('target', 9) + 'note');
  for (const x of rows) console.log(pad(x.name, 78) + pad(x.seconds.toFixed(2), 9) + pad(x.cpu_seconds.toFixed(2), 9) + pad(x.target === null ? '' : `<= ${x.target}${x.ok ? '' : ' !'}`, 9) + x.note);
  console.log(`load average at the end: ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores (shared machines: compare cpu s)`);
};

// 0. SWD (ProGAN's 3 levels x 128 patches per image x 4 x 128 directions), N against N at 64x64
let t = now();
cpuSince();
const swdSet = syntheticFaces(N, 64, 6);
cpuSince();
t = now();
const swd = await slicedWasserstein(set, swdSet, { threads: THREADS, workers });
const tSwd = now() - t;
row(`SWD ${N} vs ${N} (64x64: 3 levels, ${N * 128} patches, 512 directions; ${THREADS} threads, ${SIMD} SIMD)`, tSwd, 3, `x1e3 ${swd.per_level.map((v) => v.toFixed(1)).join(' / ')}, avg ${swd.avg.toFixed(1)}`);
// the same on a pool that is already running, as `diversity.js --ref` computes it (its pool
// starts before MS-SSIM): the sets still go to the workers inside the timing
{
  const running = await MetricsPool.create(THREADS, workers);
  cpuSince();
  t = now();
  const again = await slicedWasserstein(set, swdSet, { pool: running });
  row(`SWD ${N} vs ${N} on a running ${THREADS}-worker pool (as diversity.js --ref)`, now() - t, null, again.avg === swd.avg ? 'same values' : `differs: avg ${again.avg}`);
  running?.close();
}
t = now();
await slicedWasserstein({ ...set, n: 200, data: set.data.subarray(0, 200 * 64 * 64 * 3) }, { ...swdSet, n: 200, data: swdSet.data.subarray(0, 200 * 64 * 64 * 3) }, { threads: 1 });
row(`SWD 1 thread (200 vs 200, scaled x5; ${SIMD} SIMD)`, (now() - t) * (N / 200), null);
rows[rows.length - 1].cpu_seconds *= N / 200;
if (process.argv.includes('--only')) { printRows(); process.exit(0); }

// 1. MS-SSIM over all pairs, pool of THREADS workers
t = now();
cpuSince();
const ms = await pairwiseMsssim(set, { threads: THREADS, workers });
const tMs = now() - t;
row(`MS-SSIM all ${totalPairs} pairs (${N}x64x64, ${THREADS} threads)`, tMs, 15, `mean ${ms.mean.toFixed(4)}`);
t = now();
cpuSince();
const small = { ...set, n: 200, data: set.data.subarray(0, 200 * 64 * 64 * 3) };
await pairwiseMsssim(small, { threads: 1 });
const tOne = (now() - t) * (totalPairs / 19900);
row('MS-SSIM 1 thread (all 19,900 pairs of 200, scaled)', tOne, null);
rows[rows.length - 1].cpu_seconds *= totalPairs / 19900;
t = now();
await pairwiseMsssim(set, { threads: THREADS, workers, pairs: 20000, seed: 5 });
row(`MS-SSIM --pairs 20000 random pairs of ${N} (${THREADS} threads)`, now() - t, null);

// 2. ssim.js (single-scale SSIM, RGBA ImageData) on a subset, scaled
const rgba = (i) => {
  const d = new Uint8ClampedArray(64 * 64 * 4);
  for (let p = 0; p < 64 * 64; p++) { d[p * 4] = set.data[(i * 4096 + p) * 3]; d[p * 4 + 1] = set.data[(i * 4096 + p) * 3 + 1]; d[p * 4 + 2] = set.data[(i * 4096 + p) * 3 + 2]; d[p * 4 + 3] = 255; }
  return { data: d, width: 64, height: 64 };
};
const imgs = Array.from({ length: 40 }, (_, i) => rgba(i));
const perPair = {};
for (const mode of ['weber', 'original']) {
  t = now();
  cpuSince();
  let c = 0;
  outer: for (let i = 0; i < 40; i++) for (let j = i + 1; j < 40; j++) { ssim(imgs[i], imgs[j], { ssim: mode }); if (++c >= SUB) break outer; }
  perPair[mode] = (now() - t) / c;
  row(`ssim.js '${mode}' (SSIM only), ${c} pairs scaled to ${totalPairs}`, perPair[mode] * totalPairs, null);
  rows[rows.length - 1].cpu_seconds *= totalPairs / c;
}
const ours = tMs / totalPairs;
const speedup = perPair.weber / ours;
const speedupOrig = perPair.original / ours;
const speedupOne = perPair.weber / (tOne / totalPairs);
const cpuOf = (prefix) => rows.find((x) => x.name.startsWith(prefix)).cpu_seconds;
const speedupCpu = cpuOf("ssim.js 'weber'") / cpuOf('MS-SSIM all');

// 3. Vendi on VN samples (features + Gram + eigenvalues)
const vset = syntheticFaces(VN, 64, 2);
t = now();
cpuSince();
const pool = await MetricsPool.create(THREADS, workers);
const feats = pixelFeatures(vset, 32);
const tF = now() - t;
const vendi = await vendiCosinePool(feats, VN, 32 * 32 * 3, pool);
pool?.close();
const tV = now() - t;
row(`Vendi cosine, ${VN} samples (32x32x3 features, ${THREADS}-thread Gram, ${VN}x${VN} eigen)`, tV, 5, `vendi ${vendi.toFixed(3)}; features ${tF.toFixed(2)} s`);

// 3b. eigen-solver accuracy at n = VN: diag(l) conjugated by 4 random
// Householder reflections has the known spectrum l.
{
  const n = VN;
  let sd = 12345;
  const rnd = () => { sd = (Math.imul(sd, 1664525) + 1013904223) >>> 0; return sd / 4294967296; };
  const l = Array.from({ length: n }, (_, i) => (i < n / 4 ? Math.exp(-i / 50) : 0));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = l[i];
  for (let r = 0; r < 4; r++) {
    const u = Float64Array.from({ length: n }, () => rnd() - 0.5);
    const nr = Math.hypot(...u);
    for (let i = 0; i < n; i++) u[i] /= nr;
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) { let s2 = 0; for (let j = 0; j < n; j++) s2 += a[i * n + j] * u[j]; w[i] = s2; }
    let c = 0;
    for (let i = 0; i < n; i++) c += u[i] * w[i];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += -2 * u[i] * w[j] - 2 * w[i] * u[j] + 4 * c * u[i] * u[j];
  }
  t = now();
  cpuSince();
  const ev = symEigenvalues(a, n);
  const want = [...l].sort((x, y) => x - y);
  let err = 0;
  for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(ev[i] - want[i]));
  row(`eigenvalues of a dense ${n}x${n} with a known spectrum`, now() - t, null, `max error / max eigenvalue ${(err / want[n - 1]).toExponential(1)}`);
}

// 4. the trainer's case: 256 samples vs a 256 reference, everything
const g = syntheticFaces(256, 64, 3), r = syntheticFaces(256, 64, 4);
t = now();
cpuSince();
const rep = await scoreDiversity(g, { ref: r, threads: THREADS, workers });
row('scoreDiversity 256 samples + 256 reference (all scores)', now() - t, 3, `verdict ${rep.verdict}`);
const g2 = syntheticFaces(256, 64, 5);
t = now();
cpuSince();
await scoreDiversity(g2, { ref: r, threads: THREADS, workers });
row('  again, same reference object (its scores and bins cached): the trainer case', now() - t, 3);

printRows();
console.log(`speed-up per pair vs ssim.js: ${speedup.toFixed(0)}x (weber, default), ${speedupOrig.toFixed(0)}x ('original'), ${speedupOne.toFixed(0)}x one thread vs one thread (weber), ${speedupCpu.toFixed(0)}x in CPU seconds (weber)  [target >= 50x]`);

const out = {
  date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: loadavg() }, threads: THREADS,
  msssim: { n: N, pairs: totalPairs, seconds: tMs, seconds_one_thread_est: tOne, pairs_per_second: totalPairs / tMs },
  ssimjs: { seconds_per_pair: perPair, speedup_vs_weber: speedup, speedup_vs_original: speedupOrig, speedup_one_thread_vs_weber: speedupOne, speedup_cpu_seconds_vs_weber: speedupCpu, subset_pairs: SUB },
  vendi: { n: VN, seconds: tV, value: vendi },
  swd: { n: N, size: 64, simd: SIMD, seconds: tSwd, per_level: swd.per_level, avg: swd.avg },
  trainer_case: { seconds_first: rows[rows.length - 2].seconds, seconds_cached_reference: rows[rows.length - 1].seconds },
  rows,
};
const file = join(root, 'bench', 'results', 'diversity.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(`${file}.tmp-${process.pid}`, JSON.stringify(out, null, 2) + '\n');
renameSync(`${file}.tmp-${process.pid}`, file);
console.log(`wrote ${file}`);
