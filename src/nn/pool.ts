// The nn module's thread pool: one shared WebAssembly.Memory, one module
// instance per thread (main + workers), jobs handed over with Atomics.
//
// Only the main thread allocates in the shared memory (the stub runtime's heap
// pointer is a per-instance global); workers only compute on pointers given in
// a job record (assembly/nn/job.ts). Control block (Int32Array over its own
// SharedArrayBuffer):
//   [0] generation (bumped per job; workers Atomics.wait on it)
//   [1] command (1 = run, -1 = stop)   [2] job pointer   [3] thread count
//   [4] workers finished               [8 + tid] error code of thread tid
//                                          (RUNNING until the worker reports)
// A kernel call is synchronous for tfjs, so the main thread takes share 0 and
// then blocks (Atomics.wait in Node, a spin in a browser window, where the
// main thread may not block) until every worker has finished its share, also
// when share 0 threw (a wasm trap): the next job must not start while workers
// still run this one. A worker that does not report within `timeoutMs` (a dead
// or wedged thread) turns into an NnError naming the kernel and the worker,
// and the pool refuses every later job with that error (the worker may still
// be writing into the shared memory, and would never join a later job).
import { engineAccepts, instantiateSync, precompile, type WasmModule } from '../wasm/module';
import { wasmBase64, wasmOptions } from '../wasm/generated/nn';
import { wasmBase64 as stBase64, wasmOptions as stOptions } from '../wasm/generated/nn_st';
import { wasmBase64 as relaxedBase64, wasmOptions as relaxedOptions } from '../wasm/generated/nn_relaxed';

/**
 * Which build of the nn module a pool runs: 'plain' (128-bit SIMD mul + add)
 * or 'relaxed' (the same kernels with f32x4.relaxed_madd in the GEMM
 * micro-kernel: FMA where the CPU has it). 'auto' picks relaxed where this
 * engine validates it (Chromium by default; Node 20 once the V8 flag is set,
 * platform/node.ts's enableRelaxedSimd), else plain.
 */
export type NnSimd = 'plain' | 'relaxed';

/** Whether this engine accepts the relaxed-SIMD build (a V8 flag set later is seen on the next call while it was false). */
export const relaxedSimdAvailable: () => boolean = engineAccepts(relaxedBase64);

export interface NnExports extends Record<string, unknown> {
  run(job: number, tid: number, nt: number): number;
  checkJob(job: number, nt: number): number;
  jobScratchBytes(op: number, N: number, imgs: number, OH: number, OW: number): number;
  packBChecked(src: number, srcLen: number, K: number, N: number, rs: number, cs: number, dst: number): number;
  memoryBytes(): number;
}

export class NnError extends Error {
  constructor(message: string, readonly code?: number) { super(message); this.name = 'NnError'; }
}

