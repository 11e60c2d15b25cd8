// nn GEMM (SIMD, blocked, threaded) against a scalar float64 reference.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createNnPool, type NnPool } from '../../src/nn/pool';
import { nodeSpawner } from '../../src/platform/node';
import { gemm, writeJob, OP_GEMM } from '../../src/kernels/gemm';
import { gemmRef } from '../reference/nn';
import { randArray, relErr } from '../reference/backends';
import { SIMD_BUILDS, poolFor } from '../reference/simd';

const shapes: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [4, 8, 16], [17, 13, 9], [64, 100, 37], [5, 33, 300], [130, 70, 520], [64, 600, 100], [2, 1030, 3],
];

for (const simd of SIMD_BUILDS) for (const threads of [1, 2, 3]) {
  describe(`gemm, ${simd} build, ${threads} thread(s)`, () => {
    let pool: NnPool;
    beforeAll(async () => { pool = await poolFor(threads, simd); expect(pool.threads).toBe(threads); });
    afterAll(() => pool.dispose());

    for (const [M, N, K] of shapes) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        it(`M=${M} N=${N} K=${K} tA=${ta} tB=${tb}`, () => {
          const a = randArray(M * K, M + K), b = randArray(K * N, N * 7 + K);
          const o = { transposeA: ta, transposeB: tb };
          expect(relErr(gemm(pool, a, b, M, N, K, o), gemmRef(a, b, M, N, K, o))).toBeLessThan(1e-5);
        });
      }
    }

    for (const act of ['linear', 'relu', 'relu6', 'leakyrelu'] as const) {
      it(`bias + ${act}`, () => {
        const [M, N, K] = [23, 19, 41];
        const a = randArray(M * K, 1), b = randArray(K * N, 2), bias = randArray(N, 3).map((v) => v * 4);
        const o = { bias, activation: act, alpha: 0.15 };
        expect(relErr(gemm(pool, a, b, M, N, K, o), gemmRef(a, b, M, N, K, o))).toBeLessThan(1e-5);
      });
    }

    it('rejects too-short inputs', () => {
      expect(() => gemm(pool, new Float32Array(5), new Float32Array(6), 2, 3, 3)).toThrow(/need/);
    });
    it('memory stays bounded across repeated calls', () => {
      const a = randArray(64 * 100, 1), b = randArray(100 * 256, 2);
      gemm(pool, a, b, 64, 256, 100);
      const m0 = pool.exports.memoryBytes();
      for (let i = 0; i < 5; i++) gemm(pool, a, b, 64, 256, 100);
      expect(pool.exports.memoryBytes()).toBe(m0);
    });
  });
}

describe('single-threaded build (no SharedArrayBuffer)', () => {
  it('computes the same GEMM and says why it is single-threaded', async () => {
    const pool = await createNnPool(4, nodeSpawner(), { forceSingleThreadBuild: true });
    expect(pool.threads).toBe(1);
    expect(pool.note).toMatch(/SharedArrayBuffer/);
    expect(pool.mod.memory.buffer instanceof SharedArrayBuffer).toBe(false);
    const [M, N, K] = [37, 29, 300];
    const a = randArray(M * K, 1), b = randArray(K * N, 2);
    expect(relErr(gemm(pool, a, b, M, N, K), gemmRef(a, b, M, N, K))).toBeLessThan(1e-5);
    pool.dispose();
  });
});

describe('kernel-side validation', () => {
  it('rejects a job whose buffers lie outside memory, without trapping', async () => {
    const pool = await createNnPool(1);
    const e = pool.exports;
    e.reset();
    const job = writeJob(pool, { op: OP_GEMM, M: 4, N: 8, K: 4, pb: 0x7ffffff0, c: 0, ldc: 8, cLen: 32, scratch: 0, scratchBytes: 1 << 20, a: 0, rsA: 4, csA: 1, aLen: 16 });
    expect(e.run(job, 0, 1)).toBe(-2);
    const bad = writeJob(pool, { op: 99, M: 4, N: 8, K: 4, pb: 0, c: 0, ldc: 8, scratch: 0, scratchBytes: 0 });
    expect(e.run(bad, 0, 1)).toBe(-3);
    const neg = writeJob(pool, { op: OP_GEMM, M: -1, N: 8, K: 4, pb: 0, c: 0, ldc: 8, scratch: 0, scratchBytes: 0 });
    expect(e.run(neg, 0, 1)).toBe(-1);
    expect(() => pool.run(job)).toThrow(/out of bounds/);
    expect(e.packBChecked(0, 10, 4, 8, 8, 1, 0)).toBe(-2);
    pool.dispose();
  });
});

// The browser path: Web Workers from a Blob URL on a cross-origin-isolated
// page (2 threads), and the single-threaded build on a page that is not.
import { chromiumOrSkip } from '../env';
import { createServer, type Server } from 'node:http';
const CHROMIUM = chromiumOrSkip('nn pool in Chromium'); // a skip only outside CI (test/env.ts)
describe.skipIf(!CHROMIUM)('nn pool in Chromium (Web Workers)', () => {
  let server: Server, base = '', browser: any, bundle = '';
  beforeAll(async () => {
    const esbuild = await import('esbuild');
    const entry = `
      import { createNnPool } from './src/nn/pool';
      import { webSpawner } from './src/platform/browser';
      import { gemm } from './src/kernels/gemm';
      (window as any).runNn = async () => {
        const pool = await createNnPool(2, webSpawner());
        const [M, N, K] = [67, 45, 130];
        const a = new Float32Array(M * K).map((_, i) => Math.sin(i)), b = new Float32Array(K * N).map((_, i) => Math.cos(i));
        const c = gemm(pool, a, b, M, N, K);
        let err = 0, mx = 0;
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let s = 0; for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
          err = Math.max(err, Math.abs(c[i * N + j] - s)); mx = Math.max(mx, Math.abs(s));
        }
        const r = { threads: pool.threads, note: pool.note ?? '', rel: err / mx, coi: (globalThis as any).crossOriginIsolated };
        pool.dispose();
        return r;
      };`;
    const out = await esbuild.build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
    bundle = out.outputFiles[0].text;
    server = createServer((req, res) => {
      const coi = req.url?.includes('coi');
      const h: Record<string, string> = coi ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
      if (req.url?.startsWith('/nn.js')) res.writeHead(200, { 'Content-Type': 'text/javascript', ...h }).end(bundle);
      else res.writeHead(200, { 'Content-Type': 'text/html', ...h }).end(`<script type="module" src="/nn.js${coi ? '?coi' : ''}"></script>`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as any).port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => { await browser?.close(); server?.close(); });

  async function runIn(path: string) {
    const page = await browser.newPage();
    await page.goto(base + path);
    await page.waitForFunction(() => typeof (window as any).runNn === 'function');
    const r = await page.evaluate(() => (window as any).runNn());
    await page.close();
    return r;
  }

  it('cross-origin isolated: 2 threads on shared memory', async () => {
    const r = await runIn('/coi');
    expect(r.coi).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.note).toBe('');
    expect(r.rel).toBeLessThan(1e-5);
  });
  it('not isolated: single-threaded build, with a note saying why', async () => {
    const r = await runIn('/plain');
    expect(r.coi).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.note).toMatch(/SharedArrayBuffer/);
    expect(r.rel).toBeLessThan(1e-5);
  });
});
