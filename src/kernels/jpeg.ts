// Typed wrapper of assembly/decode/jpeg.ts: one wasm call per image.
//
// The kernel returns a status (0 ok, else an error class) plus a detail code
// and a detail value that this file turns into a message naming the problem.
import { pipelineWasm } from '../wasm/pipeline';
import { copyImageOut } from './image_out';
import { DEFAULT_MAX_PIXELS, ImageDecodeError, type DecodedImage, type WasmImage, type DecodeOptions, type ImageDecodeErrorCode } from './errors';

const STATUS: Record<number, ImageDecodeErrorCode> = { 1: 'UNSUPPORTED', 2: 'CORRUPT', 3: 'TRUNCATED', 4: 'TOO_LARGE' };

// Detail codes (keep in sync with the D_* constants in assembly/decode/jpeg.ts).
const DETAIL: Record<number, (v: number, w: number, h: number) => string> = {
  1: () => 'not a JPEG file (no SOI marker)',
  2: (v) => `arithmetic-coded JPEG (SOF${v}) is not supported`,
  3: (v) => `lossless JPEG (SOF${v}) is not supported`,
  4: (v) => (v === 0xde ? 'hierarchical JPEG (DHP marker) is not supported' : `hierarchical JPEG (SOF${v}) is not supported`),
  5: (v) => `${v}-bit sample precision is not supported (only 8-bit)`,
  6: () => 'file ends inside the headers (truncated)',
  7: (v) => `entropy-coded data ends before scan ${v} is complete (truncated)`,
  8: () => 'scan (SOS) before the frame header (SOF)',
  9: () => 'bad frame header (SOF)',
  10: (_v, w, h) => `bad image size ${w}x${h}`,
  11: (v, w, h) => `image is ${w}x${h} = ${w * h} pixels, more than maxPixels ${v}`,
  12: () => 'bad quantization table (DQT)',
  13: () => 'bad Huffman table (DHT)',
  14: () => 'bad scan header (SOS)',
  15: (v) => `component uses undefined quantization table ${v}`,
  16: () => 'bad Huffman code in entropy-coded data',
  17: () => 'fractional (non-integral) chroma sampling ratios are not supported',
  18: () => 'no image data (no complete scan)',
  19: (v) => `${v} colour components are not supported (only 1, 3 or 4)`,
  20: (v) => `bad marker segment length (marker 0x${v.toString(16)})`,
  21: () => 'out of memory',
  22: () => 'bad progressive scan parameters',
  23: () => 'bad restart interval (DRI)',
  24: () => 'more than one frame header (SOF)',
  25: (v) => `bad sampling factors (${v})`,
  26: () => 'a scan uses an undefined Huffman table',
  27: (v) => `more than ${v} scans`,
};

export interface JpegExports {
  jpegDecode(ptr: number, len: number, maxPixels: number): number;
  jpegWidth(): number;
  jpegHeight(): number;
  jpegOutPtr(): number;
  jpegDetail(): number;
  jpegDetailValue(): number;
}

/** True when `bytes` starts with the JPEG SOI marker followed by another marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/**
 * Decodes a baseline or progressive Huffman JPEG (8-bit; grayscale, YCbCr,
 * RGB, CMYK/YCCK) to RGBA8 with the EXIF orientation applied. Throws
 * ImageDecodeError ('UNSUPPORTED' | 'CORRUPT' | 'TRUNCATED' | 'TOO_LARGE').
 *
 * Output matches libjpeg-turbo's default decode (islow IDCT, fancy
 * upsampling, its YCbCr formula) exactly; Adobe CMYK/YCCK is stored inverted
 * and becomes RGB as round(C * K / 255).
 *
 * Truncation policy: a file that ends inside the headers, before any scan,
 * or whose entropy-coded data ends before a scan's last MCU throws
 * 'TRUNCATED'. A scan cut short by an unexpected marker keeps what was
 * decoded and leaves the rest of that restart segment untouched, as libjpeg
 * does (it only warns); a missing EOI after complete scans is accepted.
 * Cost grows with the pixel count the header declares: keep maxPixels
 * (default 64 Mpx) small for untrusted input.
 */
export function decodeJpeg(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedImage {
  return copyImageOut(decodeJpegInWasm(bytes, opts));
}

/**
 * decodeJpeg without the copy out: the RGBA8 pixels stay in the pipeline
 * module's heap at `ptr`, valid until its next reset (any kernel call).
 */
export function decodeJpegInWasm(bytes: Uint8Array, opts: DecodeOptions = {}): WasmImage {
  const file = opts.file;
  const mp = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxPixels = Number.isNaN(mp) ? DEFAULT_MAX_PIXELS : Math.min(Math.max(0, Math.floor(mp)), 0x7fffffff);
  if (!isJpeg(bytes)) throw new ImageDecodeError('CORRUPT', DETAIL[1](0, 0, 0), file);
  const m = pipelineWasm();
  const ex = m.exports as unknown as JpegExports & { reset(): void; alloc(n: number): number };
  ex.reset();
  const ptr = m.put(bytes);
  const st = ex.jpegDecode(ptr, bytes.length, maxPixels);
  const w = ex.jpegWidth(), h = ex.jpegHeight();
  if (st !== 0) {
    const d = ex.jpegDetail(), v = ex.jpegDetailValue();
    const msg = (DETAIL[d] ?? (() => `decode error ${d}`))(v, w, h);
    throw new ImageDecodeError(STATUS[st] ?? 'CORRUPT', msg, file);
  }
  return { width: w, height: h, ptr: ex.jpegOutPtr() >>> 0 };
}