const ERRORS: Record<number, string> = { [-1]: 'bad dimensions', [-2]: 'buffer out of bounds', [-3]: 'unknown op', [-100]: 'wasm trap in the worker' };
/** Kernel names by job op (src/kernels/gemm.ts OP_*), for error messages. */
const KERNELS: Record<number, string> = { 1: 'gemm', 2: 'conv2d', 3: 'conv2dBackpropFilter', 4: 'conv2dBackpropInput', 5: 'packB', 6: 'simdPeak', 7: 'channelSums', 8: 'channelAffine', 9: 'adamUpdate', 10: 'rmspropUpdate', 11: 'conv2dBackpropFilter', 12: 'conv2dBackpropInput', 13: 'eltwise' };
/** A worker's error slot while it has not reported (no kernel returns it). */
const RUNNING = 0x7ffffff0;
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface NnPoolOptions {
  /** How long the main thread waits for a worker's share after finishing its own; default 30 s. */
  timeoutMs?: number;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Platform hook: starts one worker running `source` (a classic script) with `data`. */
export interface WorkerSpawner {
  spawn(source: string, data: WorkerData): Promise<{ terminate(): void }>;
}
export interface WorkerData { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: SharedArrayBuffer; tid: number }

/**
 * Worker body, shared by Node (worker_threads, eval) and browsers (Blob URL).
 * `start(data, ready)` instantiates the module and loops on the control block.
 */
export const WORKER_LOOP = `
function __nnStart(d, ready) {
  var inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory,
    abort: function () { throw new Error('nn.wasm aborted in worker ' + d.tid); }, seed: function () { return 0; } } });
  var run = inst.exports.run, c = new Int32Array(d.ctl), seen = Atomics.load(c, 0);
  ready();
  for (;;) {
    Atomics.wait(c, 0, seen);
    seen = Atomics.load(c, 0);
    if (c[1] === -1) break;
    var r;
    try { r = run(c[2], d.tid, c[3]); } catch (e) { r = -100; }
    Atomics.store(c, 8 + d.tid, r);
    Atomics.add(c, 4, 1);
    Atomics.notify(c, 4);
  }
}`;

export class NnPool {
  readonly threads: number;
  readonly timeoutMs: number;
  private readonly ctl: Int32Array;
  private readonly canBlock: boolean;
  /** The module build this pool runs. */
  readonly simd: NnSimd;
  /** Set when a worker missed the timeout: every later run throws it. */
  private broken: NnError | null = null;

  constructor(readonly mod: WasmModule<NnExports>, private readonly workers: { terminate(): void }[], ctl: SharedArrayBuffer | null, readonly note?: string, opts: NnPoolOptions & { simd?: NnSimd } = {}) {
    this.threads = workers.length + 1;
    this.simd = opts.simd ?? 'plain';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.ctl = new Int32Array(ctl ?? new ArrayBuffer(64 * 4));
    let canBlock = true;
    try { Atomics.wait(this.ctl as Int32Array, 31, 1, 0); } catch { canBlock = false; }
    this.canBlock = canBlock;
  }

  get exports(): WasmModule<NnExports>['exports'] { return this.mod.exports; }

  /** Whether the kernels use relaxed-SIMD FMA. */
  get relaxed(): boolean { return this.simd === 'relaxed'; }

  private kernelName(job: number): string {
    const op = this.mod.i32[job >>> 2];
    return KERNELS[op] ?? `op ${op}`;
  }

  /**
   * Runs job record `job` on every thread; throws NnError on an error code.
   * If the main thread's share throws (a trap), that error is rethrown once
   * every worker has finished its share. `alongside` runs on the main thread
   * once the workers have started and before the main thread takes its share
   * of the job (work is handed out dynamically, so the workers take what it
   * leaves): copies into or out of memory the job does not touch. If it
   * throws, the workers finish the job and that error is rethrown.
   */
  run(job: number, alongside?: () => void): void {
    if (this.broken) throw this.broken;
    const nt = this.threads, c = this.ctl;
    const pre = this.mod.exports.checkJob(job, nt);
    if (pre !== 0) throw new NnError(`nn: invalid job (${ERRORS[pre] ?? pre})`, pre);
    if (nt > 1) {
      Atomics.store(c, 4, 0);
      for (let t = 1; t < nt; t++) Atomics.store(c, 8 + t, RUNNING);
      c[2] = job; c[3] = nt; c[1] = 1;
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
    }
    let r0 = 0, trapped = false, trap: unknown;
    try {
      alongside?.();
      r0 = this.mod.exports.run(job, 0, nt);
    } catch (e) {
      trapped = true;
      trap = e;
    }
    if (nt > 1) {
      const deadline = now() + this.timeoutMs;
      let d: number;
      while ((d = Atomics.load(c, 4)) < nt - 1) {
        const left = deadline - now();
        if (left <= 0) {
          const late: number[] = [];
          for (let t = 1; t < nt; t++) if (Atomics.load(c, 8 + t) === RUNNING) late.push(t);
          const who = late.length === 1 ? `worker ${late[0]}` : `workers ${late.join(', ')}`;
          const after = trapped ? ` (and thread 0 failed: ${(trap as Error)?.message ?? trap})` : '';
          this.broken = new NnError(`nn pool: kernel ${this.kernelName(job)}: ${who} did not finish within ${this.timeoutMs / 1000} s (dead worker?)${after}; the pool cannot run further jobs`);
          throw this.broken;
        }
        if (this.canBlock) Atomics.wait(c, 4, d, Math.min(50, left));
      }
    }
    if (trapped) throw trap;
    if (nt > 1) {
      for (let t = 1; t < nt; t++) {
        const r = c[8 + t];
        if (r !== 0) throw new NnError(`nn pool: kernel ${this.kernelName(job)}: worker ${t} failed (${ERRORS[r] ?? r})`, r);
      }
    }
    if (r0 !== 0) throw new NnError(`nn pool: kernel ${this.kernelName(job)} failed (${ERRORS[r0] ?? r0})`, r0);
  }

  dispose(): void {
    if (this.workers.length) {
      this.ctl[1] = -1;
      Atomics.add(this.ctl, 0, 1);
      Atomics.notify(this.ctl, 0);
    }
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (typeof (globalThis as any).crossOriginIsolated === 'boolean' && !(globalThis as any).crossOriginIsolated) return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the pool: `threads` threads in all (1 = main thread only). Without
 * SharedArrayBuffer (a page that is not cross-origin isolated) it loads the
 * single-threaded build and says so in `note`.
 */
export async function createNnPool(threads: number, spawner?: WorkerSpawner, opts: { forceSingleThreadBuild?: boolean; simd?: NnSimd | 'auto' } & NnPoolOptions = {}): Promise<NnPool> {
  if (opts.forceSingleThreadBuild || !sharedMemoryWorks()) {
    await precompile('nn_st', stBase64);
    const mod = instantiateSync<NnExports>('nn_st', stBase64, stOptions);
    return new NnPool(mod, [], null, threads > 1 ? 'SharedArrayBuffer unavailable (page not cross-origin isolated?): nn kernels run single-threaded' : undefined, { timeoutMs: opts.timeoutMs });
  }
  const want = opts.simd ?? 'auto';
  if (want === 'relaxed' && !relaxedSimdAvailable()) throw new NnError('nn: the relaxed-SIMD build was asked for, but this engine does not accept it (Node 20: --experimental-wasm-relaxed-simd)');
  const simd: NnSimd = want === 'plain' ? 'plain' : relaxedSimdAvailable() ? 'relaxed' : 'plain';
  const [name, b64, wopts] = simd === 'relaxed' ? ['nn_relaxed', relaxedBase64, relaxedOptions] as const : ['nn', wasmBase64, wasmOptions] as const;
  const module = await precompile(name, b64);
  const mod = instantiateSync<NnExports>(name, b64, wopts);
  const ctl = new SharedArrayBuffer(64 * 4);
  const workers: { terminate(): void }[] = [];
  let note: string | undefined;
  if (threads > 1) {
    if (!spawner) {
      note = 'no worker support on this platform: nn kernels run single-threaded';
    } else {
      try {
        for (let tid = 1; tid < threads; tid++) workers.push(await spawner.spawn(WORKER_LOOP, { module, memory: mod.memory, ctl, tid }));
      } catch (e) {
        for (const w of workers) w.terminate();
        workers.length = 0;
        note = `workers failed to start (${(e as Error).message}): nn kernels run single-threaded`;
      }
    }
  }
  return new NnPool(mod, workers, ctl, note, { ...opts, simd });
}
