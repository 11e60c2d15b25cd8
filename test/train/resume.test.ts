import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { runTraining, type RunHooks } from '../../src/train/loop';
import { MemoryStore } from '../../src/train/store';
import { restoreCheckpoint, loadLatestCheckpoint } from '../../src/train/checkpoint';
import { GanTrainer } from '../../src/train/trainer';
import { BatchSampler } from '../../src/data/sampler';
import { tinyConfig, randomDataset } from './helpers';
import type { TrainConfig } from '../../src/train/config';

const info = { versions: {}, backend: {}, dataset: {} };

async function run(cfg: TrainConfig, store: MemoryStore, resume: boolean) {
  const ds = randomDataset();
  const hooks: RunHooks = { store, log: () => {} };
  return runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed, { flip: cfg.flip }), ds.n, hooks, info, resume);
}

async function finalWeights(store: MemoryStore, cfg: TrainConfig): Promise<Map<string, Float32Array>> {
  const ck = (await loadLatestCheckpoint(store))!;
  const tr = new GanTrainer(cfg);
  await restoreCheckpoint(tr, ck.files);
  const out = new Map([...tr.variables()].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
  tr.dispose();
  return out;
}

export async function checkResumeEquality(backend: string, loss: TrainConfig['loss'] = 'bce', over: Partial<TrainConfig> = {}) {
  await tf.setBackend(backend);
  const cfg = tinyConfig({ loss, steps: 4, checkpointEvery: 2, flip: true, ...over });
  const straight = new MemoryStore();
  const s1 = await run(cfg, straight, false);
  expect(s1.status).toBe('done');
  const split = new MemoryStore();
  await run({ ...cfg, steps: 2 }, split, false);
  const s2 = await run({ ...cfg, steps: 4 }, split, true);
  expect(s2.step).toBe(4);
  const a = await finalWeights(straight, cfg);
  const b = await finalWeights(split, cfg);
  expect(a.size).toBeGreaterThan(10);
  for (const [name, va] of a) {
    const vb = b.get(name)!;
    let same = va.length === vb.length;
    for (let i = 0; same && i < va.length; i++) same = va[i] === vb[i];
    expect(same, `${name} differs between 4 straight steps and 2 + resume 2`).toBe(true);
  }
  // The metrics log holds each step once.
  const steps = (await split.readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l).step);
  expect(steps).toEqual([1, 2, 3, 4]);
}

describe('resume', () => {
  afterEach(() => tf.disposeVariables());

  it('4 steps straight and 2 + resume 2 give bit-identical weights on cpu (bce, Adam)', async () => {
    await checkResumeEquality('cpu', 'bce');
  });

  it('and with RMSprop, clipping and dropout (wgan)', async () => {
    await checkResumeEquality('cpu', 'wgan', { dDropout: 0.3, nCritic: 2 });
  });

  it('and with spectral norm and the gradient penalty', async () => {
    await checkResumeEquality('cpu', 'wgan-gp', { sn: true, nCritic: 1 });
  });

  it('writes the run directory: config, metrics, samples, checkpoints, loss plot, summary', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const cfg = tinyConfig({ steps: 3, sampleEvery: 2, checkpointEvery: 2, keepCheckpoints: 1 });
    await run(cfg, store, false);
    for (const f of ['config.json', 'metrics.jsonl', 'loss.svg', 'summary.json', 'samples/step-000002.png', 'samples/step-000003.png', 'checkpoints/latest.json', 'checkpoints/step-000003/state.json', 'checkpoints/step-000003/generator.json', 'checkpoints/step-000003/generator.weights.bin']) {
      expect(await store.exists(f), f).toBe(true);
    }
    // keepCheckpoints: 1 removed step 2
    expect(await store.exists('checkpoints/step-000002/state.json')).toBe(false);
    const m = JSON.parse((await store.readText('metrics.jsonl')).split('\n')[0]);
    for (const k of ['step', 'epoch', 'lossD', 'lossG', 'dReal', 'dFake', 'imagesPerSec']) expect(m).toHaveProperty(k);
    const png = await store.readBytes('samples/step-000003.png');
    expect(Array.from(png.slice(1, 4))).toEqual([80, 78, 71]);
    expect(await store.readText('loss.svg')).toMatch(/^<svg/);
  });

  it('rejects a checkpoint from a different architecture with a clear error', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const cfg = tinyConfig({ steps: 1 });
    await run(cfg, store, false);
    const ck = (await loadLatestCheckpoint(store))!;
    const other = new GanTrainer({ ...cfg, ngf: 8 });
    await expect(restoreCheckpoint(other, ck.files, 'ck')).rejects.toThrow(/different architecture/);
    other.dispose();
  });
});
