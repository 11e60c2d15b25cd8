// Chooses and initialises the tfjs backend for a run.
//   webgl  tfjs-backend-webgl on a WebGL context the platform provides
//          (headless-gl under Xvfb in Node, a canvas in the browser)
//   wasm   tfjs-backend-wasm plus our training kernels (src/backend/wasm_kernels.ts)
//   cpu    tfjs-backend-cpu (slow; tests)
//   auto   webgl when the renderer is a hardware GPU, otherwise wasm
import { tf } from '../tf';
import { GPGPUContext, MathBackendWebGL } from '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm_kernels';
import type { WorkerSpawner } from '../nn/pool';

export interface GlContext {
  gl: WebGLRenderingContext | WebGL2RenderingContext;
  /** 2: WebGL 2 with EXT_color_buffer_float (tfjs's own default); 1: WebGL 1 with OES_texture_float. */
  version: 1 | 2;
  renderer: string;
  /** True for software rasterisers (llvmpipe, SwiftShader, ...). */
  software: boolean;
  dispose(): void;
}

export interface BackendHooks {
  /** Makes a WebGL context tfjs can train on (see GlContext.version), or throws BackendError saying what to install. */
  createGl?(): Promise<GlContext>;
  /** Folder or URL prefix holding tfjs-backend-wasm's .wasm files. */
  wasmPath?: string;
  /** Threads for our wasm kernels (default 1). */
  threads?: number;
  /** Starts the nn pool's workers (platform/node.ts: worker_threads; platform/browser.ts: Web Workers); none: one thread. */
  spawner?: WorkerSpawner;
}

export interface BackendInfo {
  name: 'webgl' | 'wasm' | 'cpu';
  reason: string;
  renderer?: string;
  webglVersion?: 1 | 2;
  threads?: number;
  note?: string;
  /** wasm: which nn kernel build runs (relaxed-SIMD FMA or plain SIMD). */
  simd?: 'plain' | 'relaxed';
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

const SOFTWARE_GL = /llvmpipe|softpipe|swiftshader|software|mesa offscreen|microsoft basic render/i;
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE_GL.test(renderer);
}

let glInUse: GlContext | null = null;

/**
 * Forgets a context the browser took away: the next webgl (or auto) request
 * makes a new one and registers tfjs's webgl backend on it afresh (a lost
 * context cannot be reused; tensors on it are gone, runs go on from a checkpoint).
 */
export function forgetLostGl(ctx: GlContext | null): void {
  if (ctx && glInUse === ctx) glInUse = null;
}

async function makeGl(hooks: BackendHooks): Promise<GlContext> {
  if (glInUse) return glInUse;
  if (!hooks.createGl) throw new BackendError('webgl: this platform cannot make a WebGL context');
  return hooks.createGl();
}

async function initWebgl(hooks: BackendHooks, made?: GlContext): Promise<GlContext> {
  const ctx = made ?? (await makeGl(hooks));
  if (glInUse !== ctx) {
    glInUse = ctx;
    tf.env().set('WEBGL_VERSION', ctx.version);
    if (tf.findBackend('webgl')) tf.removeBackend('webgl');
    tf.registerBackend('webgl', () => new MathBackendWebGL(new GPGPUContext(ctx.gl as WebGLRenderingContext)), 3);
  }
  if (!(await tf.setBackend('webgl'))) throw new BackendError(`webgl: tfjs could not initialise on "${ctx.renderer}"`);
  return ctx;
}

async function initWasm(hooks: BackendHooks): Promise<{ threads: number; note?: string; simd?: 'plain' | 'relaxed' }> {
  if (hooks.wasmPath) setWasmPaths(hooks.wasmPath);
  if (!(await tf.setBackend('wasm'))) throw new BackendError('wasm: tfjs-backend-wasm failed to initialise');
  return registerWasmTrainingKernels({ threads: hooks.threads, spawner: hooks.spawner });
}

/** Initialises the requested backend; `log` gets one line saying which and why. */
/**
 * What a run asks for. train/config.ts's `backend` field has the same type
 * (declared there too, for now; tsc rejects a name one side lacks wherever
 * a config's backend reaches initBackend).
 */
export type BackendName = 'auto' | 'webgl' | 'wasm' | 'cpu';

export async function initBackend(req: BackendName, hooks: BackendHooks, log: (msg: string) => void = () => {}): Promise<BackendInfo> {
  let info: BackendInfo;
  if (req === 'cpu') {
    await tf.setBackend('cpu');
    info = { name: 'cpu', reason: 'requested' };
  } else if (req === 'wasm') {
    const w = await initWasm(hooks);
    info = { name: 'wasm', reason: 'requested', threads: w.threads, note: w.note, simd: w.simd };
  } else if (req === 'webgl') {
    const ctx = await initWebgl(hooks);
    info = { name: 'webgl', reason: 'requested', renderer: ctx.renderer, webglVersion: ctx.version };
  } else {
    let why = '';
    try {
      const ctx = await makeGl(hooks);
      if (!ctx.software) {
        await initWebgl(hooks, ctx);
        info = { name: 'webgl', reason: `hardware GPU: ${ctx.renderer}`, renderer: ctx.renderer, webglVersion: ctx.version };
        log(`backend: webgl (${info.reason}; WebGL ${ctx.version})`);
        return info;
      }
      if (ctx !== glInUse) ctx.dispose();
      why = `WebGL renderer "${ctx.renderer}" is a software rasteriser`;
    } catch (e) {
      why = `no WebGL: ${(e as Error).message}`;
    }
    const w = await initWasm(hooks);
    info = { name: 'wasm', reason: `auto: ${why}`, threads: w.threads, note: w.note, simd: w.simd };
  }
  log(`backend: ${info.name} (${info.reason}${info.renderer ? `; renderer ${info.renderer}` : ''}${info.webglVersion ? `; WebGL ${info.webglVersion}` : ''}${info.threads ? `; ${info.threads} thread${info.threads > 1 ? 's' : ''}` : ''}${info.simd ? `; ${info.simd === 'relaxed' ? 'relaxed-SIMD FMA' : 'SIMD mul+add'}` : ''})${info.note ? ` — ${info.note}` : ''}`);
  return info;
}
