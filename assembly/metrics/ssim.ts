// MS-SSIM between pairs of luminance images (Wang et al. 2003), small-image rule.
//
// Letters: M images in the block, H x W pixels each, S = 5 scales, P pairs.
// Reads   imgs  f32 [M][H][W] luminance in [0,1] (data range L = 1)
//         pairs i32 [P][2] indices into the block
// Writes  out   f32 [P] MS-SSIM per pair
//
// Rule (fixed, see docs/diversity.md): scale s has h_s = floor(H / 2^s); the
// window is k_s = min(11, h_s, w_s) with sigma_s = 1.5 * k_s / 11, valid
// convolution, 2x2 box downsampling between scales, negatives clipped to 0,
// MS = prod_{s<4} cs_s^w_s * ssim_4^w_4 with w = .0448 .2856 .3001 .2363 .1333.
// Needs min(H, W) >= 16 (5 scales of at least 1 pixel).
//
// Strategy: per image and scale, precompute once x_s (centred: x - 0.5),
// mu = G*x and sig2 = G*(x^2) - mu^2. A pair then only needs the cross term G*(x*y):
// product row, horizontal pass with unaligned v128 loads over 4 output
// columns, vertical pass kept in a register and fused with the cs/ssim map
// and its mean (padded lanes masked off). Per 64x64 pair that is ~85k MACs.
//
// Per-image block layout (same for every image; offsets in f32 units):
//   for s in 0..4: img_s [h_s][istride_s] (zero padded), mu_s [oh_s][ostride_s],
//                  sig2_s [oh_s][ostride_s]
// with oh = h - k + 1, ostride = roundup4(ow), istride = ostride + roundup4(k).

const S: i32 = 5;
const MAXK: i32 = 11;
const C1: f32 = 0.0001; // (0.01 * 1)^2
const C2: f32 = 0.0009; // (0.03 * 1)^2

export const ERR_DIMS: i32 = -1;
export const ERR_BOUNDS: i32 = -2;
export const ERR_INDEX: i32 = -3;

// Geometry of the current call, in static data (never in the heap: reset()
// would drop it). Holds sizes only, never pointers.
const gh = memory.data(S * 4);
const gw = memory.data(S * 4);
const gk = memory.data(S * 4);
const goh = memory.data(S * 4);
const gow = memory.data(S * 4);
const gis = memory.data(S * 4);
const gos = memory.data(S * 4);
const offImg = memory.data(S * 4);
const offMu = memory.data(S * 4);
const offSig = memory.data(S * 4);
const gwt = memory.data(S * MAXK * 4, 16);
@inline function geti(arr: usize, s: i32): i32 { return load<i32>(arr + (<usize>s << 2)); }
@inline function seti(arr: usize, s: i32, v: i32): void { store<i32>(arr + (<usize>s << 2), v); }
let blockFloats: i32 = 0;

@inline function roundup4(x: i32): i32 { return (x + 3) & ~3; }

function setupGeometry(h: i32, w: i32): bool {
  if (h < 16 || w < 16 || h > 8192 || w > 8192) return false;
  let off = 0;
  let hs = h, ws = w;
  for (let s = 0; s < S; s++) {
    const k = min(MAXK, min(hs, ws));
    seti(gh, s, hs); seti(gw, s, ws); seti(gk, s, k);
    const oh = hs - k + 1, ow = ws - k + 1;
    seti(goh, s, oh); seti(gow, s, ow);
    const os = roundup4(ow);
    const is = os + roundup4(k);
    seti(gis, s, is); seti(gos, s, os);
    seti(offImg, s, off); off += hs * is;
    seti(offMu, s, off); off += oh * os;
    seti(offSig, s, off); off += oh * os;
    // 1-D Gaussian, centred at (k-1)/2, normalised.
    const sigma = 1.5 * <f64>k / 11.0;
    let sum = 0.0;
    for (let t = 0; t < k; t++) {
      const x = <f64>t - <f64>(k - 1) * 0.5;
      sum += Math.exp(-(x * x) / (2.0 * sigma * sigma));
    }
    for (let t = 0; t < k; t++) {
      const x = <f64>t - <f64>(k - 1) * 0.5;
      store<f32>(gwt + (<usize>(s * MAXK + t) << 2), <f32>(Math.exp(-(x * x) / (2.0 * sigma * sigma)) / sum));
    }
    hs >>= 1; ws >>= 1;
  }
  blockFloats = roundup4(off);
  return true;
}

