// Test-only stand-in for src/image/decode.ts while that file does not exist
// yet: jpeg-js / pngjs (reference libraries) behind the same signature. Used
// through vi.mock only when importing the real module fails.
import jpeg from 'jpeg-js';
// @ts-ignore pngjs ships no types (test-only reference library)
import { PNG } from 'pngjs';
import { ImageDecodeError, type DecodedImage, type DecodeOptions } from '../../src/image/errors';

export function standInDecode(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedImage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50) {
      const p = PNG.sync.read(b);
      return { width: p.width, height: p.height, data: new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.length) };
    }
    if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8) {
      const j = jpeg.decode(b, { useTArray: true, formatAsRGBA: true });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    throw new ImageDecodeError('CORRUPT', (e as Error).message, opts.file);
  }
  throw new ImageDecodeError('UNSUPPORTED', 'not a PNG or JPEG file', opts.file);
}

export { standInDecode as decodeImage };
