// Per-kernel time of a piece of work (one training step): every kernel
// registered for a backend is wrapped with a timer for the duration of `fn`,
// and each call's *exclusive* time (minus kernels it ran through the engine
// itself) is added to its kernel name. Whatever is not inside a kernel (the
// gradient tape, tensor bookkeeping, JS between ops, data uploads) is
// reported as the remainder. Timers are wall time: on a shared machine a
// descheduled kernel looks slow.
import { tf } from '../tf';

export interface KernelProfileRow { kernel: string; ms: number; calls: number; share: number; ours: boolean }
export interface KernelProfile<T> { result: T; totalMs: number; kernelMs: number; otherMs: number; rows: KernelProfileRow[] }

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function profileKernels<T>(backendName: string, fn: () => T, ours: ReadonlySet<string> = new Set()): KernelProfile<T> {
  const configs = tf.getKernelsForBackend(backendName);
  const acc = new Map<string, { ms: number; calls: number }>();
  const stack: number[] = []; // child time of each open kernel call
  for (const k of configs) {
    const inner = k.kernelFunc;
    const name = k.kernelName;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: any) => {
        stack.push(0);
        const t0 = now();
        try {
          return (inner as any)(args);
        } finally {
          const dt = now() - t0, child = stack.pop()!;
          if (stack.length) stack[stack.length - 1] += dt;
          const a = acc.get(name) ?? { ms: 0, calls: 0 };
          a.ms += dt - child;
          a.calls++;
          acc.set(name, a);
        }
      }) as any,
    });
  }
  const t0 = now();
  let result: T;
  try {
    result = fn();
  } finally {
    for (const k of configs) {
      tf.unregisterKernel(k.kernelName, backendName);
      tf.registerKernel(k);
    }
  }
  const totalMs = now() - t0;
  const kernelMs = [...acc.values()].reduce((s, a) => s + a.ms, 0);
  const rows = [...acc].map(([kernel, a]) => ({ kernel, ms: a.ms, calls: a.calls, share: a.ms / totalMs, ours: ours.has(kernel) }))
    .sort((x, y) => y.ms - x.ms);
  return { result, totalMs, kernelMs, otherMs: totalMs - kernelMs, rows };
}
