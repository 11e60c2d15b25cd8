#!/usr/bin/env node
// What DiffAugment buys on a small dataset (issue 12 §4): trains the same
// configuration twice on a --subset of the images (default 200 of the
// embedded faces), once with --augment none and once with --augment POLICY
// (default color,translation,cutout), for the same steps, and scores the
// sliced Wasserstein distance of --n samples of each final (EMA) generator
// against --ref-n other images of the set, none of them in the subset. The
// subset itself is scored against them too: the floor a generator that
// reproduced its 200 training images exactly would reach.
// Writes bench/results/augment.json (atomically).
//
//   node scripts/bench/augment.js [--steps 500] [--subset 200] [--n 1000] [--ref-n 1000]
//       [--train-args "--ngf 16 --ndf 16"] [--policy color,translation,cutout]
//       [--data DIR | --faces 20000] [--out FILE.json] [--run-dir DIR] [--seed 1]
//
// The machine may be shared: wall times depend on it, the SWD figures do not.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { loadDist } from '../lib/load-dist.js';
import { BenchError, parseBenchArgs, runChild as run, writeAtomic, seededPick, datasetRows, machineInfo, fmtSwd, swdRow } from './lib.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { runMain, spawnTracked, loadImageFolder, listImageFiles, ensureDefaultFaces, parseNpy, slicedWasserstein, nodeWorkerFactory, Rng } = await loadDist();
const runChild = (cmd, args, what) => run(spawnTracked, cmd, args, what, root);

const count = (name) => (v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};

function parseArgs(argv) {
  const cmd = new Command('augment.js')
    .description('Train on a small subset with and without DiffAugment for the same steps; score SWD against held-out images of the set.')
    .option('--steps <N>', 'training steps of each run', count('--steps'), 500)
    .option('--subset <N>', 'training images drawn from the set', count('--subset'), 200)
    .option('--n <N>', 'samples drawn from each generator', count('--n'), 1000)
    .option('--ref-n <N>', 'held-out images (not in the subset) to score against', count('--ref-n'), 1000)
    .option('--policy <LIST>', 'the DiffAugment policy of the augmented run', 'color,translation,cutout')
    .option('--train-args <ARGS>', 'extra flags for both train.js runs (whitespace-separated)', '')
    .option('--data <DIR>', 'the image set (default: the embedded faces)')
    .option('--faces <N>', 'size of the embedded face set when --data is not given', count('--faces'), 20000)
    .option('--out <FILE>', 'results file', join(root, 'bench/results/augment.json'))
    .option('--run-dir <DIR>', 'keep the runs here instead of a temporary folder')
    .option('--seed <N>', 'seed of the subset, the held-out images, the samples\' z and SWD', count('--seed'), 1);
  const o = parseBenchArgs(cmd, argv);
  if (o === 'help') return 'help';
  o.trainArgs = String(o.trainArgs).split(/\s+/).filter(Boolean);
  if (o.trainArgs.some((a) => ['--out', '--resume', '--data', '--augment', '--steps', '--epochs'].includes(a))) {
    throw new BenchError('--train-args must not set --out, --resume, --data, --augment, --steps or --epochs (the bench sets them)');
  }
  if (o.policy === 'none') throw new BenchError('--policy none would train the same run twice');
  return o;
}

/** A folder of symlinks to `files` (paths relative to `dir`). */
function linkFolder(dir, files, to) {
  mkdirSync(to, { recursive: true });
  files.forEach((f, i) => symlinkSync(resolve(dir, f), join(to, `${String(i).padStart(6, '0')}-${f.replace(/[\\/]/g, '_')}`)));
  return to;
}

