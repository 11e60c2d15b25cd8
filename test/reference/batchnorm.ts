// Plain float64 BatchNorm (training mode) over x seen as [R, C]: the
// reference the SIMD channel kernels are checked against.
export function bnForwardRef(x: ArrayLike<number>, R: number, C: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number) {
  const mean = new Float64Array(C), variance = new Float64Array(C), y = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c];
  for (let c = 0; c < C; c++) mean[c] /= R;
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) variance[c] += (x[r * C + c] - mean[c]) ** 2;
  for (let c = 0; c < C; c++) variance[c] /= R;
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) y[r * C + c] = gamma[c] * (x[r * C + c] - mean[c]) / Math.sqrt(variance[c] + eps) + beta[c];
  return { y, mean, variance };
}

/** Gradients of sum(dy * bn(x)) w.r.t. x, gamma, beta (textbook formulas). */
export function bnBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, R: number, C: number, gamma: ArrayLike<number>, eps: number) {
  const { mean, variance } = bnForwardRef(x, R, C, gamma, new Float64Array(C), eps);
  const dgamma = new Float64Array(C), dbeta = new Float64Array(C), dx = new Float64Array(R * C);
  const inv = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) {
    const xh = (x[r * C + c] - mean[c]) * inv[c];
    dbeta[c] += dy[r * C + c];
    dgamma[c] += dy[r * C + c] * xh;
  }
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) {
    const xh = (x[r * C + c] - mean[c]) * inv[c];
    dx[r * C + c] = (gamma[c] * inv[c] / R) * (R * dy[r * C + c] - dbeta[c] - xh * dgamma[c]);
  }
  return { dx, dgamma, dbeta };
}
