// The page (dist/web/ganforge.js): the same trainer, data pipeline and
// metrics as the CLI; only the platform seam differs (src/platform/browser.ts:
// WebGL from a canvas, .wasm files next to the page, Web Workers).
//
// States: idle -> (Train) running -> (Pause) paused -> (Resume) running ...
// A run lives in a MemoryStore, laid out as the CLI's run directory; Pause
// makes runTraining finish its step and write a checkpoint there, Resume calls
// runTraining(resume = true) on it, Load checkpoint puts a CLI checkpoint in
// a fresh store. URL parameters (CLI flag names, ?size=32&ngf=8...) preset the
// form; ?autostart=1 presses Train.
import { tf } from '../tf';
import { initBackend, forgetLostGl, BackendError, type BackendInfo, type GlContext } from '../backend/select';
import { browserPlatform, createBrowserGl, isCrossOriginIsolated } from '../platform/browser';
import { parseJsonl, runTraining, type RunHooks, type RunSummary, type Sampler } from '../train/loop';
import { CollapseWatch, diversifiedAt } from '../train/collapse';
import { MemoryStore, type RunStore } from '../train/store';
import { GanTrainer, fixedNoise } from '../train/trainer';
import { CheckpointError, loadLatestCheckpoint, putCheckpoint, restoreCheckpoint, stepDirName, stepOfDir, type CheckpointState } from '../train/checkpoint';
import { ConfigError, FIELDS, coerce, configFromSaved, resolveConfig, type TrainConfig } from '../train/config';
import { encodePng, tileGrid } from '../train/grid';
import { BatchSampler } from '../data/sampler';
import { DatasetError, type ImageDataset } from '../data/dataset';
import { loadImageFiles } from '../data/files_browser';
import { initPipelineWasm } from '../wasm/pipeline';
import { initMetricsWasm } from '../wasm/metrics';
import { scoreGeneratedSamples } from '../metrics/trainer';
import { renderReportHtml } from '../metrics/report_html';
import { loadFaceDataset } from './faces_browser';
import { facesChecksum } from './faces_cache';
import { SettingsForm, settingsFromQuery } from './ui/form';
import { $, banner, clearCanvas, diversityState, drawCharts, drawSamples, logLine, scoredVerdicts, showDiversity, showProgress, showState, showVerdictHistory, verdictStates, type DiversityShown, type VerdictPoint } from './ui/view';
import { dropZone } from './ui/drop';
import { torchCheckpointPicks } from './torch_import';
import { download, latestCheckpointZip, readCheckpointPicks } from './store_browser';
import { loadSavedRun, putSavedRun } from './autosave';
import { RunKeeper, browserKeeperIo, infoOf, keptRunText } from './run_state';
import { RestoreError, RunController, type Phase, type TrainOutcome } from './run_controller';
import { GlLoss } from './gl_loss';
import { referenceSet, sampleSetFromFiles, scoreSampleSet } from './score_samples';

/** The page's platform (src/platform/platform.ts), made once. */
const platform = browserPlatform();

/** Page defaults over the CLI's (a live page wants frequent grids, scores and checkpoints). */
const PAGE_FORM_DEFAULTS: Partial<TrainConfig> = { sampleEvery: 10, diversityEvery: 50 };
const PAGE_EXTRA_DEFAULTS: Partial<TrainConfig> = { diversitySamples: 128, checkpointEvery: 25 };

const els = {
  env: $('env'), banner: $('banner'), status: $('status'), log: $('log'), charts: $('charts'),
  canvas: $<HTMLCanvasElement>('samples'), caption: $('samples-caption'), progressLine: $('progress-line'),
  diversity: $('diversity'), divValue: $('div-value'), divHistory: $('div-history'), dataProgress: $<HTMLProgressElement>('data-progress'), dataInfo: $('data-info'),
  train: $<HTMLButtonElement>('train'), pause: $<HTMLButtonElement>('pause'), resume: $<HTMLButtonElement>('resume'), reset: $<HTMLButtonElement>('reset'),
  savedRun: $('saved-run'), savedRunText: $('saved-run-text'), restoreSaved: $<HTMLButtonElement>('restore-saved'), discardSaved: $<HTMLButtonElement>('discard-saved'),
  saveCkpt: $<HTMLButtonElement>('save-ckpt'), savePng: $<HTMLButtonElement>('save-png'), facesN: $<HTMLInputElement>('faces-n'),
  reportBox: $<HTMLDetailsElement>('report-box'), report: $<HTMLIFrameElement>('report'),
};

const log = (m: string) => logLine(els.log, m);
const errors: string[] = [];
const fail = (m: string) => {
  errors.push(m);
  banner(els.banner, m, true);
  log(`error: ${m}`);
};

