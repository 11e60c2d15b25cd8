// `node scripts/experiments.js [--scale quick|full|tiny] [--out DIR] [--train-args "..."]`
import { quietCommand, parseArgs } from './args';
import { resolve } from 'node:path';
import { runExperiments } from '../experiments/driver';
import { makeProgressBar } from './progress';
import { nodePlatform } from '../platform/node';
import type { Scale } from '../experiments/plan';

export async function runExperimentsCli(argv: string[]): Promise<number> {
  const cmd = quietCommand('experiments.js')
    .description('The course study: DCGAN baseline, the assignment WGAN (clip 0.01), the reports\' collapse setting (clip 0.1), a DCGAN collapsed on purpose (G learning rate 10x D\'s) and its mitigation; then report.md/report.html.')
    .option('--scale <quick|full|tiny>', 'quick: under 30 min on a 2-core CPU; full: the seed sizes; tiny: a smoke test', 'quick')
    .option('--out <DIR>', 'study folder (default runs/experiments-<scale>)')
    .option('--train-args <FLAGS>', 'extra train.js flags for every run, e.g. "--backend cpu --data DIR"');
  const exit = parseArgs(cmd, argv, 'experiments');
  if (exit !== null) return exit;
  const o = cmd.opts();
  if (!['quick', 'full', 'tiny'].includes(o.scale)) {
    process.stderr.write(`experiments: error: --scale must be quick, full or tiny, got ${JSON.stringify(o.scale)}\n`);
    return 2;
  }
  const out = resolve(o.out ?? `runs/experiments-${o.scale}`);
  const trainArgs = o.trainArgs ? String(o.trainArgs).trim().split(/\s+/) : [];
  const { results } = await runExperiments({ scale: o.scale as Scale, store: nodePlatform().openStore(out), trainArgs, bar: makeProgressBar });
  return results.some((r) => r.exitCode === 2) ? 2 : results.some((r) => r.exitCode !== 0) ? 1 : 0;
}
