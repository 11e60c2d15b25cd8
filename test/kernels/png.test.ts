import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodePng, isPng } from '../../src/kernels/png';
import { ImageDecodeError } from '../../src/kernels/errors';
import { pipelineWasm } from '../../src/wasm/pipeline';
import { haveCorpus } from '../env';
import { encodePng, expectedRgba, chunk, CHANNELS, type EncodeSpec } from '../reference/png_encode';

const SUITE = join(__dirname, '../../../shared/corpora/pngsuite');
const haveSuite = haveCorpus('pngsuite'); // skipped only outside CI (test/env.ts); the generated set runs always

/** Splits a PNG into chunks; returns the file without chunks of `drop` type. */
function withoutChunk(buf: Uint8Array, drop: string): Uint8Array {
  const parts: Uint8Array[] = [buf.subarray(0, 8)];
  let p = 8;
  while (p + 8 <= buf.length) {
    const len = new DataView(buf.buffer, buf.byteOffset + p).getUint32(0);
    const type = String.fromCharCode(...buf.subarray(p + 4, p + 8));
    if (type !== drop) parts.push(buf.subarray(p, p + 12 + len));
    p += 12 + len;
  }
  return Buffer.concat(parts);
}

function colourType(buf: Uint8Array): number { return buf[25]; }
function hasChunk(buf: Uint8Array, t: string): boolean { return Buffer.from(buf).includes(Buffer.from(t, 'latin1')); }

/**
 * Reference RGBA8 from pngjs. pngjs follows the spec's depth scaling
 * (round(v * 255 / (2^d - 1)), so 16-bit -> round(v / 257)), but for grey/RGB
 * tRNS it zeroes the colour of transparent pixels, while the spec only sets
 * alpha to 0. For those files the colour comes from pngjs on the file without
 * its tRNS chunk and the alpha from pngjs on the original.
 */
function reference(buf: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const ref = PNG.sync.read(Buffer.from(buf));
  const data = new Uint8Array(ref.data);
  const ct = colourType(buf);
  if ((ct === 0 || ct === 2) && hasChunk(buf, 'tRNS')) {
    const opaque = PNG.sync.read(Buffer.from(withoutChunk(buf, 'tRNS')));
    for (let i = 0; i < data.length; i += 4) {
      data[i] = opaque.data[i]; data[i + 1] = opaque.data[i + 1]; data[i + 2] = opaque.data[i + 2];
    }
  }
  return { width: ref.width, height: ref.height, data };
}