// ---- state ------------------------------------------------------------------
let ds: ImageDataset | null = null;
let dsKey = '';
let userFiles: File[] | null = null;
let sampler: TolerantSampler | null = null;
let backend: BackendInfo | null = null;
let lastStep = 0;
/** WebGL-context loss during a run (src/web/gl_loss.ts): 3 s for a run to stop by itself before it is abandoned. */
const glLoss = new GlLoss(3000);
let collapseShown = false;
/**
 * The run's scored verdicts as shown (the CLI's collapse rule: src/train/collapse.ts):
 * seeded like the training loop's own CollapseWatch, fed every score.
 */
let collapseWatch: CollapseWatch | null = null;
let verdictPoints: VerdictPoint[] = [];
/** Settles when the faces drawn last are stored in this browser (true) or could not be (false). */
let facesSaved: Promise<boolean> = Promise.resolve(false);
let records: Record<string, number>[] = [];
let pendingDiv: { step: number; d: Record<string, unknown> } | null = null;
let lastGrid: { step: number; png: Uint8Array } | null = null;
let lastDiversity: Record<string, unknown> | null = null;
let queryExtra: Partial<TrainConfig> = {};
/**
 * The page's run (its store) and the run kept in IndexedDB (src/web/run_state.ts):
 * a run is replaced only by one that is ready, the kept record only by a run with a checkpoint.
 */
const keeper = new RunKeeper<MemoryStore>(browserKeeperIo, (m) => log(`WARNING: ${m}`), () => showKept());
/**
 * The page's run as a state machine (src/web/run_controller.ts): train, pause,
 * resume, reset, load and restore; this file does the DOM and the work it asks for.
 */
const ctl: RunController<MemoryStore> = new RunController<MemoryStore>(keeper, {
  newStore: () => new MemoryStore('browser:'),
  prepare,
  train: trainPass,
  checkpointsTrusted: () => glLoss.trusted,
  configFromCheckpoint,
  ensureBackend: async (c) => { await ensureBackend(c.backend); },
  check: (s, c) => previewTrainer(s, c, (tr) => ({ step: tr.step, imgs: tr.generate(fixedNoise(c.seed, 64, c.zDim)) })),
  loadSavedRun,
  fillFromSaved: putSavedRun,
}, {
  phase: setPhase,
  log,
  error: (e) => (e instanceof RestoreError ? fail(e.message) : reportError(e)),
  starting: startingPass,
  adopted: showAdopted,
});
/** Train (new run) is preparing: the form stays open (a new run may change any setting). */
let preparingNew = false;
/** Highest WebGL version to use: 2 unless the page URL says ?webgl=1. */
let webglVersion: 1 | 2 = 2;
let runInfoDataset: Record<string, unknown> = {};

const form = new SettingsForm($<HTMLFormElement>('settings'), $('form-error'), () => {
  try {
    form.resolve(extra());
  } catch {
    /* shown under the form */
  }
});

function extra(): Partial<TrainConfig> {
  return { ...PAGE_EXTRA_DEFAULTS, ...queryExtra };
}

/** Shows phase `p` (the RunController's) on the buttons, the form and the kept-run line. */
function setPhase(p: Phase): void {
  const store = keeper.store;
  const busy = p === 'running' || p === 'preparing';
  els.train.disabled = busy;
  els.train.textContent = store ? 'Train (new run)' : 'Train';
  els.pause.disabled = p !== 'running';
  els.resume.disabled = !(p === 'paused' || p === 'finished') || !store;
  els.reset.disabled = busy || !store;
  els.saveCkpt.disabled = busy || !store;
  els.savePng.disabled = !lastGrid;
  form.lock(!!store && !(p === 'preparing' && preparingNew));
  document.body.dataset.phase = p;
  showKept();
}

/** The kept run when it is not the page's: what it is, why it was not restored, Restore and Discard. */
function showKept(): void {
  const text = keeper.offerDiscard ? keptRunText(keeper.kept, !!keeper.store, (iso) => new Date(iso).toLocaleString()) : null;
  els.savedRun.hidden = !text;
  els.savedRunText.textContent = text ?? '';
  // restoring replaces the page's run: only when the page has none going or paused
  els.restoreSaved.disabled = ctl.phase !== 'idle';
}

/** A BatchSampler that starts a fresh epoch when a checkpoint came from another dataset (a CLI run). */
class TolerantSampler implements Sampler {
  constructor(private readonly s: BatchSampler) {}
  next() { return this.s.next(); }
  get epoch() { return this.s.epoch; }
  state() { return this.s.state(); }
  restore(state: object) {
    try {
      this.s.restore(state);
    } catch (e) {
      log(`data: ${(e as Error).message}; the batches start a new epoch on this page's data`);
    }
  }
}

// ---- backend ----------------------------------------------------------------
let glCtx: GlContext | null = null; // the context tfjs trains on (a fresh canvas each time one is made)
let lastRequest = '';

