// An optional pool of workers for the MS-SSIM pairs. Each worker gets the
// compiled 'metrics' WebAssembly.Module, instantiates it itself, receives the
// luminance images once, then computes pair blocks: images of the block are
// copied in and preprocessed once per block (scale pyramids, means,
// variances), so the pairs themselves only pay for the cross term.
//
// The worker body is plain JavaScript in a string (no imports, no bundler
// involvement), started by the platform's WorkerFactory (src/platform/: Web
// Workers from a Blob URL in the browser, worker_threads in Node), passed in
// by the caller. No factory, or threads <= 1: callers compute on the calling
// thread.
import { metricsWasm, metricsModuleName } from '../wasm/metrics';
import { compiledModule } from '../wasm/module';
import type { SwdImages } from '../kernels/swd';
import { runJobs, type WorkerFactory, type WorkerLike } from '../util/job_pool';

export type { WorkerLike, WorkerFactory };

export const WORKER_SOURCE = `
'use strict';
const post = __gfPost, listen = __gfListen;
let ex = null, lum = null, H = 0, W = 0, mat = null, matD = 0, swd = null;
function u8() { return new Uint8Array(ex.memory.buffer); }
listen((msg) => {
  try {
    if (swd && msg.type !== 'swd') swd.prep = null; // any other task resets the heap
    if (msg.type === 'init') {
      const inst = new WebAssembly.Instance(msg.module, { env: {
        abort: (m, f, l, c) => { throw new Error('metrics.wasm aborted at ' + l + ':' + c); },
        seed: () => 0x9e3779b9 } });
      ex = inst.exports;
      post({ type: 'ready' });
    } else if (msg.type === 'images') {
      lum = msg.lum; H = msg.h; W = msg.w;
    } else if (msg.type === 'msssim') {
      const idx = msg.images, m = idx.length, sz = H * W;
      ex.reset();
      const ip = ex.alloc(m * sz * 4);
      let f = new Float32Array(ex.memory.buffer);
      for (let k = 0; k < m; k++) f.set(lum.subarray(idx[k] * sz, (idx[k] + 1) * sz), (ip >>> 2) + k * sz);
      const pp = ex.alloc(msg.pairs.length * 4);
      new Int32Array(ex.memory.buffer).set(msg.pairs, pp >>> 2);
      const count = msg.pairs.length >> 1;
      const op = ex.alloc(count * 4 + 16);
      const code = ex.msssim_pairs(ip, m, H, W, pp, count, op);
      if (code !== 0) throw new Error('msssim_pairs failed with code ' + code);
      const out = new Float32Array(ex.memory.buffer).slice(op >>> 2, (op >>> 2) + count);
      post({ type: 'done', id: msg.id, out }, [out.buffer]);
    } else if (msg.type === 'matrix') {
      mat = msg.x; matD = msg.d;
    } else if (msg.type === 'gram') {
      // rows [i0, i1) of the Gram matrix of mat (n x d), columns [0, i1)
      const x = mat, d = matD, i0 = msg.i0, i1 = msg.i1;
      ex.reset();
      const bp = ex.alloc(i1 * d * 4);
      new Float32Array(ex.memory.buffer).set(x.subarray(0, i1 * d), bp >>> 2);
      const rows = i1 - i0;
      const op = ex.alloc(rows * i1 * 8 + 16);
      const code = i0 === 0 ? ex.dot_matrix(bp, i1, bp, i1, d, op, 1) : ex.dot_matrix(bp + i0 * d * 4, rows, bp, i1, d, op, 0);
      if (code !== 0) throw new Error('dot_matrix failed with code ' + code);
      const out = new Float64Array(ex.memory.buffer).slice(op >>> 3, (op >>> 3) + rows * i1);
      post({ type: 'done', id: msg.id, out }, [out.buffer]);
    } else if (msg.type === 'swd-sets') {
      swd = { a: msg.a, b: msg.b, h: msg.h, w: msg.w, prep: null };
    } else if (msg.type === 'swd') {
      // one SWD level, directions [d0, d1): both sets' levels are prepared once per level and kept
      // a task carries the patch positions when the worker is to prepare its level (its first task of the level in a run)
      const S = swd;
      if (msg.offsA || !S.prep || S.prep.level !== msg.level) {
        S.prep = null;
        ex.reset();
        // the images, offsets and scratch first and the levels last: prepared lazily (the last
        // argument, assembly/metrics/swd_lazy.ts), a level is not written on the i16 path, so its
        // pages are never touched (first touches cost), and the next level's scratch lands on this one's
        const put = (s, offs) => {
          const bytes = new Uint8Array(s.data.buffer, s.data.byteOffset, s.data.byteLength);
          const ip = ex.alloc(bytes.length) >>> 0;
          u8().set(bytes, ip);
          const op = ex.alloc(offs.length * 4) >>> 0;
          new Int32Array(ex.memory.buffer).set(offs, op >>> 2);
          return { s, ip, op, sp: ex.alloc(48) >>> 0, len: s.n * msg.hl * msg.wl * 3, count: offs.length, lp: 0 };
        };
        const A = put(S.a, msg.offsA), B = put(S.b, msg.offsB);
        const dp = ex.alloc(msg.maxDirs * 147 * 4) >>> 0;
        const sc = ex.alloc(ex.swd_scratch_bytes(A.count, B.count, msg.block, msg.quant ? 1 : 0)) >>> 0;
        const op = ex.alloc(msg.maxDirs * 8) >>> 0;
        for (const X of [A, B]) X.lp = ex.alloc(X.len * 4) >>> 0;
        for (const X of [A, B]) {
          const code = ex.swd_prepare(X.ip, X.s.n, S.h, S.w, X.s.data instanceof Uint8Array ? 1 : 0, msg.level, msg.lowpass ? 1 : 0, X.op, X.count, X.lp, X.sp, 1);
          if (code !== 0) throw new Error('swd_prepare failed with code ' + code);
        }
        S.prep = { level: msg.level, A, B, dp, sc, op, stride: msg.wl * 3, chunks: 0, block: msg.block, quant: msg.quant ? 1 : 0 };
      }
      const P = S.prep, ndir = msg.dirs.length / 147;
      new Float32Array(ex.memory.buffer).set(msg.dirs, P.dp >>> 2);
      // after the level's first chunk, the repeated patch positions that chunk found stay in the scratch (reuse = 1)
      const code = ex.swd_chunk(P.A.lp, P.A.len, P.A.op, P.A.count, P.B.lp, P.B.len, P.B.op, P.B.count, P.stride, P.dp, ndir, P.sc, P.op, P.chunks > 0 ? 1 : 0, P.block, P.quant);
      if (code !== 0) throw new Error('swd_chunk failed with code ' + code);
      P.chunks++;
      const out = new Float64Array(ex.memory.buffer).slice(P.op >>> 3, (P.op >>> 3) + ndir);
      post({ type: 'done', id: msg.id, out }, [out.buffer]);
    }
  } catch (e) {
    post({ type: 'error', id: msg.id, message: String(e && e.message || e) });
  }
});
`;

