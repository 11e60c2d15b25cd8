// Few-channel convolutions (the DCGAN's 3-channel layers: D's first conv, G's
// last transposed conv) without the im2col/col2im overheads that dominate
// them in the general GEMM path (conv.ts + job.ts). Notation as in conv.ts;
// KWC = KW*Ci, the floats of one filter row, contiguous in x for an interior
// pixel.
//
//   Conv2D, K = KH*KWC <= KC (direct): four output pixels of one output row
//     whose whole windows are inside the image read A(r, k) straight from x
//     (row r at x + r*sw*Ci, then KH runs of KWC floats W*Ci apart): no
//     packing. Other quads go through packIm2col. Same multiply-add order as
//     the packed micro-kernel: bit-identical results.
//   Conv2DBackpropFilter, KH*KWCp <= BPF_ROWS (OP_CONV_BPF_PIX): M = taps*Ci
//     is too short to split over threads by rows, so the pixels (the GEMM's K)
//     are split into S fixed slices (independent of the thread count). A slice
//     is done in chunks of CH pixels: im2col(x)^T of the chunk packed in
//     4-row panels with each filter row padded to KWCp = roundup4(KWC) rows
//     (so one v128 load of x fills one panel column of an interior pixel),
//     times dy read in place (8 channels per v128 pair, no packed copy of dy).
//     Each slice sums into its own partial [KH*KWCp, N]; the thread that
//     finishes the last slice adds the S partials in slice order into dw.
//     Deterministic for any thread count.
//   Conv2DBackpropInput, N = taps*Ci <= BPI_COLS (OP_CONV_BPI_FUSED): four
//     dy rows read in place times the packed w^T (zero-padded to whole NR
//     panels) into a 4 x Np col tile in L1, scattered (col2im) at once, KWC
//     contiguous floats per filter row with v128 adds. Work item = whole
//     images (no two threads add into the same dx). Same sums in the same
//     order as GEMM + col2im: bit-identical results.

import { MR, NR, kernel4x8, kernelEdge, epilogue, storeTile4x8, ACT_LINEAR } from './gemm';
import { Geom, packIm2col } from './conv';

/** Pixels per packed chunk of the pixel-split filter gradient. */
export const BPF_CH: i32 = 64;
/** Most padded filter rows (KH * KWCp) the pixel-split filter gradient takes (panel scratch = rows * CH * 4 bytes). */
export const BPF_ROWS: i32 = 256;
/** Most columns (taps*Ci) of the fused backprop-input. */
export const BPI_COLS: i32 = 256;

@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * 4x8 tile from four A row pointers: c[r*ldc + j] (+)= sum over kh < n1, q < n2 of
 * A_r[kh*rowB + 4q] * pb[(kh*n2 + q)*8 + j]. ldc, rowB in bytes. bias != 0: then
 * c = act(c + bias[j]) (8 floats at bias; act, alpha as gemm.ts's epilogue) in registers
 * before the store, the epilogue's operations in its order.
 */
function tileRows(n1: i32, n2: i32, rowB: usize, x0: usize, x1: usize, x2: usize, x3: usize, pb: usize, c: usize, ldc: usize, acc: bool,
  bias: usize = 0, act: i32 = ACT_LINEAR, alpha: f32 = 0): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let kh = 0; kh < n1; kh++) {
    const o = <usize>kh * rowB;
    let a0 = x0 + o, a1 = x1 + o, a2 = x2 + o, a3 = x3 + o;
    for (let q = 0; q < n2; q++) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let a = v128.load32_splat(a0);
      c00 = fma(a, b0, c00);
      c01 = fma(a, b1, c01);
      a = v128.load32_splat(a1);
      c10 = fma(a, b0, c10);
      c11 = fma(a, b1, c11);
      a = v128.load32_splat(a2);
      c20 = fma(a, b0, c20);
      c21 = fma(a, b1, c21);
      a = v128.load32_splat(a3);
      c30 = fma(a, b0, c30);
      c31 = fma(a, b1, c31);
      a0 += 4; a1 += 4; a2 += 4; a3 += 4;
      pb += 32;
    }
  }
  storeTile4x8(c, ldc, acc, bias, act, alpha, c00, c01, c10, c11, c20, c21, c30, c31);
}

// ---- Conv2D, direct -------------------------------------------------------

