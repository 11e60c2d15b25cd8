// Lazily prepared SWD levels (assembly/metrics/swd_lazy.ts): swd_prepare with
// lazy = 1 leaves the level unwritten and swd_chunk's i16 path packs each
// image's patches from that image's level computed again. Every W1 and every
// statistic must be the eager path's bit for bit, on the i16 path (the level
// never written), and where the level is needed after all (the f32
// projection, a set failing the i16 spread test, patches out of image order,
// NaN); and a lazy level must not outlive a reset (the heap's epoch).
import { describe, it, expect } from 'vitest';
import { metricsWasm } from '../../src/wasm/metrics';
import { swdProjectionMethod, swdLevelDistances } from '../../src/kernels/swd';
import { Rng } from '../../src/util/rng';

type Data = Uint8Array | Float32Array;
interface Set { data: Data; n: number; h: number; w: number }

function faces(n: number, h: number, w: number, seed: number): Uint8Array {
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

const side = (s: number, l: number) => { for (let i = 0; i < l; i++) s = Math.ceil(s / 2); return s; };

function offsets(s: Set, level: number, per: number, rng: Rng): Int32Array {
  const hl = side(s.h, level), wl = side(s.w, level), out = new Int32Array(s.n * per);
  for (let i = 0, k = 0; i < s.n; i++) for (let p = 0; p < per; p++, k++) out[k] = ((i * hl + rng.int(hl - 6)) * wl + rng.int(wl - 6)) * 3;
  return out;
}

function directions(count: number, rng: Rng): Float32Array {
  const out = new Float32Array(count * 147);
  for (let d = 0; d < count; d++) {
    const v = Array.from({ length: 147 }, () => rng.normal()), n = Math.hypot(...v);
    v.forEach((x, k) => { out[d * 147 + k] = x / n; });
  }
  return out;
}

const SENTINEL = 0x7fc0beef; // a NaN pattern no level value has

/**
 * One level of both sets through the exports, as the pool's workers run it:
 * levels allocated last and filled with a sentinel first, each set prepared
 * lazily or not, then swd_chunk in chunks of 24 directions (reuse after the
 * first). Returns the W1s, both sets' stats and whether each level was written.
 */
function runLevel(a: Set, b: Set, level: number, lowpass: boolean, oa: Int32Array, ob: Int32Array, dirs: Float32Array, lazy: [number, number], preset?: Float32Array[], chunkOb?: Int32Array) {
  const w = metricsWasm(), ex = w.exports;
  ex.reset();
  const hl = side(a.h, level), wl = side(a.w, level), ndir = dirs.length / 147;
  const sets = [[a, oa], [b, ob]] as const;
  const X = sets.map(([s, o]) => ({ s, ip: w.put(s.data), op: w.put(o), sp: ex.alloc(48) >>> 0, len: s.n * hl * wl * 3, count: o.length, lp: 0 }));
  const dp = w.put(dirs);
  const sc = ex.alloc(ex.swd_scratch_bytes(oa.length, ob.length, 72, 1)) >>> 0, out = ex.alloc(ndir * 8) >>> 0;
  for (const x of X) { x.lp = ex.alloc(x.len * 4) >>> 0; new Int32Array(ex.memory.buffer, x.lp, x.len).fill(SENTINEL); }
  // preset: these (normalised) levels written there instead of prepared
  if (preset) X.forEach((x, i) => new Float32Array(ex.memory.buffer, x.lp, x.len).set(preset[i]));
  else X.forEach((x, i) => {
    const code = ex.swd_prepare(x.ip, x.s.n, x.s.h, x.s.w, x.s.data instanceof Uint8Array ? 1 : 0, level, lowpass ? 1 : 0, x.op, x.count, x.lp, x.sp, lazy[i]);
    expect(code).toBe(0);
  });
  // chunkOb: other offsets of B for swd_chunk than swd_prepare had (its checks are only against the whole level)
  const obp = chunkOb ? w.put(chunkOb) : X[1].op;
  for (let d0 = 0; d0 < ndir; d0 += 24) {
    const code = ex.swd_chunk(X[0].lp, X[0].len, X[0].op, X[0].count, X[1].lp, X[1].len, obp, X[1].count, wl * 3, dp + d0 * 588, Math.min(24, ndir - d0), sc, out + d0 * 8, d0 ? 1 : 0, 72, 1);
    expect(code).toBe(0);
  }
  const written = X.map((x) => new Int32Array(ex.memory.buffer, x.lp, x.len).some((v) => v !== SENTINEL));
  const levels = X.map((x) => new Float32Array(ex.memory.buffer, x.lp, x.len).slice());
  return { w1: Array.from(new Float64Array(ex.memory.buffer, out, ndir)), stats: X.map((x) => Array.from(new Float64Array(ex.memory.buffer, x.sp, 6))), written, levels, ptrs: X.map((x) => x.lp) };
}

/** Eager and lazy on the same inputs: the same W1s and stats, bit for bit (NaN equals NaN here). */
function same(a: Set, b: Set, level: number, lowpass: boolean, oa: Int32Array, ob: Int32Array, dirs: Float32Array, chunkOb?: Int32Array) {
  const eager = runLevel(a, b, level, lowpass, oa, ob, dirs, [0, 0], undefined, chunkOb);
  const lazy = runLevel(a, b, level, lowpass, oa, ob, dirs, [1, 1], undefined, chunkOb);
  const mixed = runLevel(a, b, level, lowpass, oa, ob, dirs, [1, 0], undefined, chunkOb);
  expect(eager.written).toEqual([true, true]);
  expect(lazy.w1).toEqual(eager.w1);
  expect(lazy.stats).toEqual(eager.stats);
  expect(mixed.w1).toEqual(eager.w1);
  return { eager, lazy };
}

describe('SWD lazy levels', () => {
  const rng = new Rng(11);
  const A: Set = { data: faces(6, 32, 32, 1), n: 6, h: 32, w: 32 }, B: Set = { data: faces(5, 32, 32, 2), n: 5, h: 32, w: 32 };
  const dirs = directions(60, rng);

  it('the i16 path gives the eager values bit for bit at every level and never writes the level', () => {
    for (const [level, lowpass] of [[0, false], [1, true]] as const) {
      const oa = offsets(A, level, 40, rng), ob = offsets(B, level, 40, rng);
      const { eager, lazy } = same(A, B, level, lowpass, oa, ob, dirs);
      expect(lazy.written).toEqual([false, false]);
      expect(eager.w1.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
    }
  });

  it('an odd-sized level (a row of pixels not a multiple of four) and f32 images', () => {
    const a: Set = { data: Float32Array.from(faces(3, 37, 35, 3), (v) => v / 255), n: 3, h: 37, w: 35 };
    const b: Set = { data: Float32Array.from(faces(4, 37, 35, 4), (v) => v / 255), n: 4, h: 37, w: 35 };
    const oa = offsets(a, 1, 30, rng), ob = offsets(b, 1, 30, rng);
    expect(same(a, b, 1, true, oa, ob, dirs).lazy.written).toEqual([false, false]);
  });

  it('the level is written, as eager, where a path needs it: the f32 projection, a far outlier, patches out of image order', () => {
    const oa = offsets(A, 0, 40, rng), ob = offsets(B, 0, 40, rng);
    const old = swdProjectionMethod('f32');
    try {
      const { eager, lazy } = same(A, B, 0, false, oa, ob, dirs);
      expect(lazy.written).toEqual([true, true]);
      expect(lazy.levels).toEqual(eager.levels);
    } finally { swdProjectionMethod(old); }
    // a far outlier in A: A fails the i16 spread test, so both sets take the f32 path
    const out = Float32Array.from(A.data as Uint8Array, (v) => v / 255);
    out[5 * 32 * 32 * 3 + 100] = 4000;
    const Aout: Set = { ...A, data: out };
    const Bf: Set = { ...B, data: Float32Array.from(B.data as Uint8Array, (v) => v / 255) };
    const r = same(Aout, Bf, 0, false, oa, ob, dirs);
    expect(r.lazy.written).toEqual([true, true]);
    expect(r.lazy.levels).toEqual(r.eager.levels);
    // A's patches shuffled across images: A's level is written, B's is not
    const sh = Int32Array.from(oa);
    for (let i = sh.length - 1; i > 0; i--) { const j = rng.int(i + 1); [sh[i], sh[j]] = [sh[j], sh[i]]; }
    const s = same(A, B, 0, false, sh, ob, dirs);
    expect(s.lazy.written).toEqual([true, false]);
    // swd_chunk given a patch of B reaching into the next image (inside the level, so it takes it; swd_prepare
    // refuses such a patch, so these offsets go to swd_chunk only): B's level is written
    const cross = Int32Array.from(ob);
    cross[3] = ((0 * 32 + 29) * 32 + 4) * 3; // image 0, row 29: rows 32-35 are image 1's first rows
    const c = same(A, B, 0, false, oa, ob, dirs, cross);
    expect(c.lazy.written).toEqual([false, true]);
  });

  it('NaN and infinite values give what the eager path gives', () => {
    const oa = offsets(A, 0, 40, rng), ob = offsets(B, 0, 40, rng);
    for (const bad of [NaN, Infinity]) {
      const d = Float32Array.from(A.data as Uint8Array, (v) => v / 255);
      d[2 * 32 * 32 * 3 + 7] = bad;
      same({ ...A, data: d }, { ...B, data: Float32Array.from(B.data as Uint8Array, (v) => v / 255) }, 0, false, oa, ob, dirs);
    }
  });

  it('a lazy level does not outlive a reset: other data at the same address are read as a level', () => {
    const oa = offsets(A, 0, 40, rng), ob = offsets(B, 0, 40, rng);
    const C: Set = { data: faces(6, 32, 32, 9), n: 6, h: 32, w: 32 };
    const ofC = runLevel(C, B, 0, false, oa, ob, dirs, [0, 0]);
    // A prepared lazily, then (after runLevel's reset) C's eager levels at the very addresses of A's and B's lazy ones
    const lazyA = runLevel(A, B, 0, false, oa, ob, dirs, [1, 1]);
    expect(lazyA.written).toEqual([false, false]);
    const r = runLevel(A, B, 0, false, oa, ob, dirs, [0, 0], ofC.levels);
    expect(r.ptrs).toEqual(lazyA.ptrs);
    expect(r.w1).toEqual(ofC.w1);
    expect(r.w1).not.toEqual(lazyA.w1);
  });

  it('more lazy levels in one epoch than it keeps: the oldest is written when its slot is taken', () => {
    const oa = offsets(A, 0, 40, rng), ob = offsets(B, 0, 40, rng);
    const eager = runLevel(A, B, 0, false, oa, ob, dirs, [0, 0]);
    const w = metricsWasm(), ex = w.exports;
    ex.reset();
    const prep = (s: Set, o: Int32Array) => {
      const ip = w.put(s.data), op = w.put(o), sp = ex.alloc(48) >>> 0, len = s.n * 32 * 32 * 3, lp = ex.alloc(len * 4) >>> 0;
      new Int32Array(ex.memory.buffer, lp, len).fill(SENTINEL);
      expect(ex.swd_prepare(ip, s.n, 32, 32, 1, 0, 0, op, o.length, lp, sp, 1)).toBe(0);
      return { op, lp, len, count: o.length };
    };
    // A, B, then two more: A's and B's slots are taken, so both are written then
    const pa = prep(A, oa), pb = prep(B, ob);
    prep(A, oa); prep(B, ob);
    expect(new Int32Array(ex.memory.buffer, pa.lp, pa.len).some((v) => v !== SENTINEL)).toBe(true);
    const dp = w.put(dirs), sc = ex.alloc(ex.swd_scratch_bytes(oa.length, ob.length, 24, 1)) >>> 0, out = ex.alloc(60 * 8) >>> 0;
    expect(ex.swd_chunk(pa.lp, pa.len, pa.op, pa.count, pb.lp, pb.len, pb.op, pb.count, 32 * 3, dp, 60, sc, out, 0, 24, 1)).toBe(0);
    expect(Array.from(new Float64Array(ex.memory.buffer, out, 60))).toEqual(eager.w1);
  });

  it('swdLevelDistances (lazy, levels allocated last) gives the eager values', () => {
    const oa = offsets(A, 0, 40, rng), ob = offsets(B, 0, 40, rng);
    const eager = runLevel(A, B, 0, false, oa, ob, dirs, [0, 0]);
    expect(Array.from(swdLevelDistances({ data: A.data, n: A.n, height: 32, width: 32 }, { data: B.data, n: B.n, height: 32, width: 32 }, 0, false, oa, ob, dirs, { block: 72, quant: true }))).toEqual(eager.w1);
  });
});
