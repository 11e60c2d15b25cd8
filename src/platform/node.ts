// The Node side of the platform seam (nodePlatform(): see platform.ts): the
// file system (run directories with atomic writes), worker_threads for the nn
// pool and the metrics pool, a private Xvfb display and headless-gl for the
// webgl backend, and the location of tfjs-backend-wasm's binaries. Only this
// folder imports fs, child_process, worker_threads and gl; the browser bundle
// never reaches it.
import { promises as fsp, existsSync, readdirSync, rmSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { dirname, join, resolve } from 'node:path';
import type { RunStore } from '../train/store';
import { BackendError, isSoftwareRenderer, type GlContext } from '../backend/select';
import { relaxedSimdAvailable, type WorkerSpawner, type WorkerData } from '../nn/pool';
import type { WorkerFactory } from '../metrics/pool';
import { spawnTracked, stopChild } from './lifetime';
import { systemClock, type Platform } from './platform';

const req = createRequire(import.meta.url);

let tmpCounter = 0;
function tmpName(path: string): string {
  return `${path}.tmp-${process.pid}-${Date.now().toString(36)}-${tmpCounter++}`;
}

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await fsp.open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes to a temp file in the same folder, fsyncs, then renames over `path`. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  const tmp = tmpName(path);
  await writeSynced(tmp, data);
  await fsp.rename(tmp, path);
}

export class NodeStore implements RunStore {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  private p(path: string) {
    return join(this.root, path);
  }
  async exists(path: string) {
    return existsSync(this.p(path));
  }
  async readBytes(path: string) {
    return new Uint8Array(await fsp.readFile(this.p(path)));
  }
  async readText(path: string) {
    return fsp.readFile(this.p(path), 'utf8');
  }
  async writeAtomic(path: string, data: Uint8Array | string) {
    await writeFileAtomic(this.p(path), data);
  }
  async writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>) {
    const final = this.p(dir);
    const tmp = tmpName(final);
    await fsp.mkdir(tmp, { recursive: true });
    try {
      for (const [name, data] of Object.entries(files)) await writeSynced(join(tmp, name), data);
      if (existsSync(final)) {
        // replace: move the old folder aside (a .tmp- name, which list() hides and
        // cleanTempFiles removes), put the new one in place, then drop the old one
        const old = tmpName(final);
        await fsp.rename(final, old);
        try {
          await fsp.rename(tmp, final);
        } catch (e) {
          await fsp.rename(old, final);
          throw e;
        }
        await fsp.rm(old, { recursive: true, force: true });
      } else {
        await fsp.rename(tmp, final);
      }
      try {
        const fd = openSync(dirname(final), 'r');
        fsyncSync(fd);
        closeSync(fd);
      } catch {
        /* directory fsync is best effort */
      }
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  async appendText(path: string, text: string) {
    await fsp.mkdir(dirname(this.p(path)), { recursive: true });
    await fsp.appendFile(this.p(path), text);
  }
  async list(dir: string) {
    const d = this.p(dir);
    if (!existsSync(d)) return [];
    return readdirSync(d).filter((n) => !n.includes('.tmp-')).sort();
  }
  async removeDir(dir: string) {
    await fsp.rm(this.p(dir), { recursive: true, force: true });
  }
}

/** Removes temp files/folders a killed process left in a run directory. */
export function cleanTempFiles(root: string): number {
  let n = 0;
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.name.includes('.tmp-')) {
        rmSync(p, { recursive: true, force: true });
        n++;
      } else if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return n;
}

// ---- X display and headless-gl ---------------------------------------------

let xvfb: ChildProcess | null = null;

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts a private Xvfb when DISPLAY is unset (Linux). It is tracked by the
 * process lifetime (lifetime.ts): it never keeps Node running, and it is
 * stopped when Node ends, however it ends (a SIGKILL included, through the
 * parent-death signal).
 */
async function ensureDisplay(): Promise<void> {
  if (process.platform !== 'linux' || process.env.DISPLAY) return;
  if (!which('Xvfb')) throw new BackendError('webgl in Node needs an X display: DISPLAY is unset and Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb)');
  for (let n = 90 + (process.pid % 50); n < 190; n++) {
    if (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) continue;
    const proc = spawnTracked('Xvfb', [`:${n}`, '-screen', '0', '64x64x24', '-nolisten', 'tcp']);
    const ok = await new Promise<boolean>((res) => {
      const t0 = Date.now();
      proc.once('exit', () => res(false));
      const poll = () => {
        if (existsSync(`/tmp/.X11-unix/X${n}`)) return res(true);
        if (Date.now() - t0 > 5000) return res(false);
        setTimeout(poll, 50);
      };
      poll();
    });
    if (ok) {
      xvfb = proc;
      process.env.DISPLAY = `:${n}`;
      return;
    }
    stopChild(proc);
  }
  throw new BackendError('could not start Xvfb for the webgl backend');
}

/** Stops the private Xvfb now (tests; a CLI leaves it to the process lifetime). */
export function stopDisplay(): void {
  if (xvfb) {
    stopChild(xvfb);
    xvfb = null;
    delete process.env.DISPLAY;
  }
}

