// The run loop, the same in Node and in the browser: trains a GanTrainer on a
// batch source and keeps the run directory (through a RunStore) up to date:
//   config.json         every resolved setting, versions, backend, dataset
//   metrics.jsonl       one JSON line per logged step (+ diversity and SWD fields)
//   samples/step-NNNNNN.png   8x8 grid from a fixed z (the EMA generator with --ema)
//   checkpoints/        see checkpoint.ts
//   loss.svg            curves from metrics.jsonl
//   summary.json        the final summary
import { GanTrainer, NonFiniteLossError, fixedNoise, type StepMetrics } from './trainer';
import { describeConfig, type TrainConfig } from './config';
import { loadLatestCheckpoint, restoreCheckpoint, saveCheckpoint, stepDirName } from './checkpoint';
import { tileGrid, encodePng } from './grid';
import { lossPlotSvg } from './plot';
import { jsonlUpTo, parseJsonl } from './jsonl';
import type { RunStore } from './store';
import { CollapseWatch } from './collapse';

export interface Sampler {
  next(): Float32Array;
  readonly epoch: number;
  state(): object;
  restore(state: object): void;
}

export interface DiversityResult {
  verdict: string;
  [key: string]: unknown;
}

export interface ProgressInfo {
  step: number;
  total: number;
  metrics: StepMetrics;
  /** Mean wall seconds per generator step since this session's first step (D steps included). */
  secPerStep: number;
  /** Generated images per second: batch x generator steps / wall seconds (not counting the critic's extra batches). */
  imagesPerSec: number;
  etaSec: number;
  /** Wall milliseconds of this step's trainStep alone (D and G updates; not the samples, scores or checkpoints after it). */
  stepMs: number;
}

export interface RunHooks {
  store: RunStore;
  /** One-line messages for the user. */
  log(msg: string): void;
  warn?(msg: string): void;
  progress?(p: ProgressInfo): void;
  /** Polled after every step: true finishes the step, checkpoints and returns. */
  shouldStop?(): boolean;
  /** Scores fixed-z samples (NHWC [-1, 1]) for mode collapse; see --diversity-every. */
  diversity?(samples: Float32Array, n: number, size: number): Promise<DiversityResult>;
  /** Called with every sample grid written (the page shows it). */
  onSamples?(step: number, png: Uint8Array, images: Float32Array): void;
  /**
   * Runs work that must not be cut in half by the process ending (a
   * checkpoint write: the CLI's second Ctrl-C waits for it).
   */
  critical?<T>(fn: () => Promise<T>): Promise<T>;
  /** Yields to the event loop/page between steps (browser). */
  yield?(): Promise<void>;
}

export interface RunInfo {
  versions: Record<string, string>;
  backend: Record<string, unknown>;
  dataset: Record<string, unknown>;
}

export interface RunSummary {
  status: 'done' | 'interrupted' | 'non-finite' | 'collapsed';
  step: number;
  total: number;
  seconds: number;
  lastMetrics?: StepMetrics;
  message: string;
}

export function totalSteps(cfg: TrainConfig, datasetSize: number): number {
  if (Number.isFinite(cfg.epochs) && cfg.epochs > 0) return Math.ceil((cfg.epochs * datasetSize) / (cfg.batch * cfg.nCritic));
  return cfg.steps;
}

export { parseJsonl } from './jsonl';

const round = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v);

/** How a backend is named for the resume note: 'wasm (relaxed-SIMD FMA kernels)', 'webgl', 'cpu'. */
function backendLabel(b: { name?: unknown; simd?: unknown }): string {
  const simd = b.simd === 'relaxed' ? ' (relaxed-SIMD FMA kernels)' : b.simd === 'plain' ? ' (plain-SIMD kernels)' : '';
  return `${String(b.name)}${simd}`;
}

/**
 * On --resume: when the run so far was trained on another backend or kernel
 * build than this process has (config.json's backendUsed), a sentence saying
 * so: the run continues correctly, but not bit for bit as it would have
 * uninterrupted (the builds round differently). Null when they match or the
 * earlier backend is not recorded.
 */
