// Decoded pixels out of the pipeline heap: png.ts and jpeg.ts return images this way.
import { pipelineWasm } from '../wasm/pipeline';
import type { DecodedImage, WasmImage } from './errors';

/** Copies a decoded image out of the pipeline heap into its own buffer, then resets the heap. */
export function copyImageOut(img: WasmImage): DecodedImage {
  const m = pipelineWasm();
  const data = m.u8.slice(img.ptr, img.ptr + img.width * img.height * 4);
  (m.exports as unknown as { reset(): void }).reset();
  return { width: img.width, height: img.height, data };
}
