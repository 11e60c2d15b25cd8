// Scalar float64 MS-SSIM reference: direct 2-D windows (no separable passes,
// no precomputation), same small-image rule as assembly/metrics/ssim.ts.
export const MS_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

export function gauss2d(k: number, sigma: number): number[][] {
  const g: number[][] = [];
  let sum = 0;
  for (let y = 0; y < k; y++) {
    g.push([]);
    for (let x = 0; x < k; x++) {
      const dy = y - (k - 1) / 2, dx = x - (k - 1) / 2;
      const v = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      g[y].push(v); sum += v;
    }
  }
  return g.map((r) => r.map((v) => v / sum));
}

/** Returns [mean cs, mean ssim] at one scale (images h x w, row-major, range 1). */
export function ssimScale(x: Float64Array, y: Float64Array, h: number, w: number): [number, number] {
  const k = Math.min(11, h, w);
  const g = gauss2d(k, (1.5 * k) / 11);
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  let csSum = 0, ssSum = 0, cnt = 0;
  for (let r = 0; r + k <= h; r++) for (let c = 0; c + k <= w; c++) {
    let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
    for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) {
      const a = x[(r + u) * w + c + v], b = y[(r + u) * w + c + v], t = g[u][v];
      mx += t * a; my += t * b; xx += t * a * a; yy += t * b * b; xy += t * a * b;
    }
    const sx = xx - mx * mx, sy = yy - my * my, sxy = xy - mx * my;
    const cs = (2 * sxy + C2) / (sx + sy + C2);
    const l = (2 * mx * my + C1) / (mx * mx + my * my + C1);
    csSum += cs; ssSum += cs * l; cnt++;
  }
  return [csSum / cnt, ssSum / cnt];
}

function down(x: Float64Array, h: number, w: number): Float64Array {
  const hn = h >> 1, wn = w >> 1;
  const o = new Float64Array(hn * wn);
  for (let r = 0; r < hn; r++) for (let c = 0; c < wn; c++) {
    o[r * wn + c] = (x[2 * r * w + 2 * c] + x[2 * r * w + 2 * c + 1] + x[(2 * r + 1) * w + 2 * c] + x[(2 * r + 1) * w + 2 * c + 1]) / 4;
  }
  return o;
}

export function msssimRef(x0: ArrayLike<number>, y0: ArrayLike<number>, h: number, w: number): number {
  let x: Float64Array = Float64Array.from(x0), y: Float64Array = Float64Array.from(y0);
  let ms = 1;
  for (let s = 0; s < 5; s++) {
    const [cs, ss] = ssimScale(x, y, h, w);
    const v = Math.max(0, s === 4 ? ss : cs);
    ms *= v ** MS_WEIGHTS[s];
    x = down(x, h, w); y = down(y, h, w); h >>= 1; w >>= 1;
  }
  return ms;
}
