// File bytes -> one size x size RGB8 cache row: the per-image work of the
// loader, shared by the calling-thread path and the worker.
import { decodeImage } from '../image/decode';
import { resizeToSquare } from '../kernels/resize';

export function decodeToRow(bytes: Uint8Array, file: string, size: number, crop: boolean, out: Uint8Array, maxPixels?: number): Uint8Array {
  const img = decodeImage(bytes, maxPixels ? { file, maxPixels } : { file });
  return resizeToSquare(img, size, crop, out);
}