// Horizontal pass: dst[r][c] = sum_t w[t] * src[r][c+t] (square: src^2),
// for rows 0..rows, groups of 4 columns 0..os.
function hpass(src: usize, is: i32, rows: i32, dst: usize, os: i32, s: i32, square: bool): void {
  const k = geti(gk, s);
  const wbase = gwt + <usize>(s * MAXK) * 4;
  for (let r = 0; r < rows; r++) {
    const srow = src + <usize>(r * is) * 4;
    const drow = dst + <usize>(r * os) * 4;
    for (let c = 0; c < os; c += 4) {
      let acc = f32x4.splat(0);
      for (let t = 0; t < k; t++) {
        let v = v128.load(srow + <usize>(c + t) * 4);
        if (square) v = f32x4.mul(v, v);
        acc = f32x4.add(acc, f32x4.mul(v, f32x4.splat(load<f32>(wbase + <usize>t * 4))));
      }
      v128.store(drow + <usize>c * 4, acc);
    }
  }
}

// Vertical pass: dst[r][c] = sum_t w[t] * src[r+t][c], r < oh.
function vpass(src: usize, os: i32, oh: i32, dst: usize, s: i32): void {
  const k = geti(gk, s);
  const wbase = gwt + <usize>(s * MAXK) * 4;
  for (let r = 0; r < oh; r++) {
    for (let c = 0; c < os; c += 4) {
      let acc = f32x4.splat(0);
      for (let t = 0; t < k; t++) {
        const v = v128.load(src + <usize>((r + t) * os + c) * 4);
        acc = f32x4.add(acc, f32x4.mul(v, f32x4.splat(load<f32>(wbase + <usize>t * 4))));
      }
      v128.store(dst + <usize>(r * os + c) * 4, acc);
    }
  }
}

// Fills one image's block from its H x W luminance at `src`.
function precompute(src: usize, blk: usize, t1: usize, t2: usize): void {
  const h0 = geti(gh, 0), w0 = geti(gw, 0);
  // Scale 0 image, zero padded.
  const im0 = blk + <usize>geti(offImg, 0) * 4;
  const is0 = geti(gis, 0);
  memory.fill(im0, 0, <usize>(h0 * is0) * 4);
  // Centred at 0.5: sigma^2 = G*(x^2) - mu^2 loses far less to f32 cancellation;
  // cs is shift-invariant and the luminance term adds the 0.5 back.
  const half = f32x4.splat(0.5);
  for (let r = 0; r < h0; r++) {
    const d = im0 + <usize>(r * is0) * 4, sr = src + <usize>(r * w0) * 4;
    let c = 0;
    for (; c + 4 <= w0; c += 4) v128.store(d + <usize>c * 4, f32x4.sub(v128.load(sr + <usize>c * 4), half));
    for (; c < w0; c++) store<f32>(d + <usize>c * 4, load<f32>(sr + <usize>c * 4) - 0.5);
  }
  for (let s = 0; s < S; s++) {
    const hs = geti(gh, s), is = geti(gis, s), os = geti(gos, s), oh = geti(goh, s);
    const im = blk + <usize>geti(offImg, s) * 4;
    const mu = blk + <usize>geti(offMu, s) * 4;
    const sg = blk + <usize>geti(offSig, s) * 4;
    hpass(im, is, hs, t1, os, s, false);
    vpass(t1, os, oh, mu, s);
    hpass(im, is, hs, t1, os, s, true);
    vpass(t1, os, oh, sg, s);
    for (let i = 0; i < oh * os; i += 4) {
      const m = v128.load(mu + <usize>i * 4);
      const e = v128.load(sg + <usize>i * 4);
      v128.store(sg + <usize>i * 4, f32x4.sub(e, f32x4.mul(m, m)));
    }
    if (s + 1 < S) {
      const hn = geti(gh, s + 1), wn = geti(gw, s + 1), isn = geti(gis, s + 1);
      const nx = blk + <usize>geti(offImg, s + 1) * 4;
      memory.fill(nx, 0, <usize>(hn * isn) * 4);
      for (let r = 0; r < hn; r++) {
        const a = im + <usize>(2 * r * is) * 4;
        const b = a + <usize>is * 4;
        const d = nx + <usize>(r * isn) * 4;
        for (let c = 0; c < wn; c++) {
          const o = <usize>(2 * c) * 4;
          store<f32>(d + <usize>c * 4, (load<f32>(a + o) + load<f32>(a + o + 4) + load<f32>(b + o) + load<f32>(b + o + 4)) * 0.25);
        }
      }
    }
  }
  void t2;
}