async function backendChange(store: RunHooks['store'], now: RunInfo['backend']): Promise<string | null> {
  if (!(await store.exists('config.json'))) return null;
  let before: { name?: unknown; simd?: unknown } | undefined;
  try {
    before = JSON.parse(await store.readText('config.json'))?.backendUsed;
  } catch {
    return null;
  }
  const cur = now as { name?: unknown; simd?: unknown };
  if (!before || typeof before.name !== 'string' || typeof cur?.name !== 'string') return null;
  if (before.name === cur.name && (before.simd ?? null) === (cur.simd ?? null)) return null;
  return `this run was trained on ${backendLabel(before)} and continues on ${backendLabel(cur)}: it continues correctly, but its numbers will not be bit-for-bit those of an uninterrupted run`;
}

export async function runTraining(cfg: TrainConfig, sampler: Sampler, datasetSize: number, hooks: RunHooks, info: RunInfo, resume = false): Promise<RunSummary> {
  const { store } = hooks;
  const total = totalSteps(cfg, datasetSize);
  const tr = new GanTrainer(cfg);
  let records: Record<string, number>[] = [];
  try {
    if (resume) {
      const ck = await loadLatestCheckpoint(store);
      if (ck) {
        const st = await restoreCheckpoint(tr, ck.files, `${store.root}/${ck.dir}`);
        // a checkpoint made by scripts/import.js has no data order yet: the sampler starts fresh
        if (st.sampler) sampler.restore(st.sampler as object);
        hooks.log(`resumed from ${ck.dir} (step ${tr.step})`);
        if (tr.ema && !tr.emaFromCheckpoint) hooks.log(`${ck.dir} has no EMA weights (written with --ema 0 or before --ema): the generator average starts from its weights`);
      } else {
        hooks.log('no checkpoint yet: starting from step 0');
      }
      const changed = await backendChange(store, info.backend);
      if (changed) hooks.log(`note: ${changed}`);
      if (await store.exists('metrics.jsonl')) {
        const kept = jsonlUpTo(await store.readText('metrics.jsonl'), tr.step);
        records = parseJsonl(kept);
        await store.writeAtomic('metrics.jsonl', kept);
      }
    }
    await store.writeAtomic('config.json', JSON.stringify({ ...cfg, totalSteps: total, versions: info.versions, backendUsed: info.backend, dataset: info.dataset }, null, 2) + '\n');
    hooks.log(`training ${describeConfig(cfg)} for ${total} steps on ${datasetSize} images`);

    const gridZ = fixedNoise(cfg.seed, 64, cfg.zDim);
    const divZ = cfg.diversityEvery > 0 ? fixedNoise(cfg.seed + 1, cfg.diversitySamples, cfg.zDim) : null;
    const writeSamples = async () => {
      const imgs = tr.generate(gridZ);
      const png = encodePng(tileGrid(imgs, 64, cfg.size));
      await store.writeAtomic(`samples/${stepDirName(tr.step)}.png`, png);
      hooks.onSamples?.(tr.step, png, imgs);
    };
    const guard = <T>(fn: () => Promise<T>): Promise<T> => (hooks.critical ? hooks.critical(fn) : fn());
    const checkpoint = async () => {
      await guard(() => saveCheckpoint(store, tr, sampler.state(), cfg.keepCheckpoints));
    };

    const watch = new CollapseWatch(records as { step: number; verdict?: unknown }[], cfg.collapseAfter);
    let notedInitial = false;
    const t0 = Date.now();
    const startStep = tr.step;
    let last: StepMetrics | undefined;
    let status: RunSummary['status'] = 'done';
    let message = '';
    let pendingLog = '';
    while (tr.step < total) {
      const ts = performance.now();
      try {
        last = tr.trainStep(sampler);
      } catch (e) {
        if (e instanceof NonFiniteLossError) {
          status = 'non-finite';
          message = `${e.message}: stopped; the last good checkpoint is kept${tr.step > startStep || resume ? '' : ' (none was written yet)'}`;
          hooks.warn?.(message);
          break;
        }
        throw e;
      }
      const stepMs = performance.now() - ts;
      const elapsed = (Date.now() - t0) / 1000;
      const ips = ((tr.step - startStep) * cfg.batch) / Math.max(elapsed, 1e-9);
      const record: Record<string, number> = { step: tr.step, epoch: sampler.epoch };
      for (const [k, v] of Object.entries(last)) if (k !== 'step' && typeof v === 'number') record[k] = round(v);
      record.imagesPerSec = round(ips);
      record.stepMs = Math.round(stepMs);
      if (divZ && tr.step % cfg.diversityEvery === 0 && hooks.diversity) {
        const d = await hooks.diversity(tr.generate(divZ), cfg.diversitySamples, cfg.size);
        for (const [k, v] of Object.entries(d)) if (typeof v === 'number') record[k] = round(v);
        (record as any).verdict = d.verdict;
        const seen = watch.observe(d.verdict, tr.step);
        if (seen === 'collapse') {
          hooks.warn?.(`mode collapse at step ${tr.step}: the diversity verdict is "collapsed" (${Object.entries(d).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${round(v as number)}`).join(', ')})`);
          if (cfg.stopOnCollapse) status = 'collapsed';
        } else if (seen === 'initial' && !notedInitial) {
          notedInitial = true;
          hooks.log(`diversity at step ${tr.step}: the samples still show one mode, as every generator does at the start; collapse warnings${cfg.stopOnCollapse ? ' and --stop-on-collapse' : ''} start once they have diversified${cfg.collapseAfter > 0 ? ` or at step ${cfg.collapseAfter}` : ' (--collapse-after STEP sets a step from which they apply anyway)'}`);
        }
      }
      if (tr.step % cfg.logEvery === 0 || tr.step === total) {
        pendingLog += JSON.stringify(record) + '\n';
        records.push(record);
      }
      const stop = hooks.shouldStop?.() || status === 'collapsed';
      const atEnd = tr.step === total || stop;
      if (pendingLog && (atEnd || tr.step % 10 === 0 || (cfg.checkpointEvery > 0 && tr.step % cfg.checkpointEvery === 0))) {
        await store.appendText('metrics.jsonl', pendingLog);
        pendingLog = '';
      }
      if ((cfg.sampleEvery > 0 && tr.step % cfg.sampleEvery === 0) || atEnd) await writeSamples();
      if ((cfg.checkpointEvery > 0 && tr.step % cfg.checkpointEvery === 0) || atEnd) {
        await checkpoint();
        await store.writeAtomic('loss.svg', lossPlotSvg(records));
      }
      const rate = (tr.step - startStep) / Math.max(elapsed, 1e-9);
      hooks.progress?.({ step: tr.step, total, metrics: last, secPerStep: 1 / Math.max(rate, 1e-9), imagesPerSec: ips, etaSec: (total - tr.step) / Math.max(rate, 1e-9), stepMs });
      if (stop) {
        if (status === 'done') status = 'interrupted';
        break;
      }
      await hooks.yield?.();
    }
    if (pendingLog) await store.appendText('metrics.jsonl', pendingLog);
    if (status === 'done' && startStep === total) {
      await writeSamples();
    }
    await store.writeAtomic('loss.svg', lossPlotSvg(records));
    const seconds = (Date.now() - t0) / 1000;
    if (!message) {
      const lm = last ? `, lossD ${round(last.lossD)}, lossG ${round(last.lossG)}, D(x) ${round(last.dReal)}, D(G(z)) ${round(last.dFake)}` : '';
      message = `${status === 'done' ? 'finished' : status === 'collapsed' ? 'stopped on mode collapse' : 'interrupted'} at step ${tr.step}/${total} in ${seconds.toFixed(1)} s${lm}`;
    }
    const summary: RunSummary = { status, step: tr.step, total, seconds, lastMetrics: last, message };
    await store.writeAtomic('summary.json', JSON.stringify(summary, null, 2) + '\n');
    return summary;
  } finally {
    tr.dispose();
  }
}
