// --diversity-every: the loop scores fixed-z samples, logs the scores and
// warns (and with --stop-on-collapse stops after saving) on a collapsed verdict.
import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { runTraining } from '../../src/train/loop';
import { MemoryStore } from '../../src/train/store';
import { makeDiversityHook } from '../../src/train/diversity';
import { BatchSampler } from '../../src/data/sampler';
import { tinyConfig, randomDataset, info } from './helpers';

describe('diversity during training', () => {
  afterEach(() => tf.disposeVariables());

  it('logs the score every N steps against a held real subset', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 4, diversityEvery: 2, diversitySamples: 12 });
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
});