function postSwdSets(wk: WorkerLike, a: SwdImages, b: SwdImages): void {
  wk.postMessage({ type: 'swd-sets', a: { data: a.data, n: a.n }, b: { data: b.data, n: b.n }, h: a.height, w: a.width });
}

/** Whether this engine can hand a SharedArrayBuffer to workers (Node; a browser page only when cross-origin isolated). */
const canShare = (): boolean => typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;

/**
 * The image data in a SharedArrayBuffer (as it is if it already is one, or
 * where memory cannot be shared): one copy on this thread, and none in the
 * workers, instead of a structured clone per worker (and the pages each
 * clone touches, see assembly/metrics/swd_lazy.ts).
 */
function shared(s: SwdImages): SwdImages {
  if (!canShare() || s.data.buffer instanceof SharedArrayBuffer) return s;
  const data = s.data instanceof Uint8Array ? new Uint8Array(new SharedArrayBuffer(s.data.byteLength)) : new Float32Array(new SharedArrayBuffer(s.data.byteLength));
  data.set(s.data);
  return { ...s, data };
}

const heldOf = (a: SwdImages, b: SwdImages) => ({ a: a.data, b: b.data, na: a.n, nb: b.n, h: a.height, w: a.width });

export interface MsssimTask { images: Int32Array; pairs: Int32Array }

