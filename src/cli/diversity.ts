// node scripts/diversity.js INPUT [--ref DIR] [--json] [--report OUT.html]
//   [--n N|all] [--ref-n N|all] [--pairs N] [--grid ROWSxCOLS] [--pad P]
//   [--range auto|-1,1|0,1|0,255] [--layout auto|nhwc|nchw] [--strict]
//   [--threads T] [--seed S]
// Exit codes: 0 done, 2 bad input (one line on stderr), 1 internal error.
import { availableParallelism, totalmem } from 'node:os';
import { writeFileSync, renameSync } from 'node:fs';
import { scoreDiversity, validateSet, MAX_VENDI_MS, MIN_SAMPLES_FOR_VERDICT, type DiversityReport } from '../metrics/diversity';
import { nodeWorkerFactory } from '../platform/node';
import { loadSampleInput, type LoadedInput, type LoadInputOptions } from '../platform/samples';
import { renderReportHtml } from '../metrics/report_html';
import type { SwdResult } from '../metrics/swd';
import { SampleError, type Layout, type ValueRange } from '../metrics/samples';
import { makeProgressBar } from './progress';
import { intFlag, CliArgError } from './args';

/** Default of --n and --ref-n: bigger inputs are subsampled (seeded) to this many images. */
export const DEFAULT_SAMPLE_LIMIT = 2048;

const USAGE = `usage: node scripts/diversity.js INPUT [--ref DIR] [--json] [--report OUT.html] [--n N|all] [--ref-n N|all]
       [--pairs N] [--grid ROWSxCOLS] [--pad P] [--range auto|-1,1|0,1|0,255] [--layout auto|nhwc|nchw]
       [--strict] [--threads T] [--seed S]
INPUT: a folder of images, a grid image (with --grid), or a .npy (float32/uint8, NHWC or NCHW).
  A folder of the trainer's sample grids (runs/X/samples/step-NNNNNN.png): the newest grid is scored.
--n, --ref-n: at most this many images of INPUT / of the reference (default ${DEFAULT_SAMPLE_LIMIT}): a bigger
  folder or .npy is subsampled, seeded by --seed; only the chosen files are read. 'all' scores everything.
Fewer than ${MIN_SAMPLES_FOR_VERDICT} samples: the scores without a verdict ("too few samples to judge").
With --ref: also the sliced Wasserstein distance (x1e3 per pyramid level); INPUT and the reference must then
  be of one size, at least 16x16.`;

interface Args extends LoadInputOptions { input: string; ref?: string; json: boolean; report?: string; pairs?: number; threads: number; seed: number; n: number; refN: number }

function limitFlag(v: string, flag: string): number {
  return v.trim().toLowerCase() === 'all' ? Infinity : intFlag(v, flag, 2);
}

function parseArgs(argv: string[]): Args | 'help' {
  const a: Args = { input: '', json: false, threads: Math.max(1, Math.min(8, availableParallelism())), seed: 1, n: DEFAULT_SAMPLE_LIMIT, refN: DEFAULT_SAMPLE_LIMIT };
  const need = (i: number, flag: string) => { if (i >= argv.length) throw new SampleError(`${flag} needs a value`); return argv[i]; };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    switch (t) {
      case '-h': case '--help': return 'help';
      case '--json': a.json = true; break;
      case '--strict': a.strict = true; break;
      case '--ref': a.ref = need(++i, t); break;
      case '--report': a.report = need(++i, t); break;
      case '--pairs': a.pairs = intFlag(need(++i, t), t, 1); break;
      case '--threads': a.threads = intFlag(need(++i, t), t, 1); break;
      case '--seed': a.seed = intFlag(need(++i, t), t, 0); break;
      case '--n': a.n = limitFlag(need(++i, t), t); break;
      case '--ref-n': a.refN = limitFlag(need(++i, t), t); break;
      case '--grid': a.grid = need(++i, t); break;
      case '--pad': a.pad = intFlag(need(++i, t), t, 0); break;
      case '--range': {
        const v = need(++i, t);
        if (!['auto', '-1,1', '0,1', '0,255'].includes(v)) throw new SampleError(`--range: expected auto, -1,1, 0,1 or 0,255, got '${v}'`);
        a.range = v as ValueRange; break;
      }
      case '--layout': {
        const v = need(++i, t).toLowerCase();
        if (!['auto', 'nhwc', 'nchw'].includes(v)) throw new SampleError(`--layout: expected auto, nhwc or nchw, got '${v}'`);
        a.layout = v as Layout; break;
      }
      default:
        if (t.startsWith('-')) throw new SampleError(`unknown option ${t}`);
        if (a.input) throw new SampleError(`more than one INPUT ('${a.input}', '${t}')`);
        a.input = t;
    }
  }
  if (!a.input) throw new SampleError('missing INPUT');
  return a;
}

