// The one entry point that runs a training job, on any platform: the job's
// data, the backend, the run store, the batch sampler, the diversity hook,
// then the training loop. What differs between callers comes in as a
// TrainEnv: how the data is read, the platform (src/platform/platform.ts:
// the store, the backend hooks, threads, workers), and the caller's own hooks
// (progress display, Ctrl-C, critical sections). platform/train_node.ts runs
// it for `node scripts/train.js` and for the experiments driver.
import { runTraining, type RunHooks, type RunSummary } from './loop';
import { makeDiversityHook } from './diversity';
import type { RunStore } from './store';
import type { TrainConfig } from './config';
import { initBackend, type BackendHooks } from '../backend/select';
import { BatchSampler } from '../data/sampler';
import { DatasetError, type ImageDataset } from '../data/dataset';
import type { WorkerFactory } from '../metrics/pool';

/** What to run: the resolved config, the run directory, and whether it continues from its last checkpoint. */
export interface TrainJob {
  cfg: TrainConfig;
  out: string;
  resume: boolean;
}

/** The parts of the Platform a job uses. */
export interface TrainPlatform extends BackendHooks {
  openStore(root: string): RunStore;
  threads: number;
  workers?: WorkerFactory;
}

export interface TrainEnv {
  platform: TrainPlatform;
  /** The job's images at cfg.size, and where they came from (named in config.json and messages). */
  loadData(cfg: TrainConfig): Promise<{ ds: ImageDataset; source: string }>;
  log(msg: string): void;
  /** Before a resume: tidy what an interrupted run left behind (temp files). */
  beforeResume?(out: string): void;
  /** Data, backend and store are ready: training starts now (show progress, catch Ctrl-C). */
  onStart?(): void;
  /** The caller's hooks (log and warn through its progress display, progress, shouldStop, critical, yield). */
  hooks?: Partial<Omit<RunHooks, 'store' | 'diversity'>>;
  versions: Record<string, string>;
}

export async function runTrainJob(job: TrainJob, env: TrainEnv): Promise<RunSummary> {
  const { cfg, out } = job;
  // Data first: every input error is reported before anything is written.
  const { ds, source } = await env.loadData(cfg);
  if (ds.skipped.count > 0) {
    env.log(`skipped ${ds.skipped.count} unreadable image${ds.skipped.count > 1 ? 's' : ''} in ${source}: ${ds.skipped.examples.slice(0, 3).map((x) => `${x.file} (${x.error})`).join('; ')}${ds.skipped.count > 3 ? '; ...' : ''} (--strict makes this fatal)`);
  }
  if (cfg.batch > ds.n) throw new DatasetError(`--batch ${cfg.batch} is larger than the dataset (${ds.n} images in ${source})`);
  env.log(`data: ${ds.n} images from ${source} at ${cfg.size}x${cfg.size}`);
  const backend = await initBackend(cfg.backend, env.platform, env.log);
  const store = env.platform.openStore(out);
  if (job.resume) env.beforeResume?.(out);
  const sampler = new BatchSampler(ds, cfg.batch, cfg.seed, { flip: cfg.flip });
  env.onStart?.();
  const hooks: RunHooks = {
    log: env.log,
    warn: (m) => env.log(`WARNING: ${m}`),
    ...env.hooks,
    store,
    diversity: cfg.diversityEvery > 0 ? makeDiversityHook(ds, cfg, env.platform.threads, env.platform.workers) : undefined,
  };
  env.log(`run directory: ${out}`);
  return runTraining(cfg, sampler, ds.n, hooks, { versions: env.versions, backend: { ...backend }, dataset: { dir: source, n: ds.n, skipped: ds.skipped.count } }, job.resume);
}