/**
 * One SWD level (size hl x wl) and some of its directions (f32 [ndir][147]);
 * maxDirs bounds ndir for the level's tasks; block and quant: the level's
 * memory plan (kernels/swd.ts swdMemoryPlan), the same for all its tasks.
 */
export interface SwdTask { level: number; lowpass: boolean; hl: number; wl: number; offsA: Int32Array; offsB: Int32Array; dirs: Float32Array; maxDirs: number; block: number; quant: boolean }

/**
 * The SWD task worker k takes next (an index into `levels`, the levels of the
 * tasks not handed out yet, in order); held[w]: the level worker w prepared
 * last (-1: none). Its own level first, then a level no worker holds, then the
 * level with the most tasks left (ties: the first).
 */
export function swdPick(held: readonly number[], k: number, levels: readonly number[]): number {
  const own = levels.indexOf(held[k]);
  if (own >= 0) return own;
  const free = levels.findIndex((l) => !held.includes(l));
  if (free >= 0) return free;
  const count = new Map<number, number>();
  for (const l of levels) count.set(l, (count.get(l) ?? 0) + 1);
  let best = levels[0];
  for (const [l, c] of count) if (c > count.get(best)!) best = l;
  return levels.indexOf(best);
}

/** A pool of `threads` workers, each with its own instance of the metrics module. */
export class MetricsPool {
  /** The SWD image sets create sent, for the next swd() call. */
  private swdHeld: { a: SwdImages['data']; b: SwdImages['data']; na: number; nb: number; h: number; w: number } | null = null;

  private constructor(private workers: WorkerLike[]) {}

  get size(): number { return this.workers.length; }

  /**
   * Starts the pool, or returns null when threads <= 1, no worker factory is
   * given or workers fail to start. swdSets: the image sets a following swd()
   * compares, posted right behind the module so that the workers take them in
   * while they start and the caller draws its plan.
   */
  static async create(threads: number, f?: WorkerFactory | null, swdSets?: [SwdImages, SwdImages]): Promise<MetricsPool | null> {
    if (!f || threads <= 1) return null;
    metricsWasm(); // compiles the module on this thread (the build this thread chose: the workers run the same)
    const mod = compiledModule(metricsModuleName());
    if (!mod) return null;
    const workers: WorkerLike[] = [];
    try {
      for (let t = 0; t < threads; t++) workers.push(f(WORKER_SOURCE));
      const sets = swdSets && [shared(swdSets[0]), shared(swdSets[1])];
      await Promise.all(workers.map((wk) => new Promise<void>((resolve, reject) => {
        wk.onError(reject);
        wk.onMessage((m) => (m.type === 'ready' ? resolve() : reject(new Error(m.message ?? 'worker failed to start'))));
        wk.postMessage({ type: 'init', module: mod });
        if (sets) postSwdSets(wk, sets[0], sets[1]);
      })));
    } catch {
      // e.g. a Content-Security-Policy without blob: workers: compute on this thread
      workers.forEach((wk) => wk.terminate());
      return null;
    }
    const pool = new MetricsPool(workers);
    if (swdSets) pool.swdHeld = heldOf(swdSets[0], swdSets[1]);
    return pool;
  }

  /** Sends the luminance images (f32 [n][h][w]) every MS-SSIM task refers to. */
  setImages(lum: Float32Array, h: number, w: number): void {
    for (const wk of this.workers) wk.postMessage({ type: 'images', lum, h, w });
  }

