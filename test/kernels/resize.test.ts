import { describe, expect, it } from 'vitest';
import { resizeToSquare } from '../../src/kernels/resize';
import { resizeRef } from '../reference/resize';
import { Rng } from '../../src/util/rng';

function smoothImage(w: number, h: number, c: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const a = Array.from({ length: 12 }, () => rng.next());
  const d = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const v = 127.5 + 90 * Math.sin(x * a[k] * 0.7 + y * a[k + 3] * 0.5 + a[k + 6] * 6) + 37 * (rng.next() - 0.5);
        d[(y * w + x) * c + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
  return d;
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('resizeToSquare vs the float64 reference', () => {
  const cases: [number, number, number][] = [
    [1, 1, 1], [1, 1, 5], [2, 2, 1], [96, 96, 64], [96, 96, 32], [64, 64, 64], [31, 17, 8], [17, 31, 64],
    [7, 5, 13], [5, 7, 3], [100, 3, 10], [3, 100, 10], [13, 13, 64], [250, 180, 64], [64, 64, 1], [33, 65, 33], [1, 9, 4], [512, 384, 64],
  ];
  for (const [w, h, s] of cases)
    for (const c of [4, 3])
      for (const crop of [true, false])
        it(`${w}x${h}x${c} -> ${s} crop=${crop}`, () => {
          const data = smoothImage(w, h, c, w * 1000 + h * 10 + s);
          const got = resizeToSquare({ width: w, height: h, data }, s, crop);
          expect(maxDiff(got, resizeRef(data, w, h, c, s, crop))).toBeLessThanOrEqual(1);
        });

  it('keeps a constant image constant, and a 2x shrink is the 2x2 mean', () => {
    const flat = new Uint8Array(37 * 23 * 4).fill(201);
    expect(resizeToSquare({ width: 37, height: 23, data: flat }, 19, false).every((v) => v === 201)).toBe(true);
    const data = smoothImage(8, 8, 4, 3);
    const got = resizeToSquare({ width: 8, height: 8, data }, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let k = 0; k < 3; k++) {
      const at = (yy: number, xx: number) => data[(yy * 8 + xx) * 4 + k];
      const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
      expect(Math.abs(got[(y * 4 + x) * 3 + k] - mean)).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });

  it('identity size with crop off copies RGB exactly; crop takes the centre', () => {
    const data = smoothImage(9, 5, 4, 7);
    const same = resizeToSquare({ width: 5, height: 5, data: data.subarray(0, 100) }, 5, false);
    for (let i = 0; i < 25; i++) for (let k = 0; k < 3; k++) expect(same[i * 3 + k]).toBe(data[i * 4 + k]);
    const c = resizeToSquare({ width: 9, height: 5, data }, 5, true);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let k = 0; k < 3; k++) expect(c[(y * 5 + x) * 3 + k]).toBe(data[(y * 9 + x + 2) * 4 + k]);
  });

  it('writes into a given buffer and rejects bad input', () => {
    const out = new Uint8Array(4 * 4 * 3 + 5);
    const r = resizeToSquare({ width: 2, height: 2, data: new Uint8Array(16).fill(9) }, 4, true, out);
    expect(r).toBe(out);
    expect(out.subarray(0, 48).every((v) => v === 9)).toBe(true);
    expect(out[48]).toBe(0);
    expect(() => resizeToSquare({ width: 2, height: 2, data: new Uint8Array(15) }, 4)).toThrow(RangeError);
    expect(() => resizeToSquare({ width: 2, height: 2, data: new Uint8Array(16) }, 0)).toThrow(RangeError);
  });

  it('rejects bad dimensions inside the kernel without touching memory', async () => {
    const { pipelineWasm } = await import('../../src/wasm/pipeline');
    const ex = pipelineWasm().exports as any;
    ex.reset();
    const p = ex.alloc(64);
    expect(ex.resizeSquare(p, 64, 0, 4, 4, 4, 1, p, 64)).toBe(-1);
    expect(ex.resizeSquare(p, 64, 4, 4, 2, 4, 1, p, 64)).toBe(-2);
    expect(ex.resizeSquare(p, 63, 4, 4, 4, 2, 1, p, 64)).toBe(-3);
    expect(ex.resizeSquare(p, 64, 4, 4, 4, 8, 1, p, 64)).toBe(-4);
    expect(ex.resizeSquare(0x7fffff00, 64, 4, 4, 4, 2, 1, p, 64)).toBe(-3);
  });

  it('random sizes, channels and crop against the reference (seeded)', () => {
    const rng = new Rng(2024);
    for (let t = 0; t < 40; t++) {
      const w = 1 + rng.int(120), h = 1 + rng.int(120), s = 1 + rng.int(70), c = rng.next() < 0.5 ? 3 : 4, crop = rng.next() < 0.5;
      const data = smoothImage(w, h, c, t);
      const got = resizeToSquare({ width: w, height: h, data }, s, crop);
      expect(maxDiff(got, resizeRef(data, w, h, c, s, crop)), `${w}x${h}x${c} -> ${s} crop=${crop}`).toBeLessThanOrEqual(1);
    }
  });

  it('does not grow wasm memory across calls of the same shape', async () => {
    const { pipelineWasm } = await import('../../src/wasm/pipeline');
    const ex = pipelineWasm().exports as any;
    const img = { width: 300, height: 200, data: smoothImage(300, 200, 4, 1) };
    resizeToSquare(img, 64);
    const before = ex.memoryBytes();
    for (let i = 0; i < 50; i++) resizeToSquare(img, 64);
    expect(ex.memoryBytes()).toBe(before);
  });

  it('matches hand-computed OpenCV INTER_AREA / INTER_LINEAR values', () => {
    // 3 -> 2 (area): out0 = (a0 + a1/2) / 1.5, out1 = (a1/2 + a2) / 1.5; rows identical.
    const row = (vals: number[]) => vals.flatMap((v) => [v, v, v, 255]);
    const three = new Uint8Array([...row([0, 90, 180]), ...row([0, 90, 180]), ...row([0, 90, 180])]);
    const a = resizeToSquare({ width: 3, height: 3, data: three }, 2, false);
    expect(Array.from(a.filter((_, i) => i % 3 === 0))).toEqual([30, 150, 30, 150]);
    // 2 -> 4 (bilinear, half-pixel centres, clamped): [0, 100] -> [0, 25, 75, 100].
    const two = new Uint8Array([...row([0, 100]), ...row([0, 100])]);
    const b = resizeToSquare({ width: 2, height: 2, data: two }, 4, false);
    expect(Array.from(b.subarray(0, 12).filter((_, i) => i % 3 === 0))).toEqual([0, 25, 75, 100]);
  });
});


describe('decodeToSquare (the loader path: decode and resize without leaving wasm)', () => {
  it('gives the float64 reference resize of the decoded pixels, for PNG and JPEG, and the same errors as decodeImage', async () => {
    const { decodeToSquare } = await import('../../src/data/decode_resize');
    const { decodeImage } = await import('../../src/image/decode');
    const { encode } = await import('fast-png');
    const sharp = (await import('sharp')).default;
    const rgb = smoothImage(57, 41, 3, 5);
    const png = new Uint8Array(encode({ width: 57, height: 41, data: rgb, channels: 3 }));
    const jpg = new Uint8Array(await sharp(Buffer.from(rgb), { raw: { width: 57, height: 41, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    for (const bytes of [png, jpg]) {
      const img = decodeImage(bytes);
      for (const [s, crop] of [[32, true], [20, false], [80, true]] as const) {
        const want = resizeRef(img.data, img.width, img.height, 4, s, crop);
        const got = decodeToSquare(bytes, s, { crop });
        expect(maxDiff(got, want)).toBeLessThanOrEqual(1);
        expect(Array.from(got)).toEqual(Array.from(resizeToSquare(img, s, crop)));
      }
    }
    const out = new Uint8Array(16 * 16 * 3);
    expect(decodeToSquare(png, 16, { out })).toBe(out);
    const bad = png.slice(0, 60);
    let a: any, b: any;
    try { decodeImage(bad, { file: 'x.png' }); } catch (e) { a = e; }
    try { decodeToSquare(bad, 16, { file: 'x.png' }); } catch (e) { b = e; }
    expect(b.name).toBe('ImageDecodeError');
    expect([b.code, b.message]).toEqual([a.code, a.message]);
  });
});
