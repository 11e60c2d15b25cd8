import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jpegjs from 'jpeg-js';
import sharp from 'sharp';
import { decodeJpeg, isJpeg } from '../../src/kernels/jpeg';
import { ImageDecodeError, type DecodedImage } from '../../src/kernels/errors';
import { pipelineWasm } from '../../src/wasm/pipeline';
import { idctFloat64, idctIslow } from '../reference/jpeg_idct';
import { yccRef, h2v1Ref, h2v2Ref, h1v2Ref, cmykRef } from '../reference/jpeg_rows';
import { Rng } from '../../src/util/rng';
import { haveCorpus } from '../env';

const CORPORA = join(__dirname, '../../../shared/corpora');
const REFTEST = join(CORPORA, 'jpeg-reftest');
const CRASHTEST = join(CORPORA, 'jpeg-crashtest');
// skipped only outside CI (test/env.ts); the generated set runs always
const haveRef = haveCorpus('jpeg-reftest');
const haveCrash = haveCorpus('jpeg-crashtest');

function walk(d: string): string[] {
  return readdirSync(d).sort().flatMap((f) => { const p = join(d, f); return statSync(p).isDirectory() ? walk(p) : [p]; });
}

/** Max and mean absolute difference over R, G, B (alpha must be 255 in `a`). */
function diff(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0, sum = 0, n = 0, alpha = 0;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) === 3) { if (a[i] !== 255) alpha++; continue; }
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    sum += d; n++;
  }
  expect(alpha, 'alpha must be 255').toBe(0);
  return { max, mean: n ? sum / n : 0 };
}

