// Scalar float64 references for the nn kernels (gemm, NHWC conv and its two
// gradients), written straight from the definitions.
import type { ConvGeom } from '../../src/kernels/conv';

export function gemmRef(a: Float32Array, b: Float32Array, M: number, N: number, K: number,
  o: { transposeA?: boolean; transposeB?: boolean; bias?: Float32Array; activation?: string; alpha?: number } = {}): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += (o.transposeA ? a[k * M + i] : a[i * K + k]) * (o.transposeB ? b[j * K + k] : b[k * N + j]);
    if (o.bias) s += o.bias[j];
    if (o.activation === 'relu') s = Math.max(s, 0);
    else if (o.activation === 'relu6') s = Math.min(Math.max(s, 0), 6);
    else if (o.activation === 'leakyrelu') s = s > 0 ? s : s * (o.alpha ?? 0.2);
    c[i * N + j] = s;
  }
  return c;
}

function xAt(g: ConvGeom, x: Float32Array, b: number, ih: number, iw: number, ci: number): number {
  if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return 0;
  return x[((b * g.H + ih) * g.W + iw) * g.Ci + ci];
}

export function conv2dRef(g: ConvGeom, x: Float32Array, w: Float32Array): Float32Array {
  const y = new Float32Array(g.B * g.OH * g.OW * g.Co);
  for (let b = 0; b < g.B; b++) for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) for (let co = 0; co < g.Co; co++) {
    let s = 0;
    for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) for (let ci = 0; ci < g.Ci; ci++) {
      s += xAt(g, x, b, oh * g.sh + kh - g.pt, ow * g.sw + kw - g.pl, ci) * w[((kh * g.KW + kw) * g.Ci + ci) * g.Co + co];
    }
    y[((b * g.OH + oh) * g.OW + ow) * g.Co + co] = s;
  }
  return y;
}

export function conv2dBackpropFilterRef(g: ConvGeom, x: Float32Array, dy: Float32Array): Float32Array {
  const dw = new Float64Array(g.KH * g.KW * g.Ci * g.Co);
  for (let b = 0; b < g.B; b++) for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) for (let co = 0; co < g.Co; co++) {
    const d = dy[((b * g.OH + oh) * g.OW + ow) * g.Co + co];
    for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) for (let ci = 0; ci < g.Ci; ci++) {
      dw[((kh * g.KW + kw) * g.Ci + ci) * g.Co + co] += d * xAt(g, x, b, oh * g.sh + kh - g.pt, ow * g.sw + kw - g.pl, ci);
    }
  }
  return Float32Array.from(dw);
}

export function conv2dBackpropInputRef(g: ConvGeom, dy: Float32Array, w: Float32Array): Float32Array {
  const dx = new Float64Array(g.B * g.H * g.W * g.Ci);
  for (let b = 0; b < g.B; b++) for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) for (let co = 0; co < g.Co; co++) {
    const d = dy[((b * g.OH + oh) * g.OW + ow) * g.Co + co];
    for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) {
      const ih = oh * g.sh + kh - g.pt, iw = ow * g.sw + kw - g.pl;
      if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
      for (let ci = 0; ci < g.Ci; ci++) dx[((b * g.H + ih) * g.W + iw) * g.Ci + ci] += d * w[((kh * g.KW + kw) * g.Ci + ci) * g.Co + co];
    }
  }
  return Float32Array.from(dx);
}

/** Output size and top/left pads for 'same' / 'valid' (tfjs rules). */
export function geom(B: number, H: number, W: number, Ci: number, Co: number, K: number, s: number, pad: 'same' | 'valid' | number): ConvGeom {
  let OH: number, OW: number, pt = 0, pl = 0;
  if (typeof pad === 'number') {
    // PyTorch's padding=p: p on every side, floor((H + 2p - K) / s) + 1 outputs
    OH = Math.floor((H + 2 * pad - K) / s) + 1; OW = Math.floor((W + 2 * pad - K) / s) + 1;
    pt = pl = pad;
  } else if (pad === 'same') {
    OH = Math.ceil(H / s); OW = Math.ceil(W / s);
    pt = Math.floor(Math.max(0, (OH - 1) * s + K - H) / 2);
    pl = Math.floor(Math.max(0, (OW - 1) * s + K - W) / 2);
  } else {
    OH = Math.ceil((H - K + 1) / s); OW = Math.ceil((W - K + 1) / s);
  }
  return { B, H, W, Ci, Co, OH, OW, KH: K, KW: K, sh: s, sw: s, pt, pl };
}
