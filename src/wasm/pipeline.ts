// The 'pipeline' wasm module (assembly/pipeline.ts), instantiated once per thread.
import { instantiateSync, precompile, type WasmModule } from './module';
import { wasmBase64, wasmOptions } from './generated/pipeline';

let instance: WasmModule | null = null;

/** The module instance for this thread (compiled synchronously on first use). */
export function pipelineWasm(): WasmModule {
  return (instance ??= instantiateSync('pipeline', wasmBase64, wasmOptions));
}

/** Compile asynchronously first: required on a browser main thread. */
export async function initPipelineWasm(): Promise<void> {
  await precompile('pipeline', wasmBase64);
}
