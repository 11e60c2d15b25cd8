// The page (dist/web/ganforge.js): the same trainer, data pipeline and
// metrics as the CLI; only the platform seam differs (src/platform/browser.ts:
// WebGL from a canvas, .wasm files next to the page, Web Workers).
//
// This file is wiring: it makes the platform, the run controller
// (run_controller.ts: train, pause, resume, reset, load, restore) and the
// page's parts, and connects them to the buttons and the drawing (ui/):
//   page_data.ts     the training data (built-in faces or picked files) and the batch sampler
//   page_backend.ts  the tfjs backend, the WebGL probe, a new context after a loss
//   train_pass.ts    one training pass (runTraining with the page's hooks, WebGL-loss recovery)
//   run_display.ts   what is shown of the run: curves, grid, scores, verdicts over time
//   page_config.ts   the settings -> config glue and how errors are worded
//   ui/saved_run.ts  the run kept in this browser: Restore saved run, Discard saved run
// URL parameters (CLI flag names, ?size=32&ngf=8...) preset the form; ?autostart=1 presses Train.
import { tf } from '../tf';
import { browserPlatform } from '../platform/browser';
import { parseJsonl } from '../train/loop';
import { MemoryStore } from '../train/store';
import { fixedNoise } from '../train/trainer';
import { loadLatestCheckpoint, putCheckpoint, restoreCheckpoint, stepDirName, type CheckpointState } from '../train/checkpoint';
import { FIELDS, coerce, type TrainConfig } from '../train/config';
import { GanTrainer } from '../train/trainer';
import { encodePng, tileGrid } from '../train/grid';
import { loadImageFiles } from '../data/files_browser';
import { initPipelineWasm } from '../wasm/pipeline';
import { initMetricsWasm } from '../wasm/metrics';
import { renderReportHtml } from '../metrics/report_html';
import { loadFaceDataset } from './faces_browser';
import { facesChecksum } from './faces_cache';
import { SettingsForm, settingsFromQuery } from './ui/form';
import { $, banner, clearCanvas, drawCharts, drawSamples, logLine, showDiversity, showProgress, showState, showVerdictHistory, type DiversityShown } from './ui/view';
import { dropZone } from './ui/drop';
import { SavedRunPanel } from './ui/saved_run';
import { torchCheckpointPicks } from './torch_import';
import { download, latestCheckpointZip, readCheckpointPicks } from './store_browser';
import { loadSavedRun, putSavedRun } from './autosave';
import { RunKeeper, browserKeeperIo, infoOf } from './run_state';
import { RestoreError, RunController, type Phase } from './run_controller';
import { GlLoss } from './gl_loss';
import { sampleSetFromFiles, scoreSampleSet } from './score_samples';
import { PageData, type DataSource } from './page_data';
import { PageBackend } from './page_backend';
import { RunDisplay } from './run_display';
import { trainPass, type PassView } from './train_pass';
import { PAGE_FORM_DEFAULTS, configFromCheckpoint, describeConfig, errorText as pageErrorText, pageExtra, resumedConfig, webglVersionOf } from './page_config';

const platform = browserPlatform();

const els = {
  env: $('env'), banner: $('banner'), status: $('status'), log: $('log'), charts: $('charts'),
  canvas: $<HTMLCanvasElement>('samples'), caption: $('samples-caption'),
  diversity: $('diversity'), divValue: $('div-value'), divHistory: $('div-history'), dataProgress: $<HTMLProgressElement>('data-progress'), dataInfo: $('data-info'),
  train: $<HTMLButtonElement>('train'), pause: $<HTMLButtonElement>('pause'), resume: $<HTMLButtonElement>('resume'), reset: $<HTMLButtonElement>('reset'),
  saveCkpt: $<HTMLButtonElement>('save-ckpt'), savePng: $<HTMLButtonElement>('save-png'), facesN: $<HTMLInputElement>('faces-n'),
  reportBox: $<HTMLDetailsElement>('report-box'), report: $<HTMLIFrameElement>('report'),
};

// ---- the page's parts -----------------------------------------------------------
const log = (m: string) => logLine(els.log, m);
const errors: string[] = [];
const fail = (m: string) => {
  errors.push(m);
  banner(els.banner, m, true);
  log(`error: ${m}`);
};
const errorText = (e: unknown) => pageErrorText(e, (x) => console.warn(x));
function reportError(e: unknown): void {
  fail(errorText(e));
  els.dataProgress.hidden = true;
  showState(els.status, 'error', els.banner.textContent ?? 'error');
}

