// Sliced Wasserstein distance (ProGAN, Karras et al. 2018), the wasm side:
// one swd_prepare call per set and pyramid level, then swd_chunk for a range
// of directions against both prepared levels. JS (src/metrics/swd.ts) draws
// the patch positions and directions and averages the result.
//
// swd_prepare  img u8|f32 [n][h][w][3] -> out f32 [n][h_l][w_l][3], level l of
//              the Laplacian pyramid; with patches (count > 0): per-channel mean
//              and std over the patches' 7x7 pixels (f64, one shifted pass, as
//              coverage-weighted sums over the level's pixels) into
//              stats f64 [mean0..2, std0..2], and the level normalised in place.
//              With lazy = 1 (and patches) out is left unwritten until a
//              swd_chunk needs it (swd_lazy.ts); the images must then stay
//              as they are until the level's last swd_chunk (before reset).
// swd_chunk    for each direction (dirs f32 [ndir][147]): project both sets'
//              patches, sort, W1 -> out f64 [ndir].
import { laplacianLevel, pyramidScratchBytes } from './swd_pyramid';
import { projectBlocks, statsInit, statAt, NH, ROW, DESC, DB, PACK_BYTES, STAT_BYTES } from './swd_project';
import { sortKeys, w1Sorted, HIST_BYTES } from './swd_sort';
import { w1HistRanged, w1HistBytes } from './swd_w1';
import { planQuant, quantScaleA, quantScaleB, quantNorm, packedBytes, quantDirs, projectQuant, QDB, QBLOCK_BYTES } from './swd_quant';
import { normalise, lazyBegin, lazyImage, lazyTemp, lazyFinish, lazyDrop, lazyFind, ensureLevel } from './swd_lazy';

export const ERR_DIMS: i32 = -1;
export const ERR_BOUNDS: i32 = -2;
export const ERR_PATCH: i32 = -5;

@inline function memBytes(): u64 { return (<u64>memory.size()) << 16; }
@inline function fits(p: usize, bytes: u64): bool { return <u64>p + bytes <= memBytes(); }
@inline function a16(b: usize): usize { return (b + 15) & ~<usize>15; }

function levelSize(s: i32, level: i32): i32 {
  for (let l = 0; l < level; l++) s = (s + 1) >> 1;
  return s;
}