/** libjpeg-turbo's default decode (through sharp), as RGBA8. */
async function sharpDecode(buf: Uint8Array): Promise<DecodedImage> {
  const { data, info } = await sharp(buf, { failOn: 'none' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** A smooth colour image with some texture (what cameras and GANs see). */
function testImage(w: number, h: number, seed: number, channels = 4): Uint8Array {
  const rng = new Rng(seed);
  const a = Array.from({ length: 12 }, () => rng.next());
  const d = new Uint8Array(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < channels; k++) {
        const v = k === 3 ? 255 : 127.5 + 100 * Math.sin(x * a[k] * 0.5 + y * a[k + 3] * 0.3 + a[k + 6] * 6) + 40 * (rng.next() - 0.5);
        d[(y * w + x) * channels + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
  return d;
}

function errorOf(f: () => unknown): ImageDecodeError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(ImageDecodeError); return e as ImageDecodeError; }
  throw new Error('expected an ImageDecodeError');
}

// ------------------------------------------------------------------ IDCT

describe('SIMD islow IDCT vs scalar references', () => {
  const m = pipelineWasm();
  const ex = m.exports as any;
  function simd(coef: Int16Array, q: Int32Array): Uint8Array {
    ex.reset();
    const cp = m.put(coef), qp = m.put(q), op = ex.alloc(64);
    ex.jpegIdctBlock(cp, qp, op);
    return m.u8.slice(op, op + 64);
  }
  const rng = new Rng(7);
  const cases: { name: string; coef: Int16Array; q: Int32Array }[] = [];
  for (let t = 0; t < 600; t++) {
    const coef = new Int16Array(64), q = new Int32Array(64);
    const kind = t % 4; // 0 DC only, 1 sparse low freq, 2 dense small, 3 dense large
    for (let i = 0; i < 64; i++) {
      q[i] = 1 + Math.floor(rng.next() * (kind === 3 ? 4 : 40));
      const v = i % 8, u = Math.floor(i / 8);
      let c = 0;
      if (i === 0) c = Math.round((rng.next() - 0.5) * 2 * (kind === 0 ? 1000 : 120) / q[i] * 8);
      else if (kind === 1 && u + v < 4 && rng.next() < 0.5) c = Math.round((rng.next() - 0.5) * 60);
      else if (kind === 2) c = Math.round((rng.next() - 0.5) * 8);
      else if (kind === 3) c = Math.round((rng.next() - 0.5) * 160 / (1 + u + v));
      coef[i] = c;
    }
    cases.push({ name: `${t}`, coef, q });
  }
  it('is bit-exact with the scalar islow reference on 600 random blocks', () => {
    let bad = 0;
    for (const { coef, q } of cases) {
      const a = simd(coef, q), b = idctIslow(coef, q);
      for (let i = 0; i < 64; i++) if (a[i] !== b[i]) bad++;
    }
    expect(bad).toBe(0);
  });
  it('is within 1 level of the float64 IDCT (mean < 0.1)', () => {
    let max = 0, sum = 0;
    for (const { coef, q } of cases) {
      const a = simd(coef, q), b = idctFloat64(coef, q);
      for (let i = 0; i < 64; i++) { const d = Math.abs(a[i] - b[i]); max = Math.max(max, d); sum += d; }
    }
    expect(max).toBeLessThanOrEqual(1);
    expect(sum / (cases.length * 64)).toBeLessThan(0.1);
  });
});

describe('SIMD row kernels (colour conversion, fancy upsampling) vs scalar references', () => {
  const m = pipelineWasm();
  const ex = m.exports as any;
  const rng = new Rng(99);
  const rand = (n: number) => Uint8Array.from({ length: n + 64 }, () => (rng.next() < 0.1 ? (rng.next() < 0.5 ? 0 : 255) : rng.int(256)));
  // runs one kernel; inputs are padded (+64) as the decoder's rows are
  function run(kind: number, ins: Uint8Array[], n: number, outLen: number, bias = 0): Uint8Array {
    ex.reset();
    const ptrs = ins.map((a) => m.put(a));
    while (ptrs.length < 4) ptrs.push(0);
    const out = ex.alloc(outLen + 256);
    ex.jpegTestRow(kind, ptrs[0], ptrs[1], ptrs[2], ptrs[3], out, n, bias);
    return m.u8.slice(out, out + outLen);
  }
  const widths = [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 23, 31, 33, 64, 100];
  it('YCbCr -> RGBA is exact for every width', () => {
    for (const n of widths) {
      const y = rand(n), cb = rand(n), cr = rand(n);
      expect(run(0, [y, cb, cr], n, n * 4)).toEqual(yccRef(y, cb, cr, n));
    }
  });
  it('CMYK and YCCK -> RGBA are exact', () => {
    for (const n of widths)
      for (const ycck of [false, true]) {
        const c = rand(n), mm = rand(n), y = rand(n), k = rand(n);
        expect(run(4, [c, mm, y, k], n, n * 4, ycck ? 1 : 0)).toEqual(cmykRef(c, mm, y, k, n, ycck));
      }
  });
  it('h2v1, h2v2 and h1v2 fancy upsampling are exact', () => {
    for (const n of widths.filter((w) => w > 2)) {
      const a = rand(n), b = rand(n);
      expect(run(1, [a], n, 2 * n)).toEqual(h2v1Ref(a, n));
      expect(run(2, [a, b], n, 2 * n)).toEqual(h2v2Ref(a, b, n));
      for (const bias of [1, 2]) expect(run(3, [a, b], n, n, bias)).toEqual(h1v2Ref(a, b, n, bias));
    }
  });
});

// ------------------------------------------------------- generated images

describe('generated with jpeg-js (4:4:4 baseline), vs libjpeg-turbo (exact) and jpeg-js', () => {
  const sizes: [number, number][] = [[1, 1], [17, 9], [8, 8], [16, 16], [33, 47], [96, 96], [200, 130]];
  for (const [w, h] of sizes)
    for (const quality of [10, 50, 90, 100])
      it(`${w}x${h} q${quality}`, async () => {
        const enc = new Uint8Array(jpegjs.encode({ data: testImage(w, h, w * 31 + h + quality), width: w, height: h }, quality).data);
        expect(isJpeg(enc)).toBe(true);
        const got = decodeJpeg(enc);
        expect([got.width, got.height]).toEqual([w, h]);
        // libjpeg-turbo: same algorithms, so identical
        expect(diff(got.data, (await sharpDecode(enc)).data).max).toBe(0);
        // jpeg-js's own decoder: an integer Loeffler IDCT with 12-bit
        // constants (not islow) and float colour conversion truncated into a
        // Uint8Array (a -0.5 bias), hence max 3 and mean < 1. Its encoder only
        // writes 4:4:4, so upsampling plays no part here.
        const ref = jpegjs.decode(enc, { useTArray: true, formatAsRGBA: true });
        const d = diff(got.data, new Uint8Array(ref.data));
        expect(d.max).toBeLessThanOrEqual(3);
        expect(d.mean).toBeLessThan(1);
      });
});

describe('generated with sharp (libjpeg-turbo), compared with its decode', () => {
  const sizes: [number, number][] = [[1, 1], [2, 3], [17, 9], [9, 17], [31, 33], [96, 96], [257, 131]];
  for (const [w, h] of sizes)
    for (const sub of ['4:2:0', '4:4:4'])
      for (const progressive of [false, true])
        for (const quality of [30, 90])
          it(`${w}x${h} ${sub} ${progressive ? 'progressive' : 'baseline'} q${quality}`, async () => {
            const raw = testImage(w, h, w * 7 + h * 3 + quality, 3);
            const enc = new Uint8Array(await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
              .jpeg({ quality, chromaSubsampling: sub, progressive }).toBuffer());
            const got = decodeJpeg(enc);
            const ref = await sharpDecode(enc);
            expect([got.width, got.height]).toEqual([ref.width, ref.height]);
            expect(diff(got.data, ref.data).max).toBe(0);
          });
  it('grayscale, baseline and progressive', async () => {
    for (const progressive of [false, true]) {
      const raw = testImage(45, 23, 99, 3);
      const enc = new Uint8Array(await sharp(raw, { raw: { width: 45, height: 23, channels: 3 } }).grayscale().jpeg({ quality: 80, progressive }).toBuffer());
      const got = decodeJpeg(enc);
      expect(diff(got.data, (await sharpDecode(enc)).data).max).toBe(0);
    }
  });
});

// ------------------------------------------- fixtures made with cjpeg

describe('cjpeg fixtures (sampling factors, restarts, non-interleaved, RGB), compared with sharp', () => {
  const dir = join(__dirname, '../reference/jpeg');
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  it('has the fixtures', () => expect(files.length).toBeGreaterThanOrEqual(16));
  for (const f of files) {
    it(f, async () => {
      const buf = new Uint8Array(readFileSync(join(dir, f)));
      if (f.startsWith('arith')) {
        const e = errorOf(() => decodeJpeg(buf, { file: f }));
        expect(e.code).toBe('UNSUPPORTED');
        expect(e.message).toMatch(/arithmetic/);
        return;
      }
      const got = decodeJpeg(buf, { file: f });
      const ref = await sharpDecode(buf);
      expect([got.width, got.height]).toEqual([45, 29]);
      expect(diff(got.data, ref.data).max).toBe(0);
    });
  }
});

// ------------------------------------------------------- EXIF orientation

/** Inserts an APP1 Exif segment with one IFD0 entry (Orientation = o) after SOI. */
function withOrientation(jpg: Uint8Array, o: number, littleEndian: boolean): Uint8Array {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  if (littleEndian) {
    tiff.write('II', 0, 'latin1'); tiff.writeUInt16LE(42, 2); tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(1, 8); tiff.writeUInt16LE(0x0112, 10); tiff.writeUInt16LE(3, 12); tiff.writeUInt32LE(1, 14); tiff.writeUInt16LE(o, 18);
  } else {
    tiff.write('MM', 0, 'latin1'); tiff.writeUInt16BE(42, 2); tiff.writeUInt32BE(8, 4);
    tiff.writeUInt16BE(1, 8); tiff.writeUInt16BE(0x0112, 10); tiff.writeUInt16BE(3, 12); tiff.writeUInt32BE(1, 14); tiff.writeUInt16BE(o, 18);
  }
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const seg = Buffer.alloc(4); seg[0] = 0xff; seg[1] = 0xe1; seg.writeUInt16BE(payload.length + 2, 2);
  return new Uint8Array(Buffer.concat([jpg.subarray(0, 2), seg, payload, jpg.subarray(2)]));
}

describe('EXIF orientation', () => {
  it('applies all 8 orientations (both byte orders)', () => {
    const w = 13, h = 7;
    const base = new Uint8Array(jpegjs.encode({ data: testImage(w, h, 5), width: w, height: h }, 90).data);
    const src = decodeJpeg(base);
    const px = (img: DecodedImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
    // where source pixel (x, y) lands, per the TIFF/EXIF definition
    const map: Record<number, (x: number, y: number) => [number, number]> = {
      1: (x, y) => [x, y], 2: (x, y) => [w - 1 - x, y], 3: (x, y) => [w - 1 - x, h - 1 - y], 4: (x, y) => [x, h - 1 - y],
      5: (x, y) => [y, x], 6: (x, y) => [h - 1 - y, x], 7: (x, y) => [h - 1 - y, w - 1 - x], 8: (x, y) => [y, w - 1 - x],
    };
    for (const le of [true, false])
      for (let o = 1; o <= 8; o++) {
        const img = decodeJpeg(withOrientation(base, o, le));
        expect([img.width, img.height]).toEqual(o >= 5 ? [h, w] : [w, h]);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const [dx, dy] = map[o](x, y);
            expect(px(img, dx, dy)).toEqual(px(src, x, y));
          }
      }
  });
});

// ------------------------------------------------------------ header quirks

describe('header quirks', () => {
  it('latches each quantization table at the component\'s first scan (a later DQT is ignored, as in libjpeg)', async () => {
    const enc = new Uint8Array(await sharp(testImage(40, 24, 8, 3), { raw: { width: 40, height: 24, channels: 3 } }).jpeg({ quality: 60, progressive: true }).toBuffer());
    // second SOS marker
    let sos = -1, seen = 0;
    for (let i = 0; i + 1 < enc.length; i++) if (enc[i] === 0xff && enc[i + 1] === 0xda && ++seen === 2) { sos = i; break; }
    expect(sos).toBeGreaterThan(0);
    const dqt = new Uint8Array(2 + 2 + 65); dqt.set([0xff, 0xdb, 0, 67, 0x00]); dqt.fill(1, 5);
    const patched = new Uint8Array([...enc.subarray(0, sos), ...dqt, ...enc.subarray(sos)]);
    const a = decodeJpeg(enc), b = decodeJpeg(patched);
    expect(diff(b.data, a.data).max).toBe(0);
    expect(diff(b.data, (await sharpDecode(patched)).data).max).toBe(0);
  });
  it('uses the Annex K tables when a scan references a table that was never defined (Motion-JPEG)', async () => {
    // strip every DHT segment from a baseline file written with the standard tables
    const enc = new Uint8Array(jpegjs.encode({ data: testImage(24, 16, 4), width: 24, height: 16 }, 80).data);
    const parts: number[] = [];
    let p = 0;
    while (p < enc.length) {
      if (enc[p] === 0xff && enc[p + 1] === 0xc4) { p += 2 + ((enc[p + 2] << 8) | enc[p + 3]); continue; }
      if (enc[p] === 0xff && enc[p + 1] === 0xda) { parts.push(...enc.subarray(p)); break; }
      parts.push(enc[p++]);
    }
    const stripped = new Uint8Array(parts);
    expect(stripped.length).toBeLessThan(enc.length);
    expect(diff(decodeJpeg(stripped).data, decodeJpeg(enc).data).max).toBe(0);
  });
});

// ------------------------------------------------------------ error codes

describe('error codes', () => {
  const good = new Uint8Array(jpegjs.encode({ data: testImage(40, 24, 3), width: 40, height: 24 }, 75).data);
  const sof = good.findIndex((b, i) => b === 0xff && good[i + 1] === 0xc0);
  const patched = (f: (b: Uint8Array) => void) => { const b = good.slice(); f(b); return b; };

  it('names the unsupported feature', () => {
    const cases: [number, RegExp][] = [[0xc3, /lossless/], [0xc7, /lossless/], [0xc9, /arithmetic/], [0xca, /arithmetic/], [0xc5, /hierarchical/], [0xcd, /arithmetic/]];
    for (const [marker, re] of cases) {
      const e = errorOf(() => decodeJpeg(patched((b) => { b[sof + 1] = marker; }), { file: 'x.jpg' }));
      expect(e.code).toBe('UNSUPPORTED');
      expect(e.message).toMatch(re);
      expect(e.message).toMatch(/^x\.jpg: /);
    }
    const e12 = errorOf(() => decodeJpeg(patched((b) => { b[sof + 1] = 0xc1; b[sof + 4] = 12; })));
    expect(e12.code).toBe('UNSUPPORTED');
    expect(e12.message).toMatch(/12-bit/);
  });
  it('TRUNCATED for data cut in the headers or in the scan, never out of bounds', () => {
    for (const n of [3, 20, sof + 5, Math.floor(good.length / 2), good.length - 40]) {
      const e = errorOf(() => decodeJpeg(good.subarray(0, n), { file: 'cut.jpg' }));
      expect(e.code).toBe('TRUNCATED');
    }
    // only the EOI missing: the scan is complete, the image is returned
    expect(decodeJpeg(good.subarray(0, good.length - 2)).width).toBe(40);
  });
  it('TOO_LARGE before allocating', () => {
    const e = errorOf(() => decodeJpeg(good, { maxPixels: 40 * 24 - 1 }));
    expect(e.code).toBe('TOO_LARGE');
    expect(decodeJpeg(good, { maxPixels: 40 * 24 }).width).toBe(40);
    // a header claiming 65535 x 65535 is refused by the default limit
    const huge = errorOf(() => decodeJpeg(patched((b) => { b[sof + 5] = b[sof + 6] = b[sof + 7] = b[sof + 8] = 0xff; })));
    expect(huge.code).toBe('TOO_LARGE');
  });
  it('CORRUPT for more than 1000 scans (bounded work)', () => {
    // a progressive file whose last AC scan is repeated 1,200 times
    const enc = new Uint8Array(jpegjs.encode({ data: testImage(8, 8, 2), width: 8, height: 8 }, 90).data);
    const sosAt = enc.findIndex((b, i) => b === 0xff && enc[i + 1] === 0xda);
    const scan = enc.subarray(sosAt, enc.length - 2); // SOS header + data, without EOI
    const parts = [enc.subarray(0, sosAt)];
    for (let i = 0; i < 1200; i++) parts.push(scan);
    parts.push(new Uint8Array([0xff, 0xd9]));
    const many = new Uint8Array(Buffer.concat(parts));
    const e = errorOf(() => decodeJpeg(many));
    expect(e.code).toBe('CORRUPT');
    expect(e.message).toMatch(/more than 1000 scans/);
  });
  it('CORRUPT for non-JPEG bytes', () => {
    expect(isJpeg(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
    expect(errorOf(() => decodeJpeg(new Uint8Array([1, 2, 3, 4]))).code).toBe('CORRUPT');
  });
});

// ----------------------------------------------------------- corpora

const KNOWN_DEVIATIONS: Record<string, string> = {
  // The reference PNG differs from libjpeg-turbo's own decode (sharp) by 3;
  // we match libjpeg-turbo exactly, so compare with that instead.
  'mjpeg.jpg': 'reference PNG is 3 levels off libjpeg-turbo',
};

describe.skipIf(!haveRef)('jpeg-reftest conformance (max diff <= 2, mean < 0.5 vs the reference PNG, else libjpeg-turbo through sharp)', () => {
  // collected even when skipped: touch the corpus only when it is there
  const disabled = new Set(haveRef ? readFileSync(join(REFTEST, 'disabled.list'), 'utf8').split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('#')) : []);
  const files = haveRef ? walk(REFTEST).filter((f) => f.endsWith('.jpg')).map((f) => f.slice(REFTEST.length + 1)).filter((f) => !disabled.has(f)) : [];
  for (const rel of files) {
    const buf = new Uint8Array(readFileSync(join(REFTEST, rel)));
    const png = join(REFTEST, rel.replace(/\.jpg$/, '.png'));
    if (rel.startsWith('lossless/') || /16bit(?!-qtables)|12bit/.test(rel)) {
      it(`${rel} -> UNSUPPORTED`, () => {
        const e = errorOf(() => decodeJpeg(buf, { file: rel }));
        expect(e.code).toBe('UNSUPPORTED');
        expect(e.message).toContain(rel);
      });
      continue;
    }
    it(rel, async () => {
      const got = decodeJpeg(buf, { file: rel });
      // Without a reference PNG (or with one known to be off), libjpeg-turbo's own decode is the reference.
      const ref = !existsSync(png) || KNOWN_DEVIATIONS[rel] ? await sharpDecode(buf) : await (async () => {
        const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        return { width: info.width, height: info.height, data: new Uint8Array(data) };
      })();
      expect([got.width, got.height]).toEqual([ref.width, ref.height]);
      const d = diff(got.data, ref.data);
      expect(d.max, `${rel} max diff`).toBeLessThanOrEqual(2);
      expect(d.mean, `${rel} mean diff`).toBeLessThan(0.5);
    });
  }
});

describe.skipIf(!haveCrash)('jpeg-crashtest: typed error or valid image, < 1 s each', () => {
  it('every file', () => {
    const files = walk(CRASHTEST).filter((f) => /\.(jpe?g)$/i.test(f) || !/\.[a-z]+$/i.test(f));
    expect(files.length).toBeGreaterThan(0);
    const slow: string[] = [];
    const counts: Record<string, number> = {};
    for (const f of files) {
      const buf = new Uint8Array(readFileSync(f));
      const t0 = performance.now();
      let tag = 'ok';
      try {
        const img = decodeJpeg(buf, { file: f, maxPixels: 1 << 26 });
        expect(img.data.length).toBe(img.width * img.height * 4);
      } catch (e) {
        expect(e, f).toBeInstanceOf(ImageDecodeError);
        tag = (e as ImageDecodeError).code;
      }
      counts[tag] = (counts[tag] ?? 0) + 1;
      if (performance.now() - t0 > 1000) slow.push(f);
    }
    console.log('jpeg-crashtest outcomes:', counts);
    expect(slow).toEqual([]);
  });
});

describe('mutation fuzzing: typed error or valid image, never a trap', () => {
  it('3,000 mutated files (bit flips, byte overwrites, cuts, splices)', async () => {
    const dir = join(__dirname, '../reference/jpeg');
    const seeds: Uint8Array[] = ['prog_restart.jpg', 'restart_3mcu.jpg', 's_mixed.jpg', 'noninterleaved.jpg', 'gray_2x2.jpg']
      .map((f) => new Uint8Array(readFileSync(join(dir, f))));
    seeds.push(new Uint8Array(await sharp(testImage(40, 30, 1, 3), { raw: { width: 40, height: 30, channels: 3 } }).jpeg({ quality: 70, progressive: true }).toBuffer()));
    const rng = new Rng(2024);
    const counts: Record<string, number> = {};
    for (let t = 0; t < 3000; t++) {
      const src = seeds[t % seeds.length];
      let b = src.slice();
      const kind = rng.int(4);
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) {
        const at = rng.int(b.length);
        if (kind === 0) b[at] ^= 1 << rng.int(8);
        else if (kind === 1) b[at] = rng.int(256);
        else if (kind === 2) b = b.subarray(0, Math.max(2, at));
        else b = new Uint8Array([...b.subarray(0, at), ...src.subarray(rng.int(src.length), rng.int(src.length))]);
      }
      let tag = 'ok';
      try {
        const img = decodeJpeg(b);
        expect(img.data.length).toBe(img.width * img.height * 4);
      } catch (e) {
        if (!(e instanceof ImageDecodeError)) throw new Error(`mutation ${t}: ${String(e)}`);
        tag = e.code;
      }
      counts[tag] = (counts[tag] ?? 0) + 1;
    }
    console.log('jpeg fuzz outcomes:', counts);
    expect(counts.ok).toBeGreaterThan(0);
  });
});

describe('memory', () => {
  it('does not grow over 1,000 decodes', () => {
    const m = pipelineWasm();
    const small = new Uint8Array(jpegjs.encode({ data: testImage(96, 96, 11), width: 96, height: 96 }, 80).data);
    const bad = small.subarray(0, small.length >> 1);
    for (let i = 0; i < 5; i++) { decodeJpeg(small); try { decodeJpeg(bad); } catch { /* TRUNCATED */ } }
    const before = (m.exports as any).memoryBytes();
    for (let i = 0; i < 1000; i++) {
      decodeJpeg(small);
      if (i % 10 === 0) try { decodeJpeg(bad); } catch { /* TRUNCATED */ }
    }
    expect((m.exports as any).memoryBytes()).toBe(before);
  });
});
