// The exported ONNX generator in onnxruntime-web inside a real headless
// Chromium (Debian's): scripts/serve.js serves the package's own dist/ folder
// (ort.min.mjs, its .wasm loader and .wasm; no network), the page imports it,
// runs the model on its wasm backend single-threaded, and the images agree
// with our tfjs cpu generator in eval mode within 1e-4, at 32 and 64.
// Skips with a notice when no Chromium is installed, except under CI.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { tf } from '../../src/tf';
import { exportStateDict } from '../../src/bridge/run';
import { generatorOnnx } from '../../src/bridge/onnx';
import { nhwcToNchw } from '../../src/gan/torch_layout';
import { Rng } from '../../src/util/rng';
import { smallTrainer } from '../bridge/helpers';
import { chromiumOrSkip } from '../env';

const CHROMIUM = chromiumOrSkip('onnxruntime-web in the browser');
const ORT_WEB_DIST = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface PageResult { dims: number[]; type: string; data: number[]; inputNames: string[]; outputNames: string[] }

describe.skipIf(!CHROMIUM)('ONNX export in onnxruntime-web (headless Chromium)', () => {
  let browser: Browser;
  let server: { close(): void };
  let page: Page;
  let url = '';
  const requested: string[] = [];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const { serve } = await import('../../scripts/serve.js' as string);
    const s = await serve({ dir: ORT_WEB_DIST, port: 0, quiet: true });
    server = s.server;
    url = s.url;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    page = await browser.newPage();
    page.on('request', (r) => requested.push(r.url()));
    // any page of the server gives the origin (a 404 text page is enough: dist/ has no index.html)
    await page.goto(url);
    // a module script, not an import() inside page.evaluate (vitest would rewrite that import)
    await page.addScriptTag({ type: 'module', content: `import * as ort from '${url}ort.min.mjs'; window.ort = ort;` });
    await page.waitForFunction(() => (window as any).ort !== undefined, null, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  for (const over of [{}, { size: 64 as const, ngf: 4, zDim: 12 }]) {
    it(`draws our tfjs images within 1e-4 (${JSON.stringify(over)})`, async () => {
      const tr = smallTrainer(over, 21);
      const c = tr.cfg;
      const n = 5;
      const z = new Rng(3).fillNormal(new Float32Array(n * c.zDim));
      let ours: Float32Array, model: Uint8Array;
      try {
        ours = tr.generate(z, 64, { raw: true }); // eval mode: BatchNorm uses its running statistics
        model = generatorOnnx(exportStateDict(tr, 'g', false).sd, { size: c.size, zDim: c.zDim, ngf: c.ngf });
      } finally {
        tr.dispose();
      }
      const got: PageResult = await page.evaluate(async ({ base, modelB64, zs, shape }) => {
        const ort = (window as any).ort;
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.proxy = false;
        ort.env.wasm.wasmPaths = base;
        const bytes = Uint8Array.from(atob(modelB64), (ch) => ch.charCodeAt(0));
        const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
        try {
          const out = await session.run({ z: new ort.Tensor('float32', Float32Array.from(zs), shape) });
          const img = out.images;
          return { dims: [...img.dims], type: img.type, data: Array.from(img.data as Float32Array), inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
        } finally {
          await session.release();
        }
      }, { base: url, modelB64: Buffer.from(model).toString('base64'), zs: Array.from(z), shape: [n, c.zDim] });
      expect(got.inputNames).toEqual(['z']);
      expect(got.outputNames).toEqual(['images']);
      expect(got.type).toBe('float32');
      expect(got.dims).toEqual([n, 3, c.size, c.size]);
      const want = nhwcToNchw(ours, n, c.size, c.size, 3);
      expect(got.data.length).toBe(want.length);
      let max = 0, spread = 0;
      for (let i = 0; i < want.length; i++) {
        max = Math.max(max, Math.abs(want[i] - got.data[i]));
        spread = Math.max(spread, Math.abs(want[i]));
      }
      expect(spread).toBeGreaterThan(0.1); // the images are not a constant the comparison would pass trivially
      expect(max).toBeLessThan(1e-4);
      // everything the page loaded came from our server: the runtime's wasm included, nothing from the network
      expect(requested.some((r) => /\.wasm$/.test(r))).toBe(true);
      expect(requested.filter((r) => !r.startsWith(url))).toEqual([]);
    }, 120_000);
  }
});
