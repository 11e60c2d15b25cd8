// Lazily prepared SWD levels: swd_prepare with lazy = 1 computes a level's
// statistics image by image in a one-image buffer and does not write the
// level itself; swd_chunk's i16 path then packs each image's patches from
// that image's level, computed again (swd_quant.ts planQuant), so the whole
// normalised level (4 bytes a value: 98 MB for two sets of 1,000 64x64
// images at the finest level) is never written.
//
// Why: on the machines this project is measured on, memory a process
// touches for the first time costs about 2.7 ms a MB (page faults in a
// virtual machine), so a fresh worker's first level paid more for its
// pages than for its pyramid. The pyramid of one image is cheap to compute
// twice (both passes take under 20 ms a set at 64x64).
//
// Exactness: every value is the same as the eager path's, bit for bit. The
// level of an image is computed by the same laplacianLevel call, normalised
// by the same f32 operations (normalise), and the packed patches come in the
// same order. The level's max |normalised value| (planQuant's provisional
// scale) comes from each channel's min and max of the unnormalised values:
// (x - m) * inv rounded in f32 is monotone in x, so its largest magnitude is
// at one of the two, and a NaN anywhere makes it NaN as before.
//
// Where the eager level is needed after all (the f32 projection; a set that
// fails planQuant's spread test; patches not in image order, or reaching
// past their image; a third lazy level in one epoch taking its slot),
// ensureLevel writes it then, with the same numbers as an eager
// swd_prepare. A lazy
// level is valid for the heap's epoch it was made in (common/heap.ts): the
// images it reads and its buffers stay where they are until the next reset.
import { laplacianLevel } from './swd_pyramid';
import { epoch } from '../common/heap';

const SLOT: usize = 256;
const SLOTS: i32 = 2;
/** Two slots (one per set), outside the heap so that reset does not free them; each is only valid with its epoch. */
const TABLE: usize = memory.data(<i32>(SLOT * <usize>SLOTS), 16);
let nextSlot: i32 = 0;

// slot fields (byte offsets)
const F_OUT: usize = 0, F_IMG: usize = 4, F_N: usize = 8, F_H: usize = 12, F_W: usize = 16, F_U8: usize = 20, F_LEVEL: usize = 24, F_LOW: usize = 28;
const F_SCRATCH: usize = 32, F_TEMP: usize = 36, F_EPOCH: usize = 40, F_DONE: usize = 44, F_VALID: usize = 48, F_HL: usize = 52, F_WL: usize = 56;
const F_M: usize = 64; // m0..2 f32, then inv0..2 f32
const F_MAX: usize = 88; // f64: the level's max |normalised value|
const F_VMIN: usize = 96; // three v128 lane patterns of running minima, then three of maxima (see normalise)
const F_SMIN: usize = 192; // per channel scalar min, then max (f32 x 3 each), for a row's last values

/**
 * x = (x - m_c) * inv_c over interleaved RGB floats (index 0 is channel 0):
 * three lane patterns, 12 floats per step. The one normalisation of SWD
 * levels, eager (a whole level) and lazy (one image), so both give the same
 * values.
 */
export function normalise(p: usize, len: usize, m0: f32, m1: f32, m2: f32, i0: f32, i1: f32, i2: f32): void {
  const ma = f32x4(m0, m1, m2, m0), mb = f32x4(m1, m2, m0, m1), mc = f32x4(m2, m0, m1, m2);
  const ia = f32x4(i0, i1, i2, i0), ib = f32x4(i1, i2, i0, i1), ic = f32x4(i2, i0, i1, i2);
  const n12 = len - len % 12;
  for (let i: usize = 0; i < n12; i += 12) {
    const q = p + (i << 2);
    v128.store(q, f32x4.mul(f32x4.sub(v128.load(q), ma), ia));
    v128.store(q, f32x4.mul(f32x4.sub(v128.load(q, 16), mb), ib), 16);
    v128.store(q, f32x4.mul(f32x4.sub(v128.load(q, 32), mc), ic), 32);
  }
  for (let i = n12; i < len; i++) {
    const q = p + (i << 2), c = i % 3;
    store<f32>(q, (load<f32>(q) - (c == 0 ? m0 : c == 1 ? m1 : m2)) * (c == 0 ? i0 : c == 1 ? i1 : i2));
  }
}

/** Drops any lazy level at out (an eager swd_prepare writing there). */
export function lazyDrop(out: usize): void {
  for (let s = 0; s < SLOTS; s++) {
    const z = TABLE + <usize>s * SLOT;
    if (load<i32>(z, F_VALID) && load<u32>(z, F_OUT) == <u32>out) store<i32>(z, 0, F_VALID);
  }
}

