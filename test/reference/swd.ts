// Plain float64 sliced Wasserstein distance, written the way ProGAN's
// metrics/sliced_wasserstein.py does it: a direct 2-D 5x5 convolution with
// scipy's 'mirror' edges (reflect-101), pyr_up through an explicit
// zero-inserted image, descriptors copied out, normalised per channel by the
// set's own mean and std, projected in f64 and sorted with Array.sort.
// Images are HWC RGB in 0..255, one Float64Array per image.

export interface Img { h: number; w: number; d: Float64Array }

const K1 = [1, 4, 6, 4, 1];

function mirror(i: number, n: number): number {
  // reflect about the edge pixels' centres (d c b | a b c d | c b a), any distance
  const p = 2 * (n - 1);
  i = ((i % p) + p) % p;
  return i < n ? i : p - i;
}

function conv5(img: Img, gain: number): Img {
  const { h, w, d } = img;
  const out = new Float64Array(d.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
      s += (K1[dy + 2] * K1[dx + 2]) / 256 * d[(mirror(y + dy, h) * w + mirror(x + dx, w)) * 3 + c];
    }
    out[(y * w + x) * 3 + c] = s * gain;
  }
  return { h, w, d: out };
}

export function pyrDownRef(img: Img): Img {
  const f = conv5(img, 1);
  const h = Math.ceil(img.h / 2), w = Math.ceil(img.w / 2);
  const d = new Float64Array(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = f.d[(2 * y * img.w + 2 * x) * 3 + c];
  return { h, w, d };
}

/** pyr_up to an h x w image (zeros at odd rows and columns, then the filter times 4). */
export function pyrUpRef(img: Img, h: number, w: number): Img {
  const z = new Float64Array(h * w * 3);
  for (let y = 0; y < img.h; y++) for (let x = 0; x < img.w; x++) for (let c = 0; c < 3; c++) {
    if (2 * y < h && 2 * x < w) z[(2 * y * w + 2 * x) * 3 + c] = img.d[(y * img.w + x) * 3 + c];
  }
  return conv5({ h, w, d: z }, 4);
}

/** The Laplacian pyramid: levels[0] at full size, ..., the last one the low-pass itself. */
export function laplacianPyramidRef(img: Img, levels: number): Img[] {
  const g: Img[] = [img];
  for (let l = 1; l < levels; l++) g.push(pyrDownRef(g[l - 1]));
  return g.map((lv, l) => {
    if (l === levels - 1) return lv;
    const up = pyrUpRef(g[l + 1], lv.h, lv.w);
    return { h: lv.h, w: lv.w, d: lv.d.map((v, i) => v - up.d[i]) };
  });
}

/** 7x7x3 descriptors (component (row * 7 + x) * 3 + c) at the given top-left corners [image, y, x]. */
export function descriptorsRef(level: Img[], corners: [number, number, number][]): Float64Array[] {
  return corners.map(([i, y0, x0]) => {
    const L = level[i], out = new Float64Array(147);
    for (let r = 0; r < 7; r++) for (let x = 0; x < 7; x++) for (let c = 0; c < 3; c++) out[(r * 7 + x) * 3 + c] = L.d[((y0 + r) * L.w + x0 + x) * 3 + c];
    return out;
  });
}

/** ProGAN's finalize_descriptors: per-channel mean and (population) std over all descriptors, in place. */
export function normaliseRef(desc: Float64Array[]): { mean: number[]; std: number[] } {
  const mean = [0, 0, 0], std = [0, 0, 0], cnt = desc.length * 49;
  for (const v of desc) for (let k = 0; k < 147; k++) mean[k % 3] += v[k];
  for (let c = 0; c < 3; c++) mean[c] /= cnt;
  for (const v of desc) for (let k = 0; k < 147; k++) std[k % 3] += (v[k] - mean[k % 3]) ** 2;
  for (let c = 0; c < 3; c++) std[c] = Math.sqrt(std[c] / cnt);
  for (const v of desc) for (let k = 0; k < 147; k++) v[k] = (v[k] - mean[k % 3]) / (std[k % 3] || 1);
  return { mean, std };
}

/** W1 between two 1-D samples: mean |a_(i) - b_(i)| for equal sizes, else the integral of |Fa^-1 - Fb^-1|. */
export function w1Ref(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => x - y), sb = [...b].sort((x, y) => x - y);
  if (sa.length === sb.length) return sa.reduce((s, v, i) => s + Math.abs(v - sb[i]), 0) / sa.length;
  // piecewise constant quantile functions: integrate over the merged breakpoints
  const cuts = new Set<number>([1]);
  for (let i = 1; i < sa.length; i++) cuts.add(i / sa.length);
  for (let j = 1; j < sb.length; j++) cuts.add(j / sb.length);
  const ts = [...cuts].sort((x, y) => x - y);
  let prev = 0, s = 0;
  for (const t of ts) {
    const mid = (prev + t) / 2;
    s += (t - prev) * Math.abs(sa[Math.floor(mid * sa.length)] - sb[Math.floor(mid * sb.length)]);
    prev = t;
  }
  return s;
}

/** Mean over directions of W1 of the projections (dirs: unit vectors of 147). */
export function slicedRef(A: Float64Array[], B: Float64Array[], dirs: Float64Array[]): number[] {
  return dirs.map((u) => {
    const proj = (X: Float64Array[]) => X.map((v) => { let s = 0; for (let k = 0; k < 147; k++) s += v[k] * u[k]; return s; });
    return w1Ref(proj(A), proj(B));
  });
}

/** A whole SWD level: descriptors of both sets at the given corners, normalised, W1 per direction. */
export function swdLevelRef(levA: Img[], cornersA: [number, number, number][], levB: Img[], cornersB: [number, number, number][], dirs: Float64Array[]): number[] {
  const A = descriptorsRef(levA, cornersA), B = descriptorsRef(levB, cornersB);
  normaliseRef(A); normaliseRef(B);
  return slicedRef(A, B, dirs);
}
