// decodeImage on hostile input: deliberately corrupt corpus files, memory
// stability over many decodes, and mutation fuzzing (PNG and JPEG) asserting
// that every failure is a typed ImageDecodeError.
import { describe, it, expect, vi } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { decodeImage, isInternalDecodeError } from '../src/image/decode';
import { ImageDecodeError } from '../src/kernels/errors';
import { pipelineWasm } from '../src/wasm/pipeline';
import { CORPORA, haveCorpus } from './env';
// the same mutators as `npm run fuzz` (a plain JS module, untyped)
// @ts-ignore
import { makeRng, generatedSeeds, corpusFiles, runFuzz, classify, isPngBytes } from '../scripts/fuzz.js';

const SUITE = join(CORPORA, 'pngsuite');
const CRASH = join(CORPORA, 'jpeg-crashtest');
const api = { decodeImage, ImageDecodeError, isInternalDecodeError };
const CODES = ['UNSUPPORTED', 'CORRUPT', 'TRUNCATED', 'TOO_LARGE'];

// generated files run always; the corpora skip only outside CI (test/env.ts)
const haveSuite = haveCorpus('pngsuite');
const haveCrash = haveCorpus('jpeg-crashtest');

const encodeJpeg = (img: { width: number; height: number; data: Uint8Array }, q: number) => new Uint8Array(jpeg.encode(img as any, q).data);
const generated = generatedSeeds(7, encodeJpeg) as Array<{ name: string; bytes: Uint8Array }>;

/** Decodes once; when it took over 1 s, once more (the machine is shared) and keeps the faster time. */
function timedOutcome(bytes: Uint8Array, file: string) {
  let t0 = performance.now();
  let r = classify(api, bytes, { file });
  let ms = performance.now() - t0;
  if (ms > 1000) { t0 = performance.now(); r = classify(api, bytes, { file }); ms = Math.min(ms, performance.now() - t0); }
  return { ...r, ms };
}

describe.skipIf(!haveSuite)('deliberately corrupt PNGs (pngsuite x*.png)', () => {
  const files = haveSuite ? readdirSync(SUITE).filter((f) => /^x.*\.png$/.test(f)) : [];
  it.each(files)('%s: typed error within 1 s', (f) => {
    const bytes = corpusFiles(SUITE).find((c: { name: string }) => c.name === f)!.bytes;
    const r = timedOutcome(bytes, f);
    expect(CODES, `${f}: ${r.outcome} ${r.error ?? ''}`).toContain(r.outcome);
    expect(r.ms).toBeLessThan(1000);
  });
});

describe.skipIf(!haveCrash)('jpeg-crashtest files', () => {
  const files = corpusFiles(CRASH) as Array<{ name: string; bytes: Uint8Array }>;
  it(`all ${files.length} give a typed error or a valid image within 1 s`, () => {
    const bad: string[] = [];
    for (const f of files) {
      const r = timedOutcome(f.bytes, f.name);
      if (!(r.outcome === 'OK' || CODES.includes(r.outcome))) bad.push(`${f.name}: ${r.outcome} ${String(r.error)}`);
      else if (r.ms >= 1000) bad.push(`${f.name}: ${r.ms.toFixed(0)} ms`);
    }
    expect(bad).toEqual([]);
  });
});

describe('decodeImage basics', () => {
  it('dispatches PNG and JPEG, names the file and first bytes for unknown formats', () => {
    const png = generated.find((g) => isPngBytes(g.bytes))!;
    expect(decodeImage(png.bytes).data.length).toBeGreaterThan(0);
    const jpg = generated.find((g) => g.name.endsWith('.jpg'))!;
    const img = decodeImage(jpg.bytes);
    expect(img.data.length).toBe(img.width * img.height * 4);
    let err: any;
    try { decodeImage(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 2]), { file: 'a.gif' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.message).toContain('a.gif');
    expect(err.message).toContain('47 49 46 38');
    try { decodeImage(new Uint8Array([1, 2, 3]), { file: 'x.bin' }); } catch (e) { err = e; }
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.message).toContain('01 02 03');
    try { decodeImage(new Uint8Array(0)); } catch (e) { err = e; }
    expect(err.code).toBe('TRUNCATED');
  });

  it('maxPixels is checked before allocation (TOO_LARGE) for both formats', () => {
    for (const g of generated.filter((x) => /ct6-d8\.png|64x48/.test(x.name))) {
      const r = classify(api, g.bytes, { maxPixels: 4 });
      expect(r.outcome).toBe('TOO_LARGE');
    }
  });
});

