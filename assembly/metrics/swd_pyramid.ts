// Laplacian pyramid levels for the sliced Wasserstein distance, as ProGAN's
// metrics/sliced_wasserstein.py builds them (cv2.pyrDown / pyrUp):
//   filter  [1,4,6,4,1]/16 in both directions, reflect-101 edges (scipy 'mirror')
//   down    filter, keep even rows and columns: (h, w) -> (ceil(h/2), ceil(w/2))
//   up      zeros at odd rows/columns up to the finer size, filter with 4x the kernel
//   level l = G_l - up(G_l+1); the coarsest level is G_l itself.
// Images are NHWC RGB f32 0..255 (u8 as is, f32 [0,1] times 255).
//
// Strategy: a row of w RGB pixels is 3w contiguous floats, so every vertical
// pass is f32x4 over the whole row; the horizontal taps are 3 floats apart
// (same channel), so the horizontal passes take a pixel's 3 channels as one
// f32x4. Down: vertical on the even rows only, then horizontal at the even
// columns (half the output). Up: horizontal on the coarse rows into
// zero-inserted full-width rows (3 or 2 non-zero taps), then the vertical
// pass fused with the subtraction from G_l. The u8 input is widened 16 bytes
// at a time. Every output is the same f32 operations in the same order as
// the scalar form.

const K0: f32 = 1.0 / 16.0;
const K1: f32 = 4.0 / 16.0;
const K2: f32 = 6.0 / 16.0;

@inline function refl(i: i32, n: i32): i32 {
  if (i < 0) i = -i;
  if (i >= n) i = 2 * (n - 1) - i;
  return i;
}

@inline function tap(t: i32): f32 {
  // t in -2..2
  return t == 0 ? K2 : (t == 1 || t == -1) ? K1 : K0;
}

/** dst[i] (w3 floats) = sum_t k_t * src rows r_t (f32x4, scalar tail). */
function vsum5(dst: usize, r0: usize, r1: usize, r2: usize, r3: usize, r4: usize, w3: i32): void {
  const a = f32x4.splat(K0), b = f32x4.splat(K1), c = f32x4.splat(K2);
  const n4 = w3 & ~3;
  for (let o = 0; o < n4; o += 4) {
    const p = <usize>o << 2;
    let s = f32x4.mul(f32x4.add(v128.load(r0 + p), v128.load(r4 + p)), a);
    s = f32x4.add(s, f32x4.mul(f32x4.add(v128.load(r1 + p), v128.load(r3 + p)), b));
    s = f32x4.add(s, f32x4.mul(v128.load(r2 + p), c));
    v128.store(dst + p, s);
  }
  for (let o = n4; o < w3; o++) {
    const p = <usize>o << 2;
    store<f32>(dst + p, (load<f32>(r0 + p) + load<f32>(r4 + p)) * K0 + (load<f32>(r1 + p) + load<f32>(r3 + p)) * K1 + load<f32>(r2 + p) * K2);
  }
}

/** G_l+1 = pyr_down(G_l): src h x w x 3, dst ceil(h/2) x ceil(w/2) x 3, row scratch of 3w floats. */
export function pyrDown(src: usize, h: i32, w: i32, dst: usize, row: usize): void {
  const hd = (h + 1) >> 1, wd = (w + 1) >> 1, w3 = w * 3;
  const rs = <usize>w3 << 2;
  const ka = f32x4.splat(K0), kb = f32x4.splat(K1), kc = f32x4.splat(K2);
  for (let i = 0; i < hd; i++) {
    const y = 2 * i;
    vsum5(row, src + <usize>refl(y - 2, h) * rs, src + <usize>refl(y - 1, h) * rs, src + <usize>y * rs,
      src + <usize>refl(y + 1, h) * rs, src + <usize>refl(y + 2, h) * rs, w3);
    // horizontal at the even columns, a pixel's 3 channels in one f32x4 (its 4th
    // lane is the next pixel's, written over by it; the row's last pixel stores 3 lanes)
    const out = dst + <usize>i * <usize>(wd * 3) * 4;
    // interior columns (x - 2 >= 0, x + 2 < w, not the row's last pixel) without reflection, the
    // edges as below; left to right, as a store's 4th lane lands on the next pixel, written after it
    const j1 = max(1, min(wd - 1, (w - 3) >> 1));
    hpix(row, w, 0, out, ka, kb, kc, wd == 1);
    for (let j = 1; j < j1; j++) {
      const p = row + <usize>(2 * j - 2) * 12;
      const v = f32x4.add(f32x4.add(f32x4.mul(f32x4.add(v128.load(p), v128.load(p, 48)), ka),
        f32x4.mul(f32x4.add(v128.load(p, 12), v128.load(p, 36)), kb)), f32x4.mul(v128.load(p, 24), kc));
      v128.store(out + <usize>j * 12, v);
    }
    for (let j = j1; j < wd; j++) hpix(row, w, j, out, ka, kb, kc, j == wd - 1);
  }
}

