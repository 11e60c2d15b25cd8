import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { swdLevel, swdProject, swdLevelDistances, levelSide, swdW1Method, swdProjectionMethod } from '../../src/kernels/swd';
import { laplacianPyramidRef, pyrUpRef, descriptorsRef, normaliseRef, slicedRef, swdLevelRef, w1Ref, type Img } from '../reference/swd';
import { Rng } from '../../src/util/rng';
import { useMetricsSimd, metricsSimd, metricsWasm, type MetricsSimd } from '../../src/wasm/metrics';
import { enableRelaxedSimd } from '../../src/platform/node';
import { required } from '../env';

// Every test runs on both builds of the metrics module: plain (mul + add) and
// relaxed (the projection's f32x4.relaxed_madd, fused on an FMA CPU).
enableRelaxedSimd();
const BUILDS: MetricsSimd[] = ['plain'];
try { useMetricsSimd('relaxed'); BUILDS.push('relaxed'); } catch (e) { required(false, 'relaxed-SIMD wasm', String(e)); }
useMetricsSimd('auto');

/** n smooth-plus-noise RGB images (u8 NHWC), so every pyramid level has structure. */
function images(n: number, h: number, w: number, seed: number): Uint8Array {
  const rng = new Rng(seed), out = new Uint8Array(n * h * w * 3);
  for (let i = 0; i < n; i++) {
    const f = 0.1 + rng.next() * 0.5, ph = rng.next() * 6;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
      const v = 128 + 80 * Math.sin(f * x + ph + c) * Math.cos(f * y * (c + 1) / 2) + 40 * (rng.next() - 0.5);
      out[((i * h + y) * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

function asImgs(data: ArrayLike<number>, n: number, h: number, w: number, scale = 1): Img[] {
  return Array.from({ length: n }, (_, i) => ({ h, w, d: Float64Array.from({ length: h * w * 3 }, (_, k) => data[i * h * w * 3 + k] * scale) }));
}

function corners(n: number, h: number, w: number, per: number, rng: Rng): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) for (let p = 0; p < per; p++) out.push([i, rng.int(h - 6), rng.int(w - 6)]);
  return out;
}
const offsetsOf = (cs: [number, number, number][], h: number, w: number) => Int32Array.from(cs, ([i, y, x]) => ((i * h + y) * w + x) * 3);

function unitDirs(count: number, rng: Rng): { f32: Float32Array; f64: Float64Array[] } {
  const f64 = Array.from({ length: count }, () => {
    const v = Float64Array.from({ length: 147 }, () => rng.normal());
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  });
  // the reference projects with the same f32-rounded directions the kernel gets
  const f32 = new Float32Array(count * 147);
  f64.forEach((v, d) => f32.set(v, d * 147));
  return { f32, f64: f64.map((_, d) => Float64Array.from(f32.subarray(d * 147, (d + 1) * 147))) };
}

describe.each(BUILDS)('%s build', (simd) => {
  beforeAll(() => { useMetricsSimd(simd); expect(metricsSimd()).toBe(simd); });
  afterAll(() => { useMetricsSimd('auto'); });

  describe('swd_prepare: Laplacian pyramid levels', () => {
    it('matches the float64 reference (u8 and f32 input; 64x64, 48x32, odd 37x41)', () => {
      for (const [h, w, levels] of [[64, 64, 3], [48, 32, 2], [37, 41, 2]] as const) {
        const n = 2, u8 = images(n, h, w, h + w);
        const ref = asImgs(u8, n, h, w).map((im) => laplacianPyramidRef(im, levels));
        for (const input of [u8, Float32Array.from(u8, (v) => v / 255)]) {
          for (let l = 0; l < levels; l++) {
            const got = swdLevel({ data: input, n, height: h, width: w }, l, l === levels - 1);
            expect([got.height, got.width]).toEqual([levelSide(h, l), levelSide(w, l)]);
            let maxErr = 0;
            for (let i = 0; i < n; i++) ref[i][l].d.forEach((v, k) => { maxErr = Math.max(maxErr, Math.abs(v - got.data[i * ref[i][l].d.length + k])); });
            expect(maxErr).toBeLessThan(2e-3);
          }
        }
      }
    });

    it('is a true Laplacian pyramid: up-sampling and adding the levels gives back the image', () => {
      const h = 64, w = 64, u8 = images(1, h, w, 3);
      const lv = [0, 1, 2].map((l) => swdLevel({ data: u8, n: 1, height: h, width: w }, l, l === 2));
      let rec: Img = { h: lv[2].height, w: lv[2].width, d: Float64Array.from(lv[2].data) };
      for (const l of [1, 0]) {
        const up = pyrUpRef(rec, lv[l].height, lv[l].width);
        rec = { h: up.h, w: up.w, d: up.d.map((v, k) => v + lv[l].data[k]) };
      }
      let maxErr = 0;
      rec.d.forEach((v, k) => { maxErr = Math.max(maxErr, Math.abs(v - u8[k])); });
      expect(maxErr).toBeLessThan(1e-3);
    });

    it('a constant image has all-zero band-pass levels and a constant low-pass', () => {
      const u8 = new Uint8Array(32 * 32 * 3).fill(77);
      const l0 = swdLevel({ data: u8, n: 1, height: 32, width: 32 }, 0, false);
      expect(Math.max(...l0.data.map(Math.abs))).toBeLessThan(1e-4);
      const l1 = swdLevel({ data: u8, n: 1, height: 32, width: 32 }, 1, true);
      expect(Math.max(...l1.data.map((v) => Math.abs(v - 77)))).toBeLessThan(1e-4);
    });

    it('normalises by the patches\' per-channel mean and std (ProGAN finalize_descriptors)', () => {
      const n = 3, h = 32, w = 32, u8 = images(n, h, w, 11);
      const rng = new Rng(4);
      const cs = corners(n, 16, 16, 40, rng);
      const got = swdLevel({ data: u8, n, height: h, width: w }, 1, true, offsetsOf(cs, 16, 16));
      const ref = asImgs(u8, n, h, w).map((im) => laplacianPyramidRef(im, 2)[1]);
      const desc = descriptorsRef(ref, cs);
      const st = normaliseRef(desc);
      for (let c = 0; c < 3; c++) { expect(got.mean[c]).toBeCloseTo(st.mean[c], 3); expect(got.std[c]).toBeCloseTo(st.std[c], 3); }
      const lvImgs = asImgs(got.data, n, 16, 16);
      const mine = descriptorsRef(lvImgs, cs);
      let maxErr = 0;
      mine.forEach((v, p) => v.forEach((x, k) => { maxErr = Math.max(maxErr, Math.abs(x - desc[p][k])); }));
      expect(maxErr).toBeLessThan(1e-4);
    });

    it('per-channel stats match the reference for each channel separately; a constant channel keeps scale 1 (ProGAN: std 0 -> components 0)', () => {
      const n = 4, h = 32, w = 32, u8 = images(n, h, w, 12);
      // channel 2 constant: its band-pass level is all 0, so its std is 0
      for (let i = 2; i < u8.length; i += 3) u8[i] = 200;
      // channel 1 scaled and shifted against channel 0, so a swapped lane would show
      for (let i = 1; i < u8.length; i += 3) u8[i] = 30 + (u8[i] >> 2);
      const rng = new Rng(8);
      const cs = corners(n, h, w, 37, rng);
      const got = swdLevel({ data: u8, n, height: h, width: w }, 0, false, offsetsOf(cs, h, w));
      const ref = asImgs(u8, n, h, w).map((im) => laplacianPyramidRef(im, 2)[0]);
      const st = normaliseRef(descriptorsRef(ref, cs));
      for (let c = 0; c < 2; c++) {
        expect(Math.abs(got.mean[c] - st.mean[c])).toBeLessThan(1e-6 * st.std[c]);
        expect(Math.abs(got.std[c] - st.std[c])).toBeLessThan(1e-6 * st.std[c]);
      }
      expect(got.std[0]).toBeGreaterThan(2 * got.std[1]);
      expect(got.mean[2]).toBe(0);
      expect(got.std[2]).toBe(0);
      for (let i = 2; i < got.data.length; i += 3) if (got.data[i] !== 0) throw new Error(`channel 2 value ${got.data[i]} at ${i}`);
    });

    it('the stats match the reference at widths that are not a multiple of 4 (the one-pass sums\' 4-pixel steps and their scalar tail: 1, 2 and 3 pixels)', () => {
      for (const [h, w] of [[37, 39], [30, 42]]) {
        const n = 3, u8 = images(n, h, w, 17), rng = new Rng(h + w);
        for (const [level, lowpass] of [[0, false], [1, true]] as const) {
          const hl = levelSide(h, level), wl = levelSide(w, level);
          const cs = corners(n, hl, wl, 45, rng);
          const got = swdLevel({ data: u8, n, height: h, width: w }, level, lowpass, offsetsOf(cs, hl, wl));
          const st = normaliseRef(descriptorsRef(asImgs(u8, n, h, w).map((im) => laplacianPyramidRef(im, 2)[level]), cs));
          for (let c = 0; c < 3; c++) {
            expect(Math.abs(got.mean[c] - st.mean[c])).toBeLessThan(1e-6 * st.std[c]);
            expect(Math.abs(got.std[c] - st.std[c])).toBeLessThan(1e-6 * st.std[c]);
          }
        }
      }
    });

    it('the stats do not depend on the patches\' order; images without patches and patches on the last row and column count right', () => {
      const n = 5, h = 32, w = 32, u8 = images(n, h, w, 13);
      const rng = new Rng(21);
      // images 1 and 3 have no patches; corners at the level's far edge (y, x = 16 - 7) included
      const cs = corners(n, 16, 16, 30, rng).filter(([i]) => i !== 1 && i !== 3);
      cs.push([4, 9, 9], [0, 9, 0], [2, 0, 9], [4, 9, 9]);
      const shuffled = cs.slice().sort(() => rng.next() - 0.5);
      const a = swdLevel({ data: u8, n, height: h, width: w }, 1, true, offsetsOf(cs, 16, 16));
      const b = swdLevel({ data: u8, n, height: h, width: w }, 1, true, offsetsOf(shuffled, 16, 16));
      expect(b.mean).toEqual(a.mean);
      expect(b.std).toEqual(a.std);
      const st = normaliseRef(descriptorsRef(asImgs(u8, n, h, w).map((im) => laplacianPyramidRef(im, 2)[1]), cs));
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(a.mean[c] - st.mean[c])).toBeLessThan(1e-6 * st.std[c]);
        expect(Math.abs(a.std[c] - st.std[c])).toBeLessThan(1e-6 * st.std[c]);
      }
    });

    it('rejects patches outside the level and levels under 14 px', () => {
      const u8 = images(1, 32, 32, 1);
      expect(() => swdLevel({ data: u8, n: 1, height: 32, width: 32 }, 0, false, Int32Array.from([(26 * 32 + 0) * 3]))).toThrow(/patch outside/);
      expect(() => swdLevel({ data: u8, n: 1, height: 32, width: 32 }, 0, false, Int32Array.from([1]))).toThrow(/patch outside/);
      expect(() => swdLevel({ data: u8, n: 1, height: 32, width: 32 }, 2, true)).toThrow(/bad dimensions/);
      expect(() => swdLevel({ data: u8.subarray(5), n: 1, height: 32, width: 32 }, 0, true)).toThrow(/expected/);
    });
  });

  // the projection in f32 and in i16 (swd_quant.ts, where the data allow it): the reference cases on both, the i16 path
  // within its rounding (about 1e-4 of a projection's spread, here O(1): tolerance 1e-3 (1 + value))
  describe.each(['f32', 'auto'] as const)('swd_chunk: projection (%s), sort and W1', (proj) => {
    beforeAll(() => { swdProjectionMethod(proj); });
    afterAll(() => { swdProjectionMethod('auto'); });
    const tol = (want: number) => proj === 'f32' ? 1e-5 * (1 + want) : 1e-3 * (1 + want);
    const tolLevel = (want: number) => proj === 'f32' ? 2e-5 * (1 + want) : 1e-3 * want + 1e-5;
    it('matches the float64 reference: equal and unequal patch counts, odd counts, 21 directions', () => {
      const h = 16, w = 16, rng = new Rng(9);
      for (const [na, nb, per] of [[4, 4, 33], [3, 5, 17]] as const) {
        const A = Float32Array.from({ length: na * h * w * 3 }, () => rng.normal());
        const B = Float32Array.from({ length: nb * h * w * 3 }, () => 0.3 + 1.2 * rng.normal());
        const ca = corners(na, h, w, per, rng), cb = corners(nb, h, w, per, rng);
        const dirs = unitDirs(21, rng);
        const got = swdProject(A, offsetsOf(ca, h, w), B, offsetsOf(cb, h, w), w * 3, dirs.f32);
        const want = slicedRef(descriptorsRef(asImgs(A, na, h, w), ca), descriptorsRef(asImgs(B, nb, h, w), cb), dirs.f64);
        expect(got.length).toBe(21);
        for (let d = 0; d < 21; d++) expect(Math.abs(got[d] - want[d])).toBeLessThan(tol(want[d]));
      }
    });

    it('matches the reference across direction blocks (150 directions: 72 + 72 + 6, in blocks of 12) and patch chunks (300 and 257 patches)', () => {
      const h = 16, w = 16, na = 6, nb = 5, rng = new Rng(31);
      const A = Float32Array.from({ length: na * h * w * 3 }, () => rng.normal());
      const B = Float32Array.from({ length: nb * h * w * 3 }, () => 0.2 + 1.1 * rng.normal());
      const ca = corners(na, h, w, 50, rng), cb = corners(nb, h, w, 51, rng).slice(0, 257);
      const dirs = unitDirs(150, rng);
      const got = swdProject(A, offsetsOf(ca, h, w), B, offsetsOf(cb, h, w), w * 3, dirs.f32);
      const want = slicedRef(descriptorsRef(asImgs(A, na, h, w), ca), descriptorsRef(asImgs(B, nb, h, w), cb), dirs.f64);
      expect(got.length).toBe(150);
      for (let d = 0; d < 150; d++) expect(Math.abs(got[d] - want[d])).toBeLessThan(tol(want[d]));
      // a block's directions give the same numbers alone as among the others
      const alone = swdProject(A, offsetsOf(ca, h, w), B, offsetsOf(cb, h, w), w * 3, dirs.f32.subarray(130 * 147, 131 * 147));
      expect(alone[0]).toBe(got[130]);
    });

    it('patch counts 1..7 (every remainder of the 2- and 3-patch tiles) and 1, 11, 12, 13 directions match the reference', () => {
      const h = 16, w = 16, rng = new Rng(41);
      const A = Float32Array.from({ length: 2 * h * w * 3 }, () => rng.normal());
      const B = Float32Array.from({ length: 2 * h * w * 3 }, () => 0.3 + rng.normal());
      for (const n of [1, 2, 3, 4, 5, 6, 7]) for (const nd of [1, 11, 12, 13]) {
        const ca = corners(2, h, w, n, rng).slice(0, n), cb = corners(2, h, w, 4, rng).slice(0, 8 - n);
        const dirs = unitDirs(nd, rng);
        const got = swdProject(A, offsetsOf(ca, h, w), B, offsetsOf(cb, h, w), w * 3, dirs.f32);
        const want = slicedRef(descriptorsRef(asImgs(A, 2, h, w), ca), descriptorsRef(asImgs(B, 2, h, w), cb), dirs.f64);
        expect(got.length).toBe(nd);
        for (let d = 0; d < nd; d++) expect(Math.abs(got[d] - want[d])).toBeLessThan(tol(want[d]));
      }
    });

    it('reuse = 1 takes the repeated positions the previous call found, and only for the same offsets (address, count, values) and scratch', () => {
      // the pool's workers call swd_chunk for successive direction ranges of one level with reuse = 1
      const h = 16, w = 16, na = 4, nb = 3, rng = new Rng(55);
      const A = Float32Array.from({ length: na * h * w * 3 }, () => rng.normal());
      const B = Float32Array.from({ length: nb * h * w * 3 }, () => 0.2 + rng.normal());
      const heavy = (n: number, count: number): [number, number, number][] => Array.from({ length: count }, () => [rng.int(n), rng.int(3), rng.int(3)]);
      const o1a = offsetsOf(heavy(na, 400), h, w), o1b = offsetsOf(heavy(nb, 333), h, w);
      const o2a = offsetsOf(heavy(na, 400), h, w), o2b = offsetsOf(heavy(nb, 333), h, w);
      const dirs = unitDirs(30, rng).f32;
      const fresh = (oa: Int32Array, ob: Int32Array, d0: number, d1: number) => swdProject(A, oa, B, ob, w * 3, dirs.subarray(d0 * 147, d1 * 147));
      const wasm = metricsWasm(), ex = wasm.exports;
      ex.reset();
      const la = wasm.put(A), lb = wasm.put(B), pa1 = wasm.put(o1a), pb1 = wasm.put(o1b), pa2 = wasm.put(o2a), pb2 = wasm.put(o2b), dp = wasm.put(dirs);
      const sc = ex.alloc(ex.swd_scratch_bytes(400, 333, 72, 1)) >>> 0, out = ex.alloc(30 * 8) >>> 0;
      const chunk = (oa: number, ob: number, d0: number, d1: number, reuse: number) => {
        expect(ex.swd_chunk(la, A.length, oa, 400, lb, B.length, ob, 333, w * 3, dp + d0 * 147 * 4, d1 - d0, sc, out, reuse, 72, 1)).toBe(0);
        return Array.from(wasm.f64.subarray(out >>> 3, (out >>> 3) + d1 - d0));
      };
      const first = chunk(pa1, pb1, 0, 10, 0), next = chunk(pa1, pb1, 10, 30, 1);
      // other offsets (another address) with reuse = 1: found again, not taken from the scratch
      const other = chunk(pa2, pb2, 0, 30, 1);
      const again = chunk(pa1, pb1, 0, 30, 1);
      // other offsets written over the same address (same count): found again too (a hash of the values is part of the key)
      new Int32Array(wasm.memory.buffer, pa1, 400).set(o2a);
      const inPlace = chunk(pa1, pb1, 0, 30, 1);
      expect(first).toEqual(Array.from(fresh(o1a, o1b, 0, 10)));
      expect(inPlace).toEqual(Array.from(fresh(o2a, o1b, 0, 30)));
      expect(next).toEqual(Array.from(fresh(o1a, o1b, 10, 30)));
      expect(other).toEqual(Array.from(fresh(o2a, o2b, 0, 30)));
      expect(again).toEqual(Array.from(fresh(o1a, o1b, 0, 30)));
    });

    it('repeated patch positions (projected once, then gathered) match the reference: heavy repeats, one position only, none', () => {
      const h = 16, w = 16, rng = new Rng(77);
      const na = 3, nb = 4;
      const A = Float32Array.from({ length: na * h * w * 3 }, () => rng.normal());
      const B = Float32Array.from({ length: nb * h * w * 3 }, () => 0.4 + 0.9 * rng.normal());
      const dirs = unitDirs(19, rng);
      // A: 301 draws from 3 images x 2 x 2 positions (mostly repeats, odd count); B: all distinct (no gather)
      const heavy: [number, number, number][] = Array.from({ length: 301 }, () => [rng.int(na), 4 + rng.int(2), 7 + rng.int(2)]);
      const distinct: [number, number, number][] = [];
      for (let i = 0; i < nb; i++) for (let y = 0; y < 10; y += 3) for (let x = 0; x < 10; x += 2) distinct.push([i, y, x]);
      const one: [number, number, number][] = Array.from({ length: 57 }, () => [2, 9, 0]);
      for (const [ca, cb] of [[heavy, distinct], [distinct.map(([i, y, x]) => [i % na, y, x] as [number, number, number]), heavy.map(([i, y, x]) => [i, y, x] as [number, number, number])], [one, heavy]]) {
        const got = swdProject(A, offsetsOf(ca, h, w), cb === distinct ? B : A, offsetsOf(cb, h, w), w * 3, dirs.f32);
        const want = slicedRef(descriptorsRef(asImgs(A, na, h, w), ca), descriptorsRef(asImgs(cb === distinct ? B : A, cb === distinct ? nb : na, h, w), cb), dirs.f64);
        for (let d = 0; d < 19; d++) expect(Math.abs(got[d] - want[d])).toBeLessThan(tol(want[d]));
      }
      // the same patches in another order give the same numbers (each projection is computed the same way)
      const shuffled = heavy.slice().reverse();
      const x = swdProject(A, offsetsOf(heavy, h, w), B, offsetsOf(distinct, h, w), w * 3, dirs.f32);
      const y = swdProject(A, offsetsOf(shuffled, h, w), B, offsetsOf(distinct, h, w), w * 3, dirs.f32);
      expect(Array.from(y)).toEqual(Array.from(x));
      // bounds are still checked before any position is hashed
      expect(() => swdProject(A, Int32Array.from([0, A.length]), B, offsetsOf(distinct, h, w), w * 3, dirs.f32)).toThrow(/patch outside/);
    });

    it('hand cases: a shift along the direction is the W1; quantile walk for unequal sizes', () => {
      // one patch per 7x7 "image"; direction e_0 reads each patch's top-left red value
      const patchSet = (vals: number[]) => {
        const lv = new Float32Array(vals.length * 147);
        vals.forEach((v, i) => { lv[i * 147] = v; });
        return { lv, offs: Int32Array.from(vals, (_, i) => i * 147) };
      };
      const e0 = new Float32Array(147); e0[0] = 1;
      const vals = [-3, 2.5, -0, 0, 1e-3, -7.25, 40, 0.5];
      const a = patchSet(vals), b = patchSet(vals.map((v) => v + 0.5).reverse());
      expect(Math.abs(swdProject(a.lv, a.offs, b.lv, b.offs, 21, e0)[0] - 0.5)).toBeLessThan(proj === 'f32' ? 5e-7 : 40 / 32767);
      // {0, 1} vs {0, 0.5, 1}: the quantile functions differ by 0.5 on (1/3, 2/3]: W1 = 1/6
      const c = patchSet([1, 0]), d = patchSet([0.5, 1, 0]);
      expect(Math.abs(swdProject(c.lv, c.offs, d.lv, d.offs, 21, e0)[0] - 1 / 6)).toBeLessThan(proj === 'f32' ? 5e-7 : 1 / 32767);
      expect(w1Ref([1, 0], [0.5, 1, 0])).toBeCloseTo(1 / 6, 12);
      // identical patches: exactly 0
      expect(swdProject(a.lv, a.offs, a.lv, a.offs, 21, e0)[0]).toBe(0);
    });

    it('the radix sort orders exactly as a comparison sort: W1 bit-identical to sorted Float32Arrays (signs, zeros, ties, 1e-30..1e30)', () => {
      swdW1Method('sort');
      const oldProj = swdProjectionMethod('f32');
      // one patch per 7x7 "image", direction e_0: each projection is the patch's first value, exactly (in f32)
      const rng = new Rng(12);
      const draw = (n: number) => Float32Array.from({ length: n }, (_, i) => i % 97 === 0 ? 0 : i % 89 === 0 ? -0 : i % 7 === 0 ? 2.5 : rng.normal() * 10 ** (rng.int(61) - 30));
      const e0 = new Float32Array(147); e0[0] = 1;
      for (const [na, nb] of [[2999, 2999], [1030, 1030]]) {
        const va = draw(na), vb = draw(nb);
        const lv = (v: Float32Array) => { const l = new Float32Array(v.length * 147); v.forEach((x, i) => { l[i * 147] = x; }); return l; };
        const offs = (n: number) => Int32Array.from({ length: n }, (_, i) => i * 147);
        const got = swdProject(lv(va), offs(na), lv(vb), offs(nb), 21, e0)[0];
        // w1Sorted's arithmetic on the sorted values: f32 lanes over blocks of 256, each block's lanes added in f64, the tail in f64
        const sa = Float32Array.from(va, (x) => x + 0).sort(), sb = Float32Array.from(vb, (x) => x + 0).sort();
        const n4 = na & ~3;
        let total = 0;
        for (let i0 = 0; i0 < n4; i0 += 256) {
          const lanes = [0, 0, 0, 0];
          for (let i = i0; i < Math.min(n4, i0 + 256); i++) lanes[i & 3] = Math.fround(lanes[i & 3] + Math.abs(Math.fround(sa[i] - sb[i])));
          total += lanes[0] + lanes[1] + lanes[2] + lanes[3];
        }
        for (let i = n4; i < na; i++) total += Math.abs(sa[i] - sb[i]);
        expect(got).toBe(total / na);
      }
      swdW1Method('auto');
      swdProjectionMethod(oldProj);
    });

    it('a whole level in one call equals the reference pipeline (pyramid, normalisation, W1)', () => {
      const h = 32, w = 32, na = 3, nb = 4, rng = new Rng(21);
      const ua = images(na, h, w, 5), ub = images(nb, h, w, 6);
      const fb = Float32Array.from(ub, (v) => v / 255);
      for (const [level, lowpass] of [[0, false], [1, true]] as const) {
        const hl = levelSide(h, level), wl = levelSide(w, level);
        const ca = corners(na, hl, wl, 30, rng), cb = corners(nb, hl, wl, 30, rng);
        const dirs = unitDirs(20, rng);
        const got = swdLevelDistances({ data: ua, n: na, height: h, width: w }, { data: fb, n: nb, height: h, width: w }, level, lowpass,
          offsetsOf(ca, hl, wl), offsetsOf(cb, hl, wl), dirs.f32);
        const pa = asImgs(ua, na, h, w).map((im) => laplacianPyramidRef(im, 2)[level]);
        const pb = asImgs(ub, nb, h, w).map((im) => laplacianPyramidRef(im, 2)[level]);
        const want = swdLevelRef(pa, ca, pb, cb, dirs.f64);
        for (let d = 0; d < 20; d++) expect(Math.abs(got[d] - want[d])).toBeLessThan(tolLevel(want[d]));
      }
    });
  });
  describe('the i16 projection (swd_quant.ts)', () => {
    afterAll(() => { swdProjectionMethod('auto'); });
    /** swd_chunk's numbers with the projection method given. */
    const under = <T>(method: 'auto' | 'f32', f: () => T): T => {
      const old = swdProjectionMethod(method);
      try { return f(); } finally { swdProjectionMethod(old); }
    };

    it('on whole normalised levels: every direction within 1e-3 of the f32 path, their mean within 1e-4; and it is the path taken', () => {
      const h = 32, w = 32, na = 20, nb = 24, rng = new Rng(91);
      const ua = images(na, h, w, 25), ub = images(nb, h, w, 26);
      for (const [level, lowpass] of [[0, false], [1, true]] as const) {
        const hl = levelSide(h, level), wl = levelSide(w, level);
        const ca = corners(na, hl, wl, 128, rng), cb = corners(nb, hl, wl, 128, rng);
        const dirs = unitDirs(96, rng);
        const run = () => swdLevelDistances({ data: ua, n: na, height: h, width: w }, { data: ub, n: nb, height: h, width: w }, level, lowpass, offsetsOf(ca, hl, wl), offsetsOf(cb, hl, wl), dirs.f32);
        const q = under('auto', run), f = under('f32', run);
        expect(Array.from(q)).not.toEqual(Array.from(f));
        for (let d = 0; d < 96; d++) expect(Math.abs(q[d] - f[d])).toBeLessThan(1e-3 * f[d]);
        const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
        expect(Math.abs(mean(q) - mean(f))).toBeLessThan(1e-4 * mean(f));
      }
      expect(() => swdProjectionMethod('i8' as 'auto')).toThrow(/unknown projection method/);
    });

    it('takes the f32 path (bit-identical numbers) for a far outlier under a patch or elsewhere in the level, a constant non-zero set and a non-finite direction', () => {
      const h = 16, w = 16, na = 6, nb = 5, rng = new Rng(93);
      const A = Float32Array.from({ length: na * h * w * 3 }, () => rng.normal());
      const B = Float32Array.from({ length: nb * h * w * 3 }, () => 0.2 + rng.normal());
      const ca = corners(na, h, w, 40, rng), cb = corners(nb, h, w, 40, rng);
      const dirs = unitDirs(20, rng).f32;
      const both = (la: Float32Array, lb: Float32Array, ds = dirs) => {
        const run = () => swdProject(la, offsetsOf(ca, h, w), lb, offsetsOf(cb, h, w), w * 3, ds);
        return { q: Array.from(under('auto', run)), f: Array.from(under('f32', run)) };
      };
      // the data as they are: the i16 path
      const plain = both(A, B);
      expect(plain.q).not.toEqual(plain.f);
      // one pixel (under about 20 of the patches) at 500 standard deviations: an i16 step would be 1/65 of one
      const far = A.slice(); far[((ca[7][0] * h + ca[7][1] + 3) * w + ca[7][2] + 3) * 3] = 500;
      const r1 = both(far, B);
      expect(r1.q).toEqual(r1.f);
      // at 40 standard deviations it is still the i16 path, within its rounding
      const near = A.slice(); near[((ca[7][0] * h + ca[7][1] + 3) * w + ca[7][2] + 3) * 3] = 40;
      const r2 = both(near, B);
      expect(r2.q).not.toEqual(r2.f);
      r2.q.forEach((v, d) => expect(Math.abs(v - r2.f[d])).toBeLessThan(2e-3 * (1 + r2.f[d])));
      // a value far out in the level but under no patch: the range is the level's, so the patches would round to
      // few steps; the spread test on the packed values sees that
      const off = A.slice(), covered = new Set<number>();
      for (const [i, y, x] of ca) for (let r = 0; r < 7; r++) for (let c = 0; c < 7; c++) covered.add((i * h + y + r) * w + x + c);
      const free = Array.from({ length: na * h * w }, (_, k) => k).find((k) => !covered.has(k))!;
      expect(free).toBeDefined();
      off[free * 3] = 1e6;
      const r5 = both(off, B);
      expect(r5.q).toEqual(r5.f);
      expect(r5.q).toEqual(plain.f);
      // a constant set (not 0): no spread to measure the rounding against
      const r3 = both(new Float32Array(A.length).fill(3.5), B);
      expect(r3.q).toEqual(r3.f);
      // a NaN component in one direction: that call's block of directions in f32
      const bad = dirs.slice(); bad[5 * 147 + 100] = NaN;
      const r4 = both(A, B, bad);
      expect(r4.q.filter((_, d) => d !== 5)).toEqual(r4.f.filter((_, d) => d !== 5));
      expect(Number.isNaN(r4.q[5]) && Number.isNaN(r4.f[5])).toBe(true);
    });

    it('no i32 overflow at the bound: patches of +-1 with a direction\'s signs, whose sums reach 2^31 (1 - 1e-4) in i16 units', () => {
      // a direction with all |components| equal: its i16 scale puts |w|_2 |q|_2 just under 2^31,
      // and these patches (each component +-m with the component's sign) reach it
      const rng = new Rng(95);
      const signs = Float32Array.from({ length: 147 }, () => (rng.next() < 0.5 ? -1 : 1));
      const dir = Float32Array.from(signs, (s) => s / Math.sqrt(147));
      const n = 40;
      // one 7x7 patch per "image" (rows of 21 floats): m = 1 - i / 80, so the projections spread over [6.2, 12.1]
      const A = new Float32Array(n * 147), B = new Float32Array(n * 147);
      for (let i = 0; i < n; i++) for (let k = 0; k < 147; k++) { A[i * 147 + k] = signs[k] * (1 - i / 80); B[i * 147 + k] = signs[k] * (0.9 - i / 100); }
      const offs = Int32Array.from({ length: n }, (_, i) => i * 147);
      const run = () => swdProject(A, offs, B, offs, 21, dir)[0];
      const q = under('auto', run), f = under('f32', run);
      // exact: mean over i of |(1 - i/80) - (0.9 - i/100)| sqrt(147)
      let want = 0;
      for (let i = 0; i < n; i++) want += Math.abs((1 - i / 80) - (0.9 - i / 100)) * Math.sqrt(147);
      want /= n;
      expect(Math.abs(f - want)).toBeLessThan(1e-5 * want);
      expect(Math.abs(q - want)).toBeLessThan(1e-3 * want);
      expect(q).not.toBe(f);
    });
  });

  describe('W1 through bins (swd_w1.ts) against the sort path', () => {
    // projections in f32, so each is exactly the patch's first value (the i16 path's rounding is tested above)
    beforeAll(() => { swdProjectionMethod('f32'); });
    afterAll(() => { swdProjectionMethod('auto'); });
    // one patch per 7x7 "image", direction e_0: each projection is the patch's first value, exactly
    const e0 = new Float32Array(147); e0[0] = 1;
    const level = (v: ArrayLike<number>) => { const l = new Float32Array(v.length * 147); for (let i = 0; i < v.length; i++) l[i * 147] = v[i]; return l; };
    const offs = (n: number) => Int32Array.from({ length: n }, (_, i) => i * 147);
    const both = (va: ArrayLike<number>, vb: ArrayLike<number>) => {
      const la = level(va), lb = level(vb), oa = offs(va.length), ob = offs(vb.length);
      const auto = swdProject(la, oa, lb, ob, 21, e0)[0];
      const old = swdW1Method('sort');
      try { return { auto, sort: swdProject(la, oa, lb, ob, 21, e0)[0] }; } finally { swdW1Method(old); }
    };
    // the exact W1 in f64 from sorted copies (the quantile walk for unequal sizes)
    const exact = (va: ArrayLike<number>, vb: ArrayLike<number>) => w1Ref(Array.from(va, (x) => Math.fround(x)), Array.from(vb, (x) => Math.fround(x)));
    const peaked = (rng: Rng, n: number, scale: number, shift: number) => Float32Array.from({ length: n }, () => {
      // Laplace-like: dense at 0 with long tails, as the projections of normalised descriptors are
      const u = rng.next() - 0.5;
      return shift + scale * -Math.sign(u) * Math.log(1 - 2 * Math.abs(u) + 1e-12);
    });

    it('random samples (peaked and Gaussian, close and far apart, equal and unequal sizes): within 1e-6 of the sort path and 1e-7 of the f64 value', () => {
      const rng = new Rng(41);
      const cases: [Float32Array, Float32Array][] = [
        [peaked(rng, 20000, 1, 0), peaked(rng, 20000, 1.02, 0.01)],
        [peaked(rng, 20000, 1, 0), peaked(rng, 20000, 1, 0)],
        [Float32Array.from({ length: 30001 }, () => rng.normal()), Float32Array.from({ length: 30001 }, () => 0.3 + 1.5 * rng.normal())],
        [peaked(rng, 12345, 0.5, 2), peaked(rng, 20000, 0.6, 2.1)],
        [Float32Array.from({ length: 777 }, () => rng.normal() * 1e-3), Float32Array.from({ length: 1001 }, () => rng.normal() * 1e3)],
        [Float32Array.from({ length: 5000 }, () => 3 + rng.next()), Float32Array.from({ length: 5000 }, () => 3.2 + rng.next())],
        [Float32Array.from({ length: 5000 }, () => -3 - rng.next()), Float32Array.from({ length: 4000 }, () => -3.5 - rng.next())],
      ];
      for (const [va, vb] of cases) {
        const { auto, sort } = both(va, vb), want = exact(va, vb);
        expect(auto).toBeGreaterThan(0);
        expect(Math.abs(auto - sort)).toBeLessThan(1e-6 * sort);
        expect(Math.abs(auto - want)).toBeLessThan(1e-7 * want);
      }
    });

    it('adversarial: ties across both sets, all values equal, one set constant, disjoint sets, one element, -0 and 0, tiny and huge ranges', () => {
      const rng = new Rng(5);
      const tied = (n: number, vals: number[]) => Float32Array.from({ length: n }, () => vals[rng.int(vals.length)]);
      const cases: [ArrayLike<number>, ArrayLike<number>][] = [
        [tied(9000, [0, 0, 0, 1.5, -2, 0.25]), tied(9000, [0, 1.5, 1.5, -2, 0.25, 7])],
        [new Float32Array(1000).fill(2.5), new Float32Array(1000).fill(2.5)],
        [new Float32Array(1000).fill(2.5), new Float32Array(1300).fill(2.5)],
        [new Float32Array(2000).fill(-1), Float32Array.from({ length: 2000 }, () => rng.normal())],
        [Float32Array.from({ length: 3000 }, () => rng.next()), Float32Array.from({ length: 3000 }, () => 10 + rng.next())],
        [[3], [-4]],
        [[3], [1, 2, 3, 4, 5]],
        [Float32Array.from({ length: 4000 }, (_, i) => (i % 2 ? -0 : 0)), Float32Array.from({ length: 4000 }, () => rng.normal() * 1e-30)],
        [Float32Array.from({ length: 4000 }, () => 1 + rng.int(64) * 2 ** -23), Float32Array.from({ length: 4000 }, () => 1 + rng.int(60) * 2 ** -23)],
        [Float32Array.from({ length: 4000 }, () => rng.normal() * 1e30), Float32Array.from({ length: 4000 }, () => rng.normal() * 1e30)],
        [Float32Array.from({ length: 4000 }, (_, i) => (i === 7 ? 1e6 : rng.normal())), Float32Array.from({ length: 4000 }, () => rng.normal())],
      ];
      for (const [va, vb] of cases) {
        const { auto, sort } = both(va, vb), want = exact(va, vb);
        expect(Math.abs(auto - sort)).toBeLessThanOrEqual(1e-6 * sort);
        expect(Math.abs(auto - want)).toBeLessThanOrEqual(1e-7 * want);
      }
      // identical sets are exactly 0 either way
      const same = peaked(new Rng(9), 5000, 1, 0);
      expect(both(same, same)).toEqual({ auto: 0, sort: 0 });
    });

    it('a NaN or an infinite projection gives what the sort path gives (NaN or Infinity, not a number from the bins)', () => {
      const rng = new Rng(6);
      const base = Float32Array.from({ length: 3000 }, () => rng.normal());
      for (const bad of [NaN, Infinity, -Infinity]) {
        const va = base.slice(); va[1234] = bad;
        const { auto, sort } = both(va, base);
        expect(Object.is(auto, sort) || (Number.isNaN(auto) && Number.isNaN(sort))).toBe(true);
        expect(Number.isFinite(auto)).toBe(false);
      }
    });

    it('swd_chunk: a NaN or infinite pixel under a patch gives the sort path\'s NaN / Infinity for every direction (the range from the projection\'s epilogue)', () => {
      const h = 16, w = 16, rng = new Rng(8), na = 6, nb = 7;
      const A = Float32Array.from({ length: na * h * w * 3 }, () => rng.normal());
      const B = Float32Array.from({ length: nb * h * w * 3 }, () => rng.normal());
      // 40 patches (not a multiple of 3 or 2), the last one over pixel (2, 2) of image 5
      const ca: [number, number, number][] = Array.from({ length: 39 }, () => [rng.int(5), rng.int(10), rng.int(10)]);
      ca.push([5, 0, 0]);
      const cb = corners(nb, h, w, 9, rng);
      const dirs = unitDirs(13, rng);
      for (const bad of [NaN, Infinity, -Infinity]) {
        const la = A.slice(); la[((5 * h + 2) * w + 2) * 3 + 1] = bad;
        const run = () => swdProject(la, offsetsOf(ca, h, w), B, offsetsOf(cb, h, w), w * 3, dirs.f32);
        const auto = run();
        const old = swdW1Method('sort');
        let sort: Float64Array;
        try { sort = run(); } finally { swdW1Method(old); }
        for (let d = 0; d < 13; d++) {
          expect(Number.isFinite(sort[d])).toBe(false);
          expect(Object.is(auto[d], sort[d]) || (Number.isNaN(auto[d]) && Number.isNaN(sort[d]))).toBe(true);
        }
      }
    });

    it('whole levels: every direction within 1e-6 of the sort path, and the same on another call', () => {
      const h = 32, w = 32, na = 20, nb = 24, rng = new Rng(71);
      const ua = images(na, h, w, 15), ub = images(nb, h, w, 16);
      const ca = corners(na, h, w, 128, rng), cb = corners(nb, h, w, 128, rng);
      const dirs = unitDirs(40, rng);
      const run = () => swdLevelDistances({ data: ua, n: na, height: h, width: w }, { data: ub, n: nb, height: h, width: w }, 0, false, offsetsOf(ca, h, w), offsetsOf(cb, h, w), dirs.f32);
      const auto = run();
      expect(Array.from(run())).toEqual(Array.from(auto));
      const old = swdW1Method('sort');
      let sort: Float64Array;
      try { sort = run(); } finally { swdW1Method(old); }
      for (let d = 0; d < 40; d++) expect(Math.abs(auto[d] - sort[d])).toBeLessThan(1e-6 * sort[d]);
      expect(() => swdW1Method('fast' as 'auto')).toThrow(/unknown W1 method/);
    });

    it('repeated positions (distinct projections with their multiplicities through the bins) agree with gathering and sorting', () => {
      const h = 16, w = 16, rng = new Rng(73), na = 30, nb = 25;
      const A = Float32Array.from({ length: na * h * w * 3 }, () => rng.normal());
      const B = Float32Array.from({ length: nb * h * w * 3 }, () => 0.1 + 1.05 * rng.normal());
      // 128 draws per image among 10 x 10 positions (as at 16 px): about a third repeat
      const ca = corners(na, h, w, 128, rng), cb = corners(nb, h, w, 128, rng);
      // and a set where one position dominates
      const cc: [number, number, number][] = Array.from({ length: 3000 }, (_, i) => (i % 5 ? [1, 3, 4] : [rng.int(na), rng.int(10), rng.int(10)]));
      const dirs = unitDirs(24, rng);
      for (const [x, y] of [[ca, cb], [cc, cb], [ca, cc]] as const) {
        const lb = y === cb ? B : A;
        const run = () => swdProject(A, offsetsOf(x, h, w), lb, offsetsOf(y, h, w), w * 3, dirs.f32);
        const auto = run();
        const old = swdW1Method('sort');
        let sort: Float64Array;
        try { sort = run(); } finally { swdW1Method(old); }
        for (let d = 0; d < 24; d++) expect(Math.abs(auto[d] - sort[d])).toBeLessThan(1e-6 * sort[d]);
      }
    });
  });
});
