import { describe, it, expect } from 'vitest';
import { syntheticFaces } from '../../src/metrics/synthetic';
import { parseNpy, encodeNpy, splitGrid, fromGeneratorOutput, fromImages, luminance, pixelFeatures, SampleError } from '../../src/metrics/samples';

// 2 images, 16x16 (h) x 20 (w), channel values v(k,y,x,c) = ((k*7 + y*3 + x + c*11) % 50) / 49
const N = 2, H = 16, W = 20;
const v01 = (k: number, y: number, x: number, c: number) => ((k * 7 + y * 3 + x + c * 11) % 50) / 49;

function build(layout: 'nhwc' | 'nchw', C: number, conv: (v: number) => number, Arr: any): { arr: any; shape: number[] } {
  const arr = new Arr(N * H * W * C);
  for (let k = 0; k < N; k++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) {
    const i = layout === 'nhwc' ? ((k * H + y) * W + x) * C + c : ((k * C + c) * H + y) * W + x;
    arr[i] = conv(v01(k, y, x, c));
  }
  return { arr, shape: layout === 'nhwc' ? [N, H, W, C] : [N, C, H, W] };
}

describe('parseNpy', () => {
  const cases: [string, any, (v: number) => number, string][] = [
    ['f4 [0,1]', Float32Array, (v) => v, '0,1'],
    ['f4 [-1,1]', Float32Array, (v) => v * 2 - 1, '-1,1'],
    ['f4 [0,255]', Float32Array, (v) => v * 255, '0,255'],
    ['f8 [0,1]', Float64Array, (v) => v, '0,1'],
    ['u1', Uint8Array, (v) => Math.round(v * 255), '0,255'],
  ];
  for (const layout of ['nhwc', 'nchw'] as const) for (const [name, Arr, conv, range] of cases) {
    it(`${layout} ${name}: detects layout and range, values in [0,1]`, () => {
      const { arr, shape } = build(layout, 3, conv, Arr);
      const s = parseNpy(encodeNpy(arr, shape));
      expect(s.detected.layout).toBe(layout);
      expect(s.detected.range).toBe(range);
      expect([s.n, s.height, s.width]).toEqual([N, H, W]);
      for (const [k, y, x, c] of [[0, 0, 0, 0], [1, 15, 19, 2], [1, 3, 7, 1]]) {
        expect(s.data[((k * H + y) * W + x) * 3 + c]).toBeCloseTo(v01(k, y, x, c), 2);
      }
    });
  }
  it('grayscale (N,H,W) and 1-channel NCHW are replicated to 3 channels', () => {
    const g = build('nhwc', 1, (v) => v, Float32Array);
    const s = parseNpy(encodeNpy(g.arr, [N, H, W]));
    expect(s.data[5 * 3]).toBe(s.data[5 * 3 + 2]);
    const c = build('nchw', 1, (v) => v, Float32Array);
    expect(parseNpy(encodeNpy(c.arr, c.shape)).detected.layout).toBe('nchw');
  });
  it('range and layout can be overridden', () => {
    const { arr, shape } = build('nhwc', 3, (v) => v * 0.5, Float32Array); // [0,0.5] would be detected as 0,1
    const s = parseNpy(encodeNpy(arr, shape), { range: '-1,1' });
    expect(s.data[0]).toBeCloseTo((0 + 1) / 2, 5);
    expect(() => parseNpy(encodeNpy(arr, shape), { layout: 'nchw' })).toThrow(/channels/);
  });
  it('malformed inputs give clear errors', () => {
    const good = encodeNpy(new Float32Array(N * H * W * 3), [N, H, W, 3]);
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))).toThrow(/bad magic/);
    const bad = good.slice(); // break the header dict
    const txt = new TextDecoder().decode(bad.subarray(10, 60)).replace("'shape'", "'shapf'");
    bad.set(new TextEncoder().encode(txt), 10);
    expect(() => parseNpy(bad)).toThrow(/malformed header/);
    expect(() => parseNpy(good.subarray(0, good.length - 10))).toThrow(/truncated data/);
    expect(() => parseNpy(good.subarray(0, 30))).toThrow(/truncated header/);
    expect(() => parseNpy(encodeNpy(new Int32Array(4) as any, [4]))).toThrow(SampleError);
    expect(() => parseNpy(encodeNpy(new Float32Array(10 * 10 * 10 * 10), [10, 10, 10, 10]))).toThrow(/channel axis/);
    expect(() => parseNpy(encodeNpy(new Float32Array(8), [8]))).toThrow(/dimensions/);
  });
});

