// The nn module (training kernels for the tfjs wasm backend): one shared,
// imported memory; the main thread allocates, every thread (main + workers,
// each its own instance) computes with run(job, tid, nt). This file is the
// one list of its exports.
export { alloc, reset, memoryBytes } from './common/heap';
export { run, checkJob, jobScratchBytes, JOB_BYTES } from './nn/job';
import { packB } from './nn/gemm';

/** packB with bounds checks: B(k, n) = src[k*rs + n*cs], srcLen elements; dst gets ceil(N/8)*8*K floats. */
export function packBChecked(src: usize, srcLen: i32, K: i32, N: i32, rs: i32, cs: i32, dst: usize): i32 {
  if (K <= 0 || N <= 0 || rs < 0 || cs < 0 || srcLen < 0) return -1;
  const last = <u64>(K - 1) * <u64>rs + <u64>(N - 1) * <u64>cs + 1;
  const mem = <u64>memory.size() << 16;
  if (last > <u64>srcLen || <u64>src + <u64>srcLen * 4 > mem) return -2;
  if (<u64>dst + <u64>((N + 7) / 8) * 8 * <u64>K * 4 > mem) return -2;
  packB(src, K, N, rs, cs, dst, 0, (N + 7) / 8);
  return 0;
}
