// The one area-average resize core in JavaScript (any size to any size, any
// channel count; interleaved pixels, row-major). Each output pixel is the
// mean of the source area it covers, partial pixels weighted by the part
// covered; growing repeats pixels by the same rule (no interpolation).
// Users: metrics/samples.ts (non-square sample resize, the pixel features of
// NDB and Vendi). The data path resizes square to square in the pipeline's
// SIMD kernel (assembly/image/resize.ts, src/kernels/resize.ts) instead.

/** For each output index along one axis: the source indices it covers and their weights (summing to 1). */
export interface AreaSpans {
  /** Output i covers entries [start[i], start[i + 1]). */
  start: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

export function areaSpans(src: number, dst: number): AreaSpans {
  if (!(Number.isInteger(src) && Number.isInteger(dst) && src >= 1 && dst >= 1)) throw new RangeError(`areaSpans: bad sizes ${src} -> ${dst}`);
  const f = src / dst;
  const start = new Int32Array(dst + 1);
  const index: number[] = [], weight: number[] = [];
  for (let i = 0; i < dst; i++) {
    const a = i * f, b = (i + 1) * f;
    start[i] = index.length;
    for (let t = Math.floor(a); t < Math.min(src, Math.ceil(b)); t++) {
      index.push(t);
      weight.push((Math.min(t + 1, b) - Math.max(t, a)) / (b - a));
    }
  }
  start[dst] = index.length;
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

export interface AreaResizeOptions {
  /** Multiplies every output value (e.g. 1/255 for u8 in, [0,1] out). Default 1. */
  scale?: number;
  /** Where the image starts in `src`, and where the result goes in `out` (elements). Default 0. */
  srcOffset?: number;
  outOffset?: number;
}

/**
 * Area-average resize of one sw x sh image of `channels` interleaved values
 * to dw x dh, written into `out` (a Uint8Array result is rounded and
 * clamped). Integer factors take plain box sums (the same weights, faster).
 */
export function areaResize(
  src: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number, channels: number,
  out: Float32Array | Float64Array | Uint8Array, opts: AreaResizeOptions = {},
): void {
  const so = opts.srcOffset ?? 0, oo = opts.outOffset ?? 0, scale = opts.scale ?? 1, C = channels;
  if (so + sw * sh * C > src.length) throw new RangeError(`areaResize: source has ${src.length - so} values, ${sw}x${sh}x${C} needs ${sw * sh * C}`);
  if (oo + dw * dh * C > out.length) throw new RangeError(`areaResize: out has ${out.length - oo} values, ${dw}x${dh}x${C} needs ${dw * dh * C}`);
  const round = out instanceof Uint8Array;
  const put = (o: number, v: number) => { out[o] = round ? Math.min(255, Math.max(0, Math.round(v))) : v; };
  if (sw % dw === 0 && sh % dh === 0) {
    const bx = sw / dw, by = sh / dh, k = scale / (bx * by);
    const acc = new Float64Array(dw * C);
    for (let y = 0; y < dh; y++) {
      acc.fill(0);
      for (let yy = y * by; yy < (y + 1) * by; yy++) {
        let o = so + yy * sw * C;
        for (let x = 0; x < dw; x++) {
          for (let t = 0; t < bx; t++) for (let c = 0; c < C; c++) acc[x * C + c] += src[o++];
        }
      }
      const base = oo + y * dw * C;
      for (let t = 0; t < dw * C; t++) put(base + t, acc[t] * k);
    }
    return;
  }
  const sx = areaSpans(sw, dw), sy = areaSpans(sh, dh);
  const acc = new Float64Array(C);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      acc.fill(0);
      for (let j = sy.start[y]; j < sy.start[y + 1]; j++) {
        const row = so + sy.index[j] * sw * C, wy = sy.weight[j];
        for (let i = sx.start[x]; i < sx.start[x + 1]; i++) {
          const o = row + sx.index[i] * C, wt = wy * sx.weight[i];
          for (let c = 0; c < C; c++) acc[c] += wt * src[o + c];
        }
      }
      const o = oo + (y * dw + x) * C;
      for (let c = 0; c < C; c++) put(o + c, acc[c] * scale);
    }
  }
}
