// The few-channel conv paths (assembly/nn/conv3.ts: direct Conv2D, pixel-split
// Conv2DBackpropFilter, col2im-fused Conv2DBackpropInput) against the scalar
// float64 references and the tfjs cpu backend, on both builds and 1, 2, 3
// threads; results must not depend on the thread count.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { tf } from '../../src/tf';
import type { NnPool } from '../../src/nn/pool';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, usesPixelSplitFilterGrad, usesFusedInputGrad, forwardChunks, inputGradChunks, type ConvGeom } from '../../src/kernels/conv';
import { writeJob, OP_CONV_BPF_PIX, OP_CONV_BPI_FUSED } from '../../src/kernels/gemm';
import { conv2dRef, conv2dBackpropFilterRef, conv2dBackpropInputRef, geom } from '../reference/nn';
import { onBackend, randArray, relErr } from '../reference/backends';
import { SIMD_BUILDS, poolFor } from '../reference/simd';

type Pad = 'same' | 'valid' | number;
// [B, H, W, Ci, Co, K, stride, pad]; a number pads that many on every side (PyTorch's padding=p)
const cases: [number, number, number, number, number, number, number, Pad][] = [
  [64, 16, 16, 3, 16, 5, 2, 2],     // the DCGAN's first conv / last convT, smaller image
  [1, 13, 11, 3, 10, 5, 2, 2],      // odd sizes, batch 1, Co not a multiple of 8
  [64, 9, 7, 3, 9, 5, 1, 'same'],   // stride 1, odd sizes, batch 64
  [1, 17, 17, 3, 64, 5, 2, 'same'], // same padding, odd input, 64 channels out
  [3, 10, 9, 3, 12, 3, 1, 2],       // 3x3 filter
  [2, 12, 12, 1, 5, 4, 2, 'valid'], // one channel, even filter
  [5, 6, 5, 3, 3, 5, 2, 2],         // 3 output pixels per row, window wider than the image
  [2, 32, 32, 3, 8, 5, 2, 2],       // interior quads of four pixels
  [1, 6, 1500, 3, 8, 5, 2, 2],      // rows too wide for the forward's padded-row copy: interior quads read x in place
];

/** The same kernel on the tfjs cpu backend (the independent implementation). */
async function cpuConv(g: ConvGeom, pad: Pad, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const xs = [g.B, g.H, g.W, g.Ci] as [number, number, number, number], fs = [g.KH, g.KW, g.Ci, g.Co] as [number, number, number, number];
  const attrs = { strides: [g.sh, g.sw], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: 'floor' };
  return onBackend('cpu', () => {
    const xt = tf.tensor4d(x, xs), wt = tf.tensor4d(w, fs), dyt = tf.tensor4d(dy, [g.B, g.OH, g.OW, g.Co]);
    return [
      tf.engine().runKernel('Conv2D', { x: xt, filter: wt }, attrs as any) as tf.Tensor,
      tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: fs } as any) as tf.Tensor,
      tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs, inputShape: xs } as any) as tf.Tensor,
    ];
  });
}

const THREADS = [1, 2, 3];
beforeAll(async () => { await tf.setBackend('cpu'); });