describe('splitGrid', () => {
  it('splits rows x cols tiles with padding in trainer layout', () => {
    const rows = 2, cols = 3, t = 4, pad = 2;
    const w = cols * t + (cols + 1) * pad, h = rows * t + (rows + 1) * pad;
    const data = new Uint8Array(w * h * 4).fill(255);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let y = 0; y < t; y++) for (let x = 0; x < t; x++) {
      const o = ((pad + r * (t + pad) + y) * w + pad + c * (t + pad) + x) * 4;
      data[o] = r * cols + c; data[o + 1] = y; data[o + 2] = x;
    }
    const s = splitGrid({ width: w, height: h, data }, rows, cols, pad);
    expect([s.n, s.height, s.width]).toEqual([6, t, t]);
    for (let k = 0; k < 6; k++) for (let y = 0; y < t; y++) for (let x = 0; x < t; x++) {
      const o = ((k * t + y) * t + x) * 3;
      expect([s.data[o], s.data[o + 1], s.data[o + 2]]).toEqual([k, y, x]);
    }
  });
  it('rejects a grid that does not divide the image', () => {
    expect(() => splitGrid({ width: 10, height: 10, data: new Uint8Array(400) }, 3, 3, 0)).toThrow(/does not divide/);
  });
});

describe('conversions', () => {
  it('fromGeneratorOutput maps [-1,1] to [0,1] and clamps', () => {
    const s = fromGeneratorOutput(new Float32Array([-1, 0, 1, 2, -3, 0.5]), 1, 1, 2, 3);
    expect(Array.from(s.data)).toEqual([0, 0.5, 1, 1, 0, 0.75]);
  });
  it('fromImages resizes mixed sizes to the smallest', () => {
    const a = { width: 4, height: 4, data: new Uint8Array(64).fill(100) };
    const b = { width: 2, height: 2, data: new Uint8Array(16).fill(200) };
    const s = fromImages([a, b]);
    expect([s.width, s.height, s.resized]).toEqual([2, 2, 1]);
    expect(s.data[0]).toBe(100);
    expect(s.data[12]).toBe(200);
  });
  it('fromImages: non-square mixed sizes use the box resize', () => {
    const a = { width: 6, height: 4, data: new Uint8Array(6 * 4 * 3).fill(90) };
    const b = { width: 3, height: 2, data: new Uint8Array(3 * 2 * 4).fill(30) };
    const s = fromImages([a, b]);
    expect([s.width, s.height, s.resized]).toEqual([3, 2, 1]);
    expect(Array.from(s.data.subarray(0, 18))).toEqual(new Array(18).fill(90));
  });
  it('pixel features: integer-factor fast path equals the general area average', () => {
    const src = syntheticFaces(3, 64, 8);
    const fast = pixelFeatures(src, 32), odd = pixelFeatures(src, 30);
    // general path on the same data through a non-integer factor, and by hand for one cell
    const k = 5, y = 7, x = 11, c = 1;
    let sum = 0;
    for (let yy = 2 * y; yy < 2 * y + 2; yy++) for (let xx = 2 * x; xx < 2 * x + 2; xx++) sum += src.data[((k % 3) * 64 * 64 + yy * 64 + xx) * 3 + c];
    expect(fast[(k % 3) * 3072 + (y * 32 + x) * 3 + c]).toBeCloseTo(sum / 4 / 255, 6);
    expect(odd.length).toBe(3 * 30 * 30 * 3);
    // general path, factor 1.5 (48 -> 32): cell (0,0) weights 1, .5, .5, .25 over 2.25
    const s48 = syntheticFaces(1, 48, 9), D = s48.data;
    const want = (D[0 * 3 + c] * 1 + D[1 * 3 + c] * 0.5 + D[48 * 3 + c] * 0.5 + D[49 * 3 + c] * 0.25) / 2.25 / 255;
    expect(pixelFeatures(s48, 32)[c]).toBeCloseTo(want, 6);
    const f32 = { ...src, data: Float32Array.from(src.data as Uint8Array, (v) => v / 255) };
    const a = pixelFeatures(f32, 32);
    for (let i = 0; i < a.length; i += 97) expect(a[i]).toBeCloseTo(fast[i], 6);
  });
  it('luminance and pixel features', () => {
    const s = { n: 1, height: 2, width: 2, channels: 3 as const, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]) };
    expect(Array.from(luminance(s)).map((v) => +v.toFixed(3))).toEqual([0.299, 0.587, 0.114, 1]);
    const f = pixelFeatures(s, 1); // average of the 4 pixels
    expect(Array.from(f).map((v) => +v.toFixed(4))).toEqual([0.5, 0.5, 0.5]);
  });
});
