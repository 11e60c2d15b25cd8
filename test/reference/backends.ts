// Helpers for tests that run one kernel on the tfjs cpu backend (the
// reference) and on the wasm backend, with the same inputs.
import { tf } from '../../src/tf';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

let wasmReady: Promise<boolean> | null = null;
export function initWasmBackend(): Promise<boolean> {
  return (wasmReady ??= (async () => {
    const req = createRequire(import.meta.url);
    setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
    return tf.setBackend('wasm');
  })());
}

/** Deterministic uniform [-1, 1) values. */
export function randArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = (s / 4294967296) * 2 - 1;
  }
  return a;
}

/** Runs `fn` with the given backend active, returning plain arrays; disposes everything it made. */
export async function onBackend(name: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const prev = tf.getBackend();
  await tf.setBackend(name);
  try {
    const outs = tf.tidy(() => { const r = fn(); return Array.isArray(r) ? r : [r]; });
    const data = outs.map((t) => t.dataSync() as Float32Array).map((d) => Float32Array.from(d));
    outs.forEach((t) => t.dispose());
    return data;
  } finally {
    await tf.setBackend(prev);
  }
}

/** max |a - b| / max(1, max |b|)-style relative error: max over i of |a_i - b_i| / (|b|_inf + tiny). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / (m + 1e-30);
}