function onContextLost(): void {
  glLoss.onLost(ctl.phase === 'running' && backend?.name === 'webgl', lastStep);
  const msg = `The WebGL context was lost (GPU reset or driver crash) at step ${lastStep}: training pauses. Backend wasm is selected for you: press Resume to continue from the last checkpoint saved before the loss, or choose webgl to try a new WebGL context.`;
  banner(els.banner, msg, true);
  log(msg);
  form.backend = 'wasm';
}

async function ensureBackend(name: TrainConfig['backend']): Promise<BackendInfo> {
  if ((name === 'webgl' || name === 'auto') && glLoss.takeLost()) {
    // the lost context is dropped; initBackend below makes a new one on a fresh canvas (or says why it cannot)
    forgetLostGl(glCtx);
    glCtx = null;
    backend = null;
    log('WebGL: making a new context after the loss');
  }
  if (backend && lastRequest === name && tf.getBackend() === backend.name) return backend;
  const hooks = { ...platform, createGl: async () => (glCtx = await platform.createGl({ onLost: onContextLost, version: webglVersion })) };
  backend = await initBackend(name, hooks, log);
  lastRequest = name;
  els.env.textContent = backendLabel();
  return backend;
}

let glProbe = '';
function backendLabel(): string {
  if (!backend) return '';
  const iso = isCrossOriginIsolated() ? 'cross-origin isolated' : 'not isolated: 1 thread';
  const why = backend.reason.startsWith('auto') ? ` (${backend.reason})` : '';
  const renderer = backend.renderer ? ` · WebGL ${backend.webglVersion} · ${backend.renderer}` : glProbe && !why.includes('renderer') ? ` · ${glProbe}` : '';
  return `backend ${backend.name}${why}${backend.threads ? ` · ${backend.threads} thread${backend.threads > 1 ? 's' : ''}` : ''}${renderer} · ${iso}`;
}

// ---- data -------------------------------------------------------------------
function dataSource(): 'faces' | 'files' {
  return (document.querySelector('input[name=source]:checked') as HTMLInputElement).value as 'faces' | 'files';
}

function facesCount(): number {
  return coerce(FIELDS.find((f) => f.key === 'faces')!, els.facesN.value, 'faces') as number;
}

