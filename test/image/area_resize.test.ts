// The area-resize core against a plain reference: both images split into the
// cells of the least common multiple grid, each output pixel the mean of the
// source values over its cells (the exact area average, no weights to get wrong).
import { describe, expect, it } from 'vitest';
import { areaResize, areaSpans } from '../../src/image/area_resize';
import { boxResizeRgb, pixelFeatures } from '../../src/metrics/samples';

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

function reference(src: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number, C: number): Float64Array {
  const LX = lcm(sw, dw), LY = lcm(sh, dh);
  const out = new Float64Array(dw * dh * C);
  const cx = LX / dw, cy = LY / dh;
  for (let y = 0; y < dh; y++) for (let x = 0; x < dw; x++) for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let v = y * cy; v < (y + 1) * cy; v++) for (let u = x * cx; u < (x + 1) * cx; u++) {
      sum += src[(Math.floor(v / (LY / sh)) * sw + Math.floor(u / (LX / sw))) * C + c];
    }
    out[(y * dw + x) * C + c] = sum / (cx * cy);
  }
  return out;
}

function image(w: number, h: number, C: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: w * h * C }, () => ((s = (s * 1664525 + 1013904223) >>> 0) >>> 24));
}

describe('areaResize', () => {
  for (const [sw, sh, dw, dh, C] of [[7, 5, 3, 2, 3], [3, 2, 7, 5, 3], [48, 48, 32, 32, 3], [64, 32, 32, 16, 3], [5, 5, 5, 5, 1], [9, 4, 4, 9, 4], [1, 1, 3, 2, 3]]) {
    it(`${sw}x${sh} -> ${dw}x${dh}, ${C} channel(s): the exact area average`, () => {
      const src = image(sw, sh, C, sw * 31 + dh);
      const want = reference(src, sw, sh, dw, dh, C);
      const f = new Float64Array(dw * dh * C);
      areaResize(src, sw, sh, dw, dh, C, f);
      for (let i = 0; i < f.length; i++) expect(f[i]).toBeCloseTo(want[i], 9);
      const u8 = new Uint8Array(dw * dh * C);
      areaResize(src, sw, sh, dw, dh, C, u8);
      for (let i = 0; i < u8.length; i++) expect(Math.abs(u8[i] - want[i])).toBeLessThanOrEqual(0.5 + 1e-9);
    });
  }

  it('offsets and scale place one image of a batch', () => {
    const a = image(6, 6, 3, 1), b = image(6, 6, 3, 2);
    const both = new Uint8Array([...a, ...b]);
    const out = new Float32Array(2 * 4 * 4 * 3).fill(-1);
    areaResize(both, 6, 6, 4, 4, 3, out, { srcOffset: 6 * 6 * 3, outOffset: 4 * 4 * 3, scale: 1 / 255 });
    expect(Array.from(out.subarray(0, 48))).toEqual(new Array(48).fill(-1));
    const want = reference(b, 6, 6, 4, 4, 3);
    for (let i = 0; i < 48; i++) expect(out[48 + i]).toBeCloseTo(want[i] / 255, 6);
  });

  it('spans sum to one; bad sizes and short buffers are RangeErrors', () => {
    for (const [s, d] of [[7, 3], [3, 7], [32, 32], [1, 5]]) {
      const sp = areaSpans(s, d);
      for (let i = 0; i < d; i++) {
        let w = 0;
        for (let j = sp.start[i]; j < sp.start[i + 1]; j++) w += sp.weight[j];
        expect(w).toBeCloseTo(1, 12);
      }
    }
    expect(() => areaSpans(0, 3)).toThrow(RangeError);
    expect(() => areaResize(new Uint8Array(10), 2, 2, 1, 1, 3, new Uint8Array(3))).toThrow(/source has 10 values/);
    expect(() => areaResize(new Uint8Array(12), 2, 2, 2, 2, 3, new Uint8Array(3))).toThrow(/out has 3 values/);
  });

  it('the metrics users (boxResizeRgb, pixelFeatures) are this core', () => {
    const src = image(10, 6, 3, 9);
    const want = reference(src, 10, 6, 4, 3, 3);
    const got = boxResizeRgb(src, 10, 6, 4, 3);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(0.5 + 1e-9);
    const s = { n: 1, height: 6, width: 10, channels: 3 as const, data: src };
    const sq = reference(src, 10, 6, 4, 4, 3);
    const f = pixelFeatures(s, 4);
    for (let i = 0; i < f.length; i++) expect(f[i]).toBeCloseTo(sq[i] / 255, 6);
  });
});