for (const simd of SIMD_BUILDS) {
  describe(`few-channel conv paths, ${simd} build`, () => {
    const pools = new Map<number, NnPool>();
    beforeAll(async () => { for (const t of THREADS) pools.set(t, await poolFor(t, simd)); });
    afterAll(() => { for (const p of pools.values()) p.dispose(); });

    for (const [B, H, W, Ci, Co, K, s, pad] of cases) {
      const g = geom(B, H, W, Ci, Co, K, s, pad);
      const name = `B${B} ${H}x${W}x${Ci}->${Co} k${K} s${s} ${pad}`;
      it(`${name}: matches the references on 1, 2, 3 threads, identical across thread counts`, async () => {
        // the case really takes the few-channel paths
        expect(usesPixelSplitFilterGrad(g)).toBe(true);
        expect(usesFusedInputGrad(g)).toBe(true);
        expect(K * K * Ci).toBeLessThanOrEqual(256); // direct forward: K <= KC
        const x = randArray(B * H * W * Ci, 21), w = randArray(K * K * Ci * Co, 22), dy = randArray(B * g.OH * g.OW * Co, 23);
        const refs = [conv2dRef(g, x, w), conv2dBackpropFilterRef(g, x, dy), conv2dBackpropInputRef(g, dy, w)];
        const cpu = await cpuConv(g, pad, x, w, dy);
        let first: Float32Array[] | null = null;
        for (const t of THREADS) {
          const pool = pools.get(t)!;
          const got = [conv2d(pool, g, x, w), conv2dBackpropFilter(pool, g, x, dy), conv2dBackpropInput(pool, g, dy, w)];
          for (let i = 0; i < 3; i++) {
            expect(relErr(got[i], refs[i]), `${['forward', 'filter grad', 'input grad'][i]}, ${t} threads vs f64 reference`).toBeLessThan(1e-5);
            expect(relErr(got[i], cpu[i]), `${['forward', 'filter grad', 'input grad'][i]}, ${t} threads vs tfjs cpu`).toBeLessThan(1e-4);
          }
          if (!first) first = got;
          else for (let i = 0; i < 3; i++) expect(Buffer.from(got[i].buffer).equals(Buffer.from(first[i].buffer)), `${['forward', 'filter grad', 'input grad'][i]} bit-identical on ${t} threads`).toBe(true);
        }
      });
    }

    it('forward with bias + leakyrelu on the direct path', () => {
      const g = geom(4, 12, 12, 3, 10, 5, 2, 2);
      const x = randArray(4 * 144 * 3, 1), w = randArray(75 * 10, 2), bias = randArray(10, 3);
      const ref = conv2dRef(g, x, w).map((v, i) => { const t = v + bias[i % 10]; return t > 0 ? t : 0.2 * t; });
      expect(relErr(conv2d(pools.get(2)!, g, x, w, { bias, activation: 'leakyrelu', alpha: 0.2 }), ref)).toBeLessThan(1e-5);
    });

    // The direct path applies bias + activation in the tile's registers (Co a multiple of 8, a bias)
    // or over each quad once stored (else): either way bit for bit the plain conv followed by the
    // epilogue's f32 operations (y + b, then the activation), here done in JS with Math.fround.
    const epiCases: [number, number, number, number, number, number, number, Pad][] = [
      [3, 20, 20, 3, 16, 5, 2, 2],   // whole tiles: in-register epilogue; border quads on the packed path
      [2, 12, 12, 3, 10, 5, 2, 2],   // Co not a multiple of 8: per-quad epilogue
      [1, 6, 1500, 3, 8, 5, 2, 2],   // interior quads reading x in place
      [2, 9, 7, 3, 24, 3, 1, 'same'], // stride 1, odd sizes, 3 tiles
    ];
    const acts: [string, ((v: number) => number), boolean][] = [
      ['leakyrelu', (v) => (v > 0 ? v : Math.fround(v * Math.fround(0.2))), true],
      ['relu', (v) => (v > 0 ? v : 0), true],
      ['relu6', (v) => Math.min(Math.max(v, 0), 6), true],
      ['linear', (v) => v, true],
      ['relu', (v) => (v > 0 ? v : 0), false], // no bias: the activation alone
    ];
    // A big output runs in image chunks (each copied out while the next is computed): the
    // result is the reference's, and bit for bit what one image at a time gives.
    for (const [B, Co] of [[8, 64], [7, 76]]) {
      it(`chunked forward, B${B} 64x64x3->${Co} k5 s2: references, bit-identical to one image at a time and across 1-3 threads`, async () => {
        const g = geom(B, 64, 64, 3, Co, 5, 2, 2);
        expect(forwardChunks(g)).toBeGreaterThan(1);
        const one = geom(1, 64, 64, 3, Co, 5, 2, 2);
        expect(forwardChunks(one)).toBe(1);
        const x = randArray(B * 64 * 64 * 3, 41), w = randArray(75 * Co, 42), bias = randArray(Co, 43);
        expect(relErr(conv2d(pools.get(2)!, g, x, w), conv2dRef(g, x, w))).toBeLessThan(1e-5);
        const opts = { bias, activation: 'leakyrelu' as const, alpha: 0.2 };
        const imgIn = 64 * 64 * 3, imgOut = g.OH * g.OW * Co;
        const perImage = new Float32Array(B * imgOut);
        for (let b = 0; b < B; b++) perImage.set(conv2d(pools.get(1)!, one, x.subarray(b * imgIn, (b + 1) * imgIn), w, opts), b * imgOut);
        for (const t of THREADS) {
          // into a view of a bigger buffer, as the backend passes a view of the tfjs heap
          const buf = new Float32Array(B * imgOut + 16).fill(7);
          const got = conv2d(pools.get(t)!, g, x, w, opts, buf.subarray(8, 8 + B * imgOut));
          expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(perImage.buffer)), `${t} threads`).toBe(true);
          expect([...buf.subarray(0, 8), ...buf.subarray(8 + B * imgOut)].every((v) => v === 7), 'nothing written outside the output').toBe(true);
        }
      });
    }

    // The big layers' forward (the GEMM path, K > 256) and the 3-channel input gradient run in
    // image chunks too: bit for bit one image at a time, on 1-3 threads.
    it('chunked forward on the GEMM path (B6 32x32x64->128 k5 s2): bit-identical to one image at a time, 1-3 threads', () => {
      const g = geom(6, 32, 32, 64, 128, 5, 2, 2), one = geom(1, 32, 32, 64, 128, 5, 2, 2);
      expect(forwardChunks(g)).toBeGreaterThan(1);
      expect(forwardChunks(one)).toBe(1);
      const x = randArray(6 * 32 * 32 * 64, 51), w = randArray(25 * 64 * 128, 52);
      const imgIn = 32 * 32 * 64, imgOut = g.OH * g.OW * 128;
      const perImage = new Float32Array(6 * imgOut);
      for (let b = 0; b < 6; b++) perImage.set(conv2d(pools.get(1)!, one, x.subarray(b * imgIn, (b + 1) * imgIn), w), b * imgOut);
      for (const t of THREADS) {
        const got = conv2d(pools.get(t)!, g, x, w);
        expect(Buffer.from(got.buffer).equals(Buffer.from(perImage.buffer)), `${t} threads`).toBe(true);
      }
    });

    for (const [B, Co] of [[8, 64], [7, 76]]) {
      it(`chunked input gradient, B${B} 64x64x3 <- 32x32x${Co} k5 s2: f64 reference, bit-identical to one image at a time, 1-3 threads`, () => {
        const g = geom(B, 64, 64, 3, Co, 5, 2, 2), one = geom(1, 64, 64, 3, Co, 5, 2, 2);
        expect(inputGradChunks(g)).toBeGreaterThan(1);
        expect(inputGradChunks(one)).toBe(1);
        const dy = randArray(B * g.OH * g.OW * Co, 61), w = randArray(75 * Co, 62);
        expect(relErr(conv2dBackpropInput(pools.get(2)!, g, dy, w), conv2dBackpropInputRef(g, dy, w))).toBeLessThan(1e-5);
        const imgDy = g.OH * g.OW * Co, imgDx = 64 * 64 * 3;
        const perImage = new Float32Array(B * imgDx);
        for (let b = 0; b < B; b++) perImage.set(conv2dBackpropInput(pools.get(1)!, one, dy.subarray(b * imgDy, (b + 1) * imgDy), w), b * imgDx);
        for (const t of THREADS) {
          const buf = new Float32Array(B * imgDx + 16).fill(7);
          const got = conv2dBackpropInput(pools.get(t)!, g, dy, w, buf.subarray(8, 8 + B * imgDx));
          expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(perImage.buffer)), `${t} threads`).toBe(true);
          expect([...buf.subarray(0, 8), ...buf.subarray(8 + B * imgDx)].every((v) => v === 7), 'nothing written outside dx').toBe(true);
        }
      });
    }

    for (const [B, H, W, Ci, Co, K, s, pad] of epiCases) {
      it(`B${B} ${H}x${W}x${Ci}->${Co} k${K} s${s} ${pad}: fused bias + activation bit-identical to conv then the epilogue, 1-3 threads`, () => {
        const g = geom(B, H, W, Ci, Co, K, s, pad);
        const x = randArray(B * H * W * Ci, 31), w = randArray(K * K * Ci * Co, 32), bias = randArray(Co, 33).map((v) => v * 4);
        for (const t of THREADS) {
          const pool = pools.get(t)!;
          const plain = conv2d(pool, g, x, w);
          for (const [act, f, withBias] of acts) {
            const want = plain.map((v, i) => f(withBias ? Math.fround(v + bias[i % Co]) : v));
            const got = conv2d(pool, g, x, w, { bias: withBias ? bias : undefined, activation: act as any, alpha: 0.2 });
            expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${act}${withBias ? ' + bias' : ''}, ${t} threads`).toBe(true);
          }
        }
      });
    }
  });
}

describe('few-channel conv jobs: kernel-side validation', () => {
  let pool: NnPool;
  beforeAll(async () => { pool = await poolFor(1, 'plain'); });
  afterAll(() => pool.dispose());
  const g = geom(2, 8, 8, 3, 8, 5, 2, 2);
  const geomArr = (x: number) => [x, g.B, g.H, g.W, g.Ci, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw, g.pt, g.pl] as any;
  const P = g.B * g.OH * g.OW;

  it('rejects a filter-gradient job whose slice partials lie outside memory, or too many filter rows', () => {
    const e = pool.exports;
    e.reset();
    const buf = (e.alloc(1 << 20) as number) >>> 0;
    const ok = { op: OP_CONV_BPF_PIX, M: 75, N: 8, K: P, pb: 0, c: buf, ldc: 8, cLen: 600, scratch: buf, scratchBytes: 1 << 16, a: buf, aLen: P * 8, dx: buf, imgs: 4, geom: geomArr(buf) };
    expect(e.checkJob(writeJob(pool, ok), 1)).toBe(0);
    expect(e.checkJob(writeJob(pool, { ...ok, dx: pool.mod.memory.buffer.byteLength - 64 }), 1)).toBe(-2);
    expect(e.checkJob(writeJob(pool, { ...ok, aLen: P * 8 - 1 }), 1)).toBe(-2);
    expect(e.checkJob(writeJob(pool, { ...ok, scratchBytes: 1000 }), 1)).toBe(-1);
    expect(e.checkJob(writeJob(pool, { ...ok, M: 74 }), 1)).toBe(-1);
    // x right at the end of memory: the v128 reads of a filter row may pass its end
    const end = pool.mod.memory.buffer.byteLength - g.B * g.H * g.W * g.Ci * 4;
    expect(e.checkJob(writeJob(pool, { ...ok, geom: geomArr(end) }), 1)).toBe(-2);
    expect(() => pool.run(writeJob(pool, { ...ok, dx: pool.mod.memory.buffer.byteLength - 64 }))).toThrow(/out of bounds/);
  });

  it('rejects a fused input-gradient job with too many columns or a dx past memory', () => {
    const e = pool.exports;
    e.reset();
    const buf = (e.alloc(1 << 20) as number) >>> 0;
    const ok = { op: OP_CONV_BPI_FUSED, M: P, N: 75, K: 8, pb: buf, c: 0, ldc: 75, scratch: buf, scratchBytes: 1 << 16, a: buf, rsA: 8, csA: 1, aLen: P * 8, dx: buf, imgs: 1, geom: geomArr(0) };
    expect(e.checkJob(writeJob(pool, ok), 1)).toBe(0);
    expect(e.checkJob(writeJob(pool, { ...ok, dx: pool.mod.memory.buffer.byteLength - 64 }), 1)).toBe(-2);
    expect(e.checkJob(writeJob(pool, { ...ok, scratchBytes: 100 }), 1)).toBe(-1);
    expect(e.checkJob(writeJob(pool, { ...ok, rsA: 1, csA: P }), 1)).toBe(-1); // dy is read row-major in place
    const g2 = geom(1, 8, 8, 11, 8, 5, 2, 2); // 275 columns
    expect(e.checkJob(writeJob(pool, { ...ok, M: 16, N: 275, ldc: 275, aLen: 128, geom: [0, 1, 8, 8, 11, g2.OH, g2.OW, 5, 5, 2, 2, 2, 2] }), 1)).toBe(-1);
  });
});
