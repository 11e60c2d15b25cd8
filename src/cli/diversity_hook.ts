// The Node flavour of the training-time diversity hook: metrics worker threads on.
import { availableParallelism } from 'node:os';
import { useNodeWorkers } from '../metrics/node';
import { makeDiversityHook } from '../train/diversity';
import type { ImageDataset } from '../data/dataset';
import type { TrainConfig } from '../train/config';

export function nodeDiversityHook(ds: ImageDataset, cfg: TrainConfig) {
  useNodeWorkers();
  return makeDiversityHook(ds, cfg, cfg.threads || availableParallelism());
}