/**
 * Rows [m0, m1) of y = act(im2col(x) @ B (+ c when acc) + bias) (B packed, K = KH*KW*Ci <= KC)
 * into c (row m at c + (m - m0)*ldc floats); bias 0 = none, act / alpha as gemm.ts's epilogue,
 * whose operations it applies in the same order (same bits): in the 4x8 tiles' registers
 * when N is whole tiles, else over each quad's rows once they are stored.
 * scratch (scratchBytes): MR*K floats of packed A, one
 * 4x8 tile, then, when it fits, the KH input rows of one output row with
 * their padding as zeros (KH x Wp x Ci, Wp = (OW-1)*sw + KW), so that the
 * border quads read in place too.
 */
export function convDirectRows(g: Geom, M: i32, N: i32, K: i32, pb: usize, m0: i32, m1: i32, c: usize, ldc: i32, acc: bool, scratch: usize, scratchBytes: i32,
  bias: usize, act: i32, alpha: f32): void {
  const hasEpi = bias != 0 || act != ACT_LINEAR;
  // in-tile epilogue: every tile full width and a bias vector to load (none: zeros, as adding 0 is what the epilogue skips)
  const tileEpi = hasEpi && N % NR == 0 && bias != 0;
  const Ci = g.Ci, KW = g.KW, OW = g.OW, OHW = g.OH * g.OW;
  const kwc = KW * Ci;
  const dr = <usize>g.sw * <usize>Ci << 2;
  const ldcB = <usize>ldc << 2;
  const pa = scratch, tmp = scratch + (<usize>MR * <usize>K << 2), rows = tmp + 128;
  const wp = (OW - 1) * g.sw + KW;
  const useRows = <u64>(MR * K * 4 + 128) + <u64>g.KH * <u64>wp * <u64>Ci * 4 <= <u64>scratchBytes;
  const rowsB = <usize>wp * <usize>Ci << 2;
  let have = -1; // the output row (b*OH + oh) whose input rows are in `rows`
  for (let i = m0; i < m1; i += MR) {
    const mr = min(MR, m1 - i);
    const cp = c + <usize>(i - m0) * ldcB;
    const b = i / OHW, rem = i - b * OHW;
    const oh = rem / OW, ow = rem - oh * OW;
    const ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
    let x0: usize = 0, rowB: usize = 0;
    if (mr == MR && ow + MR <= OW) {
      if (useRows) {
        if (have != b * g.OH + oh) { fillRows(g, b, ih0, wp, rows); have = b * g.OH + oh; }
        x0 = rows + (<usize>ow * dr);
        rowB = rowsB;
      } else if (ih0 >= 0 && ih0 + g.KH <= g.H && iw0 >= 0 && iw0 + (MR - 1) * g.sw + KW <= g.W) {
        x0 = g.x + ((<usize>b * <usize>g.H * <usize>g.W + <usize>(ih0 * g.W + iw0)) * <usize>Ci << 2);
        rowB = <usize>g.W * <usize>Ci << 2;
      }
    }
    if (x0 != 0) {
      for (let jr = 0; jr < N; jr += NR) {
        const nr = min(NR, N - jr);
        const pbp = pb + (<usize>(jr / NR) * <usize>K * <usize>NR << 2);
        if (nr == NR) {
          if (tileEpi) tileRows(g.KH, kwc, rowB, x0, x0 + dr, x0 + 2 * dr, x0 + 3 * dr, pbp, cp + (<usize>jr << 2), ldcB, acc, bias + (<usize>jr << 2), act, alpha);
          else tileRows(g.KH, kwc, rowB, x0, x0 + dr, x0 + 2 * dr, x0 + 3 * dr, pbp, cp + (<usize>jr << 2), ldcB, acc);
        } else {
          tileRows(g.KH, kwc, rowB, x0, x0 + dr, x0 + 2 * dr, x0 + 3 * dr, pbp, tmp, 32, false);
          copyEdge(tmp, cp + (<usize>jr << 2), ldcB, mr, nr, acc);
        }
      }
      if (hasEpi && !tileEpi) epilogue(cp, mr, N, ldc, bias, act, alpha);
    } else {
      packIm2col(g, M, i, mr, 0, K, pa);
      for (let jr = 0; jr < N; jr += NR) {
        const nr = min(NR, N - jr);
        const pbp = pb + (<usize>(jr / NR) * <usize>K * <usize>NR << 2);
        if (mr == MR && nr == NR) kernel4x8(K, pa, pbp, cp + (<usize>jr << 2), ldcB, acc);
        else kernelEdge(K, pa, pbp, cp + (<usize>jr << 2), ldcB, acc, mr, nr, tmp);
      }
      if (hasEpi) epilogue(cp, mr, N, ldc, bias, act, alpha);
    }
  }
}

