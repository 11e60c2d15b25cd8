// Typed wrapper of assembly/image/resize.ts: one wasm call per image.
import { pipelineWasm } from '../wasm/pipeline';
import type { WasmImage } from './errors';

export interface RawImage {
  width: number;
  height: number;
  /** RGBA8 (width*height*4 bytes) or RGB8 (width*height*3 bytes), row-major. */
  data: Uint8Array;
}

const CODES: Record<number, string> = {
  [-1]: 'bad dimensions',
  [-2]: 'channels must be 3 or 4',
  [-3]: 'source buffer too short',
  [-4]: 'destination buffer too short',
  [-5]: 'image too large to resize',
};

/**
 * Resizes an RGBA8/RGB8 image to `size` x `size` RGB8 (area averaging when
 * shrinking, bilinear when growing), centre-cropping to a square first when
 * `crop` (default true). Writes into `out` (size*size*3 bytes) when given.
 */
export function resizeToSquare(img: RawImage, size: number, crop = true, out?: Uint8Array): Uint8Array {
  const { width: w, height: h, data } = img;
  checkDims('resizeToSquare', w, h, size);
  const px = w * h;
  const c = data.length === px * 4 ? 4 : data.length === px * 3 ? 3 : 0;
  if (!c) throw new RangeError(`resizeToSquare: ${data.length} bytes is neither RGBA nor RGB for ${w}x${h}`);
  const dst = outBuffer('resizeToSquare', size, out);
  const m = pipelineWasm();
  (m.exports as any).reset();
  const srcLen = data.length + 16; // RGB input carries pad bytes (4-byte pixel loads)
  const src = (m.exports as any).alloc(srcLen) >>> 0;
  m.u8.set(data, src);
  return run('resizeToSquare', src, srcLen, w, h, c, size, crop, dst);
}

/**
 * resizeToSquare on an image already in the pipeline heap (decodeImageInWasm):
 * no copy in, one copy of the size x size x 3 result out. Resets the heap.
 */
export function resizeInWasm(img: WasmImage, size: number, crop = true, out?: Uint8Array): Uint8Array {
  const { width: w, height: h, ptr } = img;
  checkDims('resizeInWasm', w, h, size);
  const dst = outBuffer('resizeInWasm', size, out);
  try {
    return run('resizeInWasm', ptr, w * h * 4, w, h, 4, size, crop, dst);
  } finally {
    (pipelineWasm().exports as any).reset();
  }
}

function checkDims(who: string, w: number, h: number, size: number): void {
  if (!(Number.isInteger(w) && Number.isInteger(h) && w >= 1 && h >= 1)) throw new RangeError(`${who}: bad image size ${w}x${h}`);
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`${who}: size must be a positive integer, got ${size}`);
}

function outBuffer(who: string, size: number, out?: Uint8Array): Uint8Array {
  const outLen = size * size * 3;
  const dst = out ?? new Uint8Array(outLen);
  if (dst.length < outLen) throw new RangeError(`${who}: out has ${dst.length} bytes, needs ${outLen}`);
  return dst;
}

/** One resizeSquare call on pixels at src in the pipeline heap; the result is copied into dst. */
function run(who: string, src: number, srcLen: number, w: number, h: number, c: number, size: number, crop: boolean, dst: Uint8Array): Uint8Array {
  const m = pipelineWasm();
  const ex = m.exports as any;
  const outLen = size * size * 3;
  const dp = ex.alloc(outLen + 16) >>> 0;
  const rc = ex.resizeSquare(src, srcLen, w, h, c, size, crop ? 1 : 0, dp, outLen) as number;
  if (rc !== 0) throw new Error(`${who}: ${CODES[rc] ?? `error ${rc}`}`);
  dst.set(m.u8.subarray(dp, dp + outLen));
  return dst;
}
