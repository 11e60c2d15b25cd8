// Projection of 7x7x3 neighbourhoods onto 16 directions at a time: a GEMM
// whose A operand is read straight from the pyramid level (no descriptor
// copy). A descriptor is 7 rows of 21 contiguous floats (x, then channel),
// component k = (row * 7 + x) * 3 + c.
//
// Letters: P patches (offsets, in floats, of their top-left in the level),
// 16 directions, K = 147 components.
// Reads   level f32, offs i32 [P], dirT f32 [147][16] (k-major, zero-padded)
// Writes  out f32 [16][P] (direction-major, ready to sort; rows ps bytes apart)
//
// Strategy: two patches against 16 directions: per component, 4 direction
// loads and 2 splat loads feed 8 f32x4 mul+add (8 accumulators, 14 live
// registers); lanes are stored transposed at the end. The relaxed-SIMD build
// (metrics_relaxed) does each mul + add as one f32x4.relaxed_madd, an FMA on
// x64: 1.5x the plain build's speed here. Unrolling the 21-component loop
// (fully or per pixel) made V8's code much slower (register spills).

export const NH: i32 = 7;
export const ROW: i32 = 21; // floats per descriptor row
export const DESC: i32 = 147;

export function project16(level: usize, stride: usize, offs: usize, count: i32, dirT: usize, out: usize, ps: usize): void {
  for (let i = 0; i < count; i += 2) {
    const p0 = level + (<usize>load<i32>(offs + (<usize>i << 2)) << 2);
    const p1 = i + 1 < count ? level + (<usize>load<i32>(offs + (<usize>(i + 1) << 2)) << 2) : p0;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    let d = dirT;
    for (let r = 0; r < NH; r++) {
      const q0 = p0 + <usize>r * stride, q1 = p1 + <usize>r * stride;
      for (let c = 0; c < ROW; c++) {
        const w0 = v128.load(d), w1 = v128.load(d, 16), w2 = v128.load(d, 32), w3 = v128.load(d, 48);
        const x0 = v128.load32_splat(q0 + (<usize>c << 2)), x1 = v128.load32_splat(q1 + (<usize>c << 2));
        a0 = madd(x0, w0, a0); b0 = madd(x1, w0, b0);
        a1 = madd(x0, w1, a1); b1 = madd(x1, w1, b1);
        a2 = madd(x0, w2, a2); b2 = madd(x1, w2, b2);
        a3 = madd(x0, w3, a3); b3 = madd(x1, w3, b3);
        d += 64;
      }
    }
    const o = out + (<usize>i << 2);
    store4(o, ps, a0, 0); store4(o, ps, a1, 4); store4(o, ps, a2, 8); store4(o, ps, a3, 12);
    if (i + 1 < count) {
      const o1 = o + 4;
      store4(o1, ps, b0, 0); store4(o1, ps, b1, 4); store4(o1, ps, b2, 8); store4(o1, ps, b3, 12);
    }
  }
}

/** a * b + c: fused where the relaxed-SIMD build runs on an FMA CPU, else mul then add. */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline function store4(o: usize, ps: usize, v: v128, d0: i32): void {
  const p = o + <usize>d0 * ps;
  store<f32>(p, f32x4.extract_lane(v, 0));
  store<f32>(p + ps, f32x4.extract_lane(v, 1));
  store<f32>(p + 2 * ps, f32x4.extract_lane(v, 2));
  store<f32>(p + 3 * ps, f32x4.extract_lane(v, 3));
}

/** Patches per chunk of projectBlocks: about one image's worth, so its level rows stay in L1/L2 across all direction blocks. */
const PATCH_CHUNK: i32 = 128;

/**
 * project16 for nb blocks of 16 directions (dirT: nb consecutive [147][16]
 * blocks) into out f32 [16 nb][count]. Patches go in chunks, each against
 * every block, so the level is read from memory once per call rather than
 * once per block (at 64x64 a set's level is ~50 MB, far beyond the caches).
 */
export function projectBlocks(level: usize, stride: usize, offs: usize, count: i32, dirT: usize, nb: i32, out: usize): void {
  const ps = <usize>count << 2;
  for (let p0 = 0; p0 < count; p0 += PATCH_CHUNK) {
    const pc = min(PATCH_CHUNK, count - p0);
    for (let b = 0; b < nb; b++) {
      project16(level, stride, offs + (<usize>p0 << 2), pc, dirT + <usize>b * <usize>DESC * 64, out + <usize>b * 16 * ps + (<usize>p0 << 2), ps);
    }
  }
}
