// The 'metrics' wasm module (assembly/metrics.ts), instantiated once per thread.
import { instantiateSync, precompile, type WasmModule } from './module';
import { wasmBase64, wasmOptions } from './generated/metrics';

let instance: WasmModule | null = null;

/** The module instance for this thread (compiled synchronously on first use). */
export function metricsWasm(): WasmModule {
  return (instance ??= instantiateSync('metrics', wasmBase64, wasmOptions));
}

/** Compile asynchronously first: required on a browser main thread. */
export async function initMetricsWasm(): Promise<void> {
  await precompile('metrics', wasmBase64);
}