export function swd_prepare(img: usize, n: i32, h: i32, w: i32, isU8: i32, level: i32, lowpass: i32, offs: usize, count: i32, out: usize, stats: usize, lazy: i32): i32 {
  if (n < 1 || h < 1 || w < 1 || level < 0 || level > 24 || count < 0) return ERR_DIMS;
  const hl = levelSize(h, level), wl = levelSize(w, level);
  if (hl < 2 * NH || wl < 2 * NH) return ERR_DIMS; // the level below it is >= 7 px: reflect-101 needs >= 3
  const px = <u64>h * <u64>w * 3, pl = <u64>hl * <u64>wl * 3;
  if (!fits(img, <u64>n * px * (isU8 ? 1 : 4)) || !fits(out, <u64>n * pl * 4) || !fits(offs, <u64>count * 4) || !fits(stats, 48)) return ERR_BOUNDS;
  lazyDrop(out);
  const scratch = heap.alloc(pyramidScratchBytes(h, w));
  if (!fits(scratch, <u64>pyramidScratchBytes(h, w))) return ERR_BOUNDS;
  const isLazy = lazy != 0 && count > 0;
  if (!isLazy) {
    for (let i = 0; i < n; i++) {
      laplacianLevel(img + <usize>(<u64>i * px * (isU8 ? 1 : 4)), isU8, h, w, level, lowpass, out + <usize>(<u64>i * pl * 4), scratch);
    }
  }
  if (count == 0) return 0;
  const plane = hl * wl;
  for (let p = 0; p < count; p++) {
    const off = load<i32>(offs + (<usize>p << 2));
    if (off < 0 || off % 3 != 0) return ERR_PATCH;
    const q = off / 3, im = q / plane, r = q % plane, y = r / wl, x = r % wl;
    if (im >= n || y + NH > hl || x + NH > wl) return ERR_PATCH;
  }
  // per image, each pixel's coverage (how many of the patches hold it, with repeats)
  // from a 2-D difference array, then the stats as coverage-weighted sums over the
  // pixels: the same sums as over the patches' pixels, in another order. The
  // patches are bucketed by image first (any order is allowed), so one grid of
  // (h_l + 1) x (w_l + 1) serves every image.
  const cw = wl + 1, cp = <usize>(hl + 1) * <usize>cw;
  const first = heap.alloc((<usize>n + 1) << 2), order = heap.alloc(<usize>count << 2), grid = heap.alloc(cp << 2);
  if (!fits(first, (<u64>n + 1) * 4) || !fits(order, <u64>count * 4) || !fits(grid, <u64>cp * 4)) return ERR_BOUNDS;
  memory.fill(first, 0, (<usize>n + 1) << 2);
  for (let p = 0; p < count; p++) {
    const q = first + (<usize>(load<i32>(offs + (<usize>p << 2)) / 3 / plane + 1) << 2);
    store<i32>(q, load<i32>(q) + 1);
  }
  for (let im = 0; im < n; im++) store<i32>(first + (<usize>(im + 1) << 2), load<i32>(first + (<usize>(im + 1) << 2)) + load<i32>(first + (<usize>im << 2)));
  for (let p = 0; p < count; p++) {
    // placed at first[im]++ (first[im] ends at the next image's start; the start is first[im - 1] after, or 0)
    const q = first + (<usize>(load<i32>(offs + (<usize>p << 2)) / 3 / plane) << 2), at = load<i32>(q);
    store<i32>(order + (<usize>at << 2), load<i32>(offs + (<usize>p << 2)) / 3);
    store<i32>(q, at + 1);
  }
  const cnt = <f64>count * <f64>(NH * NH);
  // lazy: the level image by image in one image's buffer (swd_lazy.ts), image 0 first for the shifts
  let z: usize = 0, first0 = out;
  if (isLazy) {
    const temp = heap.alloc(<usize>pl * 4);
    if (!fits(temp, <u64>pl * 4)) return ERR_BOUNDS;
    z = lazyBegin(out, img, n, h, w, isU8, level, lowpass, hl, wl, scratch, temp);
    first0 = lazyImage(z, 0);
  }
  // the shifts: the level's first pixel (a value of the data, and the same whatever the patches' order)
  const s0 = <f64>load<f32>(first0), s1 = <f64>load<f32>(first0, 4), s2 = <f64>load<f32>(first0, 8);
  coverageSums(first, order, n, plane, wl, hl, grid, out, s0, s1, s2, stats, z);
  const q0 = load<f64>(stats) / cnt, q1 = load<f64>(stats, 8) / cnt, q2 = load<f64>(stats, 16) / cnt;
  const m0 = s0 + q0, m1 = s1 + q1, m2 = s2 + q2;
  const sd0 = Math.sqrt(max(0, load<f64>(stats, 24) / cnt - q0 * q0)), sd1 = Math.sqrt(max(0, load<f64>(stats, 32) / cnt - q1 * q1)), sd2 = Math.sqrt(max(0, load<f64>(stats, 40) / cnt - q2 * q2));
  store<f64>(stats, m0); store<f64>(stats, m1, 8); store<f64>(stats, m2, 16);
  store<f64>(stats, sd0, 24); store<f64>(stats, sd1, 32); store<f64>(stats, sd2, 40);
  // a constant channel keeps scale 1 (its components are all 0 after centring)
  const i0 = <f32>(sd0 > 0 ? 1 / sd0 : 1), i1 = <f32>(sd1 > 0 ? 1 / sd1 : 1), i2 = <f32>(sd2 > 0 ? 1 / sd2 : 1);
  if (isLazy) lazyFinish(z, <f32>m0, <f32>m1, <f32>m2, i0, i1, i2);
  else normalise(out, <usize>n * <usize>pl, <f32>m0, <f32>m1, <f32>m2, i0, i1, i2);
  return 0;
}

