// The page's run controller (src/web/run_controller.ts) and WebGL-loss
// recovery (src/web/gl_loss.ts) without a browser: fake ports that write real
// checkpoints into MemoryStores, the real RunKeeper over an in-memory record.
import { describe, expect, it } from 'vitest';
import { MemoryStore, type RunStore } from '../../src/train/store';
import { resolveConfig, type TrainConfig } from '../../src/train/config';
import { CheckpointError, listCheckpointDirs, loadLatestCheckpoint, putCheckpoint, stepDirName } from '../../src/train/checkpoint';
import { RunKeeper, type KeptRunInfo } from '../../src/web/run_state';
import { savedRunOf, type SavedRun } from '../../src/web/autosave';
import { RestoreError, RunController, type Phase, type RunPorts, type TrainOutcome } from '../../src/web/run_controller';
import { GlLoss } from '../../src/web/gl_loss';

const ckFiles = (step: number, size = 32) => ({ 'state.json': JSON.stringify({ step, config: { size } }) });

/** The IndexedDB record, in memory. */
function fakeIo() {
  const io = {
    record: null as (KeptRunInfo & { from: RunStore }) | null,
    saves: 0,
    clears: 0,
    async save(store: MemoryStore): Promise<KeptRunInfo | null> {
      io.saves++;
      const r = await savedRunOf(store);
      if (!r) return null;
      io.record = { dir: r.dir, step: r.step, savedAt: r.savedAt, from: store };
      return io.record;
    },
    async clear() {
      io.clears++;
      io.record = null;
    },
  };
  return io;
}

interface Setup {
  ctl: RunController<MemoryStore>;
  keeper: RunKeeper<MemoryStore>;
  io: ReturnType<typeof fakeIo>;
  phases: Phase[];
  errors: unknown[];
  /** What the next training pass does: write checkpoints at these steps, then end so. */
  pass: { checkpoints: number[]; next: TrainOutcome['next']; waitForStop?: boolean };
  prepareFails: Error | null;
  checkFails: Error | null;
  trusted: boolean;
  saved: SavedRun | null;
  passes: { c: TrainConfig; resume: boolean }[];
}

function setup(): Setup {
  const io = fakeIo();
  const keeper = new RunKeeper<MemoryStore>(io, () => {});
  const t: Setup = {
    ctl: null!, keeper, io, phases: [], errors: [], pass: { checkpoints: [], next: 'paused' },
    prepareFails: null, checkFails: null, trusted: true, saved: null, passes: [],
  };
  const ports: RunPorts<MemoryStore> = {
    newStore: () => new MemoryStore('browser:'),
    prepare: async () => {
      if (t.prepareFails) throw t.prepareFails;
    },
    train: async (c, store, resume, shouldStop) => {
      t.passes.push({ c, resume });
      for (const step of t.pass.checkpoints) await putCheckpoint(store, stepDirName(step), ckFiles(step, c.size));
      if (t.pass.waitForStop) while (!shouldStop()) await new Promise((r) => setTimeout(r, 1));
      return { summary: null, next: t.pass.next };
    },
    checkpointsTrusted: () => t.trusted,
    configFromCheckpoint: (state) => resolveConfig({ size: (state.config as unknown as { size: 32 | 64 }).size ?? 32 }),
    ensureBackend: async () => {},
    check: async (s) => {
      if (t.checkFails) throw t.checkFails;
      const ck = await loadLatestCheckpoint(s);
      const raw = ck!.files['state.json'];
      return { step: JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)).step, imgs: new Float32Array(4) };
    },
    loadSavedRun: async () => t.saved,
    fillFromSaved: async (store, run) => putCheckpoint(store, run.dir, run.files),
  };
  t.ctl = new RunController(keeper, ports, {
    phase: (p) => t.phases.push(p),
    log: () => {},
    error: (e) => t.errors.push(e),
    starting: () => {},
    adopted: () => {},
  });
  return t;
}

const cfg = (size: 32 | 64 = 32) => resolveConfig({ size });
const savedRun = (step: number, size = 32): SavedRun => ({ dir: stepDirName(step), step, files: ckFiles(step, size), runFiles: {}, savedAt: '2024-05-01T10:00:00.000Z' });

