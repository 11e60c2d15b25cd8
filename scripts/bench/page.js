#!/usr/bin/env node
// The browser page's training step in headless Chromium next to Node's, in one
// run (issue 15: "The browser page uses the same kernels; report its step time
// in headless Chromium next to Node's"). For each config, first Node (the
// wasm backend with our nn kernels on all cores, the SIMD build picked at
// start-up, as bench:train's "wasm + nn kernels" row) and then the page
// (dist/web served cross-origin isolated by scripts/serve.js, headless
// Chromium through playwright-core: the page's own backend init, Web Worker
// threads and SIMD build, trained by its Train button and read through its
// test hook window.ganforge; scripts/bench/page_lib.js). Each figure is the
// median of --steps steps' trainStep times after --warmup steps; the page's
// run is checked to have Node's config and the wasm backend, and its backend
// line (threads, relaxed-SIMD FMA or SIMD mul+add) is reported. Cores busy:
// Node's process CPU time per wall second over its timed steps; the page's,
// its Chromium processes' (Linux /proc) from the end of the warm-up to the end
// of the last timed step (the page trains one more, untimed step, so that its
// run's end, a sample grid and a checkpoint, falls outside). CPU/step:
// step time x cores busy, the figure to compare on a loaded machine.
// Writes bench/results/page.json (atomically).
//
//   npm run bench:page [-- --configs dcgan64,default] [--steps N] [--warmup N]
//       [--quick] [--layers torch|tfjs-same] [--out FILE.json]
//
// dcgan64: the seed DCGAN-64 at batch 64 (bench:train's step); default: the
// default run's config (32x32, width 32, batch 64). --quick: the default
// config only, 1 warm-up and 2 timed steps (a smoke run, not a figure).
// No Chromium ($CHROMIUM_PATH when set, else /usr/bin/chromium, ...): the page
// rows are skipped with a message (exit 0), the Node rows are still timed. Server and Chromium stop with the bench
// (on exit, error and Ctrl-C). The machine may be shared: numbers are noisy.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, availableParallelism, loadavg } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { loadDist } from '../lib/load-dist.js';
import { BenchError, parseBenchArgs, writeAtomic, machineInfo } from './lib.js';
import { PageBenchError, findChromium, openPageSession, timePageSteps } from './page_lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const gf = await loadDist();
const { runMain, tf, GanTrainer, resolveConfig, initBackend, registerWasmTrainingKernels, unregisterWasmTrainingKernels, nodeSpawner } = gf;

/** The configs this bench knows: the seed DCGAN-64 step of bench:train, and the default run's. */
const CONFIGS = {
  dcgan64: (layers) => ({ size: 64, ngf: 64, ndf: 64, zDim: 100, batch: 64, loss: 'bce', layers }),
  default: (layers) => ({ layers }),
};

const count = (name, min) => (v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
  return n;
};

function parsePageArgs(argv) {
  const cmd = new Command('page.js')
    .description('Time the training step of the browser page in headless Chromium next to Node\'s, same configs, same run.')
    .option('--configs <LIST>', `comma-separated, of ${Object.keys(CONFIGS).join(', ')}`, 'dcgan64,default')
    .option('--steps <N>', 'timed steps per config and side (the median is reported; default 2 for dcgan64, 10 for default)', count('--steps', 1))
    .option('--warmup <N>', 'untimed steps first', count('--warmup', 0), 1)
    .option('--quick', 'the default config only, 2 timed steps (a smoke run)')
    .option('--layers <L>', 'the models\' padding: torch or tfjs-same', 'torch')
    .option('--out <FILE>', 'results file (relative: under bench/results/)', 'page.json');
  const o = parseBenchArgs(cmd, argv);
  if (o === 'help') return o;
  const names = o.quick ? ['default'] : String(o.configs).split(',').filter(Boolean);
  const bad = names.filter((n) => !(n in CONFIGS));
  if (bad.length || !names.length) throw new BenchError(`--configs: unknown ${bad.length ? bad.join(', ') : '(empty)'}; known: ${Object.keys(CONFIGS).join(', ')}`, 2);
  if (!['torch', 'tfjs-same'].includes(o.layers)) throw new BenchError(`--layers must be torch or tfjs-same, got ${o.layers}`, 2);
  return { ...o, names, steps: o.steps ?? (o.quick ? 2 : undefined), out: resolve(root, 'bench/results', o.out) };
}

function benchConfig(name, layers) {
  return resolveConfig({ ...CONFIGS[name](layers), steps: 1, seed: 1, sampleEvery: 0, checkpointEvery: 0, diversityEvery: 0 });
}

function randData(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; a[i] = (s / 4294967296) * 2 - 1; }
  return a;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

/** Node: `warmup` + `steps` trainSteps of `cfg` on the current backend; the median of the timed ones. */
function timeNodeSteps(cfg, warmup, steps) {
  const tr = new GanTrainer(cfg);
  try {
    const real = randData(cfg.batch * cfg.size * cfg.size * 3, 7);
    const src = { next: () => real };
    const warm = [];
    for (let i = 0; i < warmup; i++) { const t = performance.now(); tr.trainStep(src); warm.push(performance.now() - t); }
    const times = [];
    const cpu0 = process.cpuUsage(), w0 = performance.now();
    for (let i = 0; i < steps; i++) { const t = performance.now(); tr.trainStep(src); times.push(performance.now() - t); }
    const cpu = process.cpuUsage(cpu0);
    return { stepMs: median(times), allMs: times, warmupMs: warm, coresBusy: (cpu.user + cpu.system) / 1000 / (performance.now() - w0) };
  } finally {
    tr.dispose();
  }
}