/** rows[kh][w][ci] = x[b, ih0 + kh, w - pl, ci] for w < wp, 0 outside the image. */
function fillRows(g: Geom, b: i32, ih0: i32, wp: i32, rows: usize): void {
  const Ci = g.Ci, W = g.W;
  const rowB = <usize>wp * <usize>Ci << 2, px = <usize>Ci << 2;
  const w0 = max(0, g.pl), w1 = min(wp, W + g.pl); // columns inside the image: [w0, w1)
  const img = g.x + (<usize>b * <usize>g.H * <usize>W * <usize>Ci << 2);
  for (let kh = 0; kh < g.KH; kh++) {
    const d = rows + <usize>kh * rowB;
    const ih = ih0 + kh;
    if (<u32>ih >= <u32>g.H || w1 <= w0) { memory.fill(d, 0, rowB); continue; }
    if (w0 > 0) memory.fill(d, 0, <usize>w0 * px);
    memory.copy(d + <usize>w0 * px, img + (<usize>(ih * W + w0 - g.pl) * px), <usize>(w1 - w0) * px);
    if (w1 < wp) memory.fill(d + <usize>w1 * px, 0, <usize>(wp - w1) * px);
  }
}

function copyEdge(tmp: usize, c: usize, ldc: usize, mr: i32, nr: i32, acc: bool): void {
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const d = c + <usize>r * ldc + (<usize>j << 2);
      let v = load<f32>(tmp + (<usize>(r * 8 + j) << 2));
      if (acc) v += load<f32>(d);
      store<f32>(d, v);
    }
  }
}

// ---- Conv2DBackpropFilter, pixel split ------------------------------------

/** Filter row floats padded to whole v128: KWCp. */
@inline export function bpfRowPad(g: Geom): i32 { return (g.KW * g.Ci + 3) & ~3; }

/**
 * Packs im2col(x)^T for pixels [p0, p0+n) (n <= CH) into panels: padded row
 * m' = kh*KWCp + e (e = kw*Ci + ci < KWC; e >= KWC: any value, never read
 * back), panel t = m' / 4 at pa + (t*CH + q)*16, lane m' % 4.
 */
function packPix(g: Geom, p0: i32, n: i32, pa: usize): void {
  const Ci = g.Ci, KW = g.KW, OW = g.OW, OHW = g.OH * g.OW, H = g.H, W = g.W;
  const kwc = KW * Ci, kwcp = bpfRowPad(g), vecs = kwcp >> 2;
  const chB = <usize>BPF_CH << 4;
  const zero = f32x4.splat(0);
  let b = p0 / OHW, rem = p0 - b * OHW;
  let oh = rem / OW, ow = rem - oh * OW;
  for (let q = 0; q < n; q++) {
    const ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
    const img = g.x + (<usize>b * <usize>H * <usize>W * <usize>Ci << 2);
    const inRow = iw0 >= 0 && iw0 + KW <= W;
    let d = pa + (<usize>q << 4);
    for (let kh = 0; kh < g.KH; kh++) {
      const ih = ih0 + kh;
      if (<u32>ih >= <u32>H) {
        for (let v = 0; v < vecs; v++) { v128.store(d, zero); d += chB; }
      } else if (inRow) {
        // KWCp floats from the row start: the last vector may take up to 3
        // floats past the window (rows >= KWC, dropped); checkJob allows 16 bytes past x.
        let s = img + ((<usize>(ih * W + iw0) * <usize>Ci) << 2);
        for (let v = 0; v < vecs; v++) { v128.store(d, v128.load(s)); s += 16; d += chB; }
      } else {
        for (let e = 0; e < kwcp; e++) {
          const kw = e / Ci, ci = e - kw * Ci, iw = iw0 + kw;
          const val: f32 = e < kwc && <u32>iw < <u32>W ? load<f32>(img + ((<usize>(ih * W + iw) * <usize>Ci + <usize>ci) << 2)) : 0;
          store<f32>(d + (<usize>(e & 3) << 2), val);
          if ((e & 3) == 3) d += chB;
        }
      }
    }
    if (++ow == OW) { ow = 0; if (++oh == g.OH) { oh = 0; b++; } }
  }
}

