// Scalar float64 reference for assembly/image/resize.ts and
// assembly/image/normalize.ts / batch/assemble.ts. Written from the
// definitions, not from the kernels' tap tables.

/** Source taps [index, weight] of output coordinate o for an axis len -> s. */
export function axisTaps(len: number, s: number, o: number): [number, number][] {
  const scale = len / s;
  if (len > s) {
    // Area averaging: output o covers [o*scale, (o+1)*scale).
    const a = o * scale, b = (o + 1) * scale;
    const taps: [number, number][] = [];
    for (let i = Math.floor(a); i < Math.min(len, Math.ceil(b)); i++) {
      const cover = Math.min(b, i + 1) - Math.max(a, i);
      if (cover > 0) taps.push([i, cover / scale]);
    }
    return taps;
  }
  // Bilinear with half-pixel centres (OpenCV INTER_LINEAR), clamped at the edges.
  const x = Math.max(0, (o + 0.5) * scale - 0.5);
  const i0 = Math.floor(x);
  if (i0 >= len - 1) return [[len - 1, 1]];
  const f = x - i0;
  return [[i0, 1 - f], [i0 + 1, f]];
}

/** RGBA8/RGB8 (c channels) -> size x size RGB8, optional centre crop. */
export function resizeRef(data: Uint8Array, w: number, h: number, c: number, size: number, crop: boolean): Uint8Array {
  let x0 = 0, y0 = 0, cw = w, ch = h;
  if (crop) {
    const side = Math.min(w, h);
    x0 = Math.floor((w - side) / 2);
    y0 = Math.floor((h - side) / 2);
    cw = ch = side;
  }
  const out = new Uint8Array(size * size * 3);
  for (let oy = 0; oy < size; oy++) {
    const ty = axisTaps(ch, size, oy);
    for (let ox = 0; ox < size; ox++) {
      const tx = axisTaps(cw, size, ox);
      for (let k = 0; k < 3; k++) {
        let acc = 0;
        for (const [iy, wy] of ty) for (const [ix, wx] of tx) acc += wy * wx * data[((y0 + iy) * w + x0 + ix) * c + k];
        out[(oy * size + ox) * 3 + k] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return out;
}

/** u8 -> float32 value of the normalisation x / 127.5 - 1. */
export function normalizeValueRef(x: number): number {
  return Math.fround((2 * x - 255) / 255);
}

/** [n, h, w, 3] u8 -> f32 in [-1, 1], image i mirrored when flips[i]. */
export function normalizeRef(src: Uint8Array, n: number, h: number, w: number, flips?: ArrayLike<number | boolean>): Float32Array {
  const out = new Float32Array(n * h * w * 3);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const sx = flips && flips[i] ? w - 1 - x : x;
        for (let k = 0; k < 3; k++) out[((i * h + y) * w + x) * 3 + k] = normalizeValueRef(src[((i * h + y) * w + sx) * 3 + k]);
      }
  return out;
}
