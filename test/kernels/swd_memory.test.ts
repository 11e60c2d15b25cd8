// SWD on big sets: the level's memory plan (how many directions a pass, and
// whether the i16 projection's packed descriptors fit one WebAssembly
// instance), regions over the stub runtime's 1 GiB block limit, and the typed
// error for sets too large for 4 GiB. A set over the old limit is checked
// against the float64 reference through copies: a set made of K copies of a
// small set's patches (same offsets, image by image) has K copies of every
// projection, so each direction's W1 is the small sets' W1 exactly.
import { describe, it, expect } from 'vitest';
import { swdProject, swdLevelDistances, swdMemoryPlan, swdLevelBytes, swdProjectionMethod, SWD_BLOCKS, SWD_PLAN_BLOCK, SWD_MEMORY_LIMIT } from '../../src/kernels/swd';
import { checkSwdSets, swdMemoryPlans, SwdError } from '../../src/metrics/swd';
import { laplacianPyramidRef, swdLevelRef, type Img } from '../reference/swd';
import { Rng } from '../../src/util/rng';
import { metricsWasm } from '../../src/wasm/metrics';
import { instantiateSync } from '../../src/wasm/module';
import { wasmBase64, wasmOptions } from '../../src/wasm/generated/metrics';
import type { SampleSet } from '../../src/metrics/samples';

function images(n: number, h: number, w: number, seed: number): Uint8Array {
  const rng = new Rng(seed), out = new Uint8Array(n * h * w * 3);
  for (let i = 0; i < n; i++) {
    const f = 0.2 + rng.next() * 0.6, ph = rng.next() * 6;
    for (let k = 0; k < h * w * 3; k++) {
      const y = Math.floor(k / (w * 3)), x = Math.floor(k / 3) % w, c = k % 3;
      out[i * h * w * 3 + k] = Math.max(0, Math.min(255, Math.round(128 + 90 * Math.sin(f * x + ph + c) * Math.cos(f * y) + 50 * (rng.next() - 0.5))));
    }
  }
  return out;
}

function unitDirs(count: number, rng: Rng): { f32: Float32Array; f64: Float64Array[] } {
  const f32 = new Float32Array(count * 147);
  for (let d = 0; d < count; d++) {
    const v = Array.from({ length: 147 }, () => rng.normal()), s = Math.hypot(...v);
    v.forEach((x, k) => { f32[d * 147 + k] = x / s; });
  }
  return { f32, f64: Array.from({ length: count }, (_, d) => Float64Array.from(f32.subarray(d * 147, (d + 1) * 147))) };
}

const asImgs = (u8: Uint8Array, n: number, h: number, w: number): Img[] => Array.from({ length: n }, (_, i) => ({ h, w, d: Float64Array.from(u8.subarray(i * h * w * 3, (i + 1) * h * w * 3)) }));

