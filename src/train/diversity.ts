// --diversity-every: scores the fixed-z samples against a held real subset of
// the training data (same size, drawn once with the run's seed), so the
// verdict is relative to what real faces score, and the sliced Wasserstein
// distance to that subset (swd = the average x1e3, swd32/swd16/... per level)
// measures sample quality. Platform-free: the page and the CLI both use it
// (each passes its platform's worker factory for the worker threads).
import { scoreGeneratedSamples, referenceFromU8 } from '../metrics/trainer';
import type { WorkerFactory } from '../metrics/pool';
import { Rng } from '../util/rng';
import type { ImageDataset } from '../data/dataset';
import type { TrainConfig } from './config';
import type { DiversityResult } from './loop';

export function heldRealSubset(ds: ImageDataset, n: number, seed: number): Uint8Array {
  const idx = new Rng((seed ^ 0x0d17e25e) >>> 0).shuffle(Int32Array.from({ length: ds.n }, (_, i) => i)).subarray(0, Math.min(n, ds.n));
  const px = ds.size * ds.size * 3;
  const out = new Uint8Array(idx.length * px);
  idx.forEach((k, i) => out.set(ds.images.subarray(k * px, (k + 1) * px), i * px));
  return out;
}

export function makeDiversityHook(ds: ImageDataset, cfg: TrainConfig, threads = 1, workers?: WorkerFactory): (samples: Float32Array, n: number, size: number) => Promise<DiversityResult> {
  const nRef = Math.min(cfg.diversitySamples, ds.n);
  const ref = referenceFromU8(heldRealSubset(ds, nRef, cfg.seed), nRef, ds.size);
  return async (samples, n, size) => {
    const r = await scoreGeneratedSamples(samples, n, size, { ref, threads, workers, seed: cfg.seed, swd: true });
    return r as unknown as DiversityResult;
  };
}
