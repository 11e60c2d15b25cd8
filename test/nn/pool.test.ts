// The nn thread pool's failure paths: a trap on the main thread's share must not
// let the next job overlap still-running workers, and a dead worker must turn
// into a clear error instead of a main thread blocked forever.
import { describe, it, expect, afterEach } from 'vitest';
import { createNnPool, NnPool, type WorkerSpawner, type WorkerData } from '../../src/nn/pool';
import { nodeSpawner } from '../../src/platform/node';
import { gemm, OP_GEMM } from '../../src/kernels/gemm';
import { gemmRef, conv2dRef, geom } from '../reference/nn';
import { conv2d, forwardChunks } from '../../src/kernels/conv';
import { randArray, relErr } from '../reference/backends';

/** nodeSpawner, keeping each worker's handle (tid 1 first) so a test can kill one. */
async function keepingSpawner(): Promise<{ spawner: WorkerSpawner; handles: { terminate(): unknown }[] }> {
  const inner = nodeSpawner();
  const handles: { terminate(): unknown }[] = [];
  return {
    handles,
    spawner: {
      async spawn(source: string, data: WorkerData) {
        const h = await inner.spawn(source, data);
        handles.push(h);
        return h;
      },
    },
  };
}

/**
 * Makes thread 0's share of the next GEMM job throw at once (as a wasm trap
 * would) while the workers run theirs: the pool's module seen through an
 * object whose exports.run traps for tid 0.
 */
function trapMainShareOfNextGemm(pool: NnPool): { armed: () => boolean } {
  const real = pool.mod;
  let armed = true;
  const run = (job: number, tid: number, nt: number): number => {
    if (armed && tid === 0 && real.i32[job >>> 2] === OP_GEMM) {
      armed = false;
      throw new WebAssembly.RuntimeError('unreachable (test trap on thread 0)');
    }
    return real.exports.run(job, tid, nt);
  };
  const patched = Object.create(real, { exports: { value: { ...real.exports, run } } });
  (pool as any).mod = patched;
  return { armed: () => armed };
}

const pools: NnPool[] = [];
afterEach(() => { for (const p of pools.splice(0)) p.dispose(); });

describe('nn pool failures', () => {
  it('a trap on thread 0 propagates only after every worker has stopped; the next jobs run correctly', async () => {
    const pool = await createNnPool(3, nodeSpawner());
    pools.push(pool);
    expect(pool.threads).toBe(3);
    // A long job (the workers take all of it, ~0.1-1 s) and short ones after it.
    const [M, N, K] = [2048, 1024, 512];
    const bigA = randArray(M * K, 1), bigB = randArray(K * N, 2);
    const small = Array.from({ length: 6 }, (_, i) => {
      const [m, n, k] = [40 + i, 33, 70];
      const a = randArray(m * k, 10 + i), b = randArray(k * n, 20 + i);
      return { m, n, k, a, b, ref: gemmRef(a, b, m, n, k) };
    });
    const trap = trapMainShareOfNextGemm(pool);
    let snapshot: Uint8Array | undefined;
    expect(() => {
      try { gemm(pool, bigA, bigB, M, N, K); } finally { snapshot = pool.mod.u8.slice(0, pool.exports.memoryBytes()); }
    }).toThrow(/unreachable \(test trap on thread 0\)/);
    expect(trap.armed()).toBe(false);
    // Nothing writes into the memory once the error is out: the workers had finished their shares.
    await new Promise((r) => setTimeout(r, 1500));
    const now = pool.mod.u8.subarray(0, snapshot!.length);
    let changed = 0;
    for (let i = 0; i < snapshot!.length; i++) if (now[i] !== snapshot![i]) changed++;
    expect(changed, 'bytes written by workers after the error was thrown').toBe(0);
    for (const s of small) {
      expect(relErr(gemm(pool, s.a, s.b, s.m, s.n, s.k), s.ref)).toBeLessThan(1e-5);
    }
    // the big job itself is fine once nothing traps
    const c = gemm(pool, bigA.subarray(0, 64 * K), bigB, 64, N, K);
    expect(relErr(c, gemmRef(bigA.subarray(0, 64 * K), bigB, 64, N, K))).toBeLessThan(1e-5);
  });

  it('work alongside a job (a chunked conv copying out) that throws: rethrown once the workers are done; the pool runs the next jobs', async () => {
    const pool = await createNnPool(2, nodeSpawner());
    pools.push(pool);
    const g = geom(8, 64, 64, 3, 64, 5, 2, 2);
    expect(forwardChunks(g)).toBeGreaterThan(1); // chunk 0's output is copied out alongside chunk 1's job
    const x = randArray(8 * 64 * 64 * 3, 5), w = randArray(75 * 64, 6);
    const out = new Float32Array(8 * g.OH * g.OW * 64);
    out.set = () => { throw new Error('copy-out failed (test)'); };
    expect(() => conv2d(pool, g, x, w, {}, out)).toThrow(/copy-out failed \(test\)/);
    const small = geom(2, 16, 16, 3, 8, 5, 2, 2), xs = randArray(2 * 16 * 16 * 3, 7), ws = randArray(75 * 8, 8);
    expect(relErr(conv2d(pool, small, xs, ws), conv2dRef(small, xs, ws))).toBeLessThan(1e-5);
    expect(relErr(conv2d(pool, g, x, w), conv2dRef(g, x, w))).toBeLessThan(1e-5);
  });

  it('a dead worker makes the call throw within the timeout, naming the kernel and the worker; the pool then refuses jobs', async () => {
    const { spawner, handles } = await keepingSpawner();
    const pool = await createNnPool(3, spawner, { timeoutMs: 400 });
    pools.push(pool);
    expect(pool.threads).toBe(3);
    expect(handles).toHaveLength(2);
    // sanity: it works with both workers alive
    const a = randArray(64 * 32, 3), b = randArray(32 * 48, 4);
    expect(relErr(gemm(pool, a, b, 64, 48, 32), gemmRef(a, b, 64, 48, 32))).toBeLessThan(1e-5);
    await handles[0].terminate(); // worker 1 is gone (resolves once the thread has exited)
    const t0 = performance.now();
    let err: Error | undefined;
    try { gemm(pool, a, b, 64, 48, 32); } catch (e) { err = e as Error; }
    const ms = performance.now() - t0;
    expect(err?.message).toMatch(/^nn pool: kernel gemm: worker 1 did not finish within 0\.4 s \(dead worker\?\)/);
    expect(err?.name).toBe('NnError');
    expect(ms).toBeGreaterThanOrEqual(380);
    expect(ms).toBeLessThan(5000);
    // every later call fails at once with the same cause instead of waiting again
    const t1 = performance.now();
    expect(() => gemm(pool, a, b, 64, 48, 32)).toThrow(/worker 1 did not finish/);
    expect(performance.now() - t1).toBeLessThan(300);
  });

  it('the default timeout is 30 s', async () => {
    const pool = await createNnPool(1);
    pools.push(pool);
    expect(pool.timeoutMs).toBe(30_000);
  });
});
