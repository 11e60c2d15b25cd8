// Typed wrapper of assembly/image/normalize.ts: one wasm call per set of images.
import { pipelineWasm } from '../wasm/pipeline';

/**
 * `n` u8 RGB images [n, h, w, 3] -> float32 NHWC in [-1, 1] (x / 127.5 - 1),
 * image i mirrored left-right when flips[i] is truthy.
 */
export function normalizeImages(src: Uint8Array, n: number, h: number, w: number, flips?: ArrayLike<number | boolean>, out?: Float32Array): Float32Array {
  const len = n * h * w * 3;
  if (!(n >= 0 && h >= 1 && w >= 1) || !Number.isInteger(len)) throw new RangeError(`normalizeImages: bad shape [${n}, ${h}, ${w}, 3]`);
  if (src.length < len) throw new RangeError(`normalizeImages: src has ${src.length} bytes, needs ${len}`);
  if (flips && flips.length < n) throw new RangeError(`normalizeImages: ${flips.length} flip flags for ${n} images`);
  const dst = out ?? new Float32Array(len);
  if (dst.length < len) throw new RangeError(`normalizeImages: out has ${dst.length} floats, needs ${len}`);
  const m = pipelineWasm();
  const ex = m.exports as any;
  ex.reset();
  const sp = ex.alloc(len) >>> 0;
  const fp = flips ? ex.alloc(n) >>> 0 : 0;
  const dp = ex.alloc(len * 4) >>> 0;
  m.u8.set(src.subarray(0, len), sp);
  if (flips) { const u8 = m.u8; for (let i = 0; i < n; i++) u8[fp + i] = flips[i] ? 1 : 0; }
  const rc = ex.normalizeBatch(sp, len, n, h, w, fp, dp, len * 4) as number;
  if (rc !== 0) throw new Error(`normalizeImages: wasm error ${rc}`);
  dst.set(m.f32.subarray(dp >>> 2, (dp >>> 2) + len));
  return dst;
}