function firstDiff(a: Uint8Array, b: Uint8Array): string {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i} (pixel ${i >> 2}): ours ${a[i]} ref ${b[i]}`;
  return a.length === b.length ? 'none' : `length ${a.length} vs ${b.length}`;
}

const suiteFiles = haveSuite ? readdirSync(SUITE).filter((f) => f.endsWith('.png')).sort() : [];

describe.skipIf(!haveSuite)('pngsuite conformance (pngjs reference)', () => {
  const valid = suiteFiles.filter((f) => !f.startsWith('x'));
  it.each(valid)('%s', (f) => {
    const buf = new Uint8Array(readFileSync(join(SUITE, f)));
    expect(isPng(buf)).toBe(true);
    const ours = decodePng(buf, { file: f });
    const ref = reference(buf);
    expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
    const same = Buffer.from(ours.data).equals(Buffer.from(ref.data));
    if (!same) throw new Error(`${f}: first difference at ${firstDiff(ours.data, ref.data)}`);
  });

  it.each(suiteFiles.filter((f) => f.startsWith('x')))('%s gives a typed error', (f) => {
    const buf = new Uint8Array(readFileSync(join(SUITE, f)));
    let err: unknown = null;
    try { decodePng(buf, { file: f }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(['CORRUPT', 'TRUNCATED', 'UNSUPPORTED', 'TOO_LARGE']).toContain((err as ImageDecodeError).code);
    expect((err as ImageDecodeError).message).toContain(f);
  });

  it('pngjs conversions agree with the spec formulas on the suite', () => {
    // 16-bit grey: pngjs must give round(v/257); check against our raw-sample reading via a stripped encode.
    const buf = new Uint8Array(readFileSync(join(SUITE, 'basn0g16.png')));
    const raw16 = PNG.sync.read(Buffer.from(buf), { skipRescale: true } as any).data as unknown as Uint16Array;
    const ref = PNG.sync.read(Buffer.from(buf)).data;
    for (let i = 0; i < 32 * 32; i++) expect(ref[i * 4]).toBe(Math.round(raw16[i * 4] / 257));
  });
});

// ---- generated set: every colour type x bit depth x interlace x filter

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

const COMBOS: Array<[0 | 2 | 3 | 4 | 6, Array<1 | 2 | 4 | 8 | 16>]> = [
  [0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [4, [8, 16]], [6, [8, 16]],
];

function makeSpec(ct: 0 | 2 | 3 | 4 | 6, d: 1 | 2 | 4 | 8 | 16, interlace: boolean, w: number, h: number, seed: number, trns: boolean): EncodeSpec {
  const r = rng(seed);
  const ch = CHANNELS[ct], max = (1 << d) - 1;
  const samples = new Uint16Array(w * h * ch);
  // smooth-ish content so filters and matches matter, plus noise
  for (let i = 0; i < samples.length; i++) samples[i] = r() < 0.3 ? Math.floor(r() * (max + 1)) : ((i * 7) >> 3) % (max + 1);
  const spec: EncodeSpec = { width: w, height: h, colorType: ct, depth: d, samples, interlace, filters: [0, 1, 2, 3, 4] };
  if (ct === 3) {
    const n = Math.min(256, 1 << d);
    spec.palette = new Uint8Array(n * 3).map(() => Math.floor(r() * 256));
    if (trns) spec.trns = new Uint8Array(Math.max(1, n >> 1)).map(() => Math.floor(r() * 256));
  } else if (trns && (ct === 0 || ct === 2)) {
    const k = new Uint8Array(ch * 2);
    for (let c = 0; c < ch; c++) { const v = samples[c]; k[2 * c] = v >> 8; k[2 * c + 1] = v & 255; }
    spec.trns = k; // the first pixel's colour is transparent
  }
  return spec;
}

describe('generated PNGs (spec-computed expectations)', () => {
  const cases: Array<[string, EncodeSpec]> = [];
  let seed = 1;
  for (const [ct, depths] of COMBOS) {
    for (const d of depths) {
      for (const interlace of [false, true]) {
        for (const [w, h] of [[1, 1], [3, 5], [17, 9], [33, 40]]) {
          const trns = ct === 0 || ct === 2 || ct === 3 ? seed % 2 === 0 : false;
          cases.push([`ct${ct} d${d} ${interlace ? 'adam7' : 'plain'} ${w}x${h}${trns ? ' tRNS' : ''}`, makeSpec(ct, d, interlace, w, h, seed++, trns)]);
        }
      }
    }
  }
  it.each(cases)('%s', (_name, spec) => {
    const file = encodePng({ ...spec, idatChunks: 3 });
    const ours = decodePng(file);
    expect([ours.width, ours.height]).toEqual([spec.width, spec.height]);
    const want = expectedRgba(spec);
    const same = Buffer.from(ours.data).equals(Buffer.from(want));
    if (!same) throw new Error(`first difference at ${firstDiff(ours.data, want)}`);
  });

  it('stored, fixed and dynamic zlib levels 0..9 decode the same', () => {
    const spec = makeSpec(6, 8, false, 64, 48, 99, false);
    const want = expectedRgba(spec);
    for (let level = 0; level <= 9; level++) {
      const ours = decodePng(encodePng({ ...spec, level }));
      expect(Buffer.from(ours.data).equals(Buffer.from(want))).toBe(true);
    }
  });

  it('agrees with pngjs on pngjs-encoded files (8 and 16 bit, RGBA/RGB/grey/grey+alpha)', () => {
    const r = rng(7);
    for (const colorType of [0, 2, 4, 6] as const) {
      for (const bitDepth of [8, 16] as const) {
        const png = new PNG({ width: 23, height: 11, colorType, bitDepth, inputColorType: 6, inputHasAlpha: true } as any);
        for (let i = 0; i < png.data.length; i++) png.data[i] = Math.floor(r() * 256);
        const buf = PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true } as any);
        const ours = decodePng(new Uint8Array(buf));
        const ref = PNG.sync.read(buf);
        expect(Buffer.from(ours.data).equals(Buffer.from(ref.data))).toBe(true);
      }
    }
  });

  it('typed errors for bad headers, CRCs, zlib and sizes', () => {
    const spec = makeSpec(2, 8, false, 8, 8, 5, false);
    const good = encodePng(spec);
    const code = (b: Uint8Array, maxPixels?: number) => {
      try { decodePng(b, { maxPixels }); return 'OK'; } catch (e) { if (!(e instanceof ImageDecodeError)) throw e; return e.code; }
    };
    expect(code(good)).toBe('OK');
    expect(code(good.subarray(0, 5))).toBe('TRUNCATED');
    expect(code(good.subarray(0, good.length - 3))).toBe('TRUNCATED');
    const badSig = good.slice(); badSig[1] = 0x51; expect(code(badSig)).toBe('CORRUPT');
    const badCrc = good.slice(); badCrc[8 + 8 + 13] ^= 1; expect(code(badCrc)).toBe('CORRUPT');
    expect(code(good, 63)).toBe('TOO_LARGE');
    // missing IHDR: drop it
    expect(code(withoutChunk(good, 'IHDR'))).toBe('CORRUPT');
    // huge IHDR dimensions must be rejected before allocating
    const huge = encodePng({ ...spec, width: 8, height: 8 });
    const ihdr = new Uint8Array(13); const dv = new DataView(ihdr.buffer);
    dv.setUint32(0, 0x7fffffff); dv.setUint32(4, 0x7fffffff); ihdr[8] = 8; ihdr[9] = 2;
    const hugeFile = Buffer.concat([huge.subarray(0, 8), chunk('IHDR', ihdr), huge.subarray(33)]);
    expect(code(hugeFile)).toBe('TOO_LARGE');
    // bad IHDR fields: depth 3, colour type 5, interlace 2, zero width
    for (const [off, v] of [[8, 3], [9, 5], [12, 2], [3, 0]]) {
      const h = new Uint8Array(good.subarray(16, 29)); h[off] = v;
      if (off === 3) { h[0] = h[1] = h[2] = 0; }
      expect(code(Buffer.concat([good.subarray(0, 8), chunk('IHDR', h), good.subarray(33)]))).toBe('CORRUPT');
    }
    // unknown critical chunk
    expect(code(Buffer.concat([good.subarray(0, 33), chunk('ABCD', new Uint8Array(4)), good.subarray(33)]))).toBe('UNSUPPORTED');
  });
});

describe('row unfilter: v128 path vs scalar reference vs TS reference', () => {
  function tsUnfilter(ft: number, row: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
    const out = row.slice();
    for (let i = 0; i < out.length; i++) {
      const a = i >= bpp ? out[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      let pred = 0;
      if (ft === 1) pred = a;
      else if (ft === 2) pred = b;
      else if (ft === 3) pred = (a + b) >> 1;
      else if (ft === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      out[i] = (out[i] + pred) & 255;
    }
    return out;
  }
  it('every filter, pixel sizes 1..8, row lengths 1..70, random and extreme bytes', () => {
    const m = pipelineWasm();
    const ex = m.exports as any;
    const r = rng(3);
    for (const bpp of [1, 2, 3, 4, 6, 8]) {
      for (let px = 1; px <= 70; px += px < 20 ? 1 : 7) {
        const n = px * bpp;
        for (let ft = 0; ft <= 4; ft++) {
          const extreme = r() < 0.3;
          const row = new Uint8Array(n).map(() => (extreme ? (r() < 0.5 ? 0 : 255) : Math.floor(r() * 256)));
          const prev = new Uint8Array(n).map(() => (extreme ? (r() < 0.5 ? 0 : 255) : Math.floor(r() * 256)));
          const want = tsUnfilter(ft, row, prev, bpp);
          for (const simd of [1, 0]) {
            ex.reset();
            const pp = m.put(prev);
            // row followed by a sentinel byte that must survive (the next row's filter byte)
            const rp = ex.alloc(n + 32);
            m.u8.set(row, rp);
            m.u8[rp + n] = 0xa5;
            ex.pngUnfilterRow(ft, rp, pp, n, bpp, simd);
            const got = m.u8.slice(rp, rp + n);
            expect(Buffer.from(got).equals(Buffer.from(want)), `ft ${ft} bpp ${bpp} n ${n} simd ${simd}`).toBe(true);
            expect(m.u8[rp + n]).toBe(0xa5);
          }
        }
      }
    }
  });
});
