// Scalar float32 reference of the SIMD peak loop (assembly/nn/peak.ts): the
// value one work item returns, lanes and chains summed in the kernel's order.
const f = Math.fround;

export function peakItemRef(iters: number, seed: number, fma = false): number {
  const m = f(0.9999999), b = f(1e-7);
  const a = Array.from({ length: 12 }, (_, k) => f(seed + k));
  for (let i = 0; i < iters; i++) for (let k = 0; k < 12; k++) a[k] = fma ? f(a[k] * m + b) : f(f(a[k] * m) + b);
  const s = f(f(f(a[0] + a[1]) + f(a[2] + a[3])) + f(f(a[4] + a[5]) + f(a[6] + a[7])));
  const t = f(s + f(f(a[8] + a[9]) + f(a[10] + a[11])));
  return f(f(f(t + t) + t) + t); // four equal lanes
}