describe('memory', () => {
  it('WASM memory does not grow over 10,000 decodes of small files', () => {
    const seeds = [...generated, ...(haveSuite ? corpusFiles(SUITE).slice(0, 40) : [])];
    for (const s of seeds) classify(api, s.bytes, {}); // warm up: reach the high-water mark once
    const mem = pipelineWasm().memory;
    const before = mem.buffer.byteLength;
    let ok = 0;
    for (let i = 0; i < 10_000; i++) if (classify(api, seeds[i % seeds.length].bytes, {}).outcome === 'OK') ok++;
    expect(ok).toBeGreaterThan(5000);
    expect(mem.buffer.byteLength).toBe(before);
  });
});

describe('fuzz', () => {
  const corpus = [
    ...(haveSuite ? corpusFiles(SUITE) : []),
    ...(haveCorpus('jpeg-reftest') ? corpusFiles(join(CORPORA, 'jpeg-reftest'), 48 * 1024) : []),
    ...(haveCrash ? corpusFiles(CRASH, 48 * 1024) : []),
  ] as Array<{ name: string; bytes: Uint8Array }>;
  const pngSeeds = [...corpus.filter((c) => isPngBytes(c.bytes)), ...generated.filter((g) => isPngBytes(g.bytes))];
  const jpegSeeds = [...corpus.filter((c) => /\.jpe?g$/i.test(c.name)), ...generated.filter((g) => g.name.endsWith('.jpg'))];

  const report = (label: string, r: any) => {
    console.log(`${label}: ${r.total} variants; ${Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}; slowest ${r.slowest.ms.toFixed(1)} ms`);
    return r.failures.slice(0, 5).map((f: any) => `${f.outcome} ${f.seed} ${f.kind}: ${f.message.split('\n')[0]}`);
  };

  it(`PNG: 14,000 mutated variants of ${pngSeeds.length} seeds, zero untyped errors`, () => {
    const r = runFuzz(api, pngSeeds, { rng: makeRng(12345), count: 14_000 });
    const fails = report('PNG fuzz', r);
    expect(r.total).toBe(14_000);
    expect(fails).toEqual([]);
    expect(r.outcomes.OK ?? 0).toBeGreaterThan(100); // mutations still reach the decoder's inner stages
  });

  it(`JPEG: 8,000 mutated variants of ${jpegSeeds.length} seeds, zero untyped errors`, () => {
    const r = runFuzz(api, jpegSeeds, { rng: makeRng(54321), count: 8_000 });
    const fails = report('JPEG fuzz', r);
    expect(r.total).toBe(8_000);
    expect(fails).toEqual([]);
  });
});

describe('last line of defence', () => {
  it('a kernel that throws something untyped becomes InternalDecodeError (code CORRUPT, counted as a bug)', async () => {
    vi.resetModules();
    vi.doMock('../src/kernels/png', async (orig) => ({
      ...(await orig<typeof import('../src/kernels/png')>()),
      decodePng: () => { throw new WebAssembly.RuntimeError('unreachable'); },
    }));
    const mod = await import('../src/image/decode');
    const errors = await import('../src/kernels/errors');
    let err: any;
    try { mod.decodeImage(generated.find((g) => isPngBytes(g.bytes))!.bytes, { file: 'bug.png' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(errors.ImageDecodeError);
    expect(err.code).toBe('CORRUPT');
    expect(mod.isInternalDecodeError(err)).toBe(true);
    expect(err.message).toContain('bug.png');
    expect(err.message).toContain('RuntimeError');
    expect(err.original).toBeInstanceOf(WebAssembly.RuntimeError);
    vi.doUnmock('../src/kernels/png');
    vi.resetModules();
  });
});