// Mean cs (or ssim when `lum`) over the valid map of scale s for blocks x, y.
function scaleTerm(bx: usize, by: usize, s: i32, prow: usize, tmp: usize, lum: bool): f64 {
  const hs = geti(gh, s), is = geti(gis, s), os = geti(gos, s);
  const oh = geti(goh, s), ow = geti(gow, s), k = geti(gk, s);
  const ix = bx + <usize>geti(offImg, s) * 4;
  const iy = by + <usize>geti(offImg, s) * 4;
  const wbase = gwt + <usize>(s * MAXK) * 4;
  // Horizontal pass of x*y.
  for (let r = 0; r < hs; r++) {
    const xr = ix + <usize>(r * is) * 4, yr = iy + <usize>(r * is) * 4;
    for (let c = 0; c < is; c += 4) {
      v128.store(prow + <usize>c * 4, f32x4.mul(v128.load(xr + <usize>c * 4), v128.load(yr + <usize>c * 4)));
    }
    const drow = tmp + <usize>(r * os) * 4;
    if (k == MAXK) {
      const w0 = f32x4.splat(load<f32>(wbase)), w1 = f32x4.splat(load<f32>(wbase, 4));
      const w2 = f32x4.splat(load<f32>(wbase, 8)), w3 = f32x4.splat(load<f32>(wbase, 12));
      const w4 = f32x4.splat(load<f32>(wbase, 16)), w5 = f32x4.splat(load<f32>(wbase, 20));
      for (let c = 0; c < os; c += 4) {
        const p = prow + <usize>c * 4;
        // symmetric taps: w[t] == w[10-t]
        let acc = f32x4.mul(f32x4.add(v128.load(p), v128.load(p, 40)), w0);
        acc = f32x4.add(acc, f32x4.mul(f32x4.add(v128.load(p, 4), v128.load(p, 36)), w1));
        acc = f32x4.add(acc, f32x4.mul(f32x4.add(v128.load(p, 8), v128.load(p, 32)), w2));
        acc = f32x4.add(acc, f32x4.mul(f32x4.add(v128.load(p, 12), v128.load(p, 28)), w3));
        acc = f32x4.add(acc, f32x4.mul(f32x4.add(v128.load(p, 16), v128.load(p, 24)), w4));
        acc = f32x4.add(acc, f32x4.mul(v128.load(p, 20), w5));
        v128.store(drow + <usize>c * 4, acc);
      }
    } else {
      for (let c = 0; c < os; c += 4) {
        let acc = f32x4.splat(0);
        for (let t = 0; t < k; t++) {
          acc = f32x4.add(acc, f32x4.mul(v128.load(prow + <usize>(c + t) * 4), f32x4.splat(load<f32>(wbase + <usize>t * 4))));
        }
        v128.store(drow + <usize>c * 4, acc);
      }
    }
  }
  // Vertical pass fused with the cs / ssim map and its sum.
  const mx = bx + <usize>geti(offMu, s) * 4, my = by + <usize>geti(offMu, s) * 4;
  const sx = bx + <usize>geti(offSig, s) * 4, sy = by + <usize>geti(offSig, s) * 4;
  const c1 = f32x4.splat(C1), c2 = f32x4.splat(C2), two = f32x4.splat(2);
  const lastMask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(ow - (os - 4)));
  let total = f32x4.splat(0);
  for (let r = 0; r < oh; r++) {
    let rowAcc = f32x4.splat(0);
    for (let c = 0; c < os; c += 4) {
      const col = tmp + <usize>(r * os + c) * 4;
      let v = f32x4.splat(0);
      if (k == MAXK) {
        // symmetric taps, as in the horizontal pass
        const rs = <usize>os * 4;
        v = f32x4.mul(f32x4.add(v128.load(col), v128.load(col + rs * 10)), f32x4.splat(load<f32>(wbase)));
        v = f32x4.add(v, f32x4.mul(f32x4.add(v128.load(col + rs), v128.load(col + rs * 9)), f32x4.splat(load<f32>(wbase, 4))));
        v = f32x4.add(v, f32x4.mul(f32x4.add(v128.load(col + rs * 2), v128.load(col + rs * 8)), f32x4.splat(load<f32>(wbase, 8))));
        v = f32x4.add(v, f32x4.mul(f32x4.add(v128.load(col + rs * 3), v128.load(col + rs * 7)), f32x4.splat(load<f32>(wbase, 12))));
        v = f32x4.add(v, f32x4.mul(f32x4.add(v128.load(col + rs * 4), v128.load(col + rs * 6)), f32x4.splat(load<f32>(wbase, 16))));
        v = f32x4.add(v, f32x4.mul(v128.load(col + rs * 5), f32x4.splat(load<f32>(wbase, 20))));
      } else {
        for (let t = 0; t < k; t++) {
          v = f32x4.add(v, f32x4.mul(v128.load(col + <usize>(t * os) * 4), f32x4.splat(load<f32>(wbase + <usize>t * 4))));
        }
      }
      const o = <usize>(r * os + c) * 4;
      const ux = v128.load(mx + o), uy = v128.load(my + o);
      const uxy = f32x4.mul(ux, uy);
      const sxy = f32x4.sub(v, uxy);
      let m = f32x4.div(f32x4.add(f32x4.mul(two, sxy), c2), f32x4.add(f32x4.add(v128.load(sx + o), v128.load(sy + o)), c2));
      if (lum) {
        const lx = f32x4.add(ux, f32x4.splat(0.5)), ly = f32x4.add(uy, f32x4.splat(0.5));
        const l = f32x4.div(f32x4.add(f32x4.mul(two, f32x4.mul(lx, ly)), c1), f32x4.add(f32x4.add(f32x4.mul(lx, lx), f32x4.mul(ly, ly)), c1));
        m = f32x4.mul(m, l);
      }
      if (c + 4 == os) m = v128.and(m, lastMask);
      rowAcc = f32x4.add(rowAcc, m);
    }
    total = f32x4.add(total, rowAcc);
  }
  const sum = <f64>f32x4.extract_lane(total, 0) + <f64>f32x4.extract_lane(total, 1) + <f64>f32x4.extract_lane(total, 2) + <f64>f32x4.extract_lane(total, 3);
  return sum / <f64>(oh * ow);
}