  /** Hands the tasks out one per worker at a time (src/util/job_pool.ts); a task's error rejects. */
  private async runAll(msgs: Record<string, unknown>[], onResult: (task: number, out: any) => void, pick?: (k: number, left: readonly number[]) => number, workers: WorkerLike[] = this.workers): Promise<void> {
    await runJobs<{ type: string; id: number; out?: any; message?: string }>(workers, {
      jobs: msgs.map((_, i) => i),
      pick,
      send: (w, id) => w.postMessage({ ...msgs[id], id }),
      receive: (m) => (m.type === 'error' ? new Error(m.message) : m.id),
      onDone: (id, m) => onResult(id, m!.out),
    });
  }

  /** Runs MS-SSIM tasks; onResult is called as blocks finish (in completion order). */
  run(tasks: MsssimTask[], onResult: (task: number, out: Float32Array) => void): Promise<void> {
    return this.runAll(tasks.map((t) => ({ type: 'msssim', images: t.images, pairs: t.pairs })), onResult);
  }

  /** Gram matrix (f64 n x n) of the rows of x, split over the workers in row bands of equal work. */
  async gram(x: Float32Array, n: number, d: number): Promise<Float64Array> {
    const T = Math.min(this.workers.length * 2, Math.max(1, Math.floor(n / 64)));
    const bounds = [0];
    for (let k = 1; k <= T; k++) bounds.push(k === T ? n : Math.max(bounds[k - 1] + 1, Math.round(n * Math.sqrt(k / T))));
    const out = new Float64Array(n * n);
    for (const wk of this.workers) wk.postMessage({ type: 'matrix', x, d });
    const msgs = [];
    for (let k = 0; k < T; k++) msgs.push({ type: 'gram', i0: bounds[k], i1: bounds[k + 1] });
    await this.runAll(msgs, (id, band: Float64Array) => {
      const i0 = bounds[id], i1 = bounds[id + 1];
      for (let i = i0; i < i1; i++) {
        const lim = i0 === 0 ? i1 : i + 1;
        for (let j = 0; j < lim; j++) { const v = band[(i - i0) * i1 + j]; out[i * n + j] = v; out[j * n + i] = v; }
      }
    });
    return out;
  }

  /**
   * Sliced Wasserstein levels (src/metrics/swd.ts): both image sets go to every
   * worker once; each task is one level and a range of its directions. A
   * worker prepares a level (both sets' pyramid level and normalisation) when
   * it takes its first task of that level and keeps it, so tasks go out by
   * level affinity (swdPick): a worker stays on its level while it has tasks,
   * then takes a level no other worker holds, and only then helps on the level
   * with the most tasks left. With 2 workers and 3 levels only the last level
   * is prepared twice, not every level.
   */
  async swd(a: SwdImages, b: SwdImages, tasks: SwdTask[], onResult: (task: number, out: Float64Array) => void, maxWorkers = this.workers.length): Promise<void> {
    // the first maxWorkers workers only (each holds a whole level: slicedWasserstein's memoryLimit)
    const ws = this.workers.slice(0, Math.max(1, Math.min(maxWorkers, this.workers.length)));
    // the sets go out unless these very arrays went with create
    // (once: a later call sends its sets again, whose contents may have changed)
    const S = this.swdHeld, now = heldOf(a, b);
    this.swdHeld = null;
    if (!S || S.a !== now.a || S.b !== now.b || S.na !== now.na || S.nb !== now.nb || S.h !== now.h || S.w !== now.w) {
      const sa = shared(a), sb = shared(b);
      for (const wk of ws) postSwdSets(wk, sa, sb);
    }
    const held = ws.map(() => -1);
    // only a worker's first task of a level carries the patch positions (it prepares the level then)
    const msgs: Record<string, unknown>[] = tasks.map((t) => ({ type: 'swd', ...t }));
    await this.runAll(msgs, onResult, (k, left) => {
      const i = swdPick(held, k, left.map((id) => tasks[id].level));
      const id = left[i];
      if (held[k] === tasks[id].level) msgs[id] = { ...msgs[id], offsA: null, offsB: null };
      held[k] = tasks[id].level;
      return i;
    }, ws);
  }

  close(): void {
    for (const wk of this.workers) wk.terminate();
    this.workers = [];
  }
}
