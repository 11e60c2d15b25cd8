// MS-SSIM of pairs of luminance images (assembly/metrics/ssim.ts).
import { metricsWasm } from '../wasm/metrics';
import { checkCode } from './wasm_errors';

/**
 * MS-SSIM for each pair [i, j] of `pairs` (flat i32, 2 per pair) among the `m`
 * luminance images in `lum` (f32 [m][h][w], values in [0,1]); min(h, w) >= 16.
 * Every image in the block is preprocessed once, so pass blocks of related pairs.
 */
export function msssimPairs(lum: Float32Array, m: number, h: number, w: number, pairs: Int32Array): Float32Array {
  if (lum.length !== m * h * w) throw new Error(`msssimPairs: expected ${m * h * w} floats, got ${lum.length}`);
  if (pairs.length % 2 !== 0) throw new Error('msssimPairs: pairs must hold an even number of indices');
  const wasm = metricsWasm();
  const count = pairs.length / 2;
  wasm.exports.reset();
  const ip = wasm.put(lum);
  const pp = wasm.put(pairs);
  const op = wasm.exports.alloc(count * 4 + 16) >>> 0; // pointers are unsigned (a signed i32 above 2 GiB)
  checkCode('msssim_pairs', wasm.exports.msssim_pairs(ip, m, h, w, pp, count, op));
  return wasm.f32.slice(op >>> 2, (op >>> 2) + count);
}