/**
 * One pass of per-channel sums over the level (out), each pixel weighted by
 * its coverage cov (see coverage): into dst f64 [6], sum cov * (x - s_c) for
 * c = 0..2, then sum cov * (x - s_c)^2 (s_c: a shift among the data, so the
 * variance E[d^2] - E[d]^2 does not cancel; a constant channel gives exactly
 * 0). Four pixels (12 floats, three f32x4) a step in f64x2 lanes, whose
 * channel pairs are (0,1) (2,0) (1,2) (0,1) (2,0) (1,2); scalar for the
 * row's last pixels. Replaces a two-pass version (mean, then squares about
 * it), which read the level twice.
 */
function coverageSums(first: usize, order: usize, n: i32, plane: i32, wl: i32, hl: i32, grid: usize, out: usize, s0: f64, s1: f64, s2: f64, dst: usize, lazy: usize): void {
  const cw = wl + 1, w4 = wl & ~3;
  const sA = f64x2(s0, s1), sB = f64x2(s2, s0), sC = f64x2(s1, s2);
  let pA = f64x2.splat(0), pB = f64x2.splat(0), pC = f64x2.splat(0); // sums of cov d, by channel pair
  let qA = f64x2.splat(0), qB = f64x2.splat(0), qC = f64x2.splat(0); // sums of cov d^2
  let r0: f64 = 0, r1: f64 = 0, r2: f64 = 0, t0: f64 = 0, t1: f64 = 0, t2: f64 = 0; // the scalar pixels'
  for (let im = 0; im < n; im++) {
    // lazy: every image's level goes through the one-image buffer (image 0 is there already), patches or not (its min and max count)
    const lv = lazy ? (im == 0 ? lazyTemp(lazy) : lazyImage(lazy, im)) : out + ((<usize>im * <usize>plane * 3) << 2);
    if (!coverage(first, order, im, plane, wl, hl, grid)) continue;
    for (let y = 0; y < hl; y++) {
      const cr = grid + ((<usize>y * cw) << 2), lr = lv + ((<usize>(y * wl) * 3) << 2);
      for (let x = 0; x < w4; x += 4) {
        const K = v128.load(cr + (<usize>x << 2)), v = lr + (<usize>x * 12);
        const k01 = f64x2.convert_low_i32x4_s(K), k23 = f64x2.convert_low_i32x4_s(i8x16.shuffle(K, K, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
        const x0 = v128.load(v), x1 = v128.load(v, 16), x2 = v128.load(v, 32);
        let d = f64x2.sub(f64x2.promote_low_f32x4(x0), sA), kd = f64x2.mul(f64x2.splat(f64x2.extract_lane(k01, 0)), d);
        pA = f64x2.add(pA, kd); qA = f64x2.add(qA, f64x2.mul(kd, d));
        d = f64x2.sub(f64x2.promote_low_f32x4(i8x16.shuffle(x0, x0, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), sB); kd = f64x2.mul(k01, d);
        pB = f64x2.add(pB, kd); qB = f64x2.add(qB, f64x2.mul(kd, d));
        d = f64x2.sub(f64x2.promote_low_f32x4(x1), sC); kd = f64x2.mul(f64x2.splat(f64x2.extract_lane(k01, 1)), d);
        pC = f64x2.add(pC, kd); qC = f64x2.add(qC, f64x2.mul(kd, d));
        d = f64x2.sub(f64x2.promote_low_f32x4(i8x16.shuffle(x1, x1, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), sA); kd = f64x2.mul(f64x2.splat(f64x2.extract_lane(k23, 0)), d);
        pA = f64x2.add(pA, kd); qA = f64x2.add(qA, f64x2.mul(kd, d));
        d = f64x2.sub(f64x2.promote_low_f32x4(x2), sB); kd = f64x2.mul(k23, d);
        pB = f64x2.add(pB, kd); qB = f64x2.add(qB, f64x2.mul(kd, d));
        d = f64x2.sub(f64x2.promote_low_f32x4(i8x16.shuffle(x2, x2, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), sC); kd = f64x2.mul(f64x2.splat(f64x2.extract_lane(k23, 1)), d);
        pC = f64x2.add(pC, kd); qC = f64x2.add(qC, f64x2.mul(kd, d));
      }
      for (let x = w4; x < wl; x++) {
        const k = <f64>load<i32>(cr + (<usize>x << 2)), v = lr + (<usize>x * 12);
        const d0 = <f64>load<f32>(v) - s0, d1 = <f64>load<f32>(v, 4) - s1, d2 = <f64>load<f32>(v, 8) - s2;
        r0 += k * d0; t0 += k * d0 * d0;
        r1 += k * d1; t1 += k * d1 * d1;
        r2 += k * d2; t2 += k * d2 * d2;
      }
    }
  }
  store<f64>(dst, f64x2.extract_lane(pA, 0) + f64x2.extract_lane(pB, 1) + r0);
  store<f64>(dst, f64x2.extract_lane(pA, 1) + f64x2.extract_lane(pC, 0) + r1, 8);
  store<f64>(dst, f64x2.extract_lane(pB, 0) + f64x2.extract_lane(pC, 1) + r2, 16);
  store<f64>(dst, f64x2.extract_lane(qA, 0) + f64x2.extract_lane(qB, 1) + t0, 24);
  store<f64>(dst, f64x2.extract_lane(qA, 1) + f64x2.extract_lane(qC, 0) + t1, 32);
  store<f64>(dst, f64x2.extract_lane(qB, 0) + f64x2.extract_lane(qC, 1) + t2, 40);
}

/**
 * Image im's coverage into grid ((hl + 1) x (wl + 1) i32; row y, column x <
 * wl hold how many of its patches cover pixel (y, x)): 4 updates of a 2-D
 * difference array per patch, then running sums. The image's patches are
 * order[start, end) (pixel indices in the level), start = first[im - 1] (0 for
 * im = 0), end = first[im]. Returns false for an image without patches.
 */
function coverage(first: usize, order: usize, im: i32, plane: i32, wl: i32, hl: i32, grid: usize): bool {
  const p0 = im == 0 ? 0 : load<i32>(first + (<usize>(im - 1) << 2)), p1 = load<i32>(first + (<usize>im << 2));
  if (p0 == p1) return false;
  const cw = wl + 1;
  memory.fill(grid, 0, (<usize>(hl + 1) * <usize>cw) << 2);
  const e = <usize>NH << 2, f = <usize>(NH * cw) << 2;
  for (let p = p0; p < p1; p++) {
    const r = load<i32>(order + (<usize>p << 2)) - im * plane, y = r / wl, x = r % wl;
    const d = grid + (<usize>(y * cw + x) << 2);
    store<i32>(d, load<i32>(d) + 1); store<i32>(d + e, load<i32>(d + e) - 1);
    store<i32>(d + f, load<i32>(d + f) - 1); store<i32>(d + f + e, load<i32>(d + f + e) + 1);
  }
  for (let y = 0; y < hl; y++) {
    const row = grid + (<usize>(y * cw) << 2);
    let run = 0;
    for (let x = 0; x < wl; x++) {
      run += load<i32>(row + (<usize>x << 2));
      store<i32>(row + (<usize>x << 2), y > 0 ? run + load<i32>(row - (<usize>cw << 2) + (<usize>x << 2)) : run);
    }
  }
  return true;
}

/** How swd_chunk computes W1: 0 through the bins (swd_w1.ts) where it can, else by sorting; 1 always by sorting. */
let w1Mode: i32 = 0;

/** Sets the W1 method (tests compare the two); returns the previous one. */
export function swd_w1_mode(mode: i32): i32 {
  const old = w1Mode;
  w1Mode = mode == 1 ? 1 : 0;
  return old;
}

/** How swd_chunk projects: 0 in i16 where the data allow it (swd_quant.ts), else f32; 1 always in f32. */
let projMode: i32 = 0;

/** Sets the projection method (tests compare the two); returns the previous one. */
export function swd_projection_mode(mode: i32): i32 {
  const old = projMode;
  projMode = mode == 1 ? 1 : 0;
  return old;
}

/**
 * Directions projected per pass over the patches (the block): 72 (6 blocks of
 * 12, 9 of 8) where memory allows, down to 24 for big sets (see
 * swd_scratch_bytes: the block's projections of both sets are the largest
 * part of the scratch). The JS side sends tasks of a multiple of 12. The
 * block changes only the order of the work: every direction's W1 is the same
 * whatever the block.
 */
const DIR_BLOCK: i32 = 72;
const DIR_BLOCK_STEP: i32 = 24; // a multiple of both projections' direction blocks (DB = 12, QDB = 8)

@inline function blockValid(block: i32): bool { return block >= DIR_BLOCK_STEP && block <= DIR_BLOCK && block % DIR_BLOCK_STEP == 0; }

/** Slots of the open-addressing table that finds repeated patch positions (a power of two >= 2 count). */
function tableSlots(count: i32): usize {
  let t: usize = 16;
  while (t < (<usize>count << 1)) t <<= 1;
  return t;
}

/**
 * Scratch bytes swd_chunk needs for ca and cb patches, projecting `block`
 * directions a pass (24, 48 or 72), with (quant = 1) or without (0) the
 * i16 path's packed descriptors (296 bytes a patch and set); 0 for a bad block.
 */
export function swd_scratch_bytes(ca: i32, cb: i32, block: i32, quant: i32): f64 {
  return <f64>scratchBytes(ca, cb, block, quant);
}

function scratchBytes(ca: i32, cb: i32, block: i32, quant: i32): u64 {
  if (ca < 1 || cb < 1 || !blockValid(block)) return 0;
  const D = <u64>block, mx = <u64>max(ca, cb), na = <u64>ca, nb = <u64>cb;
  const q = quant != 0;
  return <u64>a16(<usize>DESC * DIR_BLOCK * 4) + a16w(na * D * 4) + a16w(nb * D * 4) + 3 * a16w(mx * 4) + <u64>HIST_BYTES +
    2 * a16w(na * 4) + 2 * a16w(nb * 4) + a16w(<u64>tableSlots(max(ca, cb)) * 8) + <u64>w1HistBytes(ca, cb) + a16w(na * 4) + a16w(nb * 4) + <u64>a16(PACK_BYTES) +
    2 * <u64>(DIR_BLOCK / DB) * STAT_BYTES + (q ? a16w(<u64>packedBytes(ca)) + a16w(<u64>packedBytes(cb)) : 0) + <u64>(DIR_BLOCK / QDB) * QBLOCK_BYTES + 2 * <u64>DIR_BLOCK * 4 + 16;
}

@inline function a16w(b: u64): u64 { return (b + 15) & ~<u64>15; }

/**
 * Bytes swd_prepare allocates itself for n images of h x w, level `level`
 * and count patches (its pyramid scratch, the patches' bookkeeping and, lazy,
 * one image's level; each allocation with the heap's alignment and header), so callers can size a
 * whole level before they start.
 */
export function swd_prepare_bytes(n: i32, h: i32, w: i32, level: i32, count: i32): f64 {
  if (n < 1 || h < 1 || w < 1 || level < 0 || level > 24 || count < 0) return 0;
  const hl = levelSize(h, level), wl = levelSize(w, level);
  const slack: u64 = 32;
  let b = <u64>pyramidScratchBytes(h, w) + slack;
  if (count > 0) b += ((<u64>n + 1) << 2) + slack + (<u64>count << 2) + slack + ((<u64>(hl + 1) * <u64>(wl + 1)) << 2) + slack;
  // lazy = 1: one image's level (counted either way)
  if (count > 0) b += ((<u64>hl * <u64>wl * 3) << 2) + slack;
  return <f64>b;
}

/**
 * Unique patch offsets, in order of first appearance, into uniq, and for each
 * patch the index of its offset there into map; returns how many are unique.
 * (At 16 px a level has 100 positions per image for 128 draws, so about a
 * third of the patches repeat; each is projected once and gathered.)
 * table: tableSlots(count) slots of (offset + 1, index), zeroed here.
 */
function dedupe(offs: usize, count: i32, uniq: usize, map: usize, table: usize): i32 {
  const slots = tableSlots(count), mask = slots - 1, shift = <u32>32 - <u32>ctz(slots); // Fibonacci hashing: the product's top bits
  memory.fill(table, 0, slots << 3);
  let nu = 0;
  for (let p = 0; p < count; p++) {
    const off = load<i32>(offs + (<usize>p << 2));
    let h = <usize>((<u32>off * <u32>0x9e3779b1) >> shift);
    let idx = -1;
    while (true) {
      const e = table + (h << 3);
      const k = load<i32>(e);
      if (k == 0) { store<i32>(e, off + 1); store<i32>(e, nu, 4); store<i32>(uniq + (<usize>nu << 2), off); idx = nu++; break; }
      if (k == off + 1) { idx = load<i32>(e, 4); break; }
      h = (h + 1) & mask;
    }
    store<i32>(map + (<usize>p << 2), idx);
  }
  return nu;
}

/** w[u] = how many p < count have map[p] == u, for u < nu. */
function multiplicities(map: usize, count: i32, w: usize, nu: i32): void {
  memory.fill(w, 0, <usize>nu << 2);
  for (let p = 0; p < count; p++) {
    const q = w + (<usize>load<i32>(map + (<usize>p << 2)) << 2);
    store<i32>(q, load<i32>(q) + 1);
  }
}

/** dst[p] = src[map[p]] for p < count (f32 bit patterns). */
function gather(src: usize, map: usize, count: i32, dst: usize): void {
  for (let p = 0; p < count; p++) {
    store<u32>(dst + (<usize>p << 2), load<u32>(src + (<usize>load<i32>(map + (<usize>p << 2)) << 2)));
  }
}

function checkOffsets(offs: usize, count: i32, len: i64, stride: i64): bool {
  const span = <i64>(NH - 1) * stride + ROW;
  for (let p = 0; p < count; p++) {
    const off = <i64>load<i32>(offs + (<usize>p << 2));
    if (off < 0 || off + span > len) return false;
  }
  return true;
}

/** A hash of count offsets' values (so swd_chunk's reuse can tell other offsets at the same address). */
function offsetsHash(offs: usize, count: i32): u64 {
  let h: u64 = 0x9e3779b97f4a7c15;
  for (let p = 0; p < count; p++) h = (h ^ <u64>load<u32>(offs + (<usize>p << 2))) * 0x100000001b3;
  return h;
}

/** What the last swd_chunk call found repeated (see reuse): for which offsets, counts and scratch, and the distinct counts. */
let keptOa: usize = 0, keptOb: usize = 0, keptHashA: u64 = 0, keptHashB: u64 = 0, keptScratch: usize = 0, keptCa: i32 = 0, keptCb: i32 = 0, keptNua: i32 = 0, keptNub: i32 = 0;
/** And the i16 packing it made (swd_quant.ts): the sets' scales (0: the f32 path) and the largest packed descriptor norm; keptMode: the projection mode it ran under. */
let keptScaleA: f64 = 0, keptScaleB: f64 = 0, keptQnorm: f64 = 0, keptMode: i32 = -1;
/** And the block and packing choice it ran with (the scratch's layout depends on them). */
let keptBlock: i32 = 0, keptQuant = false;
/** Whether the kept values hold (false while a call runs, so a call that stops part-way keeps nothing). */
let keptValid = false;

/**
 * reuse = 1: the caller promises that the scratch is as the previous call
 * left it (the next directions of one level), so the repeated positions that
 * call found are taken from the scratch instead of found again. Only the
 * scratch is taken on trust: with other offsets (by address, count or a hash
 * of their values) they are found again.
 * (The kept globals are a key, never dereferenced; the data stay in the
 * caller's scratch.)
 */
export function swd_chunk(la: usize, lenA: i32, oa: usize, ca: i32, lb: usize, lenB: i32, ob: usize, cb: i32,
  stride: i32, dirs: usize, ndir: i32, scratch: usize, out: usize, reuse: i32, block: i32, quant: i32): i32 {
  if (ca < 1 || cb < 1 || ndir < 1 || stride < ROW || lenA < 0 || lenB < 0 || !blockValid(block)) return ERR_DIMS;
  const sb = scratchBytes(ca, cb, block, quant);
  if (!fits(la, <u64>lenA * 4) || !fits(lb, <u64>lenB * 4) || !fits(oa, <u64>ca * 4) || !fits(ob, <u64>cb * 4) ||
    !fits(dirs, <u64>ndir * <u64>DESC * 4) || !fits(scratch, sb) || !fits(out, <u64>ndir * 8)) return ERR_BOUNDS;
  if (!checkOffsets(oa, ca, lenA, stride) || !checkOffsets(ob, cb, lenB, stride)) return ERR_PATCH;
  const hashA = offsetsHash(oa, ca), hashB = offsetsHash(ob, cb);
  const D = <usize>block, mx = <usize>max(ca, cb), useQ = quant != 0;
  const dirT = a16(scratch);
  const pa = dirT + a16(<usize>DESC * DIR_BLOCK * 4), pb = pa + a16(<usize>ca * D * 4);
  const rowA = pb + a16(<usize>cb * D * 4), rowB = rowA + a16(mx * 4), tmp = rowB + a16(mx * 4);
  const hist = tmp + a16(mx * 4);
  const ua = hist + HIST_BYTES, ma = ua + a16(<usize>ca * 4), ub = ma + a16(<usize>ca * 4), mb = ub + a16(<usize>cb * 4);
  const table = mb + a16(<usize>cb * 4), wA = table + a16(tableSlots(max(ca, cb)) * 8), wB = wA + a16(<usize>ca * 4);
  const pk = wB + a16(<usize>cb * 4), stA = pk + a16(PACK_BYTES), stB = stA + <usize>(DIR_BLOCK / DB) * STAT_BYTES;
  const pqA = stB + <usize>(DIR_BLOCK / DB) * STAT_BYTES, pqB = pqA + (useQ ? a16(packedBytes(ca)) : 0), dq = pqB + (useQ ? a16(packedBytes(cb)) : 0);
  const invA = dq + <usize>(DIR_BLOCK / QDB) * QBLOCK_BYTES, invB = invA + <usize>DIR_BLOCK * 4;
  const hs = invB + <usize>DIR_BLOCK * 4;
  // each distinct position is projected once (rows of pa / pb hold nua / nub
  // values) where that saves a twentieth or more (at 32 px, 128 draws among 676
  // positions repeat about 9%); otherwise the patches as given
  const kept = reuse == 1 && keptValid && keptOa == oa && keptOb == ob && keptHashA == hashA && keptHashB == hashB && keptCa == ca && keptCb == cb && keptScratch == scratch && keptMode == projMode && keptBlock == block && keptQuant == useQ;
  keptValid = false;
  let nua = kept ? keptNua : dedupe(oa, ca, ua, ma, table), nub = kept ? keptNub : dedupe(ob, cb, ub, mb, table);
  const gA = <i64>nua * 20 <= <i64>ca * 19, gB = <i64>nub * 20 <= <i64>cb * 19;
  // how often each distinct position was drawn: W1 through the bins takes the distinct projections with these weights
  if (!kept) {
    if (gA) multiplicities(ma, ca, wA, nua);
    if (gB) multiplicities(mb, cb, wB, nub);
  }
  keptOa = oa; keptOb = ob; keptHashA = hashA; keptHashB = hashB; keptCa = ca; keptCb = cb; keptScratch = scratch; keptNua = nua; keptNub = nub; keptValid = true;
  if (!gA) nua = ca;
  if (!gB) nub = cb;
  const rs = <usize>stride << 2;
  // lazily prepared levels (swd_lazy.ts): packed from each image's level, or written before a path reads them
  const zA = lazyFind(la, lenA, rs), zB = lazyFind(lb, lenB, rs);
  // the i16 path: both sets' patches packed once per level (the following chunks of the level take them from the scratch)
  let scA = kept ? keptScaleA : 0, scB = kept ? keptScaleB : 0, qnorm = kept ? keptQnorm : 0;
  if (!kept && projMode == 0 && useQ) {
    if (planQuant(la, lenA, gA ? ua : oa, nua, pqA, lb, lenB, gB ? ub : ob, nub, pqB, rs, zA, zB)) { scA = quantScaleA; scB = quantScaleB; qnorm = quantNorm; }
  }
  keptScaleA = scA; keptScaleB = scB; keptQnorm = qnorm; keptMode = projMode; keptBlock = block; keptQuant = useQ;
  for (let s0 = 0; s0 < ndir; s0 += block) {
    const ns = min(block, ndir - s0), nb = (ns + DB - 1) / DB;
    // each direction's min, max and sum |x| come from the projection's epilogue (W1's bins need them);
    // the i16 path's blocks of 8 may reach past the last block of 12 (36 directions: 40), so set up both counts
    const nst = max(nb, ((ns + QDB - 1) / QDB * QDB + DB - 1) / DB);
    statsInit(stA, nst); statsInit(stB, nst);
    const src = dirs + <usize>s0 * <usize>DESC * 4;
    if (scA > 0 && scB > 0 && quantDirs(src, ns, qnorm, scA, scB, dq, invA, invB)) {
      const nq = (ns + QDB - 1) / QDB;
      projectQuant(pqA, nua, dq, nq, pa, stA, invA);
      projectQuant(pqB, nub, dq, nq, pb, stB, invB);
    } else {
      ensureLevel(zA); ensureLevel(zB);
      // dirT: nb blocks of [147][12], k-major, the last block zero-padded
      memory.fill(dirT, 0, <usize>nb * <usize>DESC * <usize>DB * 4);
      for (let d = 0; d < ns; d++) {
        const blk = dirT + <usize>(d / DB) * <usize>DESC * <usize>DB * 4 + (<usize>(d % DB) << 2);
        for (let k = 0; k < DESC; k++) store<f32>(blk + <usize>k * <usize>DB * 4, load<f32>(src + <usize>d * <usize>DESC * 4 + (<usize>k << 2)));
      }
      projectBlocks(la, rs, gA ? ua : oa, nua, dirT, nb, pa, pk, stA);
      projectBlocks(lb, rs, gB ? ub : ob, nub, dirT, nb, pb, pk, stB);
    }
    for (let d = 0; d < ns; d++) {
      let ra = pa + <usize>d * <usize>nua * 4, rb = pb + <usize>d * <usize>nub * 4;
      if (w1Mode == 0) {
        const qa = statAt(stA, d), qb = statAt(stB, d);
        // a NaN or infinite projection makes its sum non-finite: those go to the sort path
        const sum = <f64>load<f32>(qa, 96) + <f64>load<f32>(qb, 96);
        if (isFinite(sum)) {
          const lo = min(load<f32>(qa), load<f32>(qb)), hi = max(load<f32>(qa, 48), load<f32>(qb, 48));
          const w = w1HistRanged(ra, nua, gA ? wA : 0, ca, rb, nub, gB ? wB : 0, cb, hs, lo, hi, <f32>(sum / (<f64>ca + <f64>cb)));
          if (w >= 0) { store<f64>(out + (<usize>(s0 + d) << 3), w); continue; }
        }
      }
      if (gA) { gather(ra, ma, ca, rowA); ra = rowA; }
      if (gB) { gather(rb, mb, cb, rowB); rb = rowB; }
      // the sort path: sorted keys land in the scratch row given: A's in tmp; B's in A's own
      // row, free by then, where it holds cb values (rowA holds max(ca, cb);
      // a row of pa only ca), else in tmp after A's keys are copied back
      const ka = sortKeys(ra, ca, tmp, hist);
      if (gA || cb <= ca) {
        const kb = sortKeys(rb, cb, ra, hist);
        store<f64>(out + (<usize>(s0 + d) << 3), w1Sorted(ka, ca, kb, cb));
      } else {
        memory.copy(ra, ka, <usize>ca << 2);
        const kb = sortKeys(rb, cb, tmp, hist);
        store<f64>(out + (<usize>(s0 + d) << 3), w1Sorted(ra, ca, kb, cb));
      }
    }
  }
  return 0;
}