/** Settings from the URL that the form does not show. */
let queryExtra: Partial<TrainConfig> = {};
const extra = () => pageExtra(queryExtra);
const form = new SettingsForm($<HTMLFormElement>('settings'), $('form-error'), () => {
  try {
    form.resolve(extra());
  } catch {
    /* shown under the form */
  }
});

const display = new RunDisplay();
/** WebGL-context loss during a run (gl_loss.ts): 3 s for a run to stop by itself before it is abandoned. */
const glLoss = new GlLoss(3000);
const backend = new PageBackend(platform, glLoss, onContextLost, log, (line) => (els.env.textContent = line));
const data = new PageData({ faces: loadFaceDataset, files: loadImageFiles }, {
  log,
  progress: (d, t) => {
    els.dataProgress.hidden = false;
    els.dataProgress.max = t;
    els.dataProgress.value = d;
  },
  progressDone: () => (els.dataProgress.hidden = true),
  info: (text) => (els.dataInfo.textContent = text),
  warn: (msg) => banner(els.banner, msg),
});

/**
 * The page's run (its store) and the run kept in IndexedDB (run_state.ts):
 * a run is replaced only by one that is ready, the kept record only by a run with a checkpoint.
 */
const keeper = new RunKeeper<MemoryStore>(browserKeeperIo, (m) => log(`WARNING: ${m}`), () => savedRun.show(ctl.phase === 'idle'));
const savedRun = new SavedRunPanel(
  { box: $('saved-run'), text: $('saved-run-text'), restore: $<HTMLButtonElement>('restore-saved'), discard: $<HTMLButtonElement>('discard-saved'), banner: els.banner },
  keeper, log, fail,
);

const passView: PassView = {
  log,
  banner: (msg, bad) => banner(els.banner, msg, bad),
  fail,
  progress: (p) => {
    showProgress(els.status, p, backend.info?.name ?? '', ctl.cfg!.loss);
    drawCharts(els.charts, display.records);
  },
  charts: (force) => drawCharts(els.charts, display.records, force),
  samples: (step, images) => {
    drawSamples(els.canvas, images, 64, ctl.cfg!.size);
    els.caption.textContent = `samples from a fixed z at step ${step}`;
    els.savePng.disabled = false;
  },
  diversity: (step, d, state) => {
    showDiversity(els.diversity, els.divValue, step, d as unknown as DiversityShown, state);
    showVerdictHistory(els.divHistory, display.verdicts);
  },
  status: (state, text) => showState(els.status, state, text),
  bannerText: () => els.banner.textContent ?? '',
  backendChoice: () => form.backend,
};