/**
 * Starts a lazy level (swd_prepare's arguments; scratch: laplacianLevel's,
 * temp: one image's level, h_l x w_l x 3 f32). Not valid until lazyFinish.
 */
export function lazyBegin(out: usize, img: usize, n: i32, h: i32, w: i32, isU8: i32, level: i32, lowpass: i32, hl: i32, wl: i32, scratch: usize, temp: usize): usize {
  lazyDrop(out);
  const z = TABLE + <usize>nextSlot * SLOT;
  nextSlot = (nextSlot + 1) % SLOTS;
  // a third lazy level in one epoch: the one whose slot this was is written first (its buffers are still there), so it reads as a level
  if (load<i32>(z, F_VALID) && load<u32>(z, F_EPOCH) == epoch) ensureLevel(z);
  store<u32>(z, <u32>out, F_OUT); store<u32>(z, <u32>img, F_IMG); store<i32>(z, n, F_N); store<i32>(z, h, F_H); store<i32>(z, w, F_W);
  store<i32>(z, isU8, F_U8); store<i32>(z, level, F_LEVEL); store<i32>(z, lowpass, F_LOW); store<u32>(z, <u32>scratch, F_SCRATCH); store<u32>(z, <u32>temp, F_TEMP);
  store<u32>(z, epoch, F_EPOCH); store<i32>(z, 0, F_DONE); store<i32>(z, 0, F_VALID); store<i32>(z, hl, F_HL); store<i32>(z, wl, F_WL);
  for (let k: usize = 0; k < 3; k++) v128.store(z + F_VMIN + (k << 4), f32x4.splat(Infinity));
  for (let k: usize = 3; k < 6; k++) v128.store(z + F_VMIN + (k << 4), f32x4.splat(-Infinity));
  for (let c: usize = 0; c < 3; c++) { store<f32>(z + F_SMIN + (c << 2), Infinity); store<f32>(z + F_SMIN + 12 + (c << 2), -Infinity); }
  return z;
}

@inline function imageLevel(z: usize, im: i32, dst: usize): void {
  const h = load<i32>(z, F_H), w = load<i32>(z, F_W), u8 = load<i32>(z, F_U8);
  const px = <usize>h * <usize>w * 3 * (u8 ? 1 : 4);
  laplacianLevel(<usize>load<u32>(z, F_IMG) + <usize>im * px, u8, h, w, load<i32>(z, F_LEVEL), load<i32>(z, F_LOW), dst, <usize>load<u32>(z, F_SCRATCH));
}

/** Image im's level (not normalised) into the slot's one-image buffer, folded into the running per-channel min and max; returns the buffer. */
export function lazyImage(z: usize, im: i32): usize {
  const t = <usize>load<u32>(z, F_TEMP);
  imageLevel(z, im, t);
  const len = <usize>load<i32>(z, F_HL) * <usize>load<i32>(z, F_WL) * 3;
  let na = v128.load(z + F_VMIN), nb = v128.load(z + F_VMIN, 16), nc = v128.load(z + F_VMIN, 32);
  let xa = v128.load(z + F_VMIN, 48), xb = v128.load(z + F_VMIN, 64), xc = v128.load(z + F_VMIN, 80);
  const n12 = len - len % 12;
  for (let i: usize = 0; i < n12; i += 12) {
    const q = t + (i << 2), a = v128.load(q), b = v128.load(q, 16), c = v128.load(q, 32);
    na = f32x4.min(na, a); nb = f32x4.min(nb, b); nc = f32x4.min(nc, c);
    xa = f32x4.max(xa, a); xb = f32x4.max(xb, b); xc = f32x4.max(xc, c);
  }
  v128.store(z + F_VMIN, na); v128.store(z + F_VMIN, nb, 16); v128.store(z + F_VMIN, nc, 32);
  v128.store(z + F_VMIN, xa, 48); v128.store(z + F_VMIN, xb, 64); v128.store(z + F_VMIN, xc, 80);
  for (let i = n12; i < len; i++) {
    const v = load<f32>(t + (i << 2)), c = <usize>(i % 3);
    store<f32>(z + F_SMIN + (c << 2), min(load<f32>(z + F_SMIN + (c << 2)), v));
    store<f32>(z + F_SMIN + 12 + (c << 2), max(load<f32>(z + F_SMIN + 12 + (c << 2)), v));
  }
  return t;
}

