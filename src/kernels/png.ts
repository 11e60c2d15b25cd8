// Typed wrapper of assembly/decode/png.ts: one wasm call per file.
import { pipelineWasm } from '../wasm/pipeline';
import { copyImageOut } from './image_out';
import { ImageDecodeError, DEFAULT_MAX_PIXELS, type DecodedImage, type WasmImage, type DecodeOptions, type ImageDecodeErrorCode } from './errors';

interface PngExports {
  reset(): void;
  alloc(n: number): number;
  decodePng(src: number, len: number, maxPixels: number, res: number): number;
}

const CLASSES: Record<number, ImageDecodeErrorCode> = { 1: 'UNSUPPORTED', 2: 'CORRUPT', 3: 'TRUNCATED', 4: 'TOO_LARGE' };

const DETAILS: Record<number, string> = {
  1: 'bad PNG signature',
  2: 'missing IHDR chunk (it must come first)',
  3: 'invalid IHDR (size, bit depth / colour type, compression, filter or interlace method)',
  4: 'chunk length over 2^31 - 1',
  5: 'chunk CRC mismatch',
  6: 'no IDAT chunk',
  7: 'palette image without PLTE chunk',
  8: 'invalid PLTE chunk length',
  9: 'invalid chunk type',
  10: 'unknown critical chunk',
  11: 'bad zlib header in IDAT',
  12: 'zlib Adler-32 checksum mismatch',
  13: 'invalid deflate data in IDAT',
  14: 'more image data than IHDR implies',
  15: 'invalid row filter type',
  16: 'file ends before IEND',
  17: 'image has more pixels than maxPixels',
  18: 'image needs more memory than can be allocated',
  19: 'chunk extends past the end of the file',
  20: 'deflate stream in IDAT ends early',
  21: 'less image data than IHDR implies',
};

const MAX_INPUT = (1 << 30) - 4096;

const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` starts with the 8-byte PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIG[i]) return false;
  return true;
}

/**
 * Decodes a PNG file (any colour type and bit depth, tRNS, Adam7) to RGBA8.
 * 16-bit samples map to round(v * 255 / 65535); gamma chunks are ignored.
 * Throws ImageDecodeError ('CORRUPT' | 'TRUNCATED' | 'UNSUPPORTED' | 'TOO_LARGE').
 */
export function decodePng(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedImage {
  return copyImageOut(decodePngInWasm(bytes, opts));
}

/**
 * decodePng without the copy out: the RGBA8 pixels stay in the pipeline
 * module's heap at `ptr`, valid until its next reset (any kernel call).
 */
export function decodePngInWasm(bytes: Uint8Array, opts: DecodeOptions = {}): WasmImage {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels >= 0)) throw new RangeError(`decodePng: maxPixels must be a number >= 0, got ${maxPixels}`);
  // the input is copied into one wasm heap block (at most 1 GiB)
  if (bytes.length > MAX_INPUT) throw new ImageDecodeError('TOO_LARGE', `PNG: file of ${bytes.length} bytes is larger than ${MAX_INPUT} bytes`, opts.file);
  const m = pipelineWasm();
  const ex = m.exports as unknown as PngExports;
  ex.reset();
  const res = ex.alloc(16) >>> 0; // pointers are unsigned (a signed i32 above 2 GiB)
  const src = m.put(bytes);
  const rc = ex.decodePng(src, bytes.length, maxPixels, res);
  const i32 = m.i32;
  if (rc !== 0) {
    const detail = i32[(res >>> 2) + 3];
    const code = CLASSES[rc];
    if (!code) throw new Error(`decodePng: unexpected kernel status ${rc}`);
    let msg = DETAILS[detail] ?? `error ${detail}`;
    const w = i32[res >>> 2] >>> 0, h = i32[(res >>> 2) + 1] >>> 0;
    if (detail === 17) msg = `image is ${w}x${h} = ${w * h} pixels, more than maxPixels ${maxPixels}`;
    else if (detail === 18) msg = `image of ${w}x${h} pixels needs more memory than can be allocated`;
    throw new ImageDecodeError(code, `PNG: ${msg}`, opts.file);
  }
  return { width: i32[res >>> 2], height: i32[(res >>> 2) + 1], ptr: i32[(res >>> 2) + 2] >>> 0 };
}
