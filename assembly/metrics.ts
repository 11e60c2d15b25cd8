// The diversity-metrics module: SSIM/MS-SSIM, Gram/cosine, eigen-solver, kNN.
// This file is the one list of its exports.
export { alloc, reset, memoryBytes } from './common/heap';
