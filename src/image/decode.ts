// decodeImage: the one entry point for image files. Dispatches on the magic
// bytes to the PNG or JPEG kernel; every failure is an ImageDecodeError.
import { ImageDecodeError, type DecodedImage, type DecodeOptions, type WasmImage } from '../kernels/errors';
import { decodePng, decodePngInWasm } from '../kernels/png';
import { decodeJpeg, decodeJpegInWasm } from '../kernels/jpeg';

/**
 * A kernel failed in a way it should have reported itself (a wasm trap or
 * abort, a JS exception). Still code 'CORRUPT' so callers can skip the file,
 * but it is a decoder bug: the fuzz tests count these as failures.
 */
export class InternalDecodeError extends ImageDecodeError {
  readonly internal = true;
  readonly original: unknown;
  constructor(message: string, original: unknown, file?: string) {
    super('CORRUPT', message, file);
    this.original = original;
  }
}

const OTHER_FORMATS: Array<[number[], string]> = [
  [[0x47, 0x49, 0x46, 0x38], 'GIF'],
  [[0x42, 0x4d], 'BMP'],
  [[0x52, 0x49, 0x46, 0x46], 'RIFF (WebP?)'],
  [[0x49, 0x49, 0x2a, 0x00], 'TIFF'],
  [[0x4d, 0x4d, 0x00, 0x2a], 'TIFF'],
  [[0x00, 0x00, 0x01, 0x00], 'ICO'],
];

function startsWith(b: Uint8Array, sig: number[]): boolean {
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig[i]) return false;
  return true;
}

function hexHead(b: Uint8Array): string {
  return Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** PNG signature, or a damaged one that still says "PNG" in bytes 1..3. */
function looksPng(b: Uint8Array): boolean {
  return b.length >= 1 && (b[0] === 0x89 || (b.length >= 4 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47));
}

/**
 * Decodes a PNG or JPEG file to RGBA8. Throws ImageDecodeError with code
 * 'UNSUPPORTED' (unknown or unsupported format), 'CORRUPT', 'TRUNCATED' or
 * 'TOO_LARGE' (more than opts.maxPixels, default 64 MP).
 *
 * @example
 *   const img = decodeImage(readFileSync('cat.png'), { file: 'cat.png' });
 *   img.width; img.height; img.data; // RGBA8
 */
export function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedImage {
  return dispatch(bytes, opts, decodeJpeg, decodePng);
}

/**
 * decodeImage without the copy out (the loader's path: decode, then resize
 * in place): RGBA8 at `ptr` in the pipeline module's heap, valid until its
 * next reset. Same errors as decodeImage.
 */
export function decodeImageInWasm(bytes: Uint8Array, opts: DecodeOptions = {}): WasmImage {
  return dispatch(bytes, opts, decodeJpegInWasm, decodePngInWasm);
}

type Decoder<T> = (b: Uint8Array, o: DecodeOptions) => T;

function dispatch<T>(bytes: Uint8Array, opts: DecodeOptions, jpeg: Decoder<T>, png: Decoder<T>): T {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeImage: bytes must be a Uint8Array');
  const file = opts.file;
  if (bytes.length === 0) throw new ImageDecodeError('TRUNCATED', 'empty file (0 bytes)', file);
  let decode: Decoder<T>;
  if (bytes[0] === 0xff && (bytes.length < 2 || bytes[1] === 0xd8)) decode = jpeg;
  else if (looksPng(bytes)) decode = png;
  else {
    const other = OTHER_FORMATS.find(([sig]) => startsWith(bytes, sig));
    const what = other ? `${other[1]} files are not supported` : 'unknown image format';
    throw new ImageDecodeError('UNSUPPORTED', `${what} (first bytes: ${hexHead(bytes)}); expected PNG or JPEG`, file);
  }
  try {
    return decode(bytes, opts);
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new InternalDecodeError(`internal decoder error (please report): ${msg}`, e, file);
  }
}

/** True for errors that are decoder bugs rather than bad input. */
export function isInternalDecodeError(e: unknown): e is InternalDecodeError {
  return e instanceof InternalDecodeError;
}
