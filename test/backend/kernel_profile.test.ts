// The per-kernel profiler: counts every kernel call by tfjs kernel name,
// attributes nested kernel time once, and puts every kernel back afterwards.
import { describe, it, expect } from 'vitest';
import { tf } from '../../src/tf';
import { profileKernels } from '../../src/backend/kernel_profile';

describe('profileKernels', () => {
  it('counts the kernels a computation runs and restores the registry', async () => {
    await tf.setBackend('cpu');
    const before = tf.getKernel('Add', 'cpu')!.kernelFunc;
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]), b = tf.tensor2d([5, 6, 7, 8], [2, 2]);
    const p = profileKernels('cpu', () => tf.tidy(() => {
      const c = tf.add(a, b);
      const d = tf.add(c, a);
      return tf.matMul(d, b).arraySync();
    }), new Set(['BatchMatMul']));
    expect(p.result).toEqual(tf.matMul(tf.add(tf.add(a, b), a), b).arraySync());
    const row = (k: string) => p.rows.find((r) => r.kernel === k);
    expect(row('Add')!.calls).toBe(2);
    expect(row('BatchMatMul')!.calls).toBe(1);
    expect(row('BatchMatMul')!.ours).toBe(true);
    expect(row('Add')!.ours).toBe(false);
    expect(p.kernelMs).toBeLessThanOrEqual(p.totalMs + 1e-9);
    expect(p.rows.reduce((s, r) => s + r.share, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(tf.getKernel('Add', 'cpu')!.kernelFunc).toBe(before);
    tf.dispose([a, b]);
  });

  it('a kernel that runs another kernel through the engine is charged its own time only', async () => {
    await tf.setBackend('cpu');
    const inner = (ms: number) => { const t = performance.now(); while (performance.now() - t < ms); };
    tf.registerKernel({ kernelName: 'GfTestInner', backendName: 'cpu', kernelFunc: ({ inputs, backend }: any) => { inner(30); return (backend as any).makeTensorInfo([1], 'float32', new Float32Array([1])); } });
    tf.registerKernel({ kernelName: 'GfTestOuter', backendName: 'cpu', kernelFunc: ({ inputs }: any) => { inner(10); const r = tf.engine().runKernel('GfTestInner', inputs, {}) as tf.Tensor; return { dataId: r.dataId, shape: r.shape, dtype: r.dtype }; } });
    try {
      const x = tf.scalar(1);
      const p = profileKernels('cpu', () => (tf.engine().runKernel('GfTestOuter', { x }, {}) as tf.Tensor).dataSync());
      const row = (k: string) => p.rows.find((r) => r.kernel === k)!;
      expect(row('GfTestInner').ms).toBeGreaterThanOrEqual(29);
      expect(row('GfTestOuter').ms).toBeGreaterThanOrEqual(9);
      expect(row('GfTestOuter').ms).toBeLessThan(29); // not charged the inner 30 ms
    } finally {
      tf.unregisterKernel('GfTestInner', 'cpu');
      tf.unregisterKernel('GfTestOuter', 'cpu');
    }
  });
});
