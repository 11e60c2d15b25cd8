// The trainer behind `node scripts/train.js` and the experiments driver:
// flags (commander, from the config schema) -> a job (planRun: the config and
// the run directory, resume or new), then train/run.ts's runTrainJob with the
// Node environment (the folder or the built-in faces, the platform, Ctrl-C,
// critical sections). Exit codes: 0 done or interrupted cleanly (SIGINT), 1
// the run failed (non-finite loss, internal error), 2 bad usage or bad input
// (nothing written). The CLI (cli/train.ts) and the experiments driver both
// call runTrainArgv; neither calls the other.
import { Command, CommanderError, Option } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { FIELDS, ConfigError, DEFAULTS, PRESETS, parsePartial, parseSavedConfig, resolveConfig, coerce, type TrainConfig } from '../train/config';
import { runTrainJob } from '../train/run';
import { progressText } from '../train/progress_text';
import { BackendError } from '../backend/select';
import { DatasetError } from '../data/dataset';
import { nodePlatform, cleanTempFiles } from './node';
import { onStop, critical } from './lifetime';
import { loadImageFolder } from './folder';
import { ensureDefaultFaces } from './faces';
import { tf } from '../tf';

/** A progress display (cli/progress.ts's bars on a terminal); none: silent. */
export interface ProgressDisplay {
  update(done: number, total: number, payload?: { text?: string }): void;
  log(msg: string): void;
  stop(): void;
}
export type ProgressFactory = (label: string) => ProgressDisplay;

const quiet: ProgressFactory = () => ({ update() {}, log: (m) => process.stdout.write(`${m}\n`), stop() {} });

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function buildCommand(): Command {
  const cmd = new Command('train.js')
    .description('Train a GAN on a folder of images (default: the embedded anime-style face set), headless, with tfjs.')
    .usage('[options]')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  for (const f of FIELDS) {
    const def = (DEFAULTS as any)[f.key];
    // A help text that states its own default (a loss-dependent one) is not given a second.
    const shown = f.kind === 'boolean' || def === null || Number.isNaN(def) || /\(default/.test(f.help) ? '' : ` (default ${def})`;
    const flag = f.kind === 'boolean' ? `--${f.flag}` : `--${f.flag} <${f.metavar ?? (f.kind === 'enum' ? f.choices!.join('|') : f.kind === 'string' ? 'VALUE' : 'N')}>`;
    cmd.addOption(new Option(flag, f.help + shown));
  }
  cmd.addOption(new Option('--resume <RUN_DIR>', 'continue the run in RUN_DIR from its last complete checkpoint (its config.json is used; --steps sets the new total)'));
  cmd.addOption(new Option('--config <FILE.json>', 'read settings from a JSON file (keys as in config.json or flag names); flags override it'));
  cmd.addHelpText('after', `\nProgress line: lossD, lossG, the mean discriminator outputs on real and generated images (D(x), D(G(z)): probabilities for bce, raw scores otherwise; critic(x), critic(G(z)) for wgan and wgan-gp), seconds per step (one generator step and its n-critic discriminator steps), and generated images per second (batch x steps / s).\nCtrl-C (or SIGTERM) finishes the current step, writes a checkpoint and exits 0; a second Ctrl-C exits at once, after any checkpoint write in progress.\nPresets: ${Object.keys(PRESETS).join(', ')}.  Loss-dependent defaults: wgan = rmsprop, lr 5e-5, clip 0.01, n-critic 5; wgan-gp = adam (0, 0.9), gp 10, n-critic 5.\nExamples:\n  node scripts/train.js                              # default run on the embedded faces\n  node scripts/train.js --preset hw11 --out runs/hw11  # the course seed, DCGAN-64\n  node scripts/train.js --loss wgan-gp --steps 2000 --out runs/wgp\n  node scripts/train.js --resume runs/wgp --steps 4000\n`);
  return cmd;
}

interface Parsed {
  explicit: Partial<TrainConfig>;
  resume: string | null;
  configFile: string | null;
}

export function parseTrainArgs(argv: string[]): Parsed | 'help' {
  const cmd = buildCommand();
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 'help';
      throw new UsageError(e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '));
    }
    throw e;
  }
  const opts = cmd.opts();
  const explicit: Partial<TrainConfig> = {};
  for (const f of FIELDS) {
    const camel = f.flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (opts[camel] !== undefined) (explicit as any)[f.key] = coerce(f, opts[camel] === true && f.kind === 'boolean' ? true : opts[camel]);
  }
  return { explicit, resume: opts.resume ?? null, configFile: opts.config ?? null };
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

function defaultOutDir(c: TrainConfig): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return join('runs', `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${c.loss}${c.sn ? '-sn' : ''}`);
}

