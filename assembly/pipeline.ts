// The image pipeline module: decoders, resize/normalize, batch assembly.
// This file is the one list of its exports.
export { alloc, reset, memoryBytes } from './common/heap';
