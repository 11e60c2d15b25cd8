// The diversity-metrics module: SSIM/MS-SSIM, Gram/cosine, eigen-solver, kNN,
// sliced Wasserstein distance.
// This file is the one list of its exports.
export { alloc, reset, memoryBytes } from './common/heap';
export { msssim_pairs, msssim_last_terms } from './metrics/ssim';
export { dot_matrix } from './metrics/gram';
export { nearest } from './metrics/knn';
export { sym_eigenvalues } from './metrics/eigen';
export { swd_prepare, swd_prepare_bytes, swd_chunk, swd_scratch_bytes, swd_w1_mode, swd_projection_mode } from './metrics/swd';