/** Channel c's value among a lane pattern triple (patterns a = c0 c1 c2 c0, b = c1 c2 c0 c1, c = c2 c0 c1 c2): the min (isMax false) or max of its four lanes and the scalar. */
function fold(z: usize, c: i32, isMax: bool): f32 {
  const base = z + F_VMIN + (isMax ? 48 : 0);
  const a = base, b = base + 16, d = base + 32;
  // lanes holding channel c in patterns a, b, c
  let l0: f32, l1: f32, l2: f32, l3: f32;
  if (c == 0) { l0 = load<f32>(a); l1 = load<f32>(a, 12); l2 = load<f32>(b, 8); l3 = load<f32>(d, 4); }
  else if (c == 1) { l0 = load<f32>(a, 4); l1 = load<f32>(b); l2 = load<f32>(b, 12); l3 = load<f32>(d, 8); }
  else { l0 = load<f32>(a, 8); l1 = load<f32>(b, 4); l2 = load<f32>(d); l3 = load<f32>(d, 12); }
  const s = load<f32>(z + F_SMIN + (isMax ? 12 : 0) + (<usize>c << 2));
  return isMax ? max(max(max(l0, l1), max(l2, l3)), s) : min(min(min(l0, l1), min(l2, l3)), s);
}

/** Ends a lazy level: its normalisation (the f32 values normalise takes) and so its max |normalised value|. */
export function lazyFinish(z: usize, m0: f32, m1: f32, m2: f32, i0: f32, i1: f32, i2: f32): void {
  store<f32>(z, m0, F_M); store<f32>(z, m1, F_M + 4); store<f32>(z, m2, F_M + 8);
  store<f32>(z, i0, F_M + 12); store<f32>(z, i1, F_M + 16); store<f32>(z, i2, F_M + 20);
  let r: f32 = 0;
  for (let c = 0; c < 3; c++) {
    const m = load<f32>(z + F_M + (<usize>c << 2)), inv = load<f32>(z + F_M + 12 + (<usize>c << 2));
    // the same f32 operations as normalise: (x - m) then * inv; max propagates a NaN
    r = max(r, max(abs<f32>((fold(z, c, true) - m) * inv), abs<f32>((fold(z, c, false) - m) * inv)));
  }
  store<f64>(z, <f64>r, F_MAX);
  store<i32>(z, 1, F_VALID);
}

/** The lazy level at out (level of len floats, rows of strideBytes), or 0: none, another epoch's, or another shape. */
export function lazyFind(out: usize, len: i32, strideBytes: usize): usize {
  for (let s = 0; s < SLOTS; s++) {
    const z = TABLE + <usize>s * SLOT;
    if (!load<i32>(z, F_VALID) || load<u32>(z, F_OUT) != <u32>out || load<u32>(z, F_EPOCH) != epoch) continue;
    const hl = load<i32>(z, F_HL), wl = load<i32>(z, F_WL);
    if (<i64>load<i32>(z, F_N) * <i64>hl * <i64>wl * 3 != <i64>len || <usize>wl * 12 != strideBytes) continue;
    return z;
  }
  return 0;
}

/** Whether the level at z has been written (ensureLevel); a lazy level read as a level must be. */
export function lazyWritten(z: usize): bool {
  return load<i32>(z, F_DONE) != 0;
}

/** The level's max |normalised value| (what levelMax would give on the written level). */
export function lazyMax(z: usize): f64 {
  return load<f64>(z, F_MAX);
}

/** Floats of one image's level. */
export function lazyPlane(z: usize): i32 {
  return load<i32>(z, F_HL) * load<i32>(z, F_WL) * 3;
}

/** Image im's normalised level in the one-image buffer; returns the buffer. */
export function lazyLoad(z: usize, im: i32): usize {
  const t = <usize>load<u32>(z, F_TEMP);
  imageLevel(z, im, t);
  normalise(t, <usize>lazyPlane(z), load<f32>(z, F_M), load<f32>(z, F_M + 4), load<f32>(z, F_M + 8), load<f32>(z, F_M + 12), load<f32>(z, F_M + 16), load<f32>(z, F_M + 20));
  return t;
}

/** Writes the whole normalised level (once), as an eager swd_prepare would have. */
export function ensureLevel(z: usize): void {
  if (z == 0 || load<i32>(z, F_DONE)) return;
  const out = <usize>load<u32>(z, F_OUT), n = load<i32>(z, F_N), pl = <usize>lazyPlane(z);
  for (let i = 0; i < n; i++) imageLevel(z, i, out + ((<usize>i * pl) << 2));
  normalise(out, <usize>n * pl, load<f32>(z, F_M), load<f32>(z, F_M + 4), load<f32>(z, F_M + 8), load<f32>(z, F_M + 12), load<f32>(z, F_M + 16), load<f32>(z, F_M + 20));
  store<i32>(z, 1, F_DONE);
}

/** The one-image buffer (what the last lazyImage or lazyLoad left there). */
export function lazyTemp(z: usize): usize {
  return <usize>load<u32>(z, F_TEMP);
}
