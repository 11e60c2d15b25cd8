// worker_threads spawner for the nn pool (Node). Loaded with a dynamic import
// so the browser bundle never sees node:worker_threads.
import type { WorkerSpawner, WorkerData } from './pool';

export async function nodeSpawner(): Promise<WorkerSpawner> {
  const mod = 'node:worker_threads'; // a variable: bundlers for the browser must not resolve it
  const { Worker } = (await import(/* @vite-ignore */ mod)) as typeof import('node:worker_threads');
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

/**
 * Node 20 has relaxed SIMD behind a V8 flag; V8 accepts it at run time, before
 * the module is compiled (checked: WebAssembly.validate turns true, workers
 * share the process's flags). Returns whether the engine now accepts it.
 * Newer Node versions have it on: the flag is then harmless.
 */
export async function enableRelaxedSimd(): Promise<boolean> {
  const name = 'node:v8'; // a variable: bundlers for the browser must not resolve it
  try {
    const v8 = (await import(/* @vite-ignore */ name)) as typeof import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not Node, or the flag is gone: the feature test below decides
  }
  const { relaxedSimdAvailable } = await import('./pool');
  return relaxedSimdAvailable();
}