describe('SWD memory plan', () => {
  it('every block and both projections give the same W1 (the block only orders the work); bad blocks are refused', () => {
    const h = 32, w = 32, n = 12, rng = new Rng(5);
    const A = Float32Array.from({ length: n * h * w * 3 }, () => rng.normal()), B = Float32Array.from({ length: n * h * w * 3 }, () => 0.1 + 1.1 * rng.normal());
    const offs = () => Int32Array.from({ length: n * 128 }, (_, p) => ((Math.floor(p / 128) * h + rng.int(h - 6)) * w + rng.int(w - 6)) * 3);
    const oa = offs(), ob = offs();
    const dirs = unitDirs(100, rng).f32; // 100: not a multiple of any block, so every block size ends with a partial pass
    const run = (block: number, quant: boolean) => Array.from(swdProject(A, oa, B, ob, w * 3, dirs, { block, quant }));
    const q72 = run(72, true);
    for (const block of SWD_BLOCKS) expect(run(block, true)).toEqual(q72);
    const f72 = run(72, false);
    for (const block of SWD_BLOCKS) expect(run(block, false)).toEqual(f72);
    // quant = false is the f32 projection: what the 'f32' method gives with the packed descriptors there
    const old = swdProjectionMethod('f32');
    try { expect(run(72, true)).toEqual(f72); } finally { swdProjectionMethod(old); }
    // and the i16 path is really taken with quant (the two differ in the last bits)
    expect(q72).not.toEqual(f72);
    for (let d = 0; d < 100; d++) expect(Math.abs(q72[d] - f72[d])).toBeLessThan(1e-3 * f72[d]);
    for (const block of [0, 12, 36, 96]) {
      expect(metricsWasm().exports.swd_scratch_bytes(100, 100, block, 1)).toBe(0);
      expect(() => run(block, true)).toThrow(/swd_chunk: bad dimensions/);
    }
  });

  it('a chunk that reuses the scratch under another block or projection finds its patches again', () => {
    const h = 16, w = 16, n = 6, rng = new Rng(8);
    const A = Float32Array.from({ length: n * h * w * 3 }, () => rng.normal()), B = Float32Array.from({ length: n * h * w * 3 }, () => rng.normal());
    const oa = Int32Array.from({ length: 500 }, () => ((rng.int(n) * h + rng.int(10)) * w + rng.int(10)) * 3), ob = Int32Array.from({ length: 450 }, () => ((rng.int(n) * h + rng.int(10)) * w + rng.int(10)) * 3);
    const dirs = unitDirs(48, rng).f32;
    const wasm = metricsWasm(), ex = wasm.exports;
    ex.reset();
    const la = wasm.put(A), lb = wasm.put(B), pa = wasm.put(oa), pb = wasm.put(ob), dp = wasm.put(dirs);
    const sc = ex.alloc(ex.swd_scratch_bytes(500, 450, 72, 1)) >>> 0, out = ex.alloc(48 * 8) >>> 0;
    const chunk = (reuse: number, block: number, quant: number) => {
      expect(ex.swd_chunk(la, A.length, pa, 500, lb, B.length, pb, 450, w * 3, dp, 48, sc, out, reuse, block, quant)).toBe(0);
      return Array.from(wasm.f64.subarray(out >>> 3, (out >>> 3) + 48));
    };
    chunk(0, 72, 1);
    const f32Reused = chunk(1, 24, 0), i16Reused = chunk(1, 48, 1);
    expect(f32Reused).toEqual(Array.from(swdProject(A, oa, B, ob, w * 3, dirs, { block: 24, quant: false })));
    expect(i16Reused).toEqual(Array.from(swdProject(A, oa, B, ob, w * 3, dirs, { block: 48, quant: true })));
  });

  it('picks the plan block with i16, then with f32, then null as the limit shrinks; its bytes cover what a level allocates under any block', () => {
    const h = 32, w = 32, n = 40, rng = new Rng(9);
    const a = { data: images(n, h, w, 1), n, height: h, width: w }, b = { data: images(n + 5, h, w, 2), n: n + 5, height: h, width: w };
    const ca = n * 128, cb = (n + 5) * 128, ndir = 96;
    const bytes = (block: number, quant: boolean) => swdLevelBytes({ ...a, bytesPerValue: 1 }, { ...b, bytesPerValue: 1 }, 0, ca, cb, ndir, block, quant);
    const order: [number, boolean][] = [...SWD_BLOCKS.map((block): [number, boolean] => [block, true]), ...SWD_BLOCKS.map((block): [number, boolean] => [block, false])];
    // each step of the order needs less memory than the one before
    for (let i = 1; i < order.length; i++) expect(bytes(...order[i])).toBeLessThan(bytes(...order[i - 1]));
    expect(SWD_PLAN_BLOCK).toBe(24);
    expect(swdMemoryPlan(a, b, 0, ca, cb, ndir)).toEqual({ block: 24, quant: true, bytes: bytes(24, true) });
    expect(swdMemoryPlan(a, b, 0, ca, cb, ndir, bytes(24, true))).toEqual({ block: 24, quant: true, bytes: bytes(24, true) });
    expect(swdMemoryPlan(a, b, 0, ca, cb, ndir, bytes(24, true) - 1)).toEqual({ block: 24, quant: false, bytes: bytes(24, false) });
    expect(swdMemoryPlan(a, b, 0, ca, cb, ndir, bytes(24, false))).toEqual({ block: 24, quant: false, bytes: bytes(24, false) });
    expect(swdMemoryPlan(a, b, 0, ca, cb, ndir, bytes(24, false) - 1)).toBeNull();
    // what swdLevelDistances really allocates under each plan: at most the plan's bytes, and within 1% of them
    const ex = metricsWasm().exports;
    const offs = (m: number) => Int32Array.from({ length: m * 128 }, (_, p) => ((Math.floor(p / 128) * h + rng.int(h - 6)) * w + rng.int(w - 6)) * 3);
    const oa = offs(n), ob = offs(n + 5), dirs = unitDirs(ndir, rng).f32;
    for (const [block, quant] of order) {
      ex.reset();
      const base = ex.alloc(16) >>> 0;
      swdLevelDistances(a, b, 0, false, oa, ob, dirs, { block, quant });
      const used = (ex.alloc(16) >>> 0) - base;
      expect(used).toBeLessThanOrEqual(bytes(block, quant));
      expect(used).toBeGreaterThan(0.99 * bytes(block, quant));
    }
  });

  it('sets too large for 4 GiB get a typed error naming the sizes and how many images fit, before any work', () => {
    const fake = (n: number, f32 = false): SampleSet => ({ n, height: 64, width: 64, data: f32 ? new Float32Array(0) : new Uint8Array(0) } as unknown as SampleSet);
    // 64x64 u8: the i16 projection up to some thousands of images, then f32, then none
    const plans = (n: number) => swdMemoryPlans(fake(n), fake(n));
    expect(plans(1000).every((p) => p.block === 24 && p.quant)).toBe(true);
    expect(plans(16384)[0].quant).toBe(true); // ProGAN's 16,384 images keep the i16 projection
    expect(plans(24000)[0].quant).toBe(false);
    let err: unknown;
    try { checkSwdSets(fake(40000), fake(40000), ['samples', 'reference'], {}); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SwdError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^SWD: 40000 samples and 40000 reference of 64x64 need [\d.]+ GiB at the 64x64 level, more than one WebAssembly instance's 4 GiB; score at most about (\d+) images a set/);
    const fit = Number(/about (\d+) images/.exec(msg)![1]);
    // the suggestion is right: that many fit, a tenth more do not
    expect(plans(fit).length).toBe(3);
    expect(() => plans(Math.ceil(fit * 1.1))).toThrow(SwdError);
    // f32 images (a .npy of floats) take 4 bytes a value, so fewer fit
    expect(() => swdMemoryPlans(fake(fit, true), fake(fit, true))).toThrow(SwdError);
    // without options checkSwdSets checks only the sizes, as before
    expect(() => checkSwdSets(fake(40000), fake(40000))).not.toThrow();
    expect(SWD_MEMORY_LIMIT).toBeLessThan(2 ** 32);
  });

  it('alloc hands out one region over the runtime\'s 1 GiB block limit, and traps instead of wrapping past 4 GiB', () => {
    // a fresh instance of its own, so the memory goes when the test does
    const wasm = instantiateSync('metrics', wasmBase64, wasmOptions), ex = wasm.exports;
    ex.reset();
    const before = ex.alloc(16) >>> 0;
    const big = 1.25 * 2 ** 30, p = ex.alloc(big) >>> 0;
    expect(p).toBeGreaterThan(before);
    expect(p % 16).toBe(0);
    expect(wasm.memory.buffer.byteLength).toBeGreaterThanOrEqual(p + big);
    // the whole region is usable and the next allocation starts after it
    wasm.u8[p] = 7; wasm.u8[p + big - 1] = 9;
    const next = ex.alloc(16) >>> 0;
    expect(next).toBeGreaterThanOrEqual(p + big);
    expect(wasm.u8[p] + wasm.u8[p + big - 1]).toBe(16);
    // more than is left below 4 GiB: a trap, and the heap is unchanged
    expect(() => ex.alloc(2 ** 32 - 2 ** 30)).toThrow(WebAssembly.RuntimeError);
    expect(ex.alloc(16) >>> 0).toBeLessThanOrEqual(next + 64);
  });

  it('a level over the old 1 GiB scratch (7,500 and 6,750 images at 16x16) equals the float64 reference through copies', () => {
    // 10 + 9 base images; the big sets repeat each base image K times, with the same patch corners in every copy
    const h = 16, w = 16, na = 10, nb = 9, per = 128, K = 750, rng = new Rng(11);
    const ua = images(na, h, w, 3), ub = images(nb, h, w, 4);
    const corners = (n: number) => Array.from({ length: n * per }, (_, p) => [Math.floor(p / per), rng.int(h - 6), rng.int(w - 6)] as [number, number, number]);
    const cA = corners(na), cB = corners(nb);
    const tile = (u: Uint8Array, n: number) => { const out = new Uint8Array(u.length * K); for (let k = 0; k < K; k++) out.set(u, k * u.length); return { data: out, n: n * K, height: h, width: w }; };
    const offsK = (cs: [number, number, number][], n: number) => { const out = new Int32Array(cs.length * K); for (let k = 0; k < K; k++) cs.forEach(([i, y, x], p) => { out[k * cs.length + p] = (((k * n + i) * h + y) * w + x) * 3; }); return out; };
    const A = tile(ua, na), B = tile(ub, nb), oA = offsK(cA, na), oB = offsK(cB, nb);
    expect(metricsWasm().exports.swd_scratch_bytes(oA.length, oB.length, 72, 1)).toBeGreaterThan(2 ** 30);
    const dirs = unitDirs(24, rng);
    const ref = swdLevelRef(asImgs(ua, na, h, w).map((im) => laplacianPyramidRef(im, 1)[0]), cA, asImgs(ub, nb, h, w).map((im) => laplacianPyramidRef(im, 1)[0]), cB, dirs.f64);
    const plan = swdMemoryPlan(A, B, 0, oA.length, oB.length, 24)!;
    expect(plan).toMatchObject({ block: 24, quant: true });
    // block 72: a scratch over 1 GiB (the plan's own block, 24, gives the same W1s)
    const got = swdLevelDistances(A, B, 0, true, oA, oB, dirs.f32, { block: 72, quant: true });
    expect(Array.from(swdLevelDistances(A, B, 0, true, oA, oB, dirs.f32))).toEqual(Array.from(got));
    for (let d = 0; d < 24; d++) expect(Math.abs(got[d] - ref[d])).toBeLessThan(1e-3 * ref[d]);
    const f32 = swdLevelDistances(A, B, 0, true, oA, oB, dirs.f32, { block: 24, quant: false });
    for (let d = 0; d < 24; d++) expect(Math.abs(f32[d] - ref[d])).toBeLessThan(1e-5 * ref[d]);
  });
});
