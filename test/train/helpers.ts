// Shared fixtures for trainer tests: a tiny config and a random dataset.
import { expect } from 'vitest';
import { tf } from '../../src/tf';
import { resolveConfig, type TrainConfig } from '../../src/train/config';
import { runTraining, type RunHooks } from '../../src/train/loop';
import { MemoryStore } from '../../src/train/store';
import { restoreCheckpoint, loadLatestCheckpoint } from '../../src/train/checkpoint';
import { GanTrainer } from '../../src/train/trainer';
import { BatchSampler } from '../../src/data/sampler';
import type { ImageDataset } from '../../src/data/dataset';
import { Rng } from '../../src/util/rng';

export function tinyConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return resolveConfig({ size: 32, ngf: 4, ndf: 4, zDim: 8, batch: 4, steps: 4, sampleEvery: 0, checkpointEvery: 2, diversityEvery: 0, seed: 7, ...over });
}

export function randomDataset(n = 12, size = 32, seed = 3): ImageDataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextU32() & 255;
  return { n, size, images, files: Array.from({ length: n }, (_, i) => `img${i}.png`), skipped: { count: 0, examples: [] } };
}

export const info = { versions: {}, backend: {}, dataset: {} };

export async function run(cfg: TrainConfig, store: MemoryStore, resume: boolean) {
  const ds = randomDataset();
  const hooks: RunHooks = { store, log: () => {} };
  return runTraining(cfg, new BatchSampler(ds, cfg.batch, cfg.seed, { flip: cfg.flip }), ds.n, hooks, info, resume);
}

export async function finalWeights(store: MemoryStore, cfg: TrainConfig): Promise<Map<string, Float32Array>> {
  const ck = (await loadLatestCheckpoint(store))!;
  const tr = new GanTrainer(cfg);
  await restoreCheckpoint(tr, ck.files);
  // the average came from the checkpoint, not a copy of the restored G
  if (cfg.ema > 0) expect(tr.emaFromCheckpoint).toBe(true);
  // the EMA copies (generator-ema/...) too: resume must continue the average bit for bit
  const out = new Map([...tr.variables(), ...tr.emaVariables()].map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
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
  // with --ema the averaged generator is compared too, and its saved bytes are identical
  if (cfg.ema > 0) {
    expect([...a.keys()].filter((n) => n.startsWith('generator-ema/')).length).toBe([...a.keys()].filter((n) => n.startsWith('generator/')).length);
    const [fa, fb] = [(await loadLatestCheckpoint(straight))!.files, (await loadLatestCheckpoint(split))!.files];
    expect(Buffer.compare(Buffer.from(fa['generator-ema.weights.bin'] as Uint8Array), Buffer.from(fb['generator-ema.weights.bin'] as Uint8Array))).toBe(0);
    // and it is not just the raw G
    expect(Buffer.compare(Buffer.from(fa['generator-ema.weights.bin'] as Uint8Array), Buffer.from(fa['generator.weights.bin'] as Uint8Array))).not.toBe(0);
  }
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