function mesaRenderer(): string | null {
  // headless-gl reports "ANGLE"; the driver underneath is what tells GPU from CPU.
  if (!which('glxinfo')) return null;
  const r = spawnSync('glxinfo', ['-B'], { encoding: 'utf8', timeout: 5000 });
  const m = /OpenGL renderer string:\s*(.+)/.exec(r.stdout ?? '');
  return m ? m[1].trim() : null;
}

export async function createNodeGl(): Promise<GlContext> {
  let createGl: any;
  try {
    createGl = req('gl');
  } catch (e) {
    throw new BackendError(`webgl in Node needs the optional 'gl' package (headless-gl), which is not built here: ${(e as Error).message.split('\n')[0]}. Install the X11 dev libraries (apt-get install libxi-dev libx11-dev libxext-dev pkg-config) and run npm install again`);
  }
  await ensureDisplay();
  const gl = createGl(1, 1, { alpha: false, antialias: false, depth: false, stencil: false, preserveDrawingBuffer: false, premultipliedAlpha: false });
  if (!gl) throw new BackendError(`headless-gl could not create a WebGL context on display ${process.env.DISPLAY}`);
  if (!gl.getExtension('OES_texture_float')) throw new BackendError('headless-gl context lacks OES_texture_float, which tfjs needs');
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const angle = String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  const driver = mesaRenderer();
  const renderer = driver ? `${angle} on ${driver}` : `${angle} on an unknown driver (install mesa-utils so glxinfo can name it; assuming software)`;
  // Without glxinfo we cannot see the driver: assume software (the safe side for auto).
  const software = driver ? isSoftwareRenderer(driver) : true;
  return {
    gl,
    version: 1, // headless-gl implements WebGL 1 only
    renderer,
    software,
    dispose() {
      gl.getExtension('STACKGL_destroy_context')?.destroy();
    },
  };
}

export function nodeWasmPath(): string {
  return dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
}

/**
 * Node 20 has relaxed SIMD behind a V8 flag; V8 accepts it at run time, before
 * the module is compiled (checked: WebAssembly.validate turns true, workers
 * share the process's flags). Returns whether the engine now accepts it.
 * Newer Node versions have it on: the flag is then harmless. nodeSpawner()
 * sets it, so the nn pool picks the FMA build wherever Node can run it; this
 * file also sets it when it is imported (for the metrics module's build).
 */
export function enableRelaxedSimd(): boolean {
  setRelaxedSimdFlag();
  return relaxedSimdAvailable();
}

let relaxedFlagSet = false;
function setRelaxedSimdFlag(): void {
  if (relaxedFlagSet) return;
  relaxedFlagSet = true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // the flag is gone: the feature test in nn/pool.ts decides
  }
}
// Set on import, before any metrics kernel runs: the metrics module picks its
// build (src/wasm/metrics.ts) at its first use in a thread, and Node code that
// scores samples reaches it through this file (the CLIs, the trainer, the
// metrics workers' factory), so the FMA build is the one Node uses throughout.
setRelaxedSimdFlag();

/** worker_threads for the nn pool (shared memory, Atomics); sets the relaxed-SIMD flag first. */
export function nodeSpawner(): WorkerSpawner {
  setRelaxedSimdFlag();
  return {
    spawn(source: string, data: WorkerData) {
      const code = `${source}\nconst { workerData, parentPort } = require('node:worker_threads');\n` +
        `__nnStart(workerData, function () { parentPort.postMessage('ready'); });`;
      const w = new Worker(code, { eval: true, workerData: data });
      w.unref();
      return new Promise((resolve, reject) => {
        w.once('message', () => resolve({ terminate: () => w.terminate() })); // resolves once the thread has exited
        w.once('error', reject);
        w.once('exit', (c) => reject(new Error(`nn worker exited with code ${c}`)));
      });
    },
  };
}

/** worker_threads for message-passing workers (the metrics pool): the source gets __gfPost/__gfListen (see metrics/pool.ts). */
export const nodeWorkerFactory: WorkerFactory = (source) => {
  const prelude = "const { parentPort: __gfPort } = require('node:worker_threads');\n" +
    'const __gfPost = (m, t) => __gfPort.postMessage(m, t);\nconst __gfListen = (f) => __gfPort.on(\'message\', f);\n';
  const w = new Worker(prelude + source, { eval: true });
  w.unref();
  return {
    postMessage: (m, t) => w.postMessage(m, t as any),
    onMessage: (cb) => { w.removeAllListeners('message'); w.on('message', cb); },
    onError: (cb) => { w.removeAllListeners('error'); w.on('error', cb); },
    terminate: () => { void w.terminate(); },
  };
};

/** The cores Node may use. */
export function nodeThreads(): number {
  return Math.max(1, availableParallelism());
}

/** The Node platform: run directories on disk, worker_threads, headless-gl, `threads` (default: the cores). */
export function nodePlatform(opts: { threads?: number } = {}): Platform {
  return {
    kind: 'node',
    openStore: (root) => new NodeStore(root),
    spawner: nodeSpawner(),
    workers: nodeWorkerFactory,
    createGl: () => createNodeGl(),
    threads: opts.threads && opts.threads > 0 ? Math.floor(opts.threads) : nodeThreads(),
    wasmPath: nodeWasmPath(),
    clock: systemClock,
  };
}
