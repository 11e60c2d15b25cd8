// One training pass of the page's run (RunPorts.train, src/web/run_controller.ts):
// runTraining with the page's hooks, raced against the WebGL-loss grace
// (gl_loss.ts), then the recovery after a loss. What the run reports goes to
// the RunDisplay (run_display.ts) and is drawn through a PassView.
import { tf } from '../tf';
import { runTraining, type ProgressInfo, type RunHooks, type RunSummary, type Sampler } from '../train/loop';
import { CheckpointError, loadLatestCheckpoint, stepOfDir } from '../train/checkpoint';
import type { MemoryStore, RunStore } from '../train/store';
import type { TrainConfig } from '../train/config';
import type { ImageDataset } from '../data/dataset';
import type { BackendInfo } from '../backend/select';
import { scoreGeneratedSamples } from '../metrics/trainer';
import type { RunKeeper } from './run_state';
import type { TrainOutcome } from './run_controller';
import type { GlLoss } from './gl_loss';
import type { RunDisplay } from './run_display';
import { referenceSet } from './score_samples';

/** What a pass draws (ui/view.ts in the page). */
export interface PassView {
  log(msg: string): void;
  /** The banner (null: clear it); `bad`: an error or a warning. */
  banner(msg: string | null, bad?: boolean): void;
  /** An error: banner, log and the page's error list. */
  fail(msg: string): void;
  progress(p: ProgressInfo, record: Record<string, number>): void;
  /** Redraws the curves (force: now, else at most every 300 ms). */
  charts(force?: boolean): void;
  samples(step: number, images: Float32Array): void;
  diversity(step: number, d: Record<string, unknown>, state: string): void;
  status(state: string, text: string): void;
  /** The banner's text (the status line after a failed pass). */
  bannerText(): string;
  /** The backend Resume continues on after a lost context. */
  backendChoice(): string;
}

export interface PassContext {
  display: RunDisplay;
  glLoss: GlLoss;
  keeper: RunKeeper<MemoryStore>;
  data: { ds: ImageDataset; sampler: Sampler; runInfo: Record<string, unknown> };
  backend: BackendInfo | null;
  view: PassView;
}

function hooks(x: PassContext, run: TrainConfig, runStore: RunStore, shouldStop: () => boolean): RunHooks {
  const { display, glLoss, view } = x;
  const ref = run.diversityEvery > 0 ? referenceSet(x.data.ds, run.diversitySamples) : undefined;
  return {
    store: runStore,
    log: (m) => {
      if (!glLoss.lostRun) view.log(m);
    },
    warn: (m) => {
      if (glLoss.lostRun) return; // numbers read from a lost context are garbage
      view.banner(display.warning(m, run.collapseAfter), true);
      view.log(`WARNING: ${m}`);
    },
    shouldStop: () => shouldStop() || glLoss.lostRun,
    yield: () => new Promise((r) => setTimeout(r)),
    progress: (p) => {
      if (glLoss.lostRun) return;
      view.progress(p, display.progress(p));
    },
    onSamples: (step, png, images) => {
      if (glLoss.lostRun) return;
      display.grid = { step, png };
      view.samples(step, images);
    },
    diversity: ref
      ? async (samples, n, size) => {
        if (glLoss.lostRun) return { verdict: 'skipped' };
        const d = await scoreGeneratedSamples(samples, n, size, { ref, swd: true });
        const point = display.scored(d as unknown as Record<string, unknown> & { verdict: string });
        if (point.clearBanner) view.banner(null);
        view.diversity(point.step, d as unknown as Record<string, unknown>, point.state);
        return d;
      }
      : undefined,
  };
}

/** Trains the page's run until it stops; returns the phase the page goes to. */
export async function trainPass(x: PassContext, c: TrainConfig, runStore: RunStore, resume: boolean, shouldStop: () => boolean): Promise<TrainOutcome> {
  const { display, glLoss, view } = x;
  const store = x.keeper.store!;
  let summary: RunSummary | null = null;
  try {
    const info = { versions: { tfjs: tf.version_core, page: 'ganforge-web' }, backend: { ...x.backend }, dataset: x.data.runInfo };
    const training = runTraining(c, x.data.sampler, x.data.ds.n, hooks(x, c, runStore, shouldStop), info, resume);
    // A lost context can leave a tfjs read pending forever: stop waiting for the run then.
    training.catch(() => {});
    summary = await Promise.race([training, glLoss.abandoned()]);
    glLoss.passEnded();
    if (summary && !glLoss.lostRun) view.log(summary.message);
  } catch (e) {
    glLoss.passEnded();
    if (!glLoss.lostRun) {
      view.fail(e instanceof CheckpointError ? `cannot continue from this checkpoint: ${e.message}` : `training failed: ${(e as Error).message}`);
      console.warn(e);
    }
  }
  view.charts(true);
  if (glLoss.lostRun) {
    const { dropped, dir } = await glLoss.recover(store, summary !== null);
    display.truncate(dir ? stepOfDir(dir) : 0);
    view.log(`WebGL context lost: ${dropped} checkpoint${dropped === 1 ? '' : 's'} written after it discarded; Resume continues from ${dir ?? 'step 0'}`);
    x.keeper.checkpointed(store);
    view.status('paused', `paused: WebGL context lost — Resume continues on ${view.backendChoice()} from ${dir ?? 'step 0'}`);
    return { summary, next: 'paused' };
  }
  if (!summary) {
    view.status('error', view.bannerText() || 'training failed');
    return { summary, next: (await loadLatestCheckpoint(store)) ? 'paused' : 'idle' };
  }
  if (summary.status === 'non-finite') view.fail(summary.message);
  view.status(summary.status === 'done' ? 'finished' : 'paused', `${summary.status === 'interrupted' ? 'paused' : summary.status}: ${summary.message}`);
  return { summary, next: summary.status === 'interrupted' ? 'paused' : 'finished' };
}
