// File bytes -> one size x size RGB8 cache row: the per-image work of the
// loader, shared by the calling-thread path and the worker. The decoded
// pixels never leave wasm memory: decode, resize in place, copy out the row.
import { decodeImageInWasm } from '../image/decode';
import { resizeInWasm } from '../kernels/resize';

export function decodeToRow(bytes: Uint8Array, file: string | undefined, size: number, crop: boolean, out: Uint8Array, maxPixels?: number): Uint8Array {
  const img = decodeImageInWasm(bytes, maxPixels ? { file, maxPixels } : { file });
  return resizeInWasm(img, size, crop, out);
}

/**
 * Decodes a PNG or JPEG and resizes it to size x size RGB8 (centre crop to a
 * square first unless crop is false) without the RGBA copy in between: the
 * loader's per-image path. Same errors as decodeImage.
 */
export function decodeToSquare(bytes: Uint8Array, size: number, opts: { crop?: boolean; out?: Uint8Array; file?: string; maxPixels?: number } = {}): Uint8Array {
  return decodeToRow(bytes, opts.file, size, opts.crop ?? true, opts.out ?? new Uint8Array(size * size * 3), opts.maxPixels);
}
