// The same library in a real browser: Web Workers from a Blob URL, and the
// same numbers as Node. Skips (with a notice) when no Chromium is installed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import { scoreDiversity } from '../../src/metrics/diversity';
import { syntheticFaces } from '../../src/metrics/synthetic';
import { slicedWasserstein } from '../../src/metrics/swd';
import { useMetricsSimd } from '../../src/wasm/metrics';
import { chromiumOrSkip } from '../env';

const CHROMIUM = chromiumOrSkip('diversity in the browser'); // a skip only outside CI (test/env.ts)

describe.skipIf(!CHROMIUM)('diversity in the browser', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    // the metrics library plus the page platform's Web Worker factory (src/platform/browser.ts)
    const entry = "export * from './src/metrics/index'; export { browserWorkerFactory } from './src/platform/browser';";
    const out = await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, write: false, format: 'iife', globalName: 'GF', platform: 'browser', mainFields: ['module', 'main'], logLevel: 'silent' });
    const js = out.outputFiles[0].text;
    server = createServer((req, res) => {
      if (req.url === '/gf.js') { res.setHeader('content-type', 'text/javascript'); res.end(js); return; }
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><script src="/gf.js"></script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as any).port}/`;
  });
  afterAll(() => server?.close());

  it('Web Worker pool and the calling thread agree with Node', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      const res = await page.evaluate(async () => {
        const GF = (window as any).GF;
        await GF.initMetricsWasm();
        const set = GF.syntheticFaces(40, 32, 5);
        const workers = GF.browserWorkerFactory();
        const pool = await GF.MetricsPool.create(2, workers);
        const pooled = pool !== null;
        pool?.close();
        const one = await GF.scoreDiversity(set, { threads: 1 });
        const two = await GF.scoreDiversity(set, { threads: 2, workers });
        // SWD on the relaxed-SIMD build (Chromium runs it by default), this thread and 2 workers
        const ref = GF.syntheticFaces(30, 32, 6), o = { seed: 3, nhoodsPerImage: 32, dirRepeats: 2, dirsPerRepeat: 32 };
        const swd1 = await GF.slicedWasserstein(set, ref, o), swd2 = await GF.slicedWasserstein(set, ref, { ...o, threads: 2, workers });
        return { pooled, one: [one.msssim.mean, one.vendi, one.verdict], two: [two.msssim.mean, two.vendi, two.verdict], simd: GF.metricsSimd(), swd1: swd1.per_level, swd2: swd2.per_level };
      });
      const node = await scoreDiversity(syntheticFaces(40, 32, 5), { threads: 1 });
      expect(res.pooled).toBe(true);
      expect(res.two[0]).toBeCloseTo(res.one[0] as number, 10);
      expect(res.one[0]).toBeCloseTo(node.msssim.mean, 10);
      expect(res.one[1]).toBeCloseTo(node.vendi, 8);
      expect(res.two[2]).toBe(node.verdict);
      expect(res.simd).toBe('relaxed');
      expect(res.swd2).toEqual(res.swd1);
      // against Node on the plain build (mul + add): the builds agree to 1e-6
      useMetricsSimd('plain');
      const swdNode = await slicedWasserstein(syntheticFaces(40, 32, 5), syntheticFaces(30, 32, 6), { seed: 3, nhoodsPerImage: 32, dirRepeats: 2, dirsPerRepeat: 32 });
      useMetricsSimd('auto');
      (res.swd1 as number[]).forEach((v, l) => expect(Math.abs(v - swdNode.per_level[l])).toBeLessThan(1e-6 * v));
    } finally {
      await browser.close();
    }
  });
});
