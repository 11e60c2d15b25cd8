// The 'metrics' wasm module (assembly/metrics.ts), instantiated once per thread.
//
// Two builds of the same source: 'plain' (128-bit SIMD mul + add) and
// 'relaxed' (metrics_relaxed: the SWD projection GEMM uses f32x4.relaxed_madd,
// a fused multiply-add where the CPU has one; every other kernel compiles to
// the same code). The build is chosen once per thread, at the first use:
// relaxed where this engine validates it (Chromium by default; Node 20 once
// the V8 flag is set, which importing src/platform/node.ts does), else plain.
// SWD values of the two builds differ in the last bits of each projection;
// both match the float64 reference within the tests' tolerance. A pool's
// workers get the compiled module of the build this thread chose, so results
// do not depend on the number of threads.
import { engineAccepts, instantiateSync, precompile, type WasmModule } from './module';
import { wasmBase64, wasmOptions } from './generated/metrics';
import { wasmBase64 as relaxedBase64, wasmOptions as relaxedOptions } from './generated/metrics_relaxed';

export type MetricsSimd = 'plain' | 'relaxed';

let instance: WasmModule | null = null;
let chosen: MetricsSimd | null = null;

/** Whether this engine accepts the relaxed-SIMD build (a V8 flag set later is seen on the next call while it was false). */
export const metricsRelaxedAvailable: () => boolean = engineAccepts(relaxedBase64);

/** The build this thread uses (chosen at the first call). */
export function metricsSimd(): MetricsSimd {
  return (chosen ??= metricsRelaxedAvailable() ? 'relaxed' : 'plain');
}

/** Name of the chosen build's module (for compiledModule). */
export function metricsModuleName(): string {
  return metricsSimd() === 'relaxed' ? 'metrics_relaxed' : 'metrics';
}

/**
 * Picks the build for this thread from now on ('auto': relaxed where it
 * validates) and drops the current instance; returns the build in use.
 * Throws when 'relaxed' is asked for and this engine cannot run it.
 */
export function useMetricsSimd(kind: MetricsSimd | 'auto'): MetricsSimd {
  if (!['plain', 'relaxed', 'auto'].includes(kind)) throw new Error(`unknown metrics build '${String(kind)}' (plain, relaxed or auto)`);
  if (kind === 'relaxed' && !metricsRelaxedAvailable()) throw new Error('the relaxed-SIMD metrics build does not validate on this engine (Node 20: start it with --experimental-wasm-relaxed-simd, or import the Node platform, which sets it)');
  chosen = kind === 'auto' ? (metricsRelaxedAvailable() ? 'relaxed' : 'plain') : kind;
  instance = null;
  return chosen;
}

/** The module instance for this thread (compiled synchronously on first use). */
export function metricsWasm(): WasmModule {
  if (instance) return instance;
  return (instance = metricsSimd() === 'relaxed' ? instantiateSync('metrics_relaxed', relaxedBase64, relaxedOptions) : instantiateSync('metrics', wasmBase64, wasmOptions));
}

/** Compile asynchronously first: required on a browser main thread. */
export async function initMetricsWasm(): Promise<void> {
  await precompile(metricsModuleName(), metricsSimd() === 'relaxed' ? relaxedBase64 : wasmBase64);
}
