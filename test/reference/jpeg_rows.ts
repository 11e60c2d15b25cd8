// Scalar references for the JPEG row kernels (assembly/decode/jpeg/color.ts,
// upsample.ts), written from libjpeg's published formulas (jdcolor.c,
// jdsample.c): fixed-point YCbCr with 16 fraction bits, "fancy" triangle
// upsampling with its alternating biases, inverted CMYK -> RGB.

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
const FIX = (x: number) => Math.round(x * 65536);

/** YCbCr rows -> RGBA8 (alpha 255). */
export function yccRef(y: Uint8Array, cb: Uint8Array, cr: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const b = cb[i] - 128, r = cr[i] - 128;
    out[i * 4] = clamp(y[i] + ((FIX(1.402) * r + 32768) >> 16));
    out[i * 4 + 1] = clamp(y[i] + ((-FIX(0.34414) * b - FIX(0.71414) * r + 32768) >> 16));
    out[i * 4 + 2] = clamp(y[i] + ((FIX(1.772) * b + 32768) >> 16));
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Horizontal 2x fancy upsampling of n > 2 samples. */
export function h2v1Ref(s: Uint8Array, n: number): Uint8Array {
  const o = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const l = s[Math.max(0, i - 1)], c = s[i], r = s[Math.min(n - 1, i + 1)];
    o[2 * i] = i === 0 ? c : (3 * c + l + 1) >> 2;
    o[2 * i + 1] = i === n - 1 ? c : (3 * c + r + 2) >> 2;
  }
  return o;
}

/** 2x2 fancy upsampling, one output row: `cur` the nearer input row, `nb` the other. */
export function h2v2Ref(cur: Uint8Array, nb: Uint8Array, n: number): Uint8Array {
  const cs = Array.from({ length: n }, (_, i) => 3 * cur[i] + nb[i]);
  const o = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    o[2 * i] = i === 0 ? (4 * cs[0] + 8) >> 4 : (3 * cs[i] + cs[i - 1] + 8) >> 4;
    o[2 * i + 1] = i === n - 1 ? (4 * cs[i] + 7) >> 4 : (3 * cs[i] + cs[i + 1] + 7) >> 4;
  }
  return o;
}

/** Vertical 2x fancy upsampling, one output row (bias 1 upper, 2 lower). */
export function h1v2Ref(cur: Uint8Array, nb: Uint8Array, n: number, bias: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (3 * cur[i] + nb[i] + bias) >> 2);
}

/** Inverted (Adobe) CMYK, or YCCK, -> RGBA8: R = round(C' * K / 255). */
export function cmykRef(c: Uint8Array, m: Uint8Array, y: Uint8Array, k: Uint8Array, n: number, ycck: boolean): Uint8Array {
  const out = new Uint8Array(n * 4);
  const rgb = ycck ? yccRef(c, m, y, n) : null;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      const v = rgb ? 255 - rgb[i * 4 + ch] : [c, m, y][ch][i];
      out[i * 4 + ch] = Math.round((v * k[i]) / 255);
    }
    out[i * 4 + 3] = 255;
  }
  return out;
}