/** e.g. "SWD x1e3 (64/32/16, avg)  12.3 / 8.1 / 9.9, avg 10.1" */
export function swdLine(s: SwdResult): string {
  return `SWD x1e3 (${s.resolutions.join('/')}, avg)  ${s.per_level.map((v) => v.toFixed(1)).join(' / ')}, avg ${s.avg.toFixed(1)}`;
}

function pct(v: number): string { return `${(v * 100).toFixed(1)}%`; }

export function formatSummary(r: DiversityReport): string {
  const L: string[] = [];
  const refCol = (v: string) => (r.ref ? `   (reference ${v})` : '');
  L.push(`samples            ${r.n} (${r.width}x${r.height})${refCol(String(r.ref?.n))}`);
  L.push(`MS-SSIM mean ± std ${r.msssim.mean.toFixed(4)} ± ${r.msssim.std.toFixed(4)} over ${r.msssim.pairs} pairs${refCol(r.ref ? r.ref.msssim.mean.toFixed(4) : '')}`);
  L.push(`Vendi (cosine)     ${r.vendi.toFixed(3)}${refCol(r.ref ? r.ref.vendi.toFixed(3) : '')}`);
  const vms = (s: { n: number; msssim: { pairs: number }; vendi_msssim: number | null }) =>
    s.vendi_msssim !== null ? s.vendi_msssim.toFixed(3) : s.msssim.pairs < (s.n * (s.n - 1)) / 2 ? 'n/a (subset of pairs)' : `n/a (n > ${MAX_VENDI_MS})`;
  L.push(`Vendi (MS-SSIM)    ${vms(r)}${refCol(r.ref ? vms(r.ref) : '')}`);
  L.push(`near duplicates    ${pct(r.duplicates.rate)} of samples, ${r.duplicates.duplicate_pairs} pairs below ${r.duplicates.threshold.toFixed(4)} RMS (${r.duplicates.threshold_source})${refCol(r.ref ? pct(r.ref.duplicates.rate) : '')}`);
  L.push(`support (birthday) ${r.support.estimate === null ? `> ${Math.round(r.support.lower_bound)}` : `~${Math.round(r.support.estimate)}`}`);
  if (r.ndb) L.push(`NDB/K              ${r.ndb.ndb_k.toFixed(3)} (${r.ndb.different}/${r.ndb.k} bins differ), JS ${r.ndb.js.toFixed(4)}`);
  if (r.swd) L.push(swdLine(r.swd));
  L.push('closest pairs      ' + r.duplicates.pairs.slice(0, 5).map(([i, j, d]) => `#${i}-#${j} ${d.toFixed(4)}`).join(', '));
  L.push(`verdict            ${r.verdict === 'too-few-samples' ? 'TOO FEW SAMPLES TO JUDGE' : r.verdict.toUpperCase()}`);
  for (const x of r.reasons) L.push(`  - ${x}`);
  for (const x of r.notes) L.push(`note: ${x}`);
  L.push(`(${r.seconds.toFixed(1)} s)`);
  return L.join('\n');
}

const fmt = (v: number) => v.toLocaleString('en-US');
/** Loading fewer files or rows than this shows no progress bar. */
const PROGRESS_MIN = 256;