async function main(argv) {
  let o;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof BenchError) { process.stderr.write(`augment: error: ${e.message}\n`); return 2; }
    throw e;
  }
  if (o === 'help') return 0;
  const log = (m) => process.stdout.write(`augment: ${m}\n`);
  const load0 = loadavg();
  const work = o.runDir ? resolve(o.runDir) : mkdtempSync(join(tmpdir(), 'gf-augment-'));
  if (existsSync(join(work, 'subset'))) { process.stderr.write(`augment: error: ${work} already holds a study; give another --run-dir\n`); return 2; }
  try {
    const dir = o.data ? resolve(o.data) : await ensureDefaultFaces({ n: o.faces, log });
    let files;
    try { files = listImageFiles(dir).map((f) => f.path); } catch (e) { throw new BenchError(e.message, 2); }
    if (files.length < o.subset + 16) throw new BenchError(`${dir} has ${files.length} images; the study needs --subset ${o.subset} plus at least 16 held out`, 2);
    const pick = seededPick(files.length, o.subset + o.refN, new Rng(o.seed * 104729 + 7));
    const subsetFiles = pick.slice(0, o.subset).map((i) => files[i]);
    const heldFiles = pick.slice(o.subset).map((i) => files[i]);
    const subsetDir = linkFolder(dir, subsetFiles, join(work, 'subset'));
    const heldDir = linkFolder(dir, heldFiles, join(work, 'heldout'));
    log(`${o.subset} training images and ${heldFiles.length} held-out images of ${files.length} in ${dir}`);

    const threads = Math.min(2, availableParallelism());
    const swdOpts = { seed: o.seed, threads, workers: nodeWorkerFactory };
    const runs = [];
    let reals = null, size = null;
    for (const augment of ['none', o.policy]) {
      const out = join(work, `run-${augment === 'none' ? 'none' : 'augment'}`);
      const args = ['--data', subsetDir, '--out', out, '--steps', String(o.steps), '--augment', augment, '--seed', String(o.seed), ...o.trainArgs];
      log(`node scripts/train.js ${args.join(' ')}`);
      const t = await runChild(process.execPath, [join(root, 'scripts/train.js'), ...args], 'train.js');
      if (t.code !== 0) { process.stderr.write(`augment: error: train.js exited with code ${t.code}\n`); return t.code === 2 ? 2 : 1; }
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      if (!reals) {
        size = cfg.size;
        const held = await loadImageFolder({ dir: heldDir, size, cache: false });
        reals = datasetRows(held, Array.from({ length: held.n }, (_, i) => i));
      }
      const npy = join(work, `samples-${augment === 'none' ? 'none' : 'augment'}.npy`);
      const s = await runChild(process.execPath, [join(root, 'scripts/sample.js'), out, '--n', String(o.n), '--seed', String(o.seed), '--out', npy], 'sample.js');
      if (s.code !== 0) { process.stderr.write(`augment: error: sample.js exited with code ${s.code}\n`); return 1; }
      const swd = await slicedWasserstein(parseNpy(new Uint8Array(readFileSync(npy))), reals, swdOpts);
      log(`--augment ${augment}: ${summary.step} steps in ${t.wall.toFixed(1)} s; SWD x1e3 ${fmtSwd(swd)}`);
      runs.push({ augment, steps: summary.step, status: summary.status, wall_s: t.wall, train_s: summary.seconds, config: { size: cfg.size, ngf: cfg.ngf, ndf: cfg.ndf, batch: cfg.batch, lr: cfg.lr, ema: cfg.ema, backend: cfg.backendUsed?.name ?? cfg.backend }, swd: swdRow(swd) });
    }
    const sub = await loadImageFolder({ dir: subsetDir, size, cache: false });
    const floor = await slicedWasserstein(datasetRows(sub, Array.from({ length: sub.n }, (_, i) => i)), reals, swdOpts);
    log(`the ${sub.n} training images themselves: SWD x1e3 ${fmtSwd(floor)}`);
    const [none, aug] = runs;
    const result = {
      date: new Date().toISOString(),
      machine: machineInfo(load0),
      study: { data: dir, images: files.length, subset: o.subset, heldout: reals.n, samples: o.n, steps: o.steps, policy: o.policy, train_args: o.trainArgs.join(' '), seed: o.seed },
      runs,
      subset_itself: { n: sub.n, swd: swdRow(floor) },
      reduction_avg: 1 - aug.swd.avg / none.swd.avg,
      reduction_per_level: aug.swd.per_level.map((v, i) => 1 - v / none.swd.per_level[i]),
    };
    writeAtomic(resolve(o.out), JSON.stringify(result, null, 2) + '\n');
    console.log('');
    console.log(`${'--augment'.padEnd(28)}${'steps'.padEnd(8)}${'wall s'.padEnd(9)}SWD x1e3 per level (avg)`);
    for (const r of runs) console.log(`${r.augment.padEnd(28)}${String(r.steps).padEnd(8)}${r.wall_s.toFixed(1).padEnd(9)}${fmtSwd(r.swd)}`);
    console.log(`${`(the ${sub.n} training images)`.padEnd(45)}${fmtSwd(floor)}`);
    console.log(`augmentation changes the average SWD by ${(-100 * result.reduction_avg).toFixed(1)}% (negative: lower, better); wrote ${resolve(o.out)}`);
    return 0;
  } catch (e) {
    if (e instanceof BenchError) { process.stderr.write(`augment: error: ${e.message}\n`); return e.code; }
    throw e;
  } finally {
    if (!o.runDir) rmSync(work, { recursive: true, force: true });
  }
}

await runMain(() => main(process.argv.slice(2)));
