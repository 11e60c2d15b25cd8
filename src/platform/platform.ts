// The platform seam: one object, made once at start-up (nodePlatform() in
// src/platform/node.ts for the CLIs and tests, browserPlatform() in
// src/platform/browser.ts for the page) and passed down, instead of code
// below asking "am I in Node?" at run time. Everything that differs between
// Node and a browser and that the layers below need is here: where run files
// live, how workers start, how a WebGL context is made, how many threads to
// use, and the clock.
//
// The layers below declare the parts they need (nn: WorkerSpawner; metrics:
// WorkerFactory; backend: BackendHooks; train: RunStore) and a Platform
// satisfies them structurally; initBackend(name, platform) takes it whole.
import type { WorkerSpawner } from '../nn/pool';
import type { WorkerFactory } from '../metrics/pool';
import type { BackendHooks, GlContext } from '../backend/select';
import type { RunStore } from '../train/store';

/** How a WebGL context is asked for (the page's version choice, its context-loss handler; Node ignores both). */
export interface GlRequest {
  /** Highest WebGL version to use (default 2). */
  version?: 1 | 2;
  /** Called once when the context is taken away (GPU reset, driver crash). */
  onLost?(): void;
}

/** Milliseconds: `now()` is monotonic (durations, timeouts), `wall()` is the calendar time (records). */
export interface Clock {
  now(): number;
  wall(): number;
}

export interface Platform extends BackendHooks {
  readonly kind: 'node' | 'browser';
  /** The file store of a run directory at `root` (a folder in Node; memory in the page, which keeps runs in IndexedDB itself). */
  openStore(root: string): RunStore;
  /** Starts the nn pool's shared-memory workers (worker_threads or Web Workers); undefined: single-threaded. */
  spawner?: WorkerSpawner;
  /** Starts message-passing workers (the metrics pool); undefined: work runs on the calling thread. */
  workers?: WorkerFactory;
  /** A WebGL context tfjs can train on, or BackendError saying why not. */
  createGl(req?: GlRequest): Promise<GlContext>;
  /** Threads for the wasm kernels and the worker pools (>= 1). */
  threads: number;
  /** Where tfjs-backend-wasm's .wasm files are (a folder in Node, the page's URL in a browser). */
  wasmPath: string;
  clock: Clock;
}

/** performance.now() and Date.now(): the same on both platforms. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => Date.now(),
};
