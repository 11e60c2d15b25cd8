// The page's run as a state machine, without the DOM (tested in Node:
// test/web/run_controller.test.ts). main.ts wires it to the buttons and
// draws what it reports; the work it needs done (decoding data, starting a
// backend, training, checking a checkpoint's weights) comes in as RunPorts.
//
//   idle ──train──> preparing ──ready──> running ──pause / done / error──> paused | finished
//     ^                 │ (fails: back to paused with the run kept, or idle)     │
//     └──── reset ──────┴─────────────── resume (preparing -> running) <────────┘
//   load / restore (idle or paused): a checkpoint becomes the page's run only
//   once its weights are checked; a failure keeps the current run and, for
//   the kept run, the record (with the reason).
//
// Which run is the page's and which is kept in IndexedDB is RunKeeper's
// (run_state.ts): a new run replaces the kept one only once it has written
// a checkpoint.
import type { RunStore } from '../train/store';
import type { RunSummary } from '../train/loop';
import type { TrainConfig } from '../train/config';
import { CheckpointError, type CheckpointFiles, type CheckpointState } from '../train/checkpoint';
import { GatedStore } from './store_browser';
import { infoOf, type KeptRunInfo, type RunKeeper } from './run_state';
import type { SavedRun } from './autosave';

export type Phase = 'idle' | 'preparing' | 'running' | 'paused' | 'finished';

/** How a training pass ended: where the page goes next. */
export type TrainOutcome = { summary: RunSummary | null; next: 'paused' | 'finished' | 'idle' };

export interface RunPorts<S extends RunStore> {
  /** A fresh, empty store for a new, loaded or restored run. */
  newStore(): S;
  /** Data, backend and batch sampler for a run of `c`. Throws when it cannot: the page's run stays. */
  prepare(c: TrainConfig): Promise<void>;
  /**
   * Trains the page's run (`store`, gated: writes stop when the pass ends)
   * until it stops: done, paused (`shouldStop`), failed or abandoned.
   */
  train(c: TrainConfig, store: RunStore, resume: boolean, shouldStop: () => boolean): Promise<TrainOutcome>;
  /** Whether a checkpoint written now is trustworthy (false after the WebGL context was lost mid-run). */
  checkpointsTrusted(): boolean;
  /** The config a checkpoint's state.json asks for on this page (CheckpointError when it cannot be used). */
  configFromCheckpoint(state: CheckpointState): TrainConfig;
  /** Starts the backend `c` asks for. */
  ensureBackend(c: TrainConfig): Promise<void>;
  /** Checks a checkpoint's weights against `c`'s architecture by drawing the fixed-z grid. */
  check(store: S, c: TrainConfig): Promise<{ step: number; imgs: Float32Array }>;
  /** The run kept in this browser (null: none). */
  loadSavedRun(): Promise<SavedRun | null>;
  /** Writes a kept run's files into a fresh store. */
  fillFromSaved(store: S, run: SavedRun): Promise<void>;
}

export interface RunEvents {
  /** The phase changed (or the page's run, or the kept run). */
  phase(p: Phase): void;
  log(msg: string): void;
  /** An error, as the page words it (settings:, data:, backend:, checkpoint: ...). */
  error(e: unknown): void;
  /** A new run is about to train (its first pass), or a run is about to resume. */
  starting(c: TrainConfig, resume: boolean): void | Promise<void>;
  /** A checkpoint became the page's run: its config, step and fixed-z grid. */
  adopted(c: TrainConfig, state: CheckpointState, grid: { step: number; imgs: Float32Array }, what: string): void;
}

export class RunController<S extends RunStore = RunStore> {
  private ph: Phase = 'idle';
  private config: TrainConfig | null = null;
  private stopAsked = false;

  constructor(readonly keeper: RunKeeper<S>, private readonly ports: RunPorts<S>, private readonly events: RunEvents) {}

  get phase(): Phase { return this.ph; }
  /** The page's run's config (its architecture is fixed once a run exists). */
  get cfg(): TrainConfig | null { return this.config; }
  /** The page's run (null: none). */
  get store(): S | null { return this.keeper.store; }
  get busy(): boolean { return this.ph === 'running' || this.ph === 'preparing'; }
  get stopRequested(): boolean { return this.stopAsked; }

  private set(p: Phase): void {
    this.ph = p;
    this.events.phase(p);
  }

  /**
   * Train (new run): prepared first; the page's run (a paused one too) is
   * replaced only when `c` is ready, the kept run only at the new run's
   * first checkpoint. A failure to prepare keeps the page's run.
   */
  async train(c: TrainConfig): Promise<void> {
    if (this.busy) return;
    try {
      this.set('preparing');
      await this.keeper.startNew(() => this.ports.prepare(c), () => this.ports.newStore());
      this.config = c;
      await this.pass(false);
    } catch (e) {
      this.events.error(e);
      this.set(this.store ? 'paused' : 'idle');
    }
  }

