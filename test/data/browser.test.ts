// loadImageFiles in a real browser: the Web Worker pool (src/web/worker.ts,
// found next to the bundle by default) gives the same rows as the calling
// thread and as Node. Skips (with a notice) when no Chromium is installed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
// @ts-ignore pngjs ships no types (test-only reference library)
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { loadImageFiles, type FileLike } from '../../src/data/files_browser';
import { chromiumOrSkip } from '../env';

const CHROMIUM = chromiumOrSkip('loadImageFiles in the browser'); // a skip only outside CI (test/env.ts)

function pattern(w: number, h: number, seed: number): Buffer {
  const d = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([(i * 7 + seed * 31) & 255, (i * 3 + seed) & 255, (seed * 50 + (i % w) * 9) & 255, 255], i * 4);
  return d;
}

describe.skipIf(!CHROMIUM)('loadImageFiles in the browser', () => {
  let server: Server;
  let url = '';
  const inputs: { name: string; b64: string }[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 24; i++) {
      const p = new PNG({ width: 10 + (i % 7), height: 12, colorType: 6 });
      p.data = pattern(10 + (i % 7), 12, i);
      inputs.push({ name: `p${String(i).padStart(2, '0')}.png`, b64: PNG.sync.write(p).toString('base64') });
    }
    for (let i = 0; i < 6; i++) inputs.push({ name: `j${i}.jpg`, b64: (await sharp(pattern(40, 30, 100 + i), { raw: { width: 40, height: 30, channels: 4 } }).jpeg({ quality: 90 }).toBuffer()).toString('base64') });
    inputs.push({ name: 'broken.png', b64: Buffer.from('not really a png').toString('base64') });
    const opts = { bundle: true, write: false, format: 'esm' as const, platform: 'browser' as const, mainFields: ['module', 'main'], logLevel: 'silent' as const };
    const lib = (await build({ ...opts, entryPoints: ['src/data/files_browser.ts'] })).outputFiles![0].text;
    const worker = (await build({ ...opts, entryPoints: ['src/web/worker.ts'] })).outputFiles![0].text;
    server = createServer((req, res) => {
      if (req.url === '/lib.js' || req.url === '/worker.js') {
        res.setHeader('content-type', 'text/javascript');
        res.end(req.url === '/lib.js' ? lib : worker);
        return;
      }
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><script type="module">import * as GF from "/lib.js"; window.GF = GF; window.ready = true;</script>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as any).port}/`;
  });
  afterAll(() => server?.close());

  it('Web Worker pool, calling thread and Node agree', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => (window as any).ready === true);
      const res = await page.evaluate(async (inputs) => {
        const w = window as any;
        let made = 0, replies = 0;
        const Base = w.Worker;
        w.Worker = class extends Base {
          constructor(u: string | URL, o?: WorkerOptions) { super(u, o); made++; this.addEventListener('message', () => replies++); }
        };
        const files = inputs.map((x) => new File([Uint8Array.from(atob(x.b64), (c) => c.charCodeAt(0))], x.name));
        const hex = (a: Uint8Array) => Array.from(a, (v) => v.toString(16).padStart(2, '0')).join('');
        const pooled = await w.GF.loadImageFiles(files, { size: 8, threads: 3 });
        const one = await w.GF.loadImageFiles(files, { size: 8, threads: 1 });
        return { made, replies, pooled: { n: pooled.n, files: pooled.files, skipped: pooled.skipped, hex: hex(pooled.images) }, one: { n: one.n, hex: hex(one.images) } };
      }, inputs);
      const node = await loadImageFiles(inputs.map((x): FileLike => ({ name: x.name, arrayBuffer: async () => { const b = Buffer.from(x.b64, 'base64'); return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer; } })), { size: 8, threads: 1 });
      expect(res.made).toBe(3);
      expect(res.replies).toBe(inputs.length);
      expect(res.pooled.n).toBe(30);
      expect(res.pooled.skipped.count).toBe(1);
      expect(res.pooled.skipped.examples[0].file).toBe('broken.png');
      expect(res.pooled.files).toEqual(node.files);
      expect(res.pooled.hex).toBe(res.one.hex);
      expect(res.pooled.hex).toBe(Buffer.from(node.images).toString('hex'));
    } finally {
      await browser.close();
    }
  });
});
