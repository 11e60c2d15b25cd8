// The browser side of the platform seam (browserPlatform(): see platform.ts):
// a WebGL context from a canvas for the webgl backend, Web Workers from Blob
// URLs, the page's own folder as the home of tfjs-backend-wasm's .wasm files,
// and the thread count (workers need a cross-origin-isolated page:
// SharedArrayBuffer). No Node imports: part of the page bundle.
import { BackendError, isSoftwareRenderer, type GlContext } from '../backend/select';
import type { WorkerSpawner, WorkerData } from '../nn/pool';
import type { WorkerFactory } from '../metrics/pool';
import { MemoryStore } from '../train/store';
import { systemClock, type Platform } from './platform';

export interface BrowserGlOptions {
  /** Canvas to draw on (default: a new, detached one). */
  canvas?: HTMLCanvasElement;
  /**
   * Highest WebGL version to use (default 2). WebGL 2 needs
   * EXT_color_buffer_float to render to float32 textures; without it (or with
   * 1 here) the context is WebGL 1 with OES_texture_float.
   */
  version?: 1 | 2;
  /** Called once when the browser takes the context away (GPU reset, driver crash, too many contexts). */
  onLost?(): void;
}

/** tfjs's own context attributes: no depth/stencil/antialias, no premultiplied alpha. */
const ATTRS: WebGLContextAttributes = {
  alpha: false,
  antialias: false,
  depth: false,
  stencil: false,
  premultipliedAlpha: false,
  preserveDrawingBuffer: false,
  failIfMajorPerformanceCaveat: false,
  powerPreference: 'high-performance',
};

/**
 * A WebGL context tfjs can train on, or BackendError saying why not: WebGL 2
 * with EXT_color_buffer_float when the browser has it (what tfjs itself
 * prefers: float32 render targets everywhere), else WebGL 1 with
 * OES_texture_float. select.ts sets tfjs's WEBGL_VERSION to match.
 */
export function createBrowserGl(opts: BrowserGlOptions = {}): GlContext {
  let canvas = opts.canvas ?? document.createElement('canvas');
  canvas.width = canvas.width || 1;
  canvas.height = canvas.height || 1;
  let gl: WebGLRenderingContext | WebGL2RenderingContext | null = null;
  let version: 1 | 2 = 1;
  if (opts.version !== 1) {
    const gl2 = canvas.getContext('webgl2', ATTRS) as WebGL2RenderingContext | null;
    if (gl2 && gl2.getExtension('EXT_color_buffer_float')) {
      gl = gl2;
      version = 2;
    } else if (gl2) {
      // A canvas keeps its first context type: WebGL 1 needs a fresh one.
      gl2.getExtension('WEBGL_lose_context')?.loseContext();
      canvas = document.createElement('canvas');
      canvas.width = canvas.height = 1;
    }
  }
  if (!gl) {
    gl = canvas.getContext('webgl', ATTRS) as WebGLRenderingContext | null;
    if (!gl) throw new BackendError('this browser gives no WebGL context (WebGL disabled, blocklisted GPU, or no GPU process)');
    if (!gl.getExtension('OES_texture_float')) throw new BackendError('the WebGL context lacks OES_texture_float, which tfjs needs for training');
  }
  const ctx = gl;
  const dbg = ctx.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(ctx.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : ctx.RENDERER));
  let disposed = false;
  if (opts.onLost) {
    const onLost = opts.onLost;
    canvas.addEventListener('webglcontextlost', (ev) => {
      // preventDefault lets the browser offer a restore; tfjs cannot reuse it, the page switches backend.
      ev.preventDefault();
      if (!disposed) onLost();
    }, { once: true });
  }
  return {
    gl: ctx,
    version,
    renderer,
    // Without the debug extension the renderer string hides the device: assume software (the safe side for auto).
    software: dbg ? isSoftwareRenderer(renderer) : true,
    dispose() {
      disposed = true;
      ctx.getExtension('WEBGL_lose_context')?.loseContext();
    },
  };
}

/** Whether the page may use SharedArrayBuffer (COOP + COEP headers, see scripts/serve.js). */
export function isCrossOriginIsolated(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
}

/** Threads for the wasm kernels: the cores when isolated (at most 8), else 1. */
export function browserThreads(): number {
  if (!isCrossOriginIsolated()) return 1;
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
}

/** The page's folder: where npm run build puts tfjs-backend-wasm's .wasm files next to the bundle. */
export function pageWasmPath(): string {
  return new URL('./', document.baseURI).href;
}

/** Web Workers for the nn pool (a cross-origin-isolated page): a Blob URL running the shared loop. */
export function webSpawner(): WorkerSpawner | undefined {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined') return undefined;
  return {
    spawn(source: string, data: WorkerData) {
      const code = `${source}\nself.onmessage = function (e) { self.onmessage = null; __nnStart(e.data, function () { self.postMessage('ready'); }); };`;
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      const w = new Worker(url);
      return new Promise((resolve, reject) => {
        w.onmessage = () => { URL.revokeObjectURL(url); resolve({ terminate: () => w.terminate() }); };
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage(data);
      });
    },
  };
}

/** Web Workers from Blob URLs for message-passing workers (the metrics pool): the source gets __gfPost/__gfListen. */
export function browserWorkerFactory(): WorkerFactory | undefined {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL?.createObjectURL !== 'function') return undefined;
  return (source: string) => {
    const prelude = 'const __gfPost = (m, t) => self.postMessage(m, t || []);\nconst __gfListen = (f) => { self.onmessage = (e) => f(e.data); };\n';
    const url = URL.createObjectURL(new Blob([prelude + source], { type: 'text/javascript' }));
    const w = new Worker(url);
    return {
      postMessage: (m, t) => w.postMessage(m, t ?? []),
      onMessage: (cb) => { w.onmessage = (e: MessageEvent) => cb(e.data); },
      onError: (cb) => { w.onerror = (e: ErrorEvent) => cb(new Error(e?.message ?? 'worker error')); },
      terminate: () => w.terminate(),
    };
  };
}

/**
 * The page's platform: canvas WebGL (createGl's request picks the version and
 * the context-loss handler), Web Workers, `threads` (default browserThreads()),
 * in-memory run stores (the page keeps its run in IndexedDB itself: web/autosave.ts).
 */
export function browserPlatform(opts: { threads?: number; canvas?: HTMLCanvasElement } = {}): Platform {
  return {
    kind: 'browser',
    openStore: (root) => new MemoryStore(root),
    spawner: webSpawner(),
    workers: browserWorkerFactory(),
    createGl: async (req = {}) => createBrowserGl({ canvas: opts.canvas, version: req.version, onLost: req.onLost }),
    threads: opts.threads ?? browserThreads(),
    wasmPath: pageWasmPath(),
    clock: systemClock,
  };
}