const WEIGHTS = memory.data<f64>([0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);

const lastTerms = memory.data(S * 8, 8);
/** Test hook: the 5 per-scale terms (cs_0..cs_3, ssim_4) of the last pair computed. */
export function msssim_last_terms(out: usize): void {
  for (let s = 0; s < S; s++) store<f64>(out + <usize>s * 8, load<f64>(lastTerms + (<usize>s << 3)));
}

function pairValue(bx: usize, by: usize, prow: usize, tmp: usize): f32 {
  let ms = 1.0;
  for (let s = 0; s < S; s++) {
    let v = scaleTerm(bx, by, s, prow, tmp, s == S - 1);
    store<f64>(lastTerms + (<usize>s << 3), v);
    if (v <= 0) return 0;
    ms *= Math.pow(v, load<f64>(WEIGHTS + (<usize>s << 3)));
  }
  return <f32>ms;
}

/**
 * MS-SSIM of `count` pairs of a block of `m` luminance images (H x W, f32,
 * [0,1]). Returns 0, or ERR_DIMS / ERR_BOUNDS / ERR_INDEX without touching out.
 */
export function msssim_pairs(imgs: usize, m: i32, h: i32, w: i32, pairs: usize, count: i32, out: usize): i32 {
  if (m < 1 || count < 0 || !setupGeometry(h, w)) return ERR_DIMS;
  const mem = (<usize>memory.size()) << 16;
  const imgBytes = <u64>m * <u64>h * <u64>w * 4;
  if (<u64>imgs + imgBytes > <u64>mem || <u64>pairs + <u64>count * 8 > <u64>mem || <u64>out + <u64>count * 4 > <u64>mem) return ERR_BOUNDS;
  for (let p = 0; p < count; p++) {
    const i = load<i32>(pairs + <usize>p * 8), j = load<i32>(pairs + <usize>p * 8, 4);
    if (i < 0 || j < 0 || i >= m || j >= m) return ERR_INDEX;
  }
  const bf = <usize>blockFloats * 4;
  const blocks = heap.alloc(bf * <usize>m);
  const is0 = geti(gis, 0), os0 = geti(gos, 0);
  const t1 = heap.alloc(<usize>(h * os0) * 4 + 64);
  const prow = heap.alloc(<usize>(is0 + 16) * 4);
  for (let i = 0; i < m; i++) precompute(imgs + <usize>(i * h * w) * 4, blocks + bf * <usize>i, t1, 0);
  memory.fill(prow, 0, <usize>(is0 + 16) * 4);
  for (let p = 0; p < count; p++) {
    const i = load<i32>(pairs + <usize>p * 8), j = load<i32>(pairs + <usize>p * 8, 4);
    store<f32>(out + <usize>p * 4, pairValue(blocks + bf * <usize>i, blocks + bf * <usize>j, prow, t1));
  }
  return 0;
}
