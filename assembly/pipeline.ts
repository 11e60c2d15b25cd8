// The image pipeline module: decoders, resize/normalize, batch assembly.
// This file is the one list of its exports.
export { alloc, reset, memoryBytes } from './common/heap';
export { resizeSquare } from './image/resize';
export { normalizeBatch } from './image/normalize';
export { assembleBatch } from './batch/assemble';
