// The benchmark's SIMD peak loop really does the iterations it is credited
// with: its checksum matches the scalar reference for the same item count and
// iterations (so the loop was neither skipped nor shortened), on 1 and 2 threads.
import { describe, it, expect, afterAll } from 'vitest';
import { createNnPool, type NnPool } from '../../src/nn/pool';
import { nodeSpawner } from '../../src/platform/node';
import { simdPeak, measureSimdPeak, PEAK_FLOPS_PER_ITER } from '../../src/kernels/peak';
import { peakItemRef } from '../reference/peak';
import { poolFor } from '../reference/simd';

const pools: NnPool[] = [];
afterAll(() => { for (const p of pools) p.dispose(); });

describe('simdPeak', () => {
  for (const threads of [1, 2]) {
    it(`checksum = sum of the scalar reference over every item (${threads} thread${threads > 1 ? 's' : ''})`, async () => {
      const pool = await createNnPool(threads, await nodeSpawner());
      pools.push(pool);
      for (const [items, iters] of [[5, 1], [9, 37], [16, 1000]]) {
        const r = simdPeak(pool, items, iters);
        let ref = 0;
        for (let it = 0; it < items; it++) ref += peakItemRef(iters, it);
        expect(Math.abs(r.checksum - ref) / Math.abs(ref)).toBeLessThan(1e-5);
        expect(r.flops).toBe(items * iters * PEAK_FLOPS_PER_ITER);
        expect(r.gflops).toBeGreaterThan(0);
      }
    });
  }

  it('the FMA loop runs on the relaxed build (checksum vs the fused scalar reference)', async () => {
    const pool = await poolFor(2, 'relaxed');
    pools.push(pool);
    const items = 6, iters = 500;
    const r = simdPeak(pool, items, iters, true);
    let ref = 0;
    for (let it = 0; it < items; it++) ref += peakItemRef(iters, it, true);
    // relaxed_madd may be fused or not (the engine's choice): both agree to ~1e-6 here
    expect(Math.abs(r.checksum - ref) / Math.abs(ref)).toBeLessThan(1e-5);
  });

  it('the FMA job is refused by the plain build; bad sizes are errors', async () => {
    const pool = await createNnPool(1, undefined, { simd: 'plain' });
    pools.push(pool);
    expect(pool.relaxed).toBe(false);
    expect(() => simdPeak(pool, 2, 10, true)).toThrow(/unknown op/);
    expect(() => simdPeak(pool, 0, 10)).toThrow(/positive integers/);
    expect(measureSimdPeak(pool, { targetMs: 5, reps: 1 }).gflops).toBeGreaterThan(0);
  });
});
