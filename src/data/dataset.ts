// The in-memory dataset every trainer batch comes from: n images of
// size x size RGB8 in one compact Uint8Array (row i = bytes
// [i*size*size*3, (i+1)*size*size*3)). Pure code: no fs, no workers, so the
// browser bundle can use it; loadImageFolder (Node) lives in src/platform/folder.ts.
import { resizeToSquare } from '../kernels/resize';

export interface ImageDataset {
  n: number;
  size: number;
  /** n * size * size * 3 bytes, RGB8, NHWC. */
  images: Uint8Array;
  /** Source of each row (same order as the rows). */
  files: string[];
  /** Files that could not be decoded: how many, and the first few with the decoder's message. */
  skipped: { count: number; examples: { file: string; error: string }[] };
}

export interface LoadOptions {
  dir: string;
  size: number;
  /** Centre-crop to a square before resizing (default true). */
  crop?: boolean;
  /** The first file that cannot be decoded is fatal (default false: skip and count). */
  strict?: boolean;
  /** Use only the first `limit` files (sorted order). */
  limit?: number;
  /** Save/load `<dir>/.ganforge-cache-<size>.u8` + `.json` manifest (default true). */
  cache?: boolean;
  /** Decoding threads (default os.availableParallelism(), used for folders of 8 MiB or more); 1 decodes on the calling thread. */
  threads?: number;
  /** Called with (done, total) at least every 1% of files and once at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Largest accepted width*height per image (decoder default when absent). */
  maxPixels?: number;
  /** worker_threads entry to use (default: dist/node/worker.js next to the bundle). */
  workerUrl?: string | URL;
}

/** The folder cannot give a dataset (missing, empty, nothing decodable, or a bad file with strict). */
export class DatasetError extends Error {
  readonly dir?: string;
  readonly file?: string;
  constructor(message: string, opts: { dir?: string; file?: string; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'DatasetError';
    this.dir = opts.dir;
    this.file = opts.file;
  }
}

/** How many skipped files are named in `skipped.examples`. */
export const SKIP_EXAMPLES = 5;

export function checkSize(size: number): void {
  if (!(Number.isInteger(size) && size >= 1 && size <= 4096)) throw new RangeError(`dataset size must be an integer in [1, 4096], got ${size}`);
}

/**
 * Builds a dataset from decoded images (RGBA8 or RGB8), resized to size x size.
 * On a browser main thread, await initPipelineWasm() once before the first call.
 */
export function datasetFromImages(images: { width: number; height: number; data: Uint8Array }[], size: number, crop = true): ImageDataset {
  checkSize(size);
  if (images.length === 0) throw new DatasetError('datasetFromImages: no images given');
  const row = size * size * 3;
  const out = new Uint8Array(images.length * row);
  images.forEach((img, i) => resizeToSquare(img, size, crop, out.subarray(i * row, (i + 1) * row)));
  return { n: images.length, size, images: out, files: images.map((_, i) => `image-${i}`), skipped: { count: 0, examples: [] } };
}

/** Calls onProgress(done, total) every floor(total/100) files (at least every 1%) and at the end. */
export function progressReporter(total: number, onProgress?: (done: number, total: number) => void): (done: number) => void {
  if (!onProgress) return () => {};
  const step = Math.max(1, Math.floor(total / 100));
  let last = -Infinity;
  return (done: number) => {
    if (done - last >= step || done === total) {
      last = done;
      onProgress(done, total);
    }
  };
}