const fmtMs = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function main(argv) {
  let o;
  try {
    o = parsePageArgs(argv);
  } catch (e) {
    // bad usage: exit 2 (parseBenchArgs's BenchError carries code 1)
    if (e instanceof BenchError) { process.stderr.write(`bench:page: error: ${e.message}\n`); return 2; }
    throw e;
  }
  if (o === 'help') return 0;
  const load0 = loadavg();
  const cores = availableParallelism?.() ?? cpus().length;
  const { path: chromiumPath, why: noChromium } = findChromium();
  const result = { date: new Date().toISOString(), machine: machineInfo(load0), chromium: chromiumPath ?? null, warmup: o.warmup, rows: [],
    note: 'each figure: the median of the timed steps\' trainStep wall times; Node and the page run one after the other on the same machine' };
  console.log(`bench:page: ${cores} cores; Node ${process.version}; Chromium ${chromiumPath ?? '(none)'}; warm-up ${o.warmup} step(s)`);

  const wasmPath = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
  await initBackend('wasm', { wasmPath, threads: 1 });
  const info = await registerWasmTrainingKernels({ threads: cores, simd: 'auto', spawner: nodeSpawner() });
  const nodeLine = `Node: wasm + nn kernels (${info.simd === 'relaxed' ? 'relaxed-SIMD FMA' : 'SIMD mul+add'}), ${info.threads} thread${info.threads > 1 ? 's' : ''}`;

  let session = null;
  let skipWhy = null;
  if (!chromiumPath) skipWhy = noChromium;
  try {
    for (const name of o.names) {
      const cfg = benchConfig(name, o.layers);
      const steps = o.steps ?? (name === 'dcgan64' ? 2 : 10);
      const what = `${name} (${cfg.size}x${cfg.size}, ngf ${cfg.ngf}, ndf ${cfg.ndf}, z ${cfg.zDim}, batch ${cfg.batch}, ${cfg.loss}, layers ${cfg.layers})`;
      console.log(`\n${what}: median of ${steps} step(s)`);
      const node = timeNodeSteps(cfg, o.warmup, steps);
      const nodeRow = { config: name, side: 'node', path: nodeLine, stepMs: node.stepMs, allMs: node.allMs, warmupMs: node.warmupMs, coresBusy: node.coresBusy, cpuMsPerStep: node.stepMs * node.coresBusy, simd: info.simd, threads: info.threads };
      result.rows.push(nodeRow);
      console.log(`  ${nodeLine.padEnd(70)} ${fmtMs(node.stepMs).padStart(9)}/step  (${node.coresBusy.toFixed(2)} cores busy: ${fmtMs(nodeRow.cpuMsPerStep)} CPU/step)`);
      if (skipWhy) {
        console.log(`  page (headless Chromium): skipped: ${skipWhy}`);
        result.rows.push({ config: name, side: 'page', skipped: skipWhy });
        continue;
      }
      if (!session) {
        try {
          session = await openPageSession(chromiumPath);
          result.chromiumVersion = session.version;
        } catch (e) {
          if (e instanceof PageBenchError) throw e;
          skipWhy = `Chromium at ${chromiumPath} did not start: ${e.message.split('\n')[0]}`;
          console.log(`  page (headless Chromium): skipped: ${skipWhy}`);
          result.rows.push({ config: name, side: 'page', skipped: skipWhy });
          continue;
        }
      }
      // a generous budget: 20x Node's step time per step, plus the page's data and start-up
      const timeoutMs = Math.max(120_000, 20 * node.stepMs * (o.warmup + steps + 1) + 120_000);
      const p = await timePageSteps(session, cfg, { warmup: o.warmup, steps, timeoutMs });
      const path = `page: headless Chromium ${session.version}: ${p.backendLine}`;
      result.rows.push({ config: name, side: 'page', path, stepMs: p.stepMs, allMs: p.allMs, warmupMs: p.warmupMs, backendLine: p.backendLine, threads: p.threads, simd: p.simd,
        crossOriginIsolated: p.crossOriginIsolated, hardwareConcurrency: p.hardwareConcurrency, coresBusy: p.coresBusy, cpuMsPerStep: p.coresBusy !== null ? p.stepMs * p.coresBusy : null, pageOverNode: p.stepMs / node.stepMs });
      console.log(`  ${`page (headless Chromium ${session.version}), ${p.threads} thread${p.threads > 1 ? 's' : ''}, ${p.simd === 'relaxed' ? 'relaxed-SIMD FMA' : 'SIMD mul+add'}`.padEnd(70)} ${fmtMs(p.stepMs).padStart(9)}/step  (${p.coresBusy !== null ? `${p.coresBusy.toFixed(2)} cores busy: ${fmtMs(p.stepMs * p.coresBusy)} CPU/step; ` : ''}${(p.stepMs / node.stepMs).toFixed(2)}x Node's time)`);
      console.log(`    the page's backend line: ${p.backendLine}`);
      if (!p.crossOriginIsolated || p.simd !== 'relaxed' || p.threads < Math.min(cores, 8)) console.log(`    NOTE: the page ran ${p.crossOriginIsolated ? '' : 'not cross-origin isolated, '}${p.threads} thread(s), ${p.simd ?? 'no'} SIMD build (expected ${Math.min(cores, 8)} threads, relaxed)`);
    }
  } catch (e) {
    if (e instanceof PageBenchError || e instanceof BenchError) { process.stderr.write(`bench:page: error: ${e.message}\n`); return 1; }
    throw e;
  } finally {
    await session?.close();
    unregisterWasmTrainingKernels();
  }
  result.machine.loadavg_end = loadavg();
  writeAtomic(o.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nload average ${load0.map((v) => v.toFixed(2)).join(' ')} -> ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cores} cores; wrote ${o.out}`);
  return 0;
}

await runMain(() => main(process.argv.slice(2)));
