// im2col-on-the-fly packers and col2im for NHWC 2-D convolution, used by the
// GEMM driver in job.ts.
//
//   x   [B, H, W, Ci]     input (NHWC), f32
//   w   [KH, KW, Ci, Co]  filter = a [KH*KW*Ci, Co] row-major matrix
//   y   [B, OH, OW, Co]   output = a [B*OH*OW, Co] row-major matrix
//   B batch, H/W input rows/cols, Ci/Co input/output channels, KH/KW filter
//   size, sh/sw strides, pt/pl top/left padding, OH/OW output size.
//   "pixel" p = (b*OH + oh)*OW + ow; "tap" t = kh*KW + kw; im2col column
//   k = t*Ci + ci, im2col(p, k) = x[b, oh*sh + kh - pt, ow*sw + kw - pl, ci]
//   (0 outside the image).
//
//   Conv2D:               y  = im2col(x) @ w                       (M=pixels, K=taps*Ci, N=Co)
//   Conv2DBackpropFilter: dw = im2col(x)^T @ dy                    (M=taps*Ci, K=pixels, N=Co)
//   Conv2DBackpropInput:  dx = col2im(dy @ w^T)                    (M=pixels, K=Co, N=taps*Ci)
//
// Strategy: A is never materialised whole; the packers read x directly into
// MR-row panels. For the transposed case four consecutive channels of one
// tap at one pixel are exactly one packed column: one v128 load and store.

import { MR } from './gemm';

/** Conv geometry, read in place from a job record (13 x 4 bytes; never `new`ed:
 *  workers must not allocate). */
@unmanaged export class Geom {
  x: usize; B: i32; H: i32; W: i32; Ci: i32; OH: i32; OW: i32;
  KH: i32; KW: i32; sh: i32; sw: i32; pt: i32; pl: i32;
}

/** A = im2col(x): rows [i0, i0+mc) (pixels), columns [k0, k0+kc) into MR panels at pa. */
export function packIm2col(g: Geom, M: i32, i0: i32, mc: i32, k0: i32, kc: i32, pa: usize): void {
  const Ci = g.Ci, KW = g.KW, OHW = g.OH * g.OW;
  for (let ir = 0; ir < mc; ir += MR) {
    const panel = pa + (<usize>ir * <usize>kc << 2);
    for (let r = 0; r < MR; r++) {
      const i = i0 + ir + r;
      let d = panel + (<usize>r << 2);
      if (ir + r >= mc || i >= M) {
        for (let k = 0; k < kc; k++) { store<f32>(d, 0); d += MR * 4; }
        continue;
      }
      const b = i / OHW, rem = i - b * OHW;
      const oh = rem / g.OW, ow = rem - oh * g.OW;
      const ih0 = oh * g.sh - g.pt, iw0 = ow * g.sw - g.pl;
      const img = g.x + (<usize>b * <usize>g.H * <usize>g.W * <usize>Ci << 2);
      let t = k0 / Ci, ci = k0 - t * Ci;
      let kh = t / KW, kw = t - kh * KW;
      let k = 0;
      while (k < kc) {
        const run = min(Ci - ci, kc - k);
        const ih = ih0 + kh, iw = iw0 + kw;
        if (<u32>ih < <u32>g.H && <u32>iw < <u32>g.W) {
          let s = img + ((<usize>(ih * g.W + iw) * <usize>Ci + <usize>ci) << 2);
          for (let q = 0; q < run; q++) { store<f32>(d, load<f32>(s)); s += 4; d += MR * 4; }
        } else {
          for (let q = 0; q < run; q++) { store<f32>(d, 0); d += MR * 4; }
        }
        k += run;
        ci = 0;
        if (++kw == KW) { kw = 0; kh++; }
      }
    }
  }
}

