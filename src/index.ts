// The public API, the same in Node and in the browser bundle: re-exports only.
export { tf } from './tf';
export { GanTrainer, fixedNoise, NonFiniteLossError, type StepMetrics } from './train/trainer';
export { FIELDS, DEFAULTS, PRESETS, resolveConfig, parsePartial, ConfigError, type TrainConfig } from './train/config';
export { runTraining, totalSteps, type RunHooks, type RunSummary } from './train/loop';
export { MemoryStore, type RunStore } from './train/store';
export { checkpointFiles, restoreCheckpoint, saveCheckpoint, loadLatestCheckpoint, CheckpointError } from './train/checkpoint';
export { tileGrid, encodePng } from './train/grid';
export { Generator, Discriminator } from './gan/models';
export { initBackend, BackendError, type BackendInfo } from './backend/select';
export { Rng } from './util/rng';
export { datasetFromImages, DatasetError, type ImageDataset, type LoadOptions } from './data/dataset';
export { BatchSampler } from './data/sampler';
export { resizeToSquare } from './kernels/resize';
export { normalizeImages } from './kernels/normalize';
export { assembleBatch } from './kernels/assemble';
export { decodeImage, InternalDecodeError, isInternalDecodeError } from './image/decode';
export { ImageDecodeError, DEFAULT_MAX_PIXELS, type DecodedImage, type DecodeOptions, type ImageDecodeErrorCode } from './image/errors';
export { decodePng, isPng } from './kernels/png';
