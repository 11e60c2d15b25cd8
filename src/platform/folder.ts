// loadImageFolder: a folder of .jpg/.jpeg/.png files (recursive, sorted) ->
// ImageDataset, decoded by a worker_threads pool, with a u8 cache on disk.
// Node only: the browser bundle never imports this file.
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError, SKIP_EXAMPLES, checkSize, progressReporter, type ImageDataset, type LoadOptions } from '../data/dataset';
import { decodeToRow } from '../data/decode_resize';
import { decodeWithWorkers } from './decode_pool';
import { fnv1a, readCache, writeCache, type FileEntry } from './cache';
import { wasmBase64 } from '../wasm/generated/pipeline';

const IMAGE_EXT = /\.(jpe?g|png)$/i;
/** Below this much compressed input (about 0.2 s of decoding) the default is the calling thread. */
export const POOL_MIN_BYTES = 8 << 20;

/** Image files under dir (recursive, following symlinks once; names starting with '.' skipped), sorted by relative path. */
export function listImageFiles(dir: string): FileEntry[] {
  const out: FileEntry[] = [];
  const seen = new Set<string>(); // real paths, so symlinked folders cannot loop
  const walk = (d: string) => {
    let list;
    try {
      const real = realpathSync(d);
      if (seen.has(real)) return;
      seen.add(real);
      list = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      if (d === dir) throw new DatasetError(`cannot read folder ${dir}: ${(e as Error).message}`, { dir, cause: e });
      return; // an unreadable subfolder holds no usable images
    }
    for (const e of list) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try { const st = statSync(p); isDir = st.isDirectory(); isFile = st.isFile(); } catch { continue; }
      }
      if (isDir) walk(p);
      else if (isFile && IMAGE_EXT.test(e.name)) {
        let st;
        try { st = statSync(p); } catch { continue; }
        out.push({ path: relative(dir, p).split(sep).join('/'), bytes: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function defaultWorkerUrl(): URL | null {
  // Bundled: dist/node/index.js -> ./worker.js. From sources (vitest): <root>/dist/node/worker.js.
  for (const rel of ['./worker.js', '../../dist/node/worker.js']) {
    try {
      const u = new URL(rel, import.meta.url);
      if (u.protocol === 'file:' && existsSync(fileURLToPath(u))) return u;
    } catch { /* not a file URL */ }
  }
  return null;
}

let codec: string | null = null;
const codecId = () => (codec ??= `pipeline-${wasmBase64.length}-${fnv1a(wasmBase64)}`);

/** Loads (or reads from its cache) every image under opts.dir as size x size RGB8. */
export async function loadImageFolder(opts: LoadOptions): Promise<ImageDataset> {
  const { dir, size } = opts;
  checkSize(size);
  const crop = opts.crop ?? true;
  let st;
  try { st = statSync(dir); } catch { throw new DatasetError(`image folder not found: ${dir}`, { dir }); }
  if (!st.isDirectory()) throw new DatasetError(`not a folder: ${dir}`, { dir });
  let entries = listImageFiles(dir);
  if (opts.limit !== undefined && opts.limit >= 0) entries = entries.slice(0, opts.limit);
  if (!entries.length) throw new DatasetError(`no .jpg/.jpeg/.png images in ${dir}`, { dir });
  const total = entries.length;
  const progress = progressReporter(total, opts.onProgress);
  const key = { size, crop, maxPixels: opts.maxPixels ?? null, codec: codecId(), files: entries };

  if (opts.cache ?? true) {
    const hit = readCache(dir, key);
    if (hit && !(opts.strict && hit.skipped.count > 0)) {
      progress(total);
      return { n: hit.kept.length, size, images: hit.images, files: hit.kept.map((i) => join(dir, entries[i].path)), skipped: hit.skipped };
    }
  }

  const row = size * size * 3;
  const paths = entries.map((e) => join(dir, e.path));
  const rows = new Uint8Array(total * row);
  const ok = new Uint8Array(total); // 1 decoded, 2 skipped
  const done = new Uint8Array(total);
  const errors = new Map<number, string>();
  let count = 0;
  const onResult = (i: number, data: Uint8Array | null, error: string | null) => {
    if (done[i]) return;
    if (data) {
      if (data !== rows.subarray(i * row, (i + 1) * row)) rows.set(data, i * row);
      ok[i] = 1;
    } else {
      if (opts.strict) throw new DatasetError(`cannot decode ${paths[i]}: ${error}`, { dir, file: paths[i] });
      ok[i] = 2;
      errors.set(i, error ?? 'unknown error');
    }
    done[i] = 1;
    progress(++count);
  };

  // Starting a worker costs ~25-50 ms plus a cold (unoptimised) first stretch
  // of decoding, so by default small folders stay on this thread; an explicit
  // `threads` always gets its pool (threads - 1 workers + this thread).
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  const workerUrl = opts.workerUrl ?? defaultWorkerUrl();
  const bytes = entries.reduce((a, e) => a + e.bytes, 0);
  const worthIt = opts.threads !== undefined || bytes >= POOL_MIN_BYTES;
  const decodeHere = (i: number) => {
    let data: Uint8Array | null = null;
    let error: string | null = null;
    try {
      data = decodeToRow(readFileSync(paths[i]), paths[i], size, crop, rows.subarray(i * row, (i + 1) * row), opts.maxPixels);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    onResult(i, data, error);
  };
  if (threads > 1 && workerUrl && total > 1 && worthIt) {
    // threads - 1 workers plus this thread.
    await decodeWithWorkers(workerUrl, paths, done, threads - 1, { size, crop, maxPixels: opts.maxPixels }, onResult, decodeHere);
  }
  for (let i = 0; i < total; i++) if (!done[i]) decodeHere(i);

  // Skipped examples in file order, whichever worker reported first.
  const bad = [...errors.keys()].sort((a, b) => a - b);
  const skipped: ImageDataset['skipped'] = { count: bad.length, examples: bad.slice(0, SKIP_EXAMPLES).map((i) => ({ file: paths[i], error: errors.get(i)! })) };
  const kept: number[] = [];
  for (let i = 0; i < total; i++) if (ok[i] === 1) kept.push(i);
  if (!kept.length) {
    const first = skipped.examples[0];
    throw new DatasetError(`none of the ${total} images in ${dir} could be decoded${first ? ` (first: ${first.error})` : ''}`, { dir });
  }
  let images = rows;
  if (kept.length < total) {
    images = new Uint8Array(kept.length * row);
    kept.forEach((i, k) => images.set(rows.subarray(i * row, (i + 1) * row), k * row));
  }
  if (opts.cache ?? true) writeCache(dir, key, images, kept, skipped);
  return { n: kept.length, size, images, files: kept.map((i) => paths[i]), skipped };
}
