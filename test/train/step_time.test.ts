// The loop reports each step's own time (ProgressInfo.stepMs: trainStep alone,
// not the scoring, samples or checkpoints after it), which the page shows in
// its records and bench:page reads; metrics.jsonl's stepMs is the same figure.
import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { runTraining, type ProgressInfo } from '../../src/train/loop';
import { MemoryStore } from '../../src/train/store';
import { BatchSampler } from '../../src/data/sampler';
import { tinyConfig, randomDataset, info } from './helpers';

describe('step time', () => {
  afterEach(() => tf.disposeVariables());

  it('is the trainStep alone: a slow diversity hook after the step does not count', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 4, diversityEvery: 1, checkpointEvery: 0 });
    const ds = randomDataset(16);
    const store = new MemoryStore();
    const seen: { p: ProgressInfo; at: number }[] = [];
    const SLOW = 120;
    // a scorer that takes SLOW ms after every step
    const diversity = async () => {
      await new Promise((r) => setTimeout(r, SLOW));
      return { verdict: 'healthy' };
    };
    const t0 = performance.now();
    const s = await runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed), ds.n, { store, log: () => {}, diversity, progress: (p) => seen.push({ p, at: performance.now() }) }, info, false);
    expect(s.status).toBe('done');
    expect(seen.map((x) => x.p.step)).toEqual([1, 2, 3, 4]);
    const lines = (await store.readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    let prev = t0;
    for (const [i, { p, at }] of seen.entries()) {
      expect(Number.isFinite(p.stepMs)).toBe(true);
      expect(p.stepMs).toBeGreaterThan(0);
      // between two reports: the step, then the SLOW scorer; the step time leaves the scorer out
      const between = at - prev;
      expect(between).toBeGreaterThanOrEqual(SLOW);
      expect(p.stepMs).toBeLessThanOrEqual(between - SLOW + 1);
      expect(lines[i].step).toBe(p.step);
      expect(Math.abs(lines[i].stepMs - p.stepMs)).toBeLessThanOrEqual(0.5);
      prev = at;
    }
  });
});