/** Loads INPUT or the reference with a progress bar (not with --json), and says when it was subsampled. */
function load(path: string, what: 'input' | 'reference', flag: string, opts: LoadInputOptions, json: boolean): LoadedInput {
  const bar = json ? null : makeProgressBar(`${what}`);
  let r: LoadedInput;
  try {
    const onProgress = (done: number, total: number, stage: string) => { if (total >= PROGRESS_MIN) bar?.update(done, total, { text: stage }); };
    r = loadSampleInput(path, { ...opts, onProgress: bar ? onProgress : undefined });
  } finally { bar?.stop(); }
  if (r.subsampled) r.notes.unshift(`${fmt(r.set.n)} of ${fmt(r.available)} images (seeded subsample; ${flag} to change)`);
  return r;
}

export async function runDiversityCli(argv: string[]): Promise<number> {
  const err = (m: string) => process.stderr.write(`diversity: ${m}\n`);
  let args: Args;
  try {
    const p = parseArgs(argv);
    if (p === 'help') { process.stdout.write(USAGE + '\n'); return 0; }
    args = p;
  } catch (e) { err((e as Error).message); process.stderr.write(USAGE + '\n'); return 2; }
  try {
    // The reference's subset uses another stream of the same seed, so INPUT and
    // --ref naming one big folder give two different subsets.
    const input = load(args.input, 'input', '--n', { ...args, limit: args.n, seed: args.seed }, args.json);
    validateSet(input.set, args.input); // checked here too, so that a problem names its file
    // A folder reference is read at the samples' size (the README's `--ref data/`
    // of 96x96 photos for 32x32 samples): SWD needs one size, and it is how
    // the trainer reads its data. A .npy or grid reference must match.
    const size = { width: input.set.width, height: input.set.height };
    const ref = args.ref ? load(args.ref, 'reference', '--ref-n', { strict: args.strict, range: args.range, layout: args.layout, limit: args.refN, seed: (args.seed + 0x9e3779b9) >>> 0, size }, args.json) : undefined;
    if (ref && args.ref) validateSet(ref.set, args.ref);
    if (ref && (ref.set.width !== input.set.width || ref.set.height !== input.set.height)) {
      throw new SampleError(`--ref ${args.ref} is ${ref.set.width}x${ref.set.height} but the samples (${args.input}) are ${input.set.width}x${input.set.height}: the reference must have the samples' size (a folder given as --ref is read at that size; a .npy or grid is not resized)`);
    }
    const bar = args.json ? null : makeProgressBar('diversity');
    const report = await scoreDiversity(input.set, {
      ref: ref?.set, swd: !!ref, pairs: args.pairs, seed: args.seed, threads: args.threads, workers: nodeWorkerFactory,
      // SWD's workers each hold a whole level (up to 4 GiB for big sets): as many as fit in 3/4 of the RAM
      memoryLimit: Math.floor(totalmem() * 0.75),
      onProgress: bar ? (p) => bar.update(p.done, p.total, { text: p.stage }) : undefined,
    });
    bar?.stop();
    report.notes.unshift(...input.notes.map((n) => `input: ${n}`), ...(ref?.notes ?? []).map((n) => `reference: ${n}`));
    if (args.report) {
      const tmp = `${args.report}.tmp-${process.pid}`;
      writeFileSync(tmp, renderReportHtml(report, input.set, `Diversity of ${args.input}`));
      renameSync(tmp, args.report);
    }
    if (args.json) {
      const { ndb, ...rest } = report;
      const sub = (l: LoadedInput) => ({ kind: l.kind, n: l.set.n, of: l.available, subsampled: l.subsampled });
      const out = {
        ...rest, ndb: ndb ? { k: ndb.k, different: ndb.different, ndb_k: ndb.ndb_k, js: ndb.js } : undefined, skipped: input.skipped.length,
        min_samples: MIN_SAMPLES_FOR_VERDICT, sources: { input: sub(input), ref: ref ? sub(ref) : undefined },
      };
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      process.stdout.write(formatSummary(report) + '\n');
      if (args.report) process.stdout.write(`report written to ${args.report}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof SampleError || e instanceof CliArgError || (e as Error).name === 'ImageDecodeError') { err((e as Error).message); return 2; }
    err(`internal error: ${(e as Error).stack ?? e}`);
    return 1;
  }
}
