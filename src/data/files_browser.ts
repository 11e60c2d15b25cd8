// loadImageFiles: user-picked files (File objects from <input type=file
// webkitdirectory> or drag-and-drop) -> ImageDataset, in the browser. Decodes
// in Web Workers (dist/web/worker.js, src/web/worker.ts) when the page can
// start them, else on the calling thread, yielding to the event loop so the
// page stays responsive. No Node imports: part of the browser bundle.
import { DatasetError, SKIP_EXAMPLES, checkSize, progressReporter, type ImageDataset } from './dataset';
import { decodeToRow } from './decode_resize';
import { initPipelineWasm } from '../wasm/pipeline';
import { runJobs, type WorkerLike } from '../util/job_pool';

export interface FileLike {
  name: string;
  /** Set by <input webkitdirectory>: used for sorting and naming when present. */
  webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface FilesLoadOptions {
  size: number;
  crop?: boolean;
  strict?: boolean;
  limit?: number;
  /** Web Workers to use (default navigator.hardwareConcurrency, at most 8); 1 = calling thread. */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
  maxPixels?: number;
  /** Worker script (default ./worker.js next to the bundle); null = calling thread only. */
  workerUrl?: string | URL | null;
}

/** One request to a decoding worker, and its reply. */
export interface DecodeRequest { id: number; name: string; bytes: ArrayBuffer; size: number; crop: boolean; maxPixels?: number }
export type DecodeReply = { id: number; ok: true; data: Uint8Array } | { id: number; ok: false; error: string };

/** The work of one request: shared by the worker and the calling-thread path. */
export function decodeRequest(req: DecodeRequest, out?: Uint8Array): DecodeReply {
  try {
    const row = out ?? new Uint8Array(req.size * req.size * 3);
    return { id: req.id, ok: true, data: decodeToRow(new Uint8Array(req.bytes), req.name, req.size, req.crop, row, req.maxPixels) };
  } catch (e) {
    return { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

const IMAGE_EXT = /\.(jpe?g|png)$/i;
const nameOf = (f: FileLike) => f.webkitRelativePath || f.name;

function defaultWorkerUrl(): URL | null {
  try {
    return new URL('./worker.js', import.meta.url);
  } catch {
    return null;
  }
}

const IN_FLIGHT = 4;

export async function loadImageFiles(list: ArrayLike<FileLike>, opts: FilesLoadOptions): Promise<ImageDataset> {
  const { size } = opts;
  checkSize(size);
  const crop = opts.crop ?? true;
  let files = Array.from(list).filter((f) => IMAGE_EXT.test(f.name));
  files.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  if (opts.limit !== undefined && opts.limit >= 0) files = files.slice(0, opts.limit);
  if (!files.length) throw new DatasetError(`no .jpg/.jpeg/.png images among the ${list.length} files given`);
  const total = files.length;
  const names = files.map(nameOf);
  const row = size * size * 3;
  const rows = new Uint8Array(total * row);
  const ok = new Uint8Array(total);
  const done = new Uint8Array(total);
  const errors = new Map<number, string>();
  const progress = progressReporter(total, opts.onProgress);
  let count = 0;
  const onReply = (r: DecodeReply) => {
    if (done[r.id]) return;
    if (r.ok) {
      rows.set(r.data, r.id * row);
      ok[r.id] = 1;
    } else {
      if (opts.strict) throw new DatasetError(`cannot decode ${names[r.id]}: ${r.error}`, { file: names[r.id] });
      errors.set(r.id, r.error);
    }
    done[r.id] = 1;
    progress(++count);
  };

  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const threads = Math.max(1, Math.floor(opts.threads ?? Math.min(8, hc)));
  const url = opts.workerUrl === undefined ? defaultWorkerUrl() : opts.workerUrl;
  if (threads > 1 && url && typeof Worker !== 'undefined' && total > 1) {
    await decodeInWorkers(url, files, names, Math.min(threads, Math.ceil(total / IN_FLIGHT)), { size, crop, maxPixels: opts.maxPixels }, onReply);
  }
  // Browsers refuse large synchronous compiles on the main thread: compile first.
  if (done.some((d) => !d)) await initPipelineWasm();
  let t = Date.now();
  for (let i = 0; i < total; i++) {
    if (done[i]) continue;
    let reply: DecodeReply;
    try {
      reply = decodeRequest({ id: i, name: names[i], bytes: await files[i].arrayBuffer(), size, crop, maxPixels: opts.maxPixels }, rows.subarray(i * row, (i + 1) * row));
    } catch (e) {
      reply = { id: i, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    onReply(reply);
    if (Date.now() - t > 30) { await new Promise((r) => setTimeout(r, 0)); t = Date.now(); }
  }

  const bad = [...errors.keys()].sort((a, b) => a - b);
  const skipped: ImageDataset['skipped'] = { count: bad.length, examples: bad.slice(0, SKIP_EXAMPLES).map((i) => ({ file: names[i], error: errors.get(i)! })) };
  const kept: number[] = [];
  for (let i = 0; i < total; i++) if (ok[i]) kept.push(i);
  if (!kept.length) throw new DatasetError(`none of the ${total} images could be decoded${bad.length ? ` (first: ${names[bad[0]]}: ${errors.get(bad[0])})` : ''}`);
  let images = rows;
  if (kept.length < total) {
    images = new Uint8Array(kept.length * row);
    kept.forEach((i, k) => images.set(rows.subarray(i * row, (i + 1) * row), k * row));
  }
  return { n: kept.length, size, images, files: kept.map((i) => names[i]), skipped };
}

// Web Worker pool, on the shared job pool (src/util/job_pool.ts). Resolves
// when every file is done, or early when a worker fails (the caller finishes
// the rest itself); rejects only on strict errors.
async function decodeInWorkers(
  url: string | URL, files: FileLike[], names: string[], n: number,
  cfg: { size: number; crop: boolean; maxPixels?: number }, onReply: (r: DecodeReply) => void,
): Promise<void> {
  const workers: WorkerLike[] = [];
  try {
    for (let k = 0; k < n; k++) {
      const w = new Worker(url, { type: 'module' });
      workers.push({
        postMessage: (m, t) => w.postMessage(m, t ?? []),
        onMessage: (cb) => { w.onmessage = (ev: MessageEvent) => cb(ev.data); },
        onError: (cb) => { w.onerror = (ev: ErrorEvent) => cb(new Error(ev?.message ?? 'worker error')); },
        terminate: () => w.terminate(),
      });
    }
  } catch {
    workers.forEach((w) => w.terminate());
    return;
  }
  try {
    await runJobs<DecodeReply>(workers, {
      jobs: files.map((_, i) => i),
      inFlight: IN_FLIGHT,
      async send(w, i) {
        const bytes = await files[i].arrayBuffer();
        const req: DecodeRequest = { id: i, name: names[i], bytes, ...cfg };
        w.postMessage(req, [bytes]);
      },
      onSendError: (i, e) => onReply({ id: i, ok: false, error: e instanceof Error ? e.message : String(e) }),
      receive: (m) => m.id,
      onDone: (_, m) => onReply(m!),
      onWorkerError: 'resolve',
    });
  } finally {
    workers.forEach((w) => w.terminate());
  }
}
