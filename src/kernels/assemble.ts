// Typed wrapper of assembly/batch/assemble.ts: one wasm call per batch.
//
// The pipeline heap is reset on every call, so the u8 cache stays in JS: the
// B rows a batch needs are copied into wasm memory in slot order (B*S*S*3
// bytes, e.g. 768 KiB for 64 x 64x64) and one call widens/mirrors them into
// the f32 batch, which is copied out. scripts/bench/decode.js measures this
// copy against a cache resident in wasm memory.
import { pipelineWasm } from '../wasm/pipeline';

/**
 * Gathers images[indices[b]] (each size*size*3 u8 of the cache `images`) into
 * one Float32Array [B, size, size, 3] in [-1, 1]; slot b mirrored when flips[b].
 */
export function assembleBatch(images: Uint8Array, size: number, indices: ArrayLike<number>, flips?: ArrayLike<number | boolean>, out?: Float32Array): Float32Array {
  const row = size * size * 3;
  const b = indices.length;
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`assembleBatch: bad size ${size}`);
  const n = Math.floor(images.length / row);
  if (flips && flips.length < b) throw new RangeError(`assembleBatch: ${flips.length} flip flags for ${b} slots`);
  const len = b * row;
  const dst = out ?? new Float32Array(len);
  if (dst.length < len) throw new RangeError(`assembleBatch: out has ${dst.length} floats, needs ${len}`);
  const m = pipelineWasm();
  const ex = m.exports as any;
  ex.reset();
  const rp = ex.alloc(len) >>> 0;
  const ip = ex.alloc(b * 4) >>> 0;
  const fp = flips ? ex.alloc(b) >>> 0 : 0;
  const dp = ex.alloc(len * 4) >>> 0;
  const u8 = m.u8;
  const i32 = m.i32;
  for (let s = 0; s < b; s++) {
    const k = indices[s];
    if (!(Number.isInteger(k) && k >= 0 && k < n)) throw new RangeError(`assembleBatch: index ${k} out of range [0, ${n})`);
    u8.set(images.subarray(k * row, k * row + row), rp + s * row);
    i32[(ip >>> 2) + s] = s;
    if (flips) u8[fp + s] = flips[s] ? 1 : 0;
  }
  const rc = ex.assembleBatch(rp, len, b, ip, b, size, fp, dp, len * 4) as number;
  if (rc !== 0) throw new Error(`assembleBatch: wasm error ${rc}`);
  dst.set(m.f32.subarray(dp >>> 2, (dp >>> 2) + len));
  return dst;
}
