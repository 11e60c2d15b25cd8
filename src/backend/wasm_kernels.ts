// The one list of our kernel registrations for tfjs-backend-wasm (as tfjs's
// register_all_kernels.ts). Call after `await tf.setBackend('wasm')`.
import { registerBaselineConv2DBackpropFilter } from './wasm_baseline';

export interface WasmKernelsInfo { threads: number; note?: string }

export async function registerWasmTrainingKernels(opts: { threads?: number } = {}): Promise<WasmKernelsInfo> {
  registerBaselineConv2DBackpropFilter();
  return { threads: 1, note: 'baseline Conv2DBackpropFilter only (tf ops)' };
}
