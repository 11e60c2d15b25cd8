// The 'pipeline' wasm module (assembly/pipeline.ts), instantiated once per thread.
import { instantiateSync, precompile, type WasmModule } from './module';
import { wasmBase64, wasmOptions } from './generated/pipeline';
import type { DecodedImage, WasmImage } from '../image/errors';

let instance: WasmModule | null = null;

/** The module instance for this thread (compiled synchronously on first use). */
export function pipelineWasm(): WasmModule {
  return (instance ??= instantiateSync('pipeline', wasmBase64, wasmOptions));
}

/** Compile asynchronously first: required on a browser main thread. */
export async function initPipelineWasm(): Promise<void> {
  await precompile('pipeline', wasmBase64);
}

/** Copies a decoded image out of the pipeline heap into its own buffer, then resets the heap. */
export function copyImageOut(img: WasmImage): DecodedImage {
  const m = pipelineWasm();
  const data = m.u8.slice(img.ptr, img.ptr + img.width * img.height * 4);
  (m.exports as unknown as { reset(): void }).reset();
  return { width: img.width, height: img.height, data };
}
