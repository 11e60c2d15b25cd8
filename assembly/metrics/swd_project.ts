// Projection of 7x7x3 neighbourhoods onto the directions: a GEMM whose A
// operand is gathered from the pyramid level. A descriptor is 7 rows of 21
// contiguous floats (x, then channel), component k = (row * 7 + x) * 3 + c.
//
// Letters: P patches (offsets, in floats, of their top-left in the level),
// K = 147 components, DB = 12 directions a block.
// Reads   level f32, offs i32 [P], dirT f32 nb x [147][12] (k-major, zero-padded)
// Writes  out f32 [12 nb][P] (direction-major, ready for W1; rows ps bytes apart)
//
// Strategy: patches go in chunks of PATCH_CHUNK (about one image's worth),
// each packed once into contiguous descriptors (pk, [chunk][147]), then
// multiplied with every direction block: the block (7 KB) stays in L1 while
// the packed chunk streams from L2. The relaxed-SIMD build's micro-kernel
// (metrics_relaxed: f32x4.relaxed_madd, an FMA on x64) takes three patches
// against 12 directions: per component, 3 direction loads and 3 splat loads
// feed 9 FMAs into 9 accumulators (V8 keeps all six loads in registers, so 15
// of the 16 xmm registers are live; a fourth patch spills). The plain build's
// takes two patches (6 accumulators), as its mul + add needs a temporary
// register. Each output is the sum over k in order 0..146 of x_k * w_k (fused
// or not as the build says), so it does not depend on the tiling; in the
// relaxed build the numbers are those of the earlier 2-patch x 16-direction
// kernel, bit for bit. Interleaved A/B on one thread (300 vs 300, all 3
// levels, swd_chunk time including W1): 2-4% faster with FMA, 6% in the plain
// build.

export const NH: i32 = 7;
export const ROW: i32 = 21; // floats per descriptor row
export const DESC: i32 = 147;
/** Directions per block of dirT (the micro-kernel's width). */
export const DB: i32 = 12;
/** Patches per packed chunk. */
export const PATCH_CHUNK: i32 = 128;
const DBYTES: usize = <usize>DESC * 4; // one packed descriptor
const BLOCK_BYTES: usize = <usize>DESC * <usize>DB * 4; // one direction block

/** Bytes of the packing buffer projectBlocks needs (a chunk rounded up to whole tiles of up to 3 patches). */
export const PACK_BYTES: usize = <usize>(PATCH_CHUNK + 2) * DBYTES;

/** a * b + c: fused where the relaxed-SIMD build runs on an FMA CPU, else mul then add. */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** v's 4 lanes (4 directions' values for one patch) into rows d0..d0+3 of out at o (rows ps bytes apart). */
@inline export function store4(o: usize, ps: usize, v: v128, d0: i32): void {
  const p = o + <usize>d0 * ps;
  store<f32>(p, f32x4.extract_lane(v, 0));
  store<f32>(p + ps, f32x4.extract_lane(v, 1));
  store<f32>(p + 2 * ps, f32x4.extract_lane(v, 2));
  store<f32>(p + 3 * ps, f32x4.extract_lane(v, 3));
}

/** Copies pc descriptors into pk [pc][147], then repeats the last one up to a multiple of TILE. */
function pack(level: usize, stride: usize, offs: usize, pc: i32, pk: usize): void {
  for (let i = 0; i < pc; i++) {
    const p = level + (<usize>load<i32>(offs + (<usize>i << 2)) << 2);
    const o = pk + <usize>i * DBYTES;
    for (let r = 0; r < NH; r++) {
      const q = p + <usize>r * stride, w = o + <usize>r * (ROW * 4);
      v128.store(w, v128.load(q)); v128.store(w, v128.load(q, 16), 16); v128.store(w, v128.load(q, 32), 32);
      v128.store(w, v128.load(q, 48), 48); v128.store(w, v128.load(q, 64), 64); store<f32>(w, load<f32>(q, 80), 80);
    }
  }
  for (let i = pc; i % TILE != 0; i++) memory.copy(pk + <usize>i * DBYTES, pk + <usize>(pc - 1) * DBYTES, DBYTES);
}

/**
 * Per-direction statistics of a block's outputs, kept up to date in the
 * micro-kernel's epilogue (W1 needs them and would otherwise read every row
 * once more for them): STAT_BYTES per block of 12 directions, f32 lanes
 * [min 12][max 12][sum |x| 12] (direction j of the block at byte 4 j of each
 * part). statsInit sets min +inf, max -inf, sums 0. The sums run tile by tile
 * in patch order (f32), so they do not depend on how the directions are
 * split into tasks. A NaN or infinite output makes its sum non-finite.
 */
export const STAT_BYTES: usize = 144;

export function statsInit(st: usize, nb: i32): void {
  for (let b = 0; b < nb; b++) {
    const q = st + <usize>b * STAT_BYTES;
    for (let j = 0; j < 3; j++) {
      v128.store(q + (<usize>j << 4), f32x4.splat(Infinity));
      v128.store(q + (<usize>j << 4), f32x4.splat(-Infinity), 48);
      v128.store(q + (<usize>j << 4), f32x4.splat(0), 96);
    }
  }
}

