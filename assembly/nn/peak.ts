// The machine's wasm SIMD peak, for the benchmark: 12 independent chains of
// a = a*m + b on f32x4 (one mul + one add = 8 FLOP per chain per iteration),
// enough chains to cover the mul+add latency with both FP pipes busy. The FMA
// variant does a = relaxed_madd(a, m, b) (also 8 FLOP) and exists only in the
// relaxed-SIMD build. The chains' sum is returned so nothing is optimised away.

/** `iters` iterations of 12 mul+add chains; returns the lanes' sum. */
export function peakMulAdd(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(0.9999999), b = f32x4.splat(1e-7);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9), a10 = f32x4.splat(seed + 10), a11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iters; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), b); a1 = f32x4.add(f32x4.mul(a1, m), b);
    a2 = f32x4.add(f32x4.mul(a2, m), b); a3 = f32x4.add(f32x4.mul(a3, m), b);
    a4 = f32x4.add(f32x4.mul(a4, m), b); a5 = f32x4.add(f32x4.mul(a5, m), b);
    a6 = f32x4.add(f32x4.mul(a6, m), b); a7 = f32x4.add(f32x4.mul(a7, m), b);
    a8 = f32x4.add(f32x4.mul(a8, m), b); a9 = f32x4.add(f32x4.mul(a9, m), b);
    a10 = f32x4.add(f32x4.mul(a10, m), b); a11 = f32x4.add(f32x4.mul(a11, m), b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}

/** The same with one fused multiply-add per chain and iteration (relaxed SIMD builds only; 0 otherwise). */
export function peakFma(iters: i32, seed: f32): f32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 0;
  const m = f32x4.splat(0.9999999), b = f32x4.splat(1e-7);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  let a8 = f32x4.splat(seed + 8), a9 = f32x4.splat(seed + 9), a10 = f32x4.splat(seed + 10), a11 = f32x4.splat(seed + 11);
  for (let i = 0; i < iters; i++) {
    a0 = f32x4.relaxed_madd(a0, m, b); a1 = f32x4.relaxed_madd(a1, m, b);
    a2 = f32x4.relaxed_madd(a2, m, b); a3 = f32x4.relaxed_madd(a3, m, b);
    a4 = f32x4.relaxed_madd(a4, m, b); a5 = f32x4.relaxed_madd(a5, m, b);
    a6 = f32x4.relaxed_madd(a6, m, b); a7 = f32x4.relaxed_madd(a7, m, b);
    a8 = f32x4.relaxed_madd(a8, m, b); a9 = f32x4.relaxed_madd(a9, m, b);
    a10 = f32x4.relaxed_madd(a10, m, b); a11 = f32x4.relaxed_madd(a11, m, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}