/** 4 rows x 8 columns: c[r*ldc + j] += sum_q pa[q*16 + 4r] * dy[q*ldb + j] (ldc, ldb bytes). */
function tileT4x8(n: i32, pa: usize, dy: usize, ldb: usize, c: usize, ldc: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let q = 0; q < n; q++) {
    const b0 = v128.load(dy);
    const b1 = v128.load(dy, 16);
    let a = v128.load32_splat(pa);
    c00 = fma(a, b0, c00);
    c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = fma(a, b0, c10);
    c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = fma(a, b0, c20);
    c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = fma(a, b0, c30);
    c31 = fma(a, b1, c31);
    pa += 16;
    dy += ldb;
  }
  storeTile4x8(c, ldc, true, 0, ACT_LINEAR, 0, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** Bytes of one slice's partial sum [KH*KWCp, N]. */
@inline export function bpfPartialBytes(g: Geom, N: i32): usize {
  return <usize>g.KH * <usize>bpfRowPad(g) * <usize>N << 2;
}

/**
 * Slice s of S of the pixels [0, P): its partial dw (padded rows) at
 * part + s*bpfPartialBytes. dy [P, N] row-major at dy. pa: scratch of
 * KH*KWCp*CH floats.
 */
export function bpfSlice(g: Geom, P: i32, N: i32, dy: usize, part: usize, s: i32, S: i32, pa: usize): void {
  const rows = g.KH * bpfRowPad(g), tiles = rows >> 2;
  const L = (P + S - 1) / S;
  const q0 = s * L, q1 = min(P, q0 + L);
  const out = part + <usize>s * bpfPartialBytes(g, N);
  memory.fill(out, 0, bpfPartialBytes(g, N));
  const ldb = <usize>N << 2, ldc = <usize>N << 2;
  const chB = <usize>BPF_CH << 4;
  const n8 = N & ~7;
  for (let p = q0; p < q1; p += BPF_CH) {
    const n = min(BPF_CH, q1 - p);
    packPix(g, p, n, pa);
    const dyp = dy + <usize>p * ldb;
    for (let j = 0; j < n8; j += 8) {
      for (let t = 0; t < tiles; t++) {
        tileT4x8(n, pa + <usize>t * chB, dyp + (<usize>j << 2), ldb, out + <usize>(t * 4) * ldc + (<usize>j << 2), ldc);
      }
    }
    for (let j = n8; j < N; j++) {
      for (let t = 0; t < tiles; t++) {
        let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
        let a = pa + <usize>t * chB, d = dyp + (<usize>j << 2);
        for (let q = 0; q < n; q++) {
          const v = load<f32>(d);
          s0 += load<f32>(a) * v; s1 += load<f32>(a, 4) * v; s2 += load<f32>(a, 8) * v; s3 += load<f32>(a, 12) * v;
          a += 16; d += ldb;
        }
        const o = out + <usize>(t * 4) * ldc + (<usize>j << 2);
        store<f32>(o, load<f32>(o) + s0);
        store<f32>(o + ldc, load<f32>(o + ldc) + s1);
        store<f32>(o + 2 * ldc, load<f32>(o + 2 * ldc) + s2);
        store<f32>(o + 3 * ldc, load<f32>(o + 3 * ldc) + s3);
      }
    }
  }
}

/** dw[(kh*KWC + e)*N + n] = sum over s in order of partial_s[(kh*KWCp + e)*N + n]. */
export function bpfReduce(g: Geom, N: i32, part: usize, S: i32, c: usize): void {
  const kwc = g.KW * g.Ci, kwcp = bpfRowPad(g);
  const pbytes = bpfPartialBytes(g, N);
  const rowB = <usize>N << 2;
  for (let kh = 0; kh < g.KH; kh++) {
    for (let e = 0; e < kwc; e++) {
      const src = part + <usize>(kh * kwcp + e) * rowB;
      const dst = c + <usize>(kh * kwc + e) * rowB;
      let n = 0;
      for (; n + 4 <= N; n += 4) {
        const o = <usize>n << 2;
        let v = v128.load(src + o);
        for (let s = 1; s < S; s++) v = f32x4.add(v, v128.load(src + <usize>s * pbytes + o));
        v128.store(dst + o, v);
      }
      for (; n < N; n++) {
        const o = <usize>n << 2;
        let v = load<f32>(src + o);
        for (let s = 1; s < S; s++) v += load<f32>(src + <usize>s * pbytes + o);
        store<f32>(dst + o, v);
      }
    }
  }
}

// ---- Conv2DBackpropInput, col2im fused ------------------------------------

/** Bytes of per-thread scratch of the fused backprop-input: a 4 x Np col tile. */
@inline export function bpiTileBytes(N: i32): i32 { return MR * ((N + NR - 1) & ~(NR - 1)) * 4; }

/**
 * Images [b0, b0+nb): dx (zeroed here) += col2im(dy @ B) with dy [pixels, K]
 * row-major at dy, B packed (N = taps*Ci columns, zero past N), col tile at tile.
 */
export function bpiImages(g: Geom, K: i32, N: i32, dy: usize, pb: usize, dx: usize, b0: i32, nb: i32, tile: usize): void {
  const Ci = g.Ci, OHW = g.OH * g.OW;
  const imgBytes = <usize>g.H * <usize>g.W * <usize>Ci << 2;
  memory.fill(dx + <usize>b0 * imgBytes, 0, <usize>nb * imgBytes);
  const np = (N + NR - 1) & ~(NR - 1);
  const ldt = <usize>np << 2;
  const rowA = <usize>K << 2;
  const p0 = b0 * OHW, p1 = (b0 + nb) * OHW;
  for (let p = p0; p < p1; p += MR) {
    const mr = min(MR, p1 - p);
    const a0 = dy + <usize>p * rowA;
    // rows past the chunk read row 0 again (computed, never scattered)
    const a1 = mr > 1 ? a0 + rowA : a0, a2 = mr > 2 ? a0 + 2 * rowA : a0, a3 = mr > 3 ? a0 + 3 * rowA : a0;
    for (let jr = 0; jr < np; jr += NR) {
      tileRows(1, K, 0, a0, a1, a2, a3, pb + (<usize>(jr / NR) * <usize>K * <usize>NR << 2), tile + (<usize>jr << 2), ldt, false);
    }
    for (let r = 0; r < mr; r++) col2imRow(g, dx, tile + <usize>r * ldt, p + r);
  }
}

/** dx[b, ih, iw, :] += col[t*Ci : (t+1)*Ci] for the taps of output pixel p. */
function col2imRow(g: Geom, dx: usize, col: usize, p: i32): void {
  const Ci = g.Ci, KW = g.KW, OW = g.OW, OHW = g.OH * g.OW, H = g.H, W = g.W;
  const kwc = KW * Ci;
  const b = p / OHW, rem = p - b * OHW;
  const oh = rem / OW, ow = rem - oh * OW;
  const img = dx + (<usize>b * <usize>H * <usize>W * <usize>Ci << 2);
  const ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
  const inRow = iw0 >= 0 && iw0 + KW <= W;
  let src = col;
  for (let kh = 0; kh < g.KH; kh++) {
    const ih = ih0 + kh;
    if (<u32>ih < <u32>H) {
      if (inRow) {
        const d = img + ((<usize>(ih * W + iw0) * <usize>Ci) << 2);
        let e = 0;
        for (; e + 4 <= kwc; e += 4) {
          const o = <usize>e << 2;
          v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(src + o)));
        }
        for (; e < kwc; e++) {
          const o = <usize>e << 2;
          store<f32>(d + o, load<f32>(d + o) + load<f32>(src + o));
        }
      } else {
        for (let kw = 0; kw < KW; kw++) {
          const iw = iw0 + kw;
          if (<u32>iw >= <u32>W) continue;
          const d = img + ((<usize>(ih * W + iw) * <usize>Ci) << 2);
          const s = src + (<usize>(kw * Ci) << 2);
          for (let ci = 0; ci < Ci; ci++) {
            const o = <usize>ci << 2;
            store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
          }
        }
      }
    }
    src += <usize>kwc << 2;
  }
}
