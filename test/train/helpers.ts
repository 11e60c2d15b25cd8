// Shared fixtures for trainer tests: a tiny config and a random dataset.
import { resolveConfig, type TrainConfig } from '../../src/train/config';
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
