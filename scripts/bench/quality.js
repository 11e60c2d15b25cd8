#!/usr/bin/env node
// Sample quality of the default run (issue 12 §6): times `node scripts/train.js`
// (no flags but --out: start-up, data loading and training, as a user runs
// it), draws --n samples from the final generator (its EMA weights: what
// scripts/sample.js uses) and scores their sliced Wasserstein distance against
// --ref-n real training images (the run's own data, read at its size as the
// trainer reads it). When a Python with torch is found (--python, default
// /usr/bin/python3: Debian's python3-torch), the course's recipe in PyTorch
// (bench/peer/dcgan_torch.py: same architecture and widths, BCE, Adam 1e-4
// (0.5, 0.999), batch 64, 2 threads) trains on the same pixels (exported as a
// uint8 .npy) for as many seconds as our whole run took, and its samples are
// scored with the same SWD code against the same real images.
// Writes bench/results/quality.json (atomically).
//
//   npm run bench:quality [-- --steps N | --quick] [--n 1000] [--ref-n 1000]
//       [--train-args "--size 64 ..."] [--python PATH | --no-peer] [--peer-seconds S]
//       [--out FILE.json] [--run-dir DIR] [--seed 1]
//
// --quick: 40 steps, 256 samples against 256 reals (a smoke run, not a figure).
// The machine may be shared: wall times and the peer's step count depend on it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { loadDist } from '../lib/load-dist.js';
import { BenchError, parseBenchArgs, runChild as run, writeAtomic, seededPick, datasetRows, machineInfo, fmtSwd as fmt, swdRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const gf = await loadDist();
const { runMain, spawnTracked, loadImageFolder, parseNpy, encodeNpy, slicedWasserstein, nodeWorkerFactory, Rng } = gf;
const runChild = (cmd, args, what) => run(spawnTracked, cmd, args, what, root);

const count = (name) => (v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};
const seconds = (v) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('must be a number of seconds > 0');
  return n;
};

function parseQualityArgs(argv) {
  const cmd = new Command('quality.js')
    .description('Train the default configuration, score SWD of its samples against real training images, and the PyTorch recipe at equal wall time.')
    .option('--steps <N>', 'pass --steps N to train.js (default: the trainer\'s default)', count('--steps'))
    .option('--quick', 'a smoke run: 40 steps, 256 samples against 256 reals')
    .option('--n <N>', 'samples drawn from each generator (default 1000)', count('--n'))
    .option('--ref-n <N>', 'real training images to score against (default 1000)', count('--ref-n'))
    .option('--train-args <ARGS>', 'extra flags for train.js (whitespace-separated), e.g. "--size 64"', '')
    .option('--python <PATH>', 'the Python that runs the PyTorch peer', process.env.GANFORGE_PYTHON || '/usr/bin/python3')
    .option('--no-peer', 'skip the PyTorch peer')
    .option('--peer-seconds <S>', 'the peer\'s wall-clock budget (default: our run\'s wall time)', seconds)
    .option('--out <FILE>', 'results file', join(root, 'bench/results/quality.json'))
    .option('--run-dir <DIR>', 'keep the run (and the exported .npy files) here instead of a temporary folder')
    .option('--seed <N>', 'seed of the real subset, the samples\' z and SWD', count('--seed'), 1);
  const o = parseBenchArgs(cmd, argv);
  if (o === 'help') return 'help';
  if (o.quick && o.steps === undefined) o.steps = 40;
  o.n ??= o.quick ? 256 : 1000;
  o.refN ??= o.quick ? 256 : 1000;
  o.trainArgs = String(o.trainArgs).split(/\s+/).filter(Boolean);
  if (o.trainArgs.some((a) => a === '--out' || a === '--resume')) throw new BenchError('--train-args must not set --out or --resume (the bench owns the run directory)');
  return o;
}

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** Whether `python` imports torch and numpy: { ok, version } or { ok: false, reason }. */
function probeTorch(python) {
  const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { ok: false, reason: `${python} not runnable (${r.error.code ?? r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${python} cannot import torch and numpy (${(r.stderr.trim().split('\n').pop() || `exit ${r.status}`)}; Debian: apt-get install python3-torch python3-numpy)` };
  return { ok: true, version: r.stdout.trim() };
}