/** Where direction d's statistics start (its min; max at +48, sum |x| at +96). */
@inline export function statAt(st: usize, d: i32): usize {
  return st + <usize>(d / DB) * STAT_BYTES + (<usize>(d % DB) << 2);
}

/**
 * One tile's outputs for 4 directions (x, y, z, u: its patches, nv of them
 * real; the rest repeat the last patch, which min / max may take but the sums
 * must not) into the statistics at q (from statAt).
 */
@inline export function statTile(q: usize, x: v128, y: v128, z: v128, u: v128, nv: i32): void {
  v128.store(q, f32x4.pmin(f32x4.pmin(v128.load(q), f32x4.pmin(x, y)), f32x4.pmin(z, u)));
  v128.store(q, f32x4.pmax(f32x4.pmax(v128.load(q, 48), f32x4.pmax(x, y)), f32x4.pmax(z, u)), 48);
  let t = f32x4.abs(x);
  if (nv > 1) t = f32x4.add(t, f32x4.abs(y));
  if (nv > 2) t = f32x4.add(t, f32x4.abs(z));
  if (nv > 3) t = f32x4.add(t, f32x4.abs(u));
  v128.store(q, f32x4.add(v128.load(q, 96), t), 96);
}

/** Patches a micro-kernel tile takes: 3 with FMA; 2 in the plain build, whose separate mul + add need a temporary register (3 spills there). */
const TILE: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 2;

/**
 * Packed patches [pc][147] (padded to a multiple of TILE) against one block of
 * 12 directions into out rows (ps bytes apart). One body for both builds: the
 * third patch's lines are under ASC_FEATURE_RELAXED_SIMD, a compile-time
 * constant, so the plain build compiles to the 2-patch kernel (its c
 * accumulators unused, its stats taking b for the third patch).
 */
function project12(pk: usize, pc: i32, blk: usize, out: usize, ps: usize, st: usize): void {
  for (let i = 0; i < pc; i += TILE) {
    let x = pk + <usize>i * DBYTES;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0);
    let d = blk;
    const e = blk + BLOCK_BYTES;
    while (d < e) {
      const w0 = v128.load(d), w1 = v128.load(d, 16), w2 = v128.load(d, 32);
      let s = v128.load32_splat(x);
      a0 = madd(s, w0, a0); a1 = madd(s, w1, a1); a2 = madd(s, w2, a2);
      s = v128.load32_splat(x, DBYTES);
      b0 = madd(s, w0, b0); b1 = madd(s, w1, b1); b2 = madd(s, w2, b2);
      if (ASC_FEATURE_RELAXED_SIMD) {
        s = v128.load32_splat(x, 2 * DBYTES);
        c0 = madd(s, w0, c0); c1 = madd(s, w1, c1); c2 = madd(s, w2, c2);
      }
      d += DB * 4;
      x += 4;
    }
    const o = out + (<usize>i << 2);
    store4(o, ps, a0, 0); store4(o, ps, a1, 4); store4(o, ps, a2, 8);
    if (i + 1 < pc) { store4(o + 4, ps, b0, 0); store4(o + 4, ps, b1, 4); store4(o + 4, ps, b2, 8); }
    if (ASC_FEATURE_RELAXED_SIMD && i + 2 < pc) { store4(o + 8, ps, c0, 0); store4(o + 8, ps, c1, 4); store4(o + 8, ps, c2, 8); }
    // the tile's padding repeats the last patch: min / max take it, the sums do not
    const nv = min(TILE, pc - i);
    if (ASC_FEATURE_RELAXED_SIMD) { statTile(st, a0, b0, c0, c0, nv); statTile(st + 16, a1, b1, c1, c1, nv); statTile(st + 32, a2, b2, c2, c2, nv); }
    else { statTile(st, a0, b0, b0, b0, nv); statTile(st + 16, a1, b1, b1, b1, nv); statTile(st + 32, a2, b2, b2, b2, nv); }
  }
}

/**
 * All count patches against nb blocks of 12 directions (dirT: nb consecutive
 * [147][12] blocks) into out f32 [12 nb][count], and each direction's min,
 * max and sum |x| into stats (nb x STAT_BYTES, set up by statsInit; it adds
 * to them). pk: PACK_BYTES of scratch.
 * The level is read once per call (at 64x64 a set's level is ~50 MB, far
 * beyond the caches), each chunk's patches packed once for all blocks.
 */
export function projectBlocks(level: usize, stride: usize, offs: usize, count: i32, dirT: usize, nb: i32, out: usize, pk: usize, stats: usize): void {
  const ps = <usize>count << 2;
  for (let p0 = 0; p0 < count; p0 += PATCH_CHUNK) {
    const pc = min(PATCH_CHUNK, count - p0);
    pack(level, stride, offs + (<usize>p0 << 2), pc, pk);
    for (let b = 0; b < nb; b++) {
      project12(pk, pc, dirT + <usize>b * BLOCK_BYTES, out + <usize>b * <usize>DB * ps + (<usize>p0 << 2), ps, stats + <usize>b * STAT_BYTES);
    }
  }
}