/** A = im2col(x)^T: rows [i0, i0+mc) (tap*Ci + ci), columns [k0, k0+kc) (pixels) into MR panels. */
export function packIm2colT(g: Geom, M: i32, i0: i32, mc: i32, k0: i32, kc: i32, pa: usize): void {
  const Ci = g.Ci, KW = g.KW, OW = g.OW, OHW = g.OH * g.OW, H = g.H, W = g.W;
  const imgStride = <usize>H * <usize>W * <usize>Ci << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const panel = pa + (<usize>ir * <usize>kc << 2);
    const ia = i0 + ir;
    const t = ia / Ci, ci0 = ia - t * Ci;
    const kh = t / KW, kw = t - kh * KW;
    // pixel cursor for column k0
    const b0 = k0 / OHW, rem0 = k0 - b0 * OHW;
    if (ir + MR <= mc && ia + MR <= M && ci0 + MR <= Ci) {
      // fast path: four channels of one tap
      let b = b0, oh = rem0 / OW, ow = rem0 - (rem0 / OW) * OW;
      let img = g.x + <usize>b * imgStride;
      let d = panel;
      const zero = f32x4.splat(0);
      for (let k = 0; k < kc; k++) {
        const ih = oh * g.sh - g.pt + kh, iw = ow * g.sw - g.pl + kw;
        if (<u32>ih < <u32>H && <u32>iw < <u32>W) {
          v128.store(d, v128.load(img + ((<usize>(ih * W + iw) * <usize>Ci + <usize>ci0) << 2)));
        } else {
          v128.store(d, zero);
        }
        d += 16;
        if (++ow == OW) { ow = 0; if (++oh == g.OH) { oh = 0; b++; img += imgStride; } }
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const i = ia + r;
        let d = panel + (<usize>r << 2);
        if (ir + r >= mc || i >= M) {
          for (let k = 0; k < kc; k++) { store<f32>(d, 0); d += MR * 4; }
          continue;
        }
        const tr = i / Ci, ci = i - tr * Ci;
        const khr = tr / KW, kwr = tr - khr * KW;
        let b = b0, oh = rem0 / OW, ow = rem0 - (rem0 / OW) * OW;
        let img = g.x + <usize>b * imgStride;
        for (let k = 0; k < kc; k++) {
          const ih = oh * g.sh - g.pt + khr, iw = ow * g.sw - g.pl + kwr;
          store<f32>(d, <u32>ih < <u32>H && <u32>iw < <u32>W ? load<f32>(img + ((<usize>(ih * W + iw) * <usize>Ci + <usize>ci) << 2)) : 0);
          d += MR * 4;
          if (++ow == OW) { ow = 0; if (++oh == g.OH) { oh = 0; b++; img += imgStride; } }
        }
      }
    }
  }
}

/**
 * dx[b, ih, iw, :] += col[p, t*Ci : (t+1)*Ci] for pixels p in [p0, p0+rows)
 * (whole images or not), col row-major [rows, taps*Ci]. dx is the x of Geom.
 */
export function col2im(g: Geom, dx: usize, col: usize, p0: i32, rows: i32): void {
  const Ci = g.Ci, OW = g.OW, OHW = g.OH * g.OW, H = g.H, W = g.W;
  const taps = g.KH * g.KW;
  const rowBytes = <usize>taps * <usize>Ci << 2;
  for (let r = 0; r < rows; r++) {
    const p = p0 + r;
    const b = p / OHW, rem = p - b * OHW;
    const oh = rem / OW, ow = rem - oh * OW;
    const img = dx + (<usize>b * <usize>H * <usize>W * <usize>Ci << 2);
    let src = col + <usize>r * rowBytes;
    for (let kh = 0; kh < g.KH; kh++) {
      const ih = oh * g.sh - g.pt + kh;
      for (let kw = 0; kw < g.KW; kw++) {
        const iw = ow * g.sw - g.pl + kw;
        if (<u32>ih < <u32>H && <u32>iw < <u32>W) {
          const d = img + ((<usize>(ih * W + iw) * <usize>Ci) << 2);
          let c = 0;
          for (; c + 4 <= Ci; c += 4) {
            const o = <usize>c << 2;
            v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(src + o)));
          }
          for (; c < Ci; c++) {
            const o = <usize>c << 2;
            store<f32>(d + o, load<f32>(d + o) + load<f32>(src + o));
          }
        }
        src += <usize>Ci << 2;
      }
    }
  }
}
