// Node side of the diversity metrics: worker_threads for the MS-SSIM pool and
// loading sample sets from paths (a folder of images, one grid image, a .npy).
import { Worker } from 'node:worker_threads';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setWorkerFactory, type WorkerFactory } from './pool';
import { fromImages, parseNpy, splitGrid, SampleError, type Layout, type SampleSet, type ValueRange, type RgbaImage } from './samples';
import { decodeImage } from '../image/decode';
import { listImageFiles } from '../data/folder_node';

// Registered on import, so scoreDiversity({ threads }) uses worker_threads in Node.
export const nodeWorkerFactory: WorkerFactory = (source) => {
  const w = new Worker(source, { eval: true });
  w.unref();
  return {
    postMessage: (m, t) => w.postMessage(m, t as any),
    onMessage: (cb) => { w.removeAllListeners('message'); w.on('message', cb); },
    onError: (cb) => { w.removeAllListeners('error'); w.on('error', cb); },
    terminate: () => { void w.terminate(); },
  };
};

/** Makes scoreDiversity's `threads` option use worker_threads in this process. */
export function useNodeWorkers(): void {
  setWorkerFactory(nodeWorkerFactory);
}

export interface LoadInputOptions {
  grid?: string; // "ROWSxCOLS"
  pad?: number;
  range?: ValueRange;
  layout?: Layout;
  /** Unreadable files are fatal instead of skipped. */
  strict?: boolean;
}

export interface LoadedInput {
  set: SampleSet;
  kind: 'folder' | 'grid' | 'npy';
  notes: string[];
  skipped: { file: string; reason: string }[];
}

export function parseGridSpec(spec: string): [number, number] {
  const m = /^(\d+)x(\d+)$/i.exec(spec.trim());
  if (!m || +m[1] < 1 || +m[2] < 1) throw new SampleError(`--grid: expected ROWSxCOLS such as 8x8, got '${spec}'`);
  return [+m[1], +m[2]];
}

function decodeFile(path: string): RgbaImage {
  return decodeImage(new Uint8Array(readFileSync(path)), { file: basename(path) });
}

/** Loads INPUT as the CLI does: folder of images, a grid image (with grid), or a .npy file. */
export function loadSampleInput(input: string, opts: LoadInputOptions = {}): LoadedInput {
  let st;
  try { st = statSync(input); } catch { throw new SampleError(`${input}: no such file or folder`); }
  const notes: string[] = [];
  if (st.isDirectory()) {
    const files = listImageFiles(input);
    if (!files.length) throw new SampleError(`${input}: no .png/.jpg images in this folder`);
    const images: RgbaImage[] = [];
    const skipped: LoadedInput['skipped'] = [];
    for (const f of files) {
      try { images.push(decodeFile(join(input, f.path))); }
      catch (e) {
        const reason = (e as Error).message;
        if (opts.strict) throw new SampleError(`${f.path}: ${reason} (--strict)`);
        skipped.push({ file: f.path, reason });
      }
    }
    if (skipped.length) notes.push(`${skipped.length} unreadable file(s) skipped (first: ${skipped[0].file}: ${skipped[0].reason})`);
    if (images.length < 2) throw new SampleError(`${input}: need at least 2 readable images, found ${images.length}`);
    const set = fromImages(images);
    if (set.resized) notes.push(`mixed sizes: ${set.resized} image(s) resized (area average) to the smallest, ${set.width}x${set.height}`);
    return { set: { n: set.n, height: set.height, width: set.width, channels: 3, data: set.data }, kind: 'folder', notes, skipped };
  }
  if (/\.npy$/i.test(input)) {
    const s = parseNpy(new Uint8Array(readFileSync(input)), { range: opts.range, layout: opts.layout });
    notes.push(`.npy ${s.detected.dtype} ${s.detected.layout.toUpperCase()} range [${s.detected.range}]${opts.range && opts.range !== 'auto' ? ' (given)' : ' (detected)'}`);
    return { set: { n: s.n, height: s.height, width: s.width, channels: 3, data: s.data }, kind: 'npy', notes, skipped: [] };
  }
  if (opts.grid) {
    const [rows, cols] = parseGridSpec(opts.grid);
    let img: RgbaImage;
    try { img = decodeFile(input); } catch (e) { throw new SampleError((e as Error).message); }
    const set = splitGrid(img, rows, cols, opts.pad ?? 0);
    notes.push(`grid ${rows}x${cols} of ${set.width}x${set.height} tiles (pad ${opts.pad ?? 0})`);
    return { set, kind: 'grid', notes, skipped: [] };
  }
  throw new SampleError(`${input}: expected a folder of images, a .npy file, or an image with --grid ROWSxCOLS`);
}

setWorkerFactory(nodeWorkerFactory);