describe('RunController', () => {
  it('transitions: train (preparing, running, paused), resume (preparing, running, finished), reset (idle)', async () => {
    const t = setup();
    expect(t.ctl.phase).toBe('idle');
    t.pass = { checkpoints: [5], next: 'paused' };
    const c = cfg();
    await t.ctl.train(c);
    expect(t.phases).toEqual(['preparing', 'running', 'paused']);
    expect(t.ctl.cfg).toBe(c);
    const run = t.ctl.store!;
    expect(await listCheckpointDirs(run)).toEqual(['step-000005']);
    t.pass = { checkpoints: [9], next: 'finished' };
    await t.ctl.resume(cfg());
    expect(t.phases.slice(3)).toEqual(['preparing', 'running', 'finished']);
    expect(t.passes.map((p) => p.resume)).toEqual([false, true]);
    expect(t.ctl.store).toBe(run);
    await t.ctl.keeper.idle();
    expect(t.io.record?.step).toBe(9);
    expect(await t.ctl.reset()).toBe(true); // the record held this run: it goes with it
    expect(t.ctl.phase).toBe('idle');
    expect(t.ctl.store).toBeNull();
    expect(t.ctl.cfg).toBeNull();
    expect(t.io.record).toBeNull();
    expect(t.errors).toEqual([]);
  });

  it('pause works only while running and ends the pass through shouldStop; resume needs a run', async () => {
    const t = setup();
    expect(t.ctl.pause()).toBe(false);
    await t.ctl.resume(cfg()); // no run: nothing happens
    expect(t.phases).toEqual([]);
    t.pass = { checkpoints: [3], next: 'paused', waitForStop: true };
    const training = t.ctl.train(cfg());
    while (t.ctl.phase !== 'running') await new Promise((r) => setTimeout(r, 1));
    expect(t.ctl.stopRequested).toBe(false);
    expect(t.ctl.pause()).toBe(true);
    await training;
    expect(t.ctl.phase).toBe('paused');
    expect(t.ctl.pause()).toBe(false);
  });

  it('a new run that fails to prepare (e.g. batch larger than the data) leaves the paused run the page\'s run', async () => {
    const t = setup();
    t.pass = { checkpoints: [4], next: 'paused' };
    const c1 = cfg(32);
    await t.ctl.train(c1);
    const run = t.ctl.store;
    t.prepareFails = new Error('batch 64 is larger than the dataset (10 images)');
    await t.ctl.train(cfg(64));
    expect(t.errors).toEqual([t.prepareFails]);
    expect(t.ctl.phase).toBe('paused');
    expect(t.ctl.store).toBe(run);
    expect(t.ctl.cfg).toBe(c1);
    expect(t.passes).toHaveLength(1);
    // and from idle with no run: back to idle
    const u = setup();
    u.prepareFails = new Error('no images');
    await u.ctl.train(cfg());
    expect(u.phases).toEqual(['preparing', 'idle']);
    expect(u.ctl.store).toBeNull();
  });

  it('a new run replaces the kept run only once it has written a checkpoint', async () => {
    const t = setup();
    const old = new MemoryStore('old');
    await putCheckpoint(old, 'step-000040', ckFiles(40));
    await t.io.save(old);
    t.keeper.notRestored(t.io.record!, null); // autostart: the kept run is known, not restored
    t.pass = { checkpoints: [], next: 'paused' }; // paused before its first checkpoint
    await t.ctl.train(cfg());
    await t.keeper.idle();
    expect(t.io.record?.step).toBe(40); // a reload now still brings back the old run
    expect(t.keeper.offerDiscard).toBe(true);
    t.pass = { checkpoints: [10], next: 'paused' };
    await t.ctl.resume(cfg());
    await t.keeper.idle();
    expect(t.io.record?.step).toBe(10);
    expect(t.io.record?.from).toBe(t.ctl.store);
    expect(t.keeper.keptIsPageRun).toBe(true);
  });

  it('checkpoints written while untrusted (the WebGL context lost under the run) are not kept', async () => {
    const t = setup();
    t.trusted = false;
    t.pass = { checkpoints: [2, 4], next: 'paused' };
    await t.ctl.train(cfg());
    await t.keeper.idle();
    expect(t.io.saves).toBe(0);
    expect(t.io.record).toBeNull();
  });

  it('a kept run that cannot be restored stays kept, with the reason; the page stays idle', async () => {
    const t = setup();
    t.saved = savedRun(30);
    t.checkFails = new CheckpointError('"g/dense/kernel" has shape [8,512] in the checkpoint but [8,256] in this model');
    expect(await t.ctl.restore((e) => (e as Error).message)).toBeNull();
    expect(t.phases).toEqual(['preparing', 'idle']);
    expect(t.ctl.store).toBeNull();
    expect(t.io.clears).toBe(0);
    expect(t.keeper.kept?.run.dir).toBe('step-000030');
    expect(t.keeper.kept?.whyNotRestored).toMatch(/has shape \[8,512\]/);
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toBeInstanceOf(RestoreError);
    expect((t.errors[0] as Error).message).toMatch(/step-000030, step 30\) could not be restored: .*It is kept/);
    // another try, once what stopped it is fixed
    t.checkFails = null;
    const got = await t.ctl.restore(String);
    expect(got?.state.step).toBe(30);
    expect(t.ctl.phase).toBe('paused');
    expect(t.keeper.keptIsPageRun).toBe(true);
    expect(t.io.saves).toBe(0); // restored from the record itself: nothing to save
    expect(await t.ctl.restore(String)).toBeNull(); // only from idle
  });

  it('restore with nothing kept changes nothing; a failing read says so in the log only', async () => {
    const t = setup();
    expect(await t.ctl.restore(String)).toBeNull();
    expect(t.phases).toEqual([]);
    expect(t.keeper.kept).toBeNull();
  });

  it('load: a checkpoint that fails the check never becomes the page\'s run nor the kept one; a good one does', async () => {
    const t = setup();
    t.pass = { checkpoints: [6], next: 'paused' };
    await t.ctl.train(cfg());
    await t.keeper.idle();
    const run = t.ctl.store;
    t.checkFails = new CheckpointError('different architecture');
    expect(await t.ctl.load('step-000100', ckFiles(100, 64), putCheckpoint)).toBeNull();
    expect(t.ctl.store).toBe(run);
    expect(t.ctl.phase).toBe('paused');
    expect(t.ctl.cfg?.size).toBe(32);
    await t.keeper.idle();
    expect(t.io.record?.step).toBe(6);
    t.checkFails = null;
    const state = await t.ctl.load('step-000100', ckFiles(100, 64), putCheckpoint);
    expect(state?.step).toBe(100);
    expect(t.ctl.store).not.toBe(run);
    expect(t.ctl.cfg?.size).toBe(64);
    await t.keeper.idle();
    expect(t.io.record?.step).toBe(100);
    // bad JSON is a CheckpointError, nothing changes
    const before = t.ctl.store;
    expect(await t.ctl.load('step-000001', { 'state.json': '{' }, putCheckpoint)).toBeNull();
    expect(t.errors.at(-1)).toBeInstanceOf(CheckpointError);
    expect(t.ctl.store).toBe(before);
  });

  it('nothing starts while a run is busy', async () => {
    const t = setup();
    t.pass = { checkpoints: [], next: 'paused', waitForStop: true };
    const training = t.ctl.train(cfg());
    while (t.ctl.phase !== 'running') await new Promise((r) => setTimeout(r, 1));
    await t.ctl.train(cfg());
    await t.ctl.resume(cfg());
    expect(await t.ctl.load('step-000001', ckFiles(1), putCheckpoint)).toBeNull();
    expect(await t.ctl.restore(String)).toBeNull();
    expect(t.passes).toHaveLength(1);
    t.ctl.pause();
    await training;
  });
});