async function ensureData(size: number): Promise<ImageDataset> {
  const src = dataSource();
  const key = src === 'faces' ? `faces:${facesCount()}:${size}` : `files:${userFiles?.length}:${size}`;
  if (ds && dsKey === key) return ds;
  // shown while something is drawn or decoded (not for faces read back from the cache)
  const onProgress = (d: number, t: number) => {
    els.dataProgress.hidden = false;
    els.dataProgress.max = t;
    els.dataProgress.value = d;
  };
  const t0 = performance.now();
  let fromCache = false;
  if (src === 'faces') {
    const n = facesCount();
    let drawing = false;
    const got = await loadFaceDataset(n, size, (d, t) => {
      if (!drawing) {
        drawing = true;
        log(`data: drawing ${n} built-in faces (the CLI's generator) at ${size}x${size}; the first time only: they are kept in this browser for next time`);
      }
      onProgress(d, t);
      els.dataInfo.textContent = `drawing the built-in faces: ${d}/${t} (first time only: kept in this browser)`;
    });
    ds = got.ds;
    if (got.cacheMiss) log(`data: ${got.cacheMiss}; drawn again`);
    if (got.from === 'cache') {
      fromCache = true;
      log(`data: ${n} built-in faces at ${size}x${size} from this browser's cache (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } else {
      facesSaved = got.saved!.then(
        () => {
          log('data: the drawn faces are kept in this browser: the next Train starts without drawing them');
          return true;
        },
        (e) => {
          log(`WARNING: the drawn faces could not be kept in this browser (they are drawn again after a reload): ${(e as Error).message}`);
          return false;
        },
      );
    }
    runInfoDataset = { source: 'built-in faces', n };
  } else {
    if (!userFiles?.length) throw new DatasetError('no images picked: drop images or a folder, or use "pick files"');
    log(`data: decoding ${userFiles.length} files with the WASM pipeline in Web Workers`);
    onProgress(0, userFiles.length);
    ds = await loadImageFiles(userFiles, { size, onProgress });
    runInfoDataset = { source: 'your images', n: ds.n, skipped: ds.skipped.count };
    if (ds.skipped.count) {
      const ex = ds.skipped.examples.map((x) => `${x.file} (${x.error})`).join('; ');
      const msg = `skipped ${ds.skipped.count} unreadable image${ds.skipped.count > 1 ? 's' : ''}: ${ex}${ds.skipped.count > ds.skipped.examples.length ? '; ...' : ''}`;
      banner(els.banner, msg);
      log(msg);
    }
  }
  dsKey = key;
  els.dataProgress.hidden = true;
  els.dataInfo.textContent = `${ds.n} images at ${size}x${size} (${((performance.now() - t0) / 1000).toFixed(1)} s${fromCache ? ', from this browser\'s cache' : ''})`;
  return ds;
}

// ---- training ---------------------------------------------------------------
function hooks(run: TrainConfig, data: ImageDataset, runStore: RunStore, shouldStop: () => boolean): RunHooks {
  const ref = run.diversityEvery > 0 ? referenceSet(data, run.diversitySamples) : undefined;
  return {
    store: runStore,
    log: (m) => {
      if (!glLoss.lostRun) log(m);
    },
    warn: (m) => {
      if (glLoss.lostRun) return; // numbers read from a lost context are garbage
      const collapse = /^mode collapse at step (\d+)/.exec(m);
      collapseShown = !!collapse;
      const had = diversifiedAt(verdictPoints);
      const how = had !== null ? `had diversified (step ${had}) and look alike again` : `still look alike at or after collapse-after ${run.collapseAfter}`;
      banner(els.banner, collapse ? `Mode collapse at step ${collapse[1]}: the fixed-z samples ${how} (see the diversity line; the numbers are in the log). Try another loss (wgan-gp, hinge), sn, d-dropout or a lower lr.` : m, true);
      log(`WARNING: ${m}`);
    },
    shouldStop: () => shouldStop() || glLoss.lostRun,
    yield: () => new Promise((r) => setTimeout(r)),
    progress: (p) => {
      if (glLoss.lostRun) return;
      lastStep = p.step;
      const rec: Record<string, number> = { step: p.step };
      for (const [k, v] of Object.entries(p.metrics)) if (typeof v === 'number') rec[k] = v;
      rec.imagesPerSec = p.imagesPerSec;
      if (pendingDiv?.step === p.step) for (const [k, v] of Object.entries(pendingDiv.d)) if (typeof v === 'number') rec[k] = v;
      pendingDiv = null;
      records.push(rec);
      showProgress(els.status, p, backend?.name ?? '', run.loss);
      drawCharts(els.charts, records);
    },
    onSamples: (step, png, images) => {
      if (glLoss.lostRun) return;
      lastGrid = { step, png };
      drawSamples(els.canvas, images, 64, run.size);
      els.caption.textContent = `samples from a fixed z at step ${step}`;
      els.savePng.disabled = false;
    },
    diversity: ref
      ? async (samples, n, size) => {
        if (glLoss.lostRun) return { verdict: 'skipped' };
        const d = await scoreGeneratedSamples(samples, n, size, { ref, swd: true });
        if (collapseShown && d.verdict !== 'collapsed') {
          // The warning was about an earlier score: this one is not collapsed.
          banner(els.banner, null);
          collapseShown = false;
        }
        const step = lastStep + 1;
        pendingDiv = { step, d };
        lastDiversity = d;
        // the training loop's rule, on the same verdicts: "collapsed" before the samples ever diversified is the start
        const state = diversityState(d.verdict, collapseWatch ? collapseWatch.observe(d.verdict, step) : null);
        verdictPoints.push({ step, verdict: d.verdict, state });
        showDiversity(els.diversity, els.divValue, step, d as DiversityShown, state);
        showVerdictHistory(els.divHistory, verdictPoints);
        return d;
      }
      : undefined,
  };
}

/**
 * The page's CollapseWatch for a run about to start, seeded as runTraining
 * seeds its own: a resumed run's scored verdicts from metrics.jsonl up to the
 * checkpoint it continues from; a fresh run none.
 */
async function seedCollapseWatch(c: TrainConfig, resume: boolean): Promise<void> {
  let prior: { step: number; verdict: string }[] = [];
  const store = keeper.store;
  const ck = resume ? await loadLatestCheckpoint(store!) : null;
  if (ck && (await store!.exists('metrics.jsonl'))) prior = scoredVerdicts(parseJsonl(await store!.readText('metrics.jsonl')), stepOfDir(ck.dir));
  collapseWatch = new CollapseWatch(prior, c.collapseAfter);
  verdictPoints = verdictStates(prior, c.collapseAfter);
  showVerdictHistory(els.divHistory, verdictPoints);
}


/** Clears the diversity line and its history (a new run, Reset). */
function clearDiversity(text: string): void {
  lastDiversity = null;
  collapseWatch = null;
  verdictPoints = [];
  els.diversity.dataset.verdict = '';
  els.diversity.dataset.state = '';
  els.divValue.textContent = text;
  showVerdictHistory(els.divHistory, []);
}

/**
 * One training pass of the page's run (RunPorts.train): runTraining with the
 * page's hooks, raced against the WebGL-loss grace; after a loss, the
 * recovery (gl_loss.ts). Returns the phase the page goes to.
 */
async function trainPass(c: TrainConfig, runStore: RunStore, resume: boolean, shouldStop: () => boolean): Promise<TrainOutcome> {
  const data = ds!;
  const store = keeper.store!;
  let summary: RunSummary | null = null;
  try {
    const info = { versions: { tfjs: tf.version_core, page: 'ganforge-web' }, backend: { ...backend }, dataset: runInfoDataset };
    const training = runTraining(c, sampler!, data.n, hooks(c, data, runStore, shouldStop), info, resume);
    // A lost context can leave a tfjs read pending forever: stop waiting for the run then.
    training.catch(() => {});
    summary = await Promise.race([training, glLoss.abandoned()]);
    glLoss.passEnded();
    if (summary && !glLoss.lostRun) log(summary.message);
  } catch (e) {
    glLoss.passEnded();
    if (!glLoss.lostRun) {
      fail(e instanceof CheckpointError ? `cannot continue from this checkpoint: ${e.message}` : `training failed: ${(e as Error).message}`);
      console.warn(e);
    }
  }
  drawCharts(els.charts, records, true);
  if (glLoss.lostRun) {
    const { dropped, dir } = await glLoss.recover(store, summary !== null);
    records = records.filter((r) => r.step <= (dir ? stepOfDir(dir) : 0));
    log(`WebGL context lost: ${dropped} checkpoint${dropped === 1 ? '' : 's'} written after it discarded; Resume continues from ${dir ?? 'step 0'}`);
    keeper.checkpointed(store);
    showState(els.status, 'paused', `paused: WebGL context lost — Resume continues on ${form.backend} from ${dir ?? 'step 0'}`);
    return { summary, next: 'paused' };
  }
  if (!summary) {
    showState(els.status, 'error', els.banner.textContent || 'training failed');
    return { summary, next: (await loadLatestCheckpoint(store)) ? 'paused' : 'idle' };
  }
  if (summary.status === 'non-finite') fail(summary.message);
  els.status.dataset.state = summary.status === 'done' ? 'finished' : 'paused';
  els.status.textContent = `${summary.status === 'interrupted' ? 'paused' : summary.status}: ${summary.message}`;
  return { summary, next: summary.status === 'interrupted' ? 'paused' : 'finished' };
}

async function prepare(c: TrainConfig): Promise<void> {
  const data = await ensureData(c.size);
  if (c.batch > data.n) throw new DatasetError(`batch ${c.batch} is larger than the dataset (${data.n} images): lower batch or use more images`);
  await ensureBackend(c.backend);
  sampler = new TolerantSampler(new BatchSampler(data, c.batch, c.seed, { flip: c.flip }));
}

/** An error as the page words it: settings:, data:, backend:, checkpoint: ... */
function errorText(e: unknown): string {
  if (e instanceof ConfigError) return `settings: ${e.message}`;
  if (e instanceof DatasetError) return `data: ${e.message}`;
  if (e instanceof BackendError) return `backend: ${e.message}`;
  if (e instanceof CheckpointError) return `checkpoint: ${e.message}`;
  console.warn(e);
  return (e as Error)?.message ?? String(e);
}

function reportError(e: unknown): void {
  fail(errorText(e));
  els.dataProgress.hidden = true;
  showState(els.status, 'error', els.banner.textContent ?? 'error');
}

async function onTrain(): Promise<void> {
  banner(els.banner, null);
  let c: TrainConfig;
  try {
    c = form.resolve(extra());
  } catch (e) {
    reportError(e);
    return;
  }
  showState(els.status, 'preparing', 'preparing data and backend ...');
  // The page's run (a paused one too) stays until the new one is prepared; the
  // kept run until the new one has written a checkpoint (the autosaver's first save).
  preparingNew = true;
  try {
    await ctl.train(c);
  } finally {
    preparingNew = false;
  }
}

/** A training pass is about to start (RunEvents.starting): a new run's clean slate, or a resumed run's curves up to its checkpoint. */
async function startingPass(c: TrainConfig, resume: boolean): Promise<void> {
  preparingNew = false;
  if (!resume) {
    // config.json says which data: the built-in faces (the CLI makes the same set from this count) or none.
    if (dataSource() === 'faces') c.faces = facesCount();
    records = [];
    lastStep = 0;
    clearDiversity(c.diversityEvery > 0 ? `scored every ${c.diversityEvery} steps` : 'off (diversity-every 0)');
  } else {
    const ck = await loadLatestCheckpoint(keeper.store!);
    const at = ck ? stepOfDir(ck.dir) : 0;
    records = records.filter((r) => r.step <= at);
  }
  await seedCollapseWatch(c, resume);
}

/** Resumable settings (steps, backend, sample-every ...) may change between runs of one run directory. */
function resumedConfig(): TrainConfig {
  const now = form.resolve(extra());
  const c = { ...ctl.cfg! };
  for (const f of FIELDS) if (f.resumable) (c as Record<string, unknown>)[f.key] = now[f.key];
  return c;
}

async function onResume(): Promise<void> {
  banner(els.banner, null);
  let c: TrainConfig;
  try {
    c = resumedConfig();
  } catch (e) {
    reportError(e);
    return;
  }
  await ctl.resume(c);
}

async function onReset(): Promise<void> {
  // before the page says idle: a reload right after must not bring the run back
  const dropped = ctl.reset();
  records = [];
  lastGrid = null;
  sampler = null;
  clearCanvas(els.canvas);
  els.charts.innerHTML = '';
  clearDiversity('not scored yet');
  els.caption.textContent = 'samples from a fixed z';
  banner(els.banner, null);
  const wasKept = await dropped;
  showState(els.status, 'idle', 'idle');
  if (wasKept) log('reset: the run is gone, also from this browser\'s storage (save a checkpoint first to keep it)');
  else log(`reset: the run is gone from this page${keeper.kept ? `; the run kept in this browser (${keeper.kept.run.dir}) stays: Discard saved run drops it` : ''}`);
}

// ---- checkpoints ------------------------------------------------------------
/** The architecture and optimisation settings of a checkpoint; this page's backend and URL extras. */
function configFromCheckpoint(state: CheckpointState): TrainConfig {
  try {
    // The page's own choices for settings that may change on resume.
    return configFromSaved(state.config, extra(), { backend: form.backend });
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(e.message);
    throw e;
  }
}

async function previewTrainer<T>(store: MemoryStore, c: TrainConfig, fn: (tr: GanTrainer) => T | Promise<T>): Promise<T> {
  const ck = await loadLatestCheckpoint(store);
  const tr = new GanTrainer(c);
  try {
    if (ck) await restoreCheckpoint(tr, ck.files, ck.dir);
    return await fn(tr);
  } finally {
    tr.dispose();
  }
}

async function onLoadCheckpoint(files: FileList | File[]): Promise<void> {
  if (ctl.busy) {
    fail('pause the run before loading a checkpoint');
    return;
  }
  banner(els.banner, null);
  let picked: Awaited<ReturnType<typeof readCheckpointPicks>> & { label?: string };
  try {
    picked = (await torchCheckpointPicks(files, ensureBackend)) ?? (await readCheckpointPicks(files));
  } catch (e) {
    reportError(e);
    return;
  }
  const state = await ctl.load(picked.dir, picked.files, putCheckpoint);
  if (!state) return;
  const msg = `loaded checkpoint ${picked.label ?? picked.dir} (step ${state.step}; ${describe(ctl.cfg!)}): raise "steps" above ${state.step} if needed and press Resume`;
  log(msg);
  showState(els.status, 'paused', msg);
}

function describe(c: TrainConfig): string {
  return `${c.loss}${c.sn ? '+sn' : ''}, ${c.size}x${c.size}, ngf ${c.ngf}, ndf ${c.ndf}, z ${c.zDim}${c.layers === 'tfjs-same' ? ", legacy tfjs 'same' padding" : ''}`;
}

/** A checkpoint became the page's run (RunEvents.adopted): its grid, its settings in the form, no curves yet. */
function showAdopted(c: TrainConfig, state: CheckpointState, grid: { step: number; imgs: Float32Array }, what: string): void {
  const { step, imgs } = grid;
  lastGrid = { step, png: encodePng(tileGrid(imgs, 64, c.size)) };
  drawSamples(els.canvas, imgs, 64, c.size);
  els.caption.textContent = `samples from a fixed z at step ${step} (${what})`;
  form.set(c);
  records = [];
  lastStep = state.step;
  els.charts.innerHTML = '';
  clearDiversity('not scored yet');
  sampler = null;
}

/**
 * Restores the run kept in this browser (src/web/autosave.ts), if any. When
 * it cannot be restored (a backend that cannot start now, a checkpoint this
 * page refuses) the record stays, the page says why and offers Restore saved
 * run (e.g. after choosing another backend) and Discard saved run.
 */
async function restoreSavedRun(): Promise<void> {
  const got = await ctl.restore(errorText);
  if (!got) {
    if (keeper.kept?.whyNotRestored) showState(els.status, 'idle', 'idle: the run kept in this browser was not restored (see above)');
    return;
  }
  const { run, state } = got;
  // the curves up to the checkpoint, from the run's metrics.jsonl
  const metrics = parseJsonl(new TextDecoder().decode(run.runFiles?.['metrics.jsonl'] ?? new Uint8Array(0)));
  for (const m of metrics) {
    const rec: Record<string, number> = {};
    for (const [k, v] of Object.entries(m)) if (typeof v === 'number') rec[k] = v;
    if (typeof rec.step === 'number' && rec.step <= state.step) records.push(rec);
  }
  drawCharts(els.charts, records, true);
  // ... and the verdicts over time, read with the collapse rule as they came
  verdictPoints = verdictStates(scoredVerdicts(metrics, state.step), ctl.cfg!.collapseAfter);
  const lastScored = verdictPoints[verdictPoints.length - 1];
  if (lastScored) {
    const m = metrics.find((r) => r.step === lastScored.step) as unknown as DiversityShown;
    showDiversity(els.diversity, els.divValue, lastScored.step, m, lastScored.state);
  }
  showVerdictHistory(els.divHistory, verdictPoints);
  const msg = `restored the run kept in this browser: ${run.dir} (step ${state.step}; ${describe(ctl.cfg!)}), saved ${new Date(run.savedAt).toLocaleString()}. Press Resume to continue it, or Reset to drop it`;
  log(msg);
  showState(els.status, 'paused', msg);
}

/** Restore saved run: another try (after the restore on opening failed, or instead of a new run that has no checkpoint yet). */
async function onRestoreSaved(): Promise<void> {
  if (ctl.phase !== 'idle') return;
  banner(els.banner, null);
  await restoreSavedRun();
}

/** Discard saved run: the kept run that is not the page's is deleted from this browser. */
async function onDiscardSaved(): Promise<void> {
  els.discardSaved.disabled = true;
  try {
    const gone = await keeper.discard();
    if (gone) {
      log(`discarded the run kept in this browser: ${gone.dir} (step ${gone.step})`);
      if (els.banner.classList.contains('bad') && /could not be restored/.test(els.banner.textContent ?? '')) banner(els.banner, null);
    }
  } catch (e) {
    fail(`the run kept in this browser could not be discarded: ${(e as Error).message}`);
  } finally {
    els.discardSaved.disabled = false;
  }
}

/** At autostart=1: is a run kept? (It stays until the new run has a checkpoint; Discard saved run drops it now.) */
async function noteKeptRun(): Promise<void> {
  try {
    const saved = await loadSavedRun();
    if (saved) keeper.notRestored(infoOf(saved), null);
  } catch { /* no IndexedDB: nothing is kept */ }
}

async function onSaveCheckpoint(): Promise<void> {
  const store = keeper.store;
  const z = store && (await latestCheckpointZip(store, ctl.cfg ?? undefined));
  if (!z) {
    fail('no checkpoint yet: press Pause (a checkpoint is written at every pause) or wait for checkpoint-every steps');
    return;
  }
  download(z.name, z.zip, 'application/zip');
  const dir = z.name.replace(/\.zip$/, '');
  log(`saved ${z.name} (${(z.zip.length / 1024).toFixed(0)} KiB): unzip it and run node scripts/train.js --resume ${dir} --steps N, or load it here again`);
}

// ---- scoring a sample set -----------------------------------------------------
async function onScore(files: File[]): Promise<void> {
  try {
    banner(els.banner, null);
    await Promise.all([initMetricsWasm(), initPipelineWasm()]);
    const set = await sampleSetFromFiles(files, log);
    log(`scoring ${set.n} samples (${set.width}x${set.height}) for diversity ...`);
    const { report, withReference } = await scoreSampleSet(set, ds);
    els.report.srcdoc = renderReportHtml(report, set, `Diversity report (${files.length === 1 ? files[0].name : `${files.length} files`})`);
    els.reportBox.hidden = false;
    els.reportBox.open = true;
    log(`diversity of the sample set: ${report.verdict} (mean MS-SSIM ${report.msssim.mean.toFixed(3)}, Vendi ${report.vendi.toFixed(1)} of ${report.n})${withReference ? '' : ' — no reference: load the matching data to compare with real images'}`);
  } catch (e) {
    reportError(e);
  }
}

// ---- wiring -------------------------------------------------------------------
function pickedFiles(input: HTMLInputElement): File[] {
  const files = Array.from(input.files ?? []);
  input.value = '';
  return files;
}

function useImages(files: File[]): void {
  userFiles = files;
  (document.querySelector('input[name=source][value=files]') as HTMLInputElement).checked = true;
  const imgs = files.filter((f) => /\.(jpe?g|png)$/i.test(f.name)).length;
  els.dataInfo.textContent = `${imgs} image file${imgs === 1 ? '' : 's'} picked${files.length > imgs ? ` (${files.length - imgs} other files ignored)` : ''}; decoded when you press Train`;
  ds = null;
  dsKey = '';
}

els.train.onclick = () => void onTrain();
els.pause.onclick = () => {
  if (!ctl.pause()) return;
  els.pause.disabled = true;
  showState(els.status, 'pausing', `${els.status.textContent} — pausing after this step ...`);
};
els.resume.onclick = () => void onResume();
els.reset.onclick = () => void onReset();
els.restoreSaved.onclick = () => void onRestoreSaved();
els.discardSaved.onclick = () => void onDiscardSaved();
els.saveCkpt.onclick = () => void onSaveCheckpoint();
els.savePng.onclick = () => lastGrid && download(`samples-${stepDirName(lastGrid.step)}.png`, lastGrid.png, 'image/png');
$<HTMLInputElement>('pick-files').onchange = (e) => useImages(pickedFiles(e.target as HTMLInputElement));
$<HTMLInputElement>('pick-dir').onchange = (e) => useImages(pickedFiles(e.target as HTMLInputElement));
$<HTMLInputElement>('load-ckpt').onchange = (e) => void onLoadCheckpoint(pickedFiles(e.target as HTMLInputElement));
$<HTMLInputElement>('load-ckpt-dir').onchange = (e) => void onLoadCheckpoint(pickedFiles(e.target as HTMLInputElement));
$<HTMLInputElement>('score-files').onchange = (e) => void onScore(pickedFiles(e.target as HTMLInputElement));
dropZone($('drop'), useImages);
dropZone($('score-files').parentElement!, (files) => void onScore(files));
els.facesN.onchange = () => {
  (document.querySelector('input[name=source][value=faces]') as HTMLInputElement).checked = true;
};

/** Test and console hooks (the e2e test drives the page through them). */
let started = false;
const api = {
  /** True once the page has opened: the kept run restored (or not), or an autostart run begun. */
  get ready() { return started; },
  get phase() { return ctl.phase; },
  get step() { return lastStep; },
  get records() { return records; },
  get diversity() { return lastDiversity; },
  /** The scored verdicts of the run and how the page showed each (warming-up, collapse, healthy ...). */
  get verdicts() { return verdictPoints; },
  /** Resolves (true) when the faces drawn last are kept in this browser's IndexedDB, false if they could not be. */
  facesSaved(): Promise<boolean> { return facesSaved; },
  /** The training data now in the page: count, size and a checksum of its bytes (faces_cache.ts's). */
  get data() { return ds ? { n: ds.n, size: ds.size, checksum: facesChecksum(ds.images) } : null; },
  get backend() { return backend; },
  get errors() { return errors; },
  get config() { return ctl.cfg; },
  /** Generator output (eval mode, NHWC in [-1, 1]) for z of the current run's latest checkpoint. */
  async generate(z: number[]): Promise<number[]> {
    const store = keeper.store;
    if (!ctl.cfg || !store) throw new Error('no run: train, or load a checkpoint first');
    if (ctl.busy) throw new Error('pause first');
    const c = ctl.cfg;
    await ensureBackend(c.backend);
    return previewTrainer(store, c, (tr) => Array.from(tr.generate(Float32Array.from(z))));
  },
  /** Simulates a GPU reset (WEBGL_lose_context) on the training context. */
  loseContext(): boolean {
    const ext = backend?.name === 'webgl' ? glCtx?.gl.getExtension('WEBGL_lose_context') : null;
    ext?.loseContext();
    return !!ext;
  },
  pause() { ctl.pause(); },
  /** Resolves when the run kept in this browser's storage is up to date. */
  autosaved(): Promise<void> { return keeper.idle(); },
  tf,
};
(window as unknown as { ganforge: typeof api }).ganforge = api;

async function start(): Promise<void> {
  setPhase(ctl.phase);
  let query: ReturnType<typeof settingsFromQuery>;
  try {
    query = settingsFromQuery(location.search);
  } catch (e) {
    query = { form: {}, extra: {}, page: new URLSearchParams() };
    reportError(e);
  }
  form.set({ ...PAGE_FORM_DEFAULTS, ...query.form });
  queryExtra = query.extra;
  const wv = query.page.get('webgl');
  if (wv === '1' || wv === '2') webglVersion = Number(wv) as 1 | 2;
  else if (wv !== null) reportError(new ConfigError(`?webgl must be 1 or 2, got ${JSON.stringify(wv)}`));
  if (query.extra.faces) els.facesN.value = String(query.extra.faces);
  try {
    await Promise.all([initPipelineWasm(), initMetricsWasm()]);
  } catch (e) {
    fail(`this browser cannot run our WebAssembly (SIMD needed): ${(e as Error).message}`);
    return;
  }
  // Probe WebGL once, to say up front what auto will pick.
  let probe = '';
  try {
    const ctx = createBrowserGl({ version: webglVersion });
    probe = `WebGL ${ctx.version} renderer: ${ctx.renderer}${ctx.software ? ' (software: auto picks wasm)' : ' (auto picks webgl)'}`;
    glProbe = `WebGL ${ctx.version} renderer: ${ctx.renderer}`;
    ctx.dispose();
  } catch (e) {
    probe = `no WebGL (${(e as Error).message}): training uses wasm`;
    banner(els.banner, `No WebGL in this browser: ${(e as Error).message}. Training runs on the wasm backend (auto) or cpu.`);
  }
  els.env.textContent = `${probe} · ${isCrossOriginIsolated() ? `cross-origin isolated: ${platform.threads} threads` : 'not cross-origin isolated: 1 thread'}`;
  log(probe);
  if (query.page.get('autostart') === '1') {
    // a fresh run; the kept one stays until the new one has a checkpoint
    await noteKeptRun();
    void onTrain();
  } else {
    await restoreSavedRun();
  }
  started = true;
}

void start();
