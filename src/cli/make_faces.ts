// `node scripts/make-faces.js`: the embedded face dataset, deterministic.
import { quietCommand, parseArgs, intFlag, CliArgError } from './args';
import { makeFaces } from '../platform/faces';
import { DatasetError } from '../data/dataset';
import { makeProgressBar } from './progress';

export async function runMakeFacesCli(argv: string[]): Promise<number> {
  const cmd = quietCommand('make-faces.js')
    .description('Render the embedded anime-style face dataset (DiceBear adventurer + lorelei) as 96x96 JPEG q90 files. Same --n and --seed give the same bytes.')
    .requiredOption('--out <DIR>', 'output folder (created; must be new or empty)')
    .option('--n <N>', 'number of faces', '20000')
    .option('--seed <S>', 'seed', '1')
    .option('--quality <Q>', 'JPEG quality', '90');
  const exit = parseArgs(cmd, argv, 'make-faces');
  if (exit !== null) return exit;
  const o = cmd.opts();
  try {
    const n = intFlag(o.n, '--n', 1, 10_000_000);
    const seed = intFlag(o.seed, '--seed', 0, 4294967295);
    const quality = intFlag(o.quality, '--quality', 1, 100);
    const bar = makeProgressBar('faces');
    const t0 = Date.now();
    const dir = await makeFaces({ n, out: o.out, seed, quality, onProgress: (d, t) => bar.update(d, t) });
    bar.stop();
    process.stdout.write(`${n} faces in ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    return 0;
  } catch (e) {
    if (e instanceof DatasetError || e instanceof CliArgError) {
      process.stderr.write(`make-faces: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