describe('GlLoss (WebGL-context loss during a run)', () => {
  it('recover drops the checkpoints from the step before the loss on and says where Resume goes on', async () => {
    const s = new MemoryStore();
    for (const step of [10, 20, 30]) await putCheckpoint(s, stepDirName(step), ckFiles(step));
    const g = new GlLoss(5);
    expect(g.trusted).toBe(true);
    g.onLost(true, 21);
    expect(g.lostRun).toBe(true);
    expect(g.trusted).toBe(false);
    expect(await g.recover(s, true)).toEqual({ dropped: 1, dir: 'checkpoints/step-000020' });
    g.onLost(true, 20); // lost right after step 20: its checkpoint may hold the lost step's weights
    expect(await g.recover(s, true)).toEqual({ dropped: 1, dir: 'checkpoints/step-000010' });
  });

  it('a pass is abandoned only after a loss, a grace later; the lost context is forgotten once', async () => {
    const g = new GlLoss(5);
    const a = g.abandoned();
    const tick = await Promise.race([a, new Promise((r) => setTimeout(() => r('still running'), 30))]);
    expect(tick).toBe('still running');
    g.onLost(true, 3);
    expect(await a).toBeNull();
    g.passEnded();
    expect(g.takeLost()).toBe(true);
    expect(g.takeLost()).toBe(false);
    g.abandoned(); // a new pass trusts its context again
    expect(g.lostRun).toBe(false);
  });
});