/** pyrDown's horizontal pass at output column j (x = 2j), reflected at the edges. */
@inline function hpix(row: usize, w: i32, j: i32, out: usize, ka: v128, kb: v128, kc: v128, last: bool): void {
  const x = 2 * j;
  const xm2 = <usize>refl(x - 2, w) * 12, xm1 = <usize>refl(x - 1, w) * 12, x0 = <usize>x * 12;
  const xp1 = <usize>refl(x + 1, w) * 12, xp2 = <usize>refl(x + 2, w) * 12;
  const v = f32x4.add(f32x4.add(f32x4.mul(f32x4.add(v128.load(row + xm2), v128.load(row + xp2)), ka),
    f32x4.mul(f32x4.add(v128.load(row + xm1), v128.load(row + xp1)), kb)), f32x4.mul(v128.load(row + x0), kc));
  store3(out + <usize>j * 12, v, last);
}

/** Stores a pixel's 3 channels from lanes 0..2: all 4 lanes unless last (the 4th lands on the next pixel, written after). */
@inline function store3(p: usize, v: v128, last: bool): void {
  if (last) {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  } else v128.store(p, v);
}

/** subUp's horizontal pass at pixel x: U[x] = 2 * sum_t k_t * Z(refl(x + t)), Z(j) = C[j/2] for even j. */
@inline function upPix(src: usize, w: i32, x: i32, dst: usize): void {
  // a pixel's 3 channels in one f32x4 (the 4th lane: the next pixel's, unused)
  let s = f32x4.splat(0);
  for (let t = -2; t <= 2; t++) {
    const j = refl(x + t, w);
    if (j & 1) continue;
    s = f32x4.add(s, f32x4.mul(f32x4.splat(tap(t) * 2), v128.load(src + <usize>(j >> 1) * 12)));
  }
  store3(dst + <usize>x * 12, s, x == w - 1);
}

/**
 * g (h x w x 3) -= pyr_up(c) where c is ceil(h/2) x ceil(w/2) x 3; u is
 * scratch for ceil(h/2) rows of 3w floats.
 */