/** Resolves the run's config (and run dir) without writing anything. */
export function planRun(p: Parsed): { cfg: TrainConfig; out: string; resume: boolean } {
  const file = p.configFile ? parsePartial(readJson(p.configFile, '--config'), p.configFile) : {};
  if (p.resume) {
    const dir = resolve(p.resume);
    const saved = readJson(join(dir, 'config.json'), '--resume: run config') as Record<string, unknown>;
    const known = new Set(FIELDS.map((f) => f.key as string));
    // a config.json from before `layers` existed keeps its tfjs 'same' padding
    const savedCfg = parseSavedConfig(Object.fromEntries(Object.entries(saved).filter(([k]) => known.has(k))), join(dir, 'config.json'));
    for (const [k, v] of Object.entries({ ...file, ...p.explicit })) {
      const f = FIELDS.find((x) => x.key === k)!;
      if (f.resumable || k === 'out') continue;
      if (JSON.stringify((savedCfg as any)[k]) !== JSON.stringify(v)) {
        throw new UsageError(`--${f.flag} ${JSON.stringify(v)} differs from the run being resumed (${JSON.stringify((savedCfg as any)[k])}); only ${FIELDS.filter((x) => x.resumable).map((x) => '--' + x.flag).join(', ')} may change on --resume`);
      }
    }
    const resumable = Object.fromEntries(Object.entries({ ...file, ...p.explicit }).filter(([k]) => FIELDS.find((x) => x.key === k)!.resumable));
    const cfg = { ...(savedCfg as TrainConfig), ...resumable, out: dir };
    if (!('epochs' in resumable) && 'steps' in resumable) cfg.epochs = NaN;
    return { cfg, out: dir, resume: true };
  }
  const cfg = resolveConfig(p.explicit, file);
  const out = resolve(cfg.out ?? defaultOutDir(cfg));
  if (existsSync(join(out, 'config.json'))) throw new UsageError(`--out ${out} already holds a run; use --resume ${out} to continue it, or another --out`);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out} exists and is not a directory`);
  return { cfg: { ...cfg, out }, out, resume: false };
}

function versions(): Record<string, string> {
  return { ganforge: '0.1.0', tfjs: tf.version_core, node: process.versions.node };
}

export async function runTrainArgv(argv: string[], opts: { bar?: ProgressFactory } = {}): Promise<number> {
  const makeBar = opts.bar ?? quiet;
  // tfjs's console banners ("install tfjs-node") are noise for a CLI user.
  tf.env().set('PROD', true);
  const err = (m: string) => process.stderr.write(`train: ${m}\n`);
  let plan: ReturnType<typeof planRun>;
  try {
    const parsed = parseTrainArgs(argv);
    if (parsed === 'help') return 0;
    plan = planRun(parsed);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      err(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const { cfg, out } = plan;
  const log = (m: string) => process.stdout.write(`${m}\n`);
  // Ctrl-C (or SIGTERM/SIGHUP) once: finish this step, checkpoint, exit 0.
  // Again: exit at once, after any checkpoint write in flight (lifetime.ts).
  let stopRequested = false;
  let offStop: (() => void) | null = null;
  let stepBar: ProgressDisplay | null = null;
  try {
    const platform = nodePlatform({ threads: cfg.threads || undefined });
    const summary = await runTrainJob({ cfg, out, resume: plan.resume }, {
      platform,
      log: (m) => (stepBar ? stepBar.log(m) : log(m)),
      versions: versions(),
      async loadData(c) {
        let dataDir = c.data;
        if (!dataDir) {
          const fbar = makeBar('faces');
          dataDir = await ensureDefaultFaces({ n: c.faces, onProgress: (d, t) => fbar.update(d, t), log });
          fbar.stop();
        }
        const bar = makeBar('decode');
        const ds = await loadImageFolder({ dir: dataDir, size: c.size, strict: c.strict, threads: c.threads || undefined, onProgress: (d, t) => bar.update(d, t) });
        bar.stop();
        return { ds, source: dataDir };
      },
      beforeResume(dir) {
        const n = cleanTempFiles(dir);
        if (n) log(`removed ${n} half-written temp file${n > 1 ? 's' : ''} left by an interrupted run`);
      },
      onStart() {
        offStop = onStop((signal) => {
          stopRequested = true;
          process.stderr.write(`\ntrain: ${signal === 'SIGINT' ? 'interrupt' : signal}: finishing this step and writing a checkpoint (Ctrl-C again to quit without it)\n`);
        });
        stepBar = makeBar('train');
      },
      hooks: {
        shouldStop: () => stopRequested,
        critical,
        // A macrotask turn between steps, so a Ctrl-C is seen after this step,
        // not after the next file write (up to 10 steps later).
        yield: () => new Promise<void>((r) => setImmediate(r)),
        progress: (p) => stepBar?.update(p.step, p.total, { text: progressText(p, cfg.loss) }),
      },
    });
    (stepBar as ProgressDisplay | null)?.stop();
    stepBar = null;
    log(`${summary.message}. Samples: ${join(out, 'samples')}, curves: ${join(out, 'loss.svg')}`);
    return summary.status === 'non-finite' ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof DatasetError || e instanceof BackendError) {
      err(`error: ${e.message}`);
      return 2;
    }
    err(`failed: ${(e as Error).stack ?? e}`);
    return 1;
  } finally {
    (stepBar as ProgressDisplay | null)?.stop();
    (offStop as (() => void) | null)?.();
  }
  // A private Xvfb stays up until the process exits (platform/node.ts stops it
  // then): killing it under a live GL context aborts the process (XIO error),
  // and in-process callers (experiments.js) run several trainings in a row.
}
