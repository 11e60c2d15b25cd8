// The diversity-metrics module: SSIM/MS-SSIM, Gram/cosine, eigen-solver, kNN.
// This file is the one list of its exports.
export { alloc, reset, memoryBytes } from './common/heap';
export { msssim_pairs, msssim_last_terms } from './metrics/ssim';
export { dot_matrix } from './metrics/gram';
export { nearest } from './metrics/knn';
export { sym_eigenvalues } from './metrics/eigen';