/** The page's run as a state machine (run_controller.ts); the parts above do the work it asks for. */
const ctl: RunController<MemoryStore> = new RunController<MemoryStore>(keeper, {
  newStore: () => new MemoryStore('browser:'),
  prepare: async (c) => { await data.prepare(c, dataSource(), facesCount(), () => backend.ensure(c.backend)); },
  train: (c, runStore, resume, shouldStop) => trainPass({ display, glLoss, keeper, data: { ds: data.ds!, sampler: data.sampler!, runInfo: data.runInfo }, backend: backend.info, view: passView }, c, runStore, resume, shouldStop),
  checkpointsTrusted: () => glLoss.trusted,
  configFromCheckpoint: (state) => configFromCheckpoint(state, extra(), form.backend),
  ensureBackend: async (c) => { await backend.ensure(c.backend); },
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

// ---- showing the controller's state -------------------------------------------
/** Shows phase `p` on the buttons, the form and the kept-run line. */
function setPhase(p: Phase): void {
  const store = keeper.store;
  const busy = p === 'running' || p === 'preparing';
  els.train.disabled = busy;
  els.train.textContent = store ? 'Train (new run)' : 'Train';
  els.pause.disabled = p !== 'running';
  els.resume.disabled = !(p === 'paused' || p === 'finished') || !store;
  els.reset.disabled = busy || !store;
  els.saveCkpt.disabled = busy || !store;
  els.savePng.disabled = !display.grid;
  form.lock(!!store && !(p === 'preparing' && preparingNew));
  document.body.dataset.phase = p;
  savedRun.show(p === 'idle');
}

/** Clears the diversity line and its history (a new run, Reset, a loaded checkpoint). */
function clearDiversity(text: string): void {
  els.diversity.dataset.verdict = '';
  els.diversity.dataset.state = '';
  els.divValue.textContent = text;
  showVerdictHistory(els.divHistory, []);
}

/** A training pass is about to start (RunEvents.starting): a new run's clean slate, or a resumed run's curves up to its checkpoint. */
async function startingPass(c: TrainConfig, resume: boolean): Promise<void> {
  preparingNew = false;
  if (!resume) {
    // config.json says which data: the built-in faces (the CLI makes the same set from this count) or none.
    if (dataSource() === 'faces') c.faces = facesCount();
    clearDiversity(c.diversityEvery > 0 ? `scored every ${c.diversityEvery} steps` : 'off (diversity-every 0)');
  }
  await display.starting(keeper.store!, resume, c.collapseAfter);
  showVerdictHistory(els.divHistory, display.verdicts);
}

/** A checkpoint became the page's run (RunEvents.adopted): its grid, its settings in the form, no curves yet. */
function showAdopted(c: TrainConfig, state: CheckpointState, grid: { step: number; imgs: Float32Array }, what: string): void {
  const { step, imgs } = grid;
  display.adopted(state.step, { step, png: encodePng(tileGrid(imgs, 64, c.size)) });
  drawSamples(els.canvas, imgs, 64, c.size);
  els.caption.textContent = `samples from a fixed z at step ${step} (${what})`;
  form.set(c);
  els.charts.innerHTML = '';
  clearDiversity('not scored yet');
  data.sampler = null;
}

function onContextLost(): void {
  glLoss.onLost(ctl.phase === 'running' && backend.info?.name === 'webgl', display.step);
  const msg = `The WebGL context was lost (GPU reset or driver crash) at step ${display.step}: training pauses. Backend wasm is selected for you: press Resume to continue from the last checkpoint saved before the loss, or choose webgl to try a new WebGL context.`;
  banner(els.banner, msg, true);
  log(msg);
  form.backend = 'wasm';
}

function dataSource(): DataSource {
  return (document.querySelector('input[name=source]:checked') as HTMLInputElement).value as DataSource;
}

function facesCount(): number {
  return coerce(FIELDS.find((f) => f.key === 'faces')!, els.facesN.value, 'faces') as number;
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

// ---- the buttons ----------------------------------------------------------------
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

async function onResume(): Promise<void> {
  banner(els.banner, null);
  let c: TrainConfig;
  try {
    c = resumedConfig(ctl.cfg!, form.resolve(extra()));
  } catch (e) {
    reportError(e);
    return;
  }
  await ctl.resume(c);
}

async function onReset(): Promise<void> {
  // before the page says idle: a reload right after must not bring the run back
  const dropped = ctl.reset();
  display.reset();
  data.sampler = null;
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

async function onLoadCheckpoint(files: FileList | File[]): Promise<void> {
  if (ctl.busy) {
    fail('pause the run before loading a checkpoint');
    return;
  }
  banner(els.banner, null);
  let picked: Awaited<ReturnType<typeof readCheckpointPicks>> & { label?: string };
  try {
    picked = (await torchCheckpointPicks(files, (name) => backend.ensure(name))) ?? (await readCheckpointPicks(files));
  } catch (e) {
    reportError(e);
    return;
  }
  const state = await ctl.load(picked.dir, picked.files, putCheckpoint);
  if (!state) return;
  const msg = `loaded checkpoint ${picked.label ?? picked.dir} (step ${state.step}; ${describeConfig(ctl.cfg!)}): raise "steps" above ${state.step} if needed and press Resume`;
  log(msg);
  showState(els.status, 'paused', msg);
}

/**
 * Restores the run kept in this browser (autosave.ts), if any. When it cannot
 * be restored (a backend that cannot start now, a checkpoint this page
 * refuses) the record stays, the page says why and offers Restore saved run
 * (e.g. after choosing another backend) and Discard saved run.
 */
async function restoreSavedRun(): Promise<void> {
  const got = await ctl.restore(errorText);
  if (!got) {
    if (keeper.kept?.whyNotRestored) showState(els.status, 'idle', 'idle: the run kept in this browser was not restored (see above)');
    return;
  }
  const { run, state } = got;
  // the curves and the verdicts up to the checkpoint, from the run's metrics.jsonl
  const metrics = parseJsonl(new TextDecoder().decode(run.runFiles?.['metrics.jsonl'] ?? new Uint8Array(0)));
  const last = display.restored(metrics, state.step, ctl.cfg!.collapseAfter);
  drawCharts(els.charts, display.records, true);
  if (last) showDiversity(els.diversity, els.divValue, last.step, last.record as unknown as DiversityShown, last.state);
  showVerdictHistory(els.divHistory, display.verdicts);
  const msg = `restored the run kept in this browser: ${run.dir} (step ${state.step}; ${describeConfig(ctl.cfg!)}), saved ${new Date(run.savedAt).toLocaleString()}. Press Resume to continue it, or Reset to drop it`;
  log(msg);
  showState(els.status, 'paused', msg);
}

/** Restore saved run: another try (after the restore on opening failed, or instead of a new run that has no checkpoint yet). */
async function onRestoreSaved(): Promise<void> {
  if (ctl.phase !== 'idle') return;
  banner(els.banner, null);
  await restoreSavedRun();
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

/** Score a sample set: its diversity report, against the page's data when it has some. */
async function onScore(files: File[]): Promise<void> {
  try {
    banner(els.banner, null);
    await Promise.all([initMetricsWasm(), initPipelineWasm()]);
    const set = await sampleSetFromFiles(files, log);
    log(`scoring ${set.n} samples (${set.width}x${set.height}) for diversity ...`);
    const { report, withReference } = await scoreSampleSet(set, data.ds);
    els.report.srcdoc = renderReportHtml(report, set, `Diversity report (${files.length === 1 ? files[0].name : `${files.length} files`})`);
    els.reportBox.hidden = false;
    els.reportBox.open = true;
    log(`diversity of the sample set: ${report.verdict} (mean MS-SSIM ${report.msssim.mean.toFixed(3)}, Vendi ${report.vendi.toFixed(1)} of ${report.n})${withReference ? '' : ' — no reference: load the matching data to compare with real images'}`);
  } catch (e) {
    reportError(e);
  }
}

function pickedFiles(input: HTMLInputElement): File[] {
  const files = Array.from(input.files ?? []);
  input.value = '';
  return files;
}

function useImages(files: File[]): void {
  (document.querySelector('input[name=source][value=files]') as HTMLInputElement).checked = true;
  data.useFiles(files);
}

// ---- wiring -------------------------------------------------------------------
els.train.onclick = () => void onTrain();
els.pause.onclick = () => {
  if (!ctl.pause()) return;
  els.pause.disabled = true;
  showState(els.status, 'pausing', `${els.status.textContent} — pausing after this step ...`);
};
els.resume.onclick = () => void onResume();
els.reset.onclick = () => void onReset();
$<HTMLButtonElement>('restore-saved').onclick = () => void onRestoreSaved();
$<HTMLButtonElement>('discard-saved').onclick = () => void savedRun.discard();
els.saveCkpt.onclick = () => void onSaveCheckpoint();
els.savePng.onclick = () => display.grid && download(`samples-${stepDirName(display.grid.step)}.png`, display.grid.png, 'image/png');
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
  get step() { return display.step; },
  get records() { return display.records; },
  get diversity() { return display.diversity; },
  /** The scored verdicts of the run and how the page showed each (warming-up, collapse, healthy ...). */
  get verdicts() { return display.verdicts; },
  /** Resolves (true) when the faces drawn last are kept in this browser's IndexedDB, false if they could not be. */
  facesSaved(): Promise<boolean> { return data.facesSaved; },
  /** The training data now in the page: count, size and a checksum of its bytes (faces_cache.ts's). */
  get data() { const ds = data.ds; return ds ? { n: ds.n, size: ds.size, checksum: facesChecksum(ds.images) } : null; },
  get backend() { return backend.info; },
  get errors() { return errors; },
  get config() { return ctl.cfg; },
  /** Generator output (eval mode, NHWC in [-1, 1]) for z of the current run's latest checkpoint. */
  async generate(z: number[]): Promise<number[]> {
    const store = keeper.store;
    if (!ctl.cfg || !store) throw new Error('no run: train, or load a checkpoint first');
    if (ctl.busy) throw new Error('pause first');
    const c = ctl.cfg;
    await backend.ensure(c.backend);
    return previewTrainer(store, c, (tr) => Array.from(tr.generate(Float32Array.from(z))));
  },
  /** Simulates a GPU reset (WEBGL_lose_context) on the training context. */
  loseContext(): boolean { return backend.loseContext(); },
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
  try {
    backend.webglVersion = webglVersionOf(query.page.get('webgl'));
  } catch (e) {
    reportError(e);
  }
  if (query.extra.faces) els.facesN.value = String(query.extra.faces);
  try {
    await Promise.all([initPipelineWasm(), initMetricsWasm()]);
  } catch (e) {
    fail(`this browser cannot run our WebAssembly (SIMD needed): ${(e as Error).message}`);
    return;
  }
  const probe = backend.probe();
  if (probe.noWebgl !== null) banner(els.banner, `No WebGL in this browser: ${probe.noWebgl}. Training runs on the wasm backend (auto) or cpu.`);
  els.env.textContent = backend.envLine(probe.line);
  log(probe.line);
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
