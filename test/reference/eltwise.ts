// Scalar references of the element-wise activation kernels (assembly/nn/eltwise.ts):
// f64 Math.tanh, and the f32 formulas tfjs's cpu backend uses.
const f = Math.fround;

export function eltwiseRef(mode: 'relu' | 'leakyRelu' | 'tanh' | 'actGrad', x: Float32Array, dy: Float32Array | null, alpha: number): Float64Array {
  const n = x.length, out = new Float64Array(n), a = f(alpha);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (mode === 'relu') out[i] = v > 0 ? v : 0;
    else if (mode === 'leakyRelu') out[i] = v > 0 ? v : f(a * v);
    else if (mode === 'tanh') out[i] = Math.tanh(v);
    else out[i] = v > 0 ? dy![i] : f(dy![i] * a);
  }
  return out;
}
