// --diversity-every: the loop scores fixed-z samples, logs the scores and
// warns (and with --stop-on-collapse stops after saving) on a collapsed verdict.
import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { runTraining } from '../../src/train/loop';
import { MemoryStore } from '../../src/train/store';
import { makeDiversityHook } from '../../src/train/diversity';
import { BatchSampler } from '../../src/data/sampler';
import { collapseOnset, diversifiedAt, CollapseWatch } from '../../src/train/collapse';
import { tinyConfig, randomDataset, info } from './helpers';

describe('diversity during training', () => {
  afterEach(() => tf.disposeVariables());

  it('logs the score every N steps against a held real subset', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 4, diversityEvery: 2, diversitySamples: 16 });
    const ds = randomDataset(16);
    const store = new MemoryStore();
    const s = await runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed), ds.n, { store, log: () => {}, diversity: makeDiversityHook(ds, cfg) }, info, false);
    expect(s.status).toBe('done');
    const lines = (await store.readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    const scored = lines.filter((l) => 'verdict' in l).map((l) => l.step);
    expect(scored).toEqual([2, 4]);
    const l = lines.find((x) => x.step === 2);
    expect(['collapsed', 'suspicious', 'healthy']).toContain(l.verdict);
    expect(l.msssim).toBeGreaterThanOrEqual(0);
    expect(l.msssim).toBeLessThanOrEqual(1);
    expect(Number.isFinite(l.vendi)).toBe(true);
    // SWD x1e3 to the held-out reals: the average and each level (32 and 16 px at --size 32)
    for (const x of lines.filter((y) => 'verdict' in y)) {
      expect(x.swd).toBeGreaterThan(0);
      expect(x.swd).toBeCloseTo((x.swd32 + x.swd16) / 2, 2);
      expect(x.swd_seconds).toBeGreaterThan(0);
    }
    expect(lines.some((x) => 'swd' in x && !('verdict' in x))).toBe(false);
    // and loss.svg charts it
    expect(await store.readText('loss.svg')).toContain('SWD x1e3');
  });

  it('warns on a collapsed verdict and --stop-on-collapse ends the run after a checkpoint', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 10, diversityEvery: 3, stopOnCollapse: true, checkpointEvery: 0 });
    const ds = randomDataset(16);
    const store = new MemoryStore();
    const warnings: string[] = [];
    // A scorer that sees collapse from step 6 on (the real score is tested in test/metrics).
    let calls = 0;
    const diversity = async () => ({ verdict: ++calls >= 2 ? 'collapsed' : 'healthy', msssim: calls >= 2 ? 0.9 : 0.2 });
    const s = await runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed), ds.n, { store, log: () => {}, warn: (m) => warnings.push(m), diversity }, info, false);
    expect(s.status).toBe('collapsed');
    expect(s.step).toBe(6);
    expect(warnings.join('\n')).toMatch(/mode collapse at step 6/);
    expect(JSON.parse(await store.readText('checkpoints/latest.json')).step).toBe(6);
  });

  it('a generator that has not diversified yet is not a collapse: no warning, no stop', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 9, diversityEvery: 3, stopOnCollapse: true, checkpointEvery: 0 });
    const ds = randomDataset(16);
    const store = new MemoryStore();
    const warnings: string[] = [];
    const logs: string[] = [];
    // collapsed (start state), collapsed, healthy: never a collapse *after* diversifying
    let calls = 0;
    const diversity = async () => ({ verdict: ++calls >= 3 ? 'healthy' : 'collapsed', msssim: 0.5 });
    const s = await runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed), ds.n, { store, log: (m) => logs.push(m), warn: (m) => warnings.push(m), diversity }, info, false);
    expect(s.status).toBe('done');
    expect(s.step).toBe(9);
    expect(warnings).toEqual([]);
    expect(logs.filter((m) => /still show one mode/.test(m))).toHaveLength(1);
    const verdicts = (await store.readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'verdict' in l).map((l) => l.verdict);
    expect(verdicts).toEqual(['collapsed', 'collapsed', 'healthy']);
  });

  it('--collapse-after: a run that never diversified counts as collapsed from that step', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 12, diversityEvery: 3, stopOnCollapse: true, collapseAfter: 6, checkpointEvery: 0 });
    const ds = randomDataset(16);
    const store = new MemoryStore();
    const warnings: string[] = [];
    const diversity = async () => ({ verdict: 'collapsed', msssim: 0.9 });
    const s = await runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed), ds.n, { store, log: () => {}, warn: (m) => warnings.push(m), diversity }, info, false);
    expect(s.status).toBe('collapsed');
    expect(s.step).toBe(6);
    expect(warnings.join('\n')).toMatch(/mode collapse at step 6/);
    const w = new CollapseWatch([], 10);
    expect([w.observe('collapsed', 5), w.observe('collapsed', 10)]).toEqual(['initial', 'collapse']);
  });

  it('--resume remembers that the samples had diversified', async () => {
    await tf.setBackend('cpu');
    const ds = randomDataset(16);
    const store = new MemoryStore();
    const warnings: string[] = [];
    let calls = 0;
    // healthy at step 3, then (after the resume) collapsed at step 6
    const diversity = async () => ({ verdict: ++calls >= 2 ? 'collapsed' : 'healthy', msssim: 0.5 });
    const hooks = { store, log: () => {}, warn: (m: string) => warnings.push(m), diversity };
    const first = await runTraining(tinyConfig({ steps: 3, diversityEvery: 3, checkpointEvery: 3, stopOnCollapse: true }), new BatchSampler(ds, 4, 1), ds.n, hooks, info, false);
    expect(first.status).toBe('done');
    tf.disposeVariables();
    const cfg = tinyConfig({ steps: 9, diversityEvery: 3, checkpointEvery: 3, stopOnCollapse: true });
    const s = await runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed), ds.n, hooks, info, true);
    expect(s.status).toBe('collapsed');
    expect(s.step).toBe(6);
    expect(warnings.join('\n')).toMatch(/mode collapse at step 6/);
  });
});

describe('collapse onset rule', () => {
  const rec = (pairs: Array<[number, string | undefined]>) => pairs.map(([step, verdict]) => (verdict ? { step, verdict } : { step }));
  it('counts only a collapse after the samples had diversified', () => {
    const r = rec([[1, undefined], [2, 'collapsed'], [4, 'collapsed'], [6, 'suspicious'], [7, undefined], [8, 'healthy'], [10, 'collapsed'], [12, 'collapsed']]);
    expect(diversifiedAt(r)).toBe(6);
    expect(collapseOnset(r)).toBe(10);
    expect(collapseOnset(rec([[2, 'collapsed'], [4, 'collapsed']]))).toBeNull();
    expect(diversifiedAt(rec([[2, 'collapsed']]))).toBeNull();
    expect(collapseOnset(rec([[2, 'healthy'], [4, 'suspicious']]))).toBeNull();
    const w = new CollapseWatch(rec([[2, 'collapsed']]));
    expect([w.observe('collapsed'), w.observe('suspicious'), w.observe('collapsed'), w.observe('healthy')]).toEqual(['initial', null, 'collapse', null]);
  });
});
