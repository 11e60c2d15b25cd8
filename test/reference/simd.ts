// The two builds of the nn module (plain SIMD, relaxed-SIMD FMA): kernel tests
// run the same cases on both. Node 20 accepts the relaxed build once the V8
// flag is set at run time (src/platform/node.ts enableRelaxedSimd).
import { createNnPool, type NnPool, type NnSimd } from '../../src/nn/pool';
import { nodeSpawner, enableRelaxedSimd } from '../../src/platform/node';

export const SIMD_BUILDS: readonly NnSimd[] = ['plain', 'relaxed'];

export async function poolFor(threads: number, simd: NnSimd): Promise<NnPool> {
  if (simd === 'relaxed' && !(await enableRelaxedSimd())) throw new Error('this Node does not accept relaxed SIMD even with --experimental-wasm-relaxed-simd');
  const pool = await createNnPool(threads, nodeSpawner(), { simd });
  if (pool.simd !== simd) throw new Error(`asked for the ${simd} build, got ${pool.simd}`);
  return pool;
}