export function subUp(g: usize, h: i32, w: i32, c: usize, u: usize): void {
  const hc = (h + 1) >> 1, wc = (w + 1) >> 1, w3 = w * 3;
  const rs = <usize>w3 << 2, crs = <usize>(wc * 3) << 2;
  // 1. horizontal, zero-inserted: U[r][x] = 2 * sum_t k_t * Z(refl(x + t)), Z(j) = C[r][j/2] for even j
  const e0 = f32x4.splat(tap(-2) * 2), e1 = f32x4.splat(tap(-1) * 2), e2 = f32x4.splat(tap(0) * 2);
  const x1 = max(2, w - 2);
  for (let r = 0; r < hc; r++) {
    const src = c + <usize>r * crs, dst = u + <usize>r * rs;
    // left to right (a store's 4th lane lands on the next pixel, written after it): the
    // first two pixels reflected, the interior (x - 2 >= 0, x + 2 < w) with the taps upPix
    // takes there, in its order (an even x: j = x - 2, x, x + 2; an odd x: j = x - 1, x + 1),
    // then the last two reflected
    for (let x = 0; x < min(2, w); x++) upPix(src, w, x, dst);
    for (let x = 2; x < x1; x++) {
      const p = src + <usize>((x - 1) >> 1) * 12;
      let s = f32x4.splat(0);
      if (x & 1) {
        s = f32x4.add(s, f32x4.mul(e1, v128.load(p)));
        s = f32x4.add(s, f32x4.mul(e1, v128.load(p, 12)));
      } else {
        s = f32x4.add(s, f32x4.mul(e0, v128.load(p)));
        s = f32x4.add(s, f32x4.mul(e2, v128.load(p, 12)));
        s = f32x4.add(s, f32x4.mul(e0, v128.load(p, 24)));
      }
      v128.store(dst + <usize>x * 12, s);
    }
    for (let x = x1; x < w; x++) upPix(src, w, x, dst);
  }
  // 2. vertical, zero-inserted, fused with g -= ...
  const n4 = w3 & ~3;
  for (let y = 0; y < h; y++) {
    // the (at most 3) non-zero taps: rows of U with their weights
    let ra: usize = 0, rb: usize = 0, rc: usize = 0;
    let ka: f32 = 0, kb: f32 = 0, kc: f32 = 0;
    let m = 0;
    for (let t = -2; t <= 2; t++) {
      const j = refl(y + t, h);
      if (j & 1) continue;
      const k = tap(t) * 2, p = u + <usize>(j >> 1) * rs;
      if (m == 0) { ra = p; ka = k; } else if (m == 1) { rb = p; kb = k; } else { rc = p; kc = k; }
      m++;
    }
    if (m < 2) { rb = ra; kb = 0; }
    if (m < 3) { rc = ra; kc = 0; }
    const va = f32x4.splat(ka), vb = f32x4.splat(kb), vc = f32x4.splat(kc);
    const gr = g + <usize>y * rs;
    for (let o = 0; o < n4; o += 4) {
      const p = <usize>o << 2;
      const s = f32x4.add(f32x4.add(f32x4.mul(v128.load(ra + p), va), f32x4.mul(v128.load(rb + p), vb)), f32x4.mul(v128.load(rc + p), vc));
      v128.store(gr + p, f32x4.sub(v128.load(gr + p), s));
    }
    for (let o = n4; o < w3; o++) {
      const p = <usize>o << 2;
      store<f32>(gr + p, load<f32>(gr + p) - (load<f32>(ra + p) * ka + load<f32>(rb + p) * kb + load<f32>(rc + p) * kc));
    }
  }
}

/** Bytes of scratch laplacianLevel needs for an h x w image. */
export function pyramidScratchBytes(h: i32, w: i32): usize {
  const full = <usize>h * <usize>w * 12 + 64;
  return 2 * full + <usize>((h + 1) >> 1) * <usize>w * 12 + <usize>w * 12 + 64;
}

/**
 * Level `level` of one image's Laplacian pyramid (the low-pass itself when
 * lowpass != 0), written to out (h_l x w_l x 3). img: u8 (isU8) or f32 in
 * [0,1]; both become 0..255.
 */
export function laplacianLevel(img: usize, isU8: i32, h: i32, w: i32, level: i32, lowpass: i32, out: usize, scratch: usize): void {
  const full = (<usize>h * <usize>w * 12 + 64) & ~<usize>15;
  let cur = scratch, nxt = scratch + full;
  const u = nxt + full, row = u + (<usize>((h + 1) >> 1) * <usize>w * 12 + 15) & ~<usize>15;
  const len = h * w * 3;
  if (isU8) {
    const n16 = len & ~15;
    for (let i = 0; i < n16; i += 16) {
      const v = v128.load(img + <usize>i), lo = i16x8.extend_low_i8x16_u(v), hi = i16x8.extend_high_i8x16_u(v);
      const q = cur + (<usize>i << 2);
      v128.store(q, f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)));
      v128.store(q, f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), 16);
      v128.store(q, f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), 32);
      v128.store(q, f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), 48);
    }
    for (let i = n16; i < len; i++) store<f32>(cur + (<usize>i << 2), <f32>load<u8>(img + <usize>i));
  } else {
    const k = f32x4.splat(255);
    const n4 = len & ~3;
    for (let i = 0; i < n4; i += 4) v128.store(cur + (<usize>i << 2), f32x4.mul(v128.load(img + (<usize>i << 2)), k));
    for (let i = n4; i < len; i++) store<f32>(cur + (<usize>i << 2), load<f32>(img + (<usize>i << 2)) * 255);
  }
  let hl = h, wl = w;
  for (let l = 0; l < level; l++) {
    pyrDown(cur, hl, wl, nxt, row);
    const t = cur; cur = nxt; nxt = t;
    hl = (hl + 1) >> 1; wl = (wl + 1) >> 1;
  }
  if (!lowpass) {
    pyrDown(cur, hl, wl, nxt, row);
    subUp(cur, hl, wl, nxt, u);
  }
  memory.copy(out, cur, <usize>(hl * wl * 3) << 2);
}