async function main(argv) {
  let o;
  try {
    o = parseQualityArgs(argv);
  } catch (e) {
    if (e instanceof BenchError) { process.stderr.write(`quality: error: ${e.message}\n`); return 2; }
    throw e;
  }
  if (o === 'help') return 0;
  const threads = Math.min(2, availableParallelism());
  const work = o.runDir ? resolve(o.runDir) : mkdtempSync(join(tmpdir(), 'gf-quality-'));
  mkdirSync(work, { recursive: true });
  const runDir = join(work, 'run');
  if (existsSync(join(runDir, 'config.json'))) {
    process.stderr.write(`quality: error: ${runDir} already holds a run; give another --run-dir\n`);
    return 2;
  }
  const log = (m) => process.stdout.write(`quality: ${m}\n`);
  const load0 = loadavg();
  try {
    // 1. our default run, timed as a user would time it
    const trainArgs = ['--out', runDir, ...(o.steps !== undefined ? ['--steps', String(o.steps)] : []), ...o.trainArgs];
    log(`node scripts/train.js ${trainArgs.join(' ')}`);
    const ours = await runChild(process.execPath, [join(root, 'scripts/train.js'), ...trainArgs], 'train.js');
    if (ours.code !== 0) { process.stderr.write(`quality: error: train.js exited with code ${ours.code}\n`); return ours.code === 2 ? 2 : 1; }
    const cfg = readJson(join(runDir, 'config.json'));
    const summary = readJson(join(runDir, 'summary.json'));
    log(`trained ${summary.step} steps in ${ours.wall.toFixed(1)} s wall (train.js's own count: ${summary.seconds.toFixed(1)} s of training)`);

    // 2. the real images the run trained on, at its size (the trainer's loader and cache)
    const ds = await loadImageFolder({ dir: cfg.dataset.dir, size: cfg.size });
    const refN = Math.min(o.refN, ds.n);
    const reals = datasetRows(ds, seededPick(ds.n, refN, new Rng(o.seed * 7919 + 13)).sort((a, b) => a - b));

    // 3. samples of our final generator, through sample.js (the EMA weights when the run keeps them)
    const oursNpy = join(work, 'ours-samples.npy');
    const s = await runChild(process.execPath, [join(root, 'scripts/sample.js'), runDir, '--n', String(o.n), '--seed', String(o.seed), '--out', oursNpy], 'sample.js');
    if (s.code !== 0) { process.stderr.write(`quality: error: sample.js exited with code ${s.code}\n`); return 1; }
    const swdOpts = { seed: o.seed, threads, workers: nodeWorkerFactory };
    let t = performance.now();
    const oursSwd = await slicedWasserstein(parseNpy(new Uint8Array(readFileSync(oursNpy))), reals, swdOpts);
    const swdSeconds = (performance.now() - t) / 1000;
    log(`ours: SWD x1e3 ${fmt(oursSwd)} (${o.n} samples vs ${refN} reals, ${swdSeconds.toFixed(1)} s)`);

    // 4. the PyTorch peer, on the same pixels, for our wall time
    let peer;
    const probe = o.peer ? probeTorch(o.python) : { ok: false, reason: '--no-peer' };
    if (!probe.ok) {
      peer = { status: 'skipped', reason: probe.reason };
      log(`peer skipped: ${probe.reason}`);
    } else {
      const dataNpy = join(work, 'train-images.npy');
      writeFileSync(dataNpy, encodeNpy(ds.images, [ds.n, cfg.size, cfg.size, 3]));
      const peerNpy = join(work, 'peer-samples.npy'), peerJson = join(work, 'peer.json');
      const budget = o.peerSeconds ?? ours.wall;
      const args = [join(root, 'bench/peer/dcgan_torch.py'), '--data', dataNpy, '--seconds', String(budget), '--out', peerNpy, '--json', peerJson,
        '--size', String(cfg.size), '--ngf', String(cfg.ngf), '--ndf', String(cfg.ndf), '--z-dim', String(cfg.zDim), '--batch', '64', '--lr', '1e-4',
        '--n', String(o.n), '--threads', String(threads), '--seed', String(o.seed)];
      log(`peer: ${o.python} bench/peer/dcgan_torch.py (torch ${probe.version}) for ${budget.toFixed(1)} s`);
      const p = await runChild(o.python, args, 'dcgan_torch.py');
      if (p.code !== 0) throw new BenchError(`the PyTorch peer exited with code ${p.code}`);
      const ps = readJson(peerJson);
      t = performance.now();
      const peerSwd = await slicedWasserstein(parseNpy(new Uint8Array(readFileSync(peerNpy))), reals, swdOpts);
      log(`peer: ${ps.steps} steps in ${ps.wall_s.toFixed(1)} s; SWD x1e3 ${fmt(peerSwd)}`);
      peer = {
        status: 'done', recipe: 'DCGAN (same architecture, size and widths), BCE, Adam 1e-4 (0.5, 0.999), batch 64, N(0, 0.02) init, BN weight N(1, 0.02); samples in eval mode',
        torch: ps.torch, threads: ps.threads, blas: ps.blas, blas_info: ps.blas_info, budget_s: budget,
        steps: ps.steps, wall_s: ps.wall_s, startup_s: ps.startup_s, train_s: ps.train_s, swd: swdRow(peerSwd),
      };
    }

    const result = {
      date: new Date().toISOString(),
      machine: machineInfo(load0),
      command: `node scripts/train.js ${trainArgs.filter((a, i) => a !== '--out' && trainArgs[i - 1] !== '--out').join(' ')}`.trim(),
      config: { size: cfg.size, ngf: cfg.ngf, ndf: cfg.ndf, zDim: cfg.zDim, batch: cfg.batch, loss: cfg.loss, lr: cfg.lr, lrD: cfg.lrD, ema: cfg.ema, augment: cfg.augment, steps: cfg.steps, backend: cfg.backendUsed?.name ?? cfg.backendUsed ?? cfg.backend, dataset: cfg.dataset },
      scoring: { samples: o.n, reals: refN, seed: o.seed, swd_threads: threads, swd_seconds: swdSeconds, reals_from: 'the run\'s training images at its size, a seeded random subset' },
      ours: { steps: summary.step, wall_s: ours.wall, train_s: summary.seconds, status: summary.status, generator: existsSync(join(runDir, 'checkpoints')) ? 'final checkpoint (EMA weights when kept)' : 'final', swd: swdRow(oursSwd) },
      peer,
    };
    writeAtomic(resolve(o.out), JSON.stringify(result, null, 2) + '\n');
    console.log('');
    console.log(`${'run'.padEnd(28)}${'steps'.padEnd(8)}${'wall s'.padEnd(9)}SWD x1e3 per level (avg)`);
    console.log(`${'ganforge (train.js)'.padEnd(28)}${String(summary.step).padEnd(8)}${ours.wall.toFixed(1).padEnd(9)}${fmt(oursSwd)}`);
    if (peer.status === 'done') console.log(`${'PyTorch recipe'.padEnd(28)}${String(peer.steps).padEnd(8)}${peer.wall_s.toFixed(1).padEnd(9)}${fmt(peer.swd)}`);
    else console.log(`${'PyTorch recipe'.padEnd(28)}skipped: ${peer.reason}`);
    console.log(`load average ${load0.map((v) => v.toFixed(2)).join(' ')} -> ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores; wrote ${resolve(o.out)}`);
    return 0;
  } catch (e) {
    if (e instanceof BenchError) { process.stderr.write(`quality: error: ${e.message}\n`); return e.code; }
    throw e;
  } finally {
    if (!o.runDir) rmSync(work, { recursive: true, force: true });
  }
}

await runMain(() => main(process.argv.slice(2)));