  /** Resume: the page's run goes on with `c` (its resumable settings may differ). */
  async resume(c: TrainConfig): Promise<void> {
    if (this.busy || !this.store) return;
    try {
      this.set('preparing');
      await this.ports.prepare(c);
      this.config = c;
      await this.pass(true);
    } catch (e) {
      this.events.error(e);
      this.set('paused');
    }
  }

  /** Pause: the run stops after this step (and writes a checkpoint). */
  pause(): boolean {
    if (this.ph !== 'running') return false;
    this.stopAsked = true;
    return true;
  }

  /**
   * Reset: the page's run is dropped, and the kept record with it when it
   * holds that run. Returns whether the record was deleted.
   */
  async reset(): Promise<boolean> {
    this.config = null;
    const dropped = await this.keeper.reset();
    this.set('idle');
    return dropped;
  }

  /**
   * Makes a checkpoint the page's run: a fresh store filled by `fill`, its
   * weights checked before the page's run is replaced; a checkpoint that
   * fails the check becomes neither the page's run nor the kept one (it
   * throws, and the current run stays). `kept`: it is the kept run itself.
   */
  async adopt(fill: (next: S) => Promise<void>, files: CheckpointFiles, what: string, kept?: KeptRunInfo): Promise<CheckpointState> {
    let state: CheckpointState;
    try {
      const raw = files['state.json'];
      state = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
    } catch {
      throw new CheckpointError('state.json: not valid JSON');
    }
    const c = this.ports.configFromCheckpoint(state);
    await this.ports.ensureBackend(c);
    const next = this.ports.newStore();
    await fill(next);
    let grid: { step: number; imgs: Float32Array } | null = null;
    await this.keeper.adopt(next, async (s) => {
      grid = await this.ports.check(s, c);
    }, kept);
    this.config = c;
    this.events.adopted(c, state, grid!, what);
    return state;
  }

  /** Load checkpoint (idle or paused): on success the page is paused on it; on failure nothing changes. */
  async load(dir: string, files: CheckpointFiles, put: (store: S, dir: string, files: CheckpointFiles) => Promise<void>): Promise<CheckpointState | null> {
    if (this.busy) {
      this.events.error(new Error('pause the run before loading a checkpoint'));
      return null;
    }
    try {
      const state = await this.adopt((next) => put(next, dir, files), files, 'loaded checkpoint');
      this.set('paused');
      return state;
    } catch (e) {
      this.events.error(e);
      this.set(this.store ? 'paused' : 'idle');
      return null;
    }
  }

  /**
   * Restores the run kept in this browser. When it cannot be restored (a
   * backend that cannot start now, a checkpoint this page refuses) the record
   * stays, with the reason (keeper.kept.whyNotRestored), and the phase is
   * what it was. Returns the restored run, or null.
   */
  async restore(whyText: (e: unknown) => string): Promise<{ run: SavedRun; state: CheckpointState } | null> {
    if (this.ph !== 'idle') return null;
    let saved: SavedRun | null;
    try {
      saved = await this.ports.loadSavedRun();
    } catch (e) {
      this.events.log(`no run restored: ${(e as Error).message}`);
      return null;
    }
    if (!saved) {
      if (this.keeper.kept && !this.keeper.keptIsPageRun) this.events.log('no run is kept in this browser any more');
      this.keeper.noneKept();
      return null;
    }
    const run = saved;
    const was = this.ph;
    try {
      this.set('preparing');
      const state = await this.adopt((next) => this.ports.fillFromSaved(next, run), run.files, 'restored', infoOf(run));
      this.set('paused');
      return { run, state };
    } catch (e) {
      const why = whyText(e);
      this.keeper.notRestored(infoOf(run), why);
      this.events.error(new RestoreError(`the run kept in this browser (${run.dir}, step ${run.step}) could not be restored: ${why}. It is kept (Restore saved run tries again, Discard saved run drops it)`));
      this.set(was);
      return null;
    }
  }

  /** One training pass over the page's run; its checkpoints are kept as they are written (when trustworthy). */
  private async pass(resume: boolean): Promise<void> {
    const store = this.store!;
    const c = this.config!;
    this.stopAsked = false;
    await this.events.starting(c, resume);
    this.set('running');
    const gated = new GatedStore(store, () => {
      if (this.ports.checkpointsTrusted()) this.keeper.checkpointed(store);
    });
    let outcome: TrainOutcome;
    try {
      outcome = await this.ports.train(c, gated, resume, () => this.stopAsked);
    } finally {
      gated.close();
    }
    this.set(outcome.next);
  }
}

/** A kept run that could not be restored (the page shows the message as is). */
export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}
