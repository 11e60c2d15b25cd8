// Our wasm-backend training kernels against the tfjs cpu backend.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf } from '../../src/tf';
import { initWasmBackend, onBackend, randArray, relErr } from '../reference/backends';
import { registerBaselineConv2DBackpropFilter } from '../../src/backend/wasm_baseline';

type Case = { B: number; H: number; W: number; Ci: number; Co: number; K: number; s: number; pad: any };
const cases: Case[] = [
  { B: 1, H: 7, W: 5, Ci: 3, Co: 5, K: 3, s: 1, pad: 'same' },
  { B: 2, H: 9, W: 9, Ci: 6, Co: 7, K: 5, s: 2, pad: 'same' },
  { B: 3, H: 8, W: 8, Ci: 5, Co: 4, K: 5, s: 2, pad: 'valid' },
  { B: 1, H: 6, W: 7, Ci: 9, Co: 3, K: 1, s: 1, pad: 'valid' },
  { B: 2, H: 11, W: 10, Ci: 4, Co: 6, K: 4, s: 1, pad: 'valid' },
  { B: 2, H: 10, W: 9, Ci: 3, Co: 2, K: 3, s: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { B: 4, H: 8, W: 8, Ci: 16, Co: 8, K: 5, s: 2, pad: 'same' },
];

describe('baseline Conv2DBackpropFilter on wasm (tf ops)', () => {
  beforeAll(async () => {
    expect(await initWasmBackend()).toBe(true);
    // Whatever ran before in this file: the stock kernels plus the baseline, not ours.
    unregisterWasmTrainingKernels();
    registerBaselineConv2DBackpropFilter();
  });

  for (const c of cases) {
    it(`matches cpu: ${JSON.stringify(c)}`, async () => {
      const xShape = [c.B, c.H, c.W, c.Ci] as [number, number, number, number];
      const fShape = [c.K, c.K, c.Ci, c.Co] as [number, number, number, number];
      const info = tf.backend_util.computeConv2DInfo(xShape, fShape, c.s, 1, c.pad, undefined, false, 'channelsLast');
      const dyShape = [c.B, info.outHeight, info.outWidth, c.Co];
      const xv = randArray(xShape.reduce((a, b) => a * b), 1), dyv = randArray(dyShape.reduce((a, b) => a * b), 2);
      const run = () => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xv, xShape), dy: tf.tensor(dyv, dyShape) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: fShape }) as tf.Tensor;
      const [ref] = await onBackend('cpu', run);
      const [got] = await onBackend('wasm', run);
      expect(relErr(got, ref)).toBeLessThan(1e-4);
    });
  }

  it('trains a small conv net through tf.grads on wasm like on cpu', async () => {
    const w1v = randArray(3 * 3 * 3 * 4, 3), w2v = randArray(4 * 4 * 4 * 1, 4), xv = randArray(2 * 8 * 8 * 3, 5);
    const step = () => {
      const x = tf.tensor4d(xv, [2, 8, 8, 3]);
      const g = tf.grads((w1: tf.Tensor, w2: tf.Tensor) => {
        const h = tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'), 0.2);
        return tf.sum(tf.square(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid')));
      });
      return g([tf.tensor4d(w1v, [3, 3, 3, 4]), tf.tensor4d(w2v, [4, 4, 4, 1])]);
    };
    const ref = await onBackend('cpu', step);
    const got = await onBackend('wasm', step);
    for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i])).toBeLessThan(1e-4);
  });
});

import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, nnKernelStats } from '../../src/backend/wasm_kernels';
import { nodeSpawner } from '../../src/platform/node';

const convCases: Case[] = [
  ...cases,
  { B: 1, H: 5, W: 5, Ci: 1, Co: 1, K: 1, s: 1, pad: 'same' },
  { B: 3, H: 16, W: 16, Ci: 3, Co: 10, K: 5, s: 2, pad: 'same' },
  { B: 2, H: 4, W: 4, Ci: 12, Co: 1, K: 4, s: 1, pad: 'valid' },
  { B: 5, H: 9, W: 7, Ci: 7, Co: 13, K: 5, s: 2, pad: 'valid' },
  // the seed's padding=2 (2 on every side), even and odd sizes
  { B: 3, H: 16, W: 16, Ci: 3, Co: 10, K: 5, s: 2, pad: 2 },
  { B: 2, H: 8, W: 8, Ci: 16, Co: 8, K: 5, s: 2, pad: 2 },
  { B: 2, H: 9, W: 7, Ci: 5, Co: 6, K: 5, s: 2, pad: 2 },
];

for (const threads of [1, 2]) {
  describe(`our wasm kernels vs cpu, ${threads} thread(s)`, () => {
    beforeAll(async () => {
      expect(await initWasmBackend()).toBe(true);
      const info = await registerWasmTrainingKernels({ threads, spawner: nodeSpawner() });
      expect(info.threads).toBe(threads);
    });

    for (const c of convCases) {
      const xShape = [c.B, c.H, c.W, c.Ci] as [number, number, number, number];
      const fShape = [c.K, c.K, c.Ci, c.Co] as [number, number, number, number];
      const info = tf.backend_util.computeConv2DInfo(xShape, fShape, c.s, 1, c.pad, undefined, false, 'channelsLast');
      const dyShape = [c.B, info.outHeight, info.outWidth, c.Co] as [number, number, number, number];
      const xv = randArray(xShape.reduce((a, b) => a * b), 21), fv = randArray(fShape.reduce((a, b) => a * b), 22);
      const dyv = randArray(dyShape.reduce((a, b) => a * b), 23), bv = randArray(c.Co, 24);
      const name = JSON.stringify(c);
      const check = async (fn: () => tf.Tensor) => {
        const [ref] = await onBackend('cpu', fn);
        const [got] = await onBackend('wasm', fn);
        expect(relErr(got, ref)).toBeLessThan(1e-4);
      };
      it(`Conv2D ${name}`, () => check(() => tf.conv2d(tf.tensor4d(xv, xShape), tf.tensor4d(fv, fShape), c.s, c.pad)));
      it(`FusedConv2D + bias + leakyrelu ${name}`, () => check(() => tf.fused.conv2d({
        x: tf.tensor4d(xv, xShape), filter: tf.tensor4d(fv, fShape), strides: c.s, pad: c.pad,
        bias: tf.tensor1d(bv), activation: 'leakyrelu', leakyreluAlpha: 0.2,
      }) as tf.Tensor));
      it(`Conv2DBackpropInput ${name}`, () => check(() => tf.engine().runKernel('Conv2DBackpropInput',
        { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(fv, fShape) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape }) as tf.Tensor));
      it(`Conv2DBackpropFilter ${name}`, () => check(() => tf.engine().runKernel('Conv2DBackpropFilter',
        { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: fShape }) as tf.Tensor));
    }

    it('conv2dTranspose (generator layer shape, small batch)', async () => {
      const x = randArray(3 * 4 * 4 * 16, 31), w = randArray(5 * 5 * 8 * 16, 32);
      const fn = () => tf.conv2dTranspose(tf.tensor4d(x, [3, 4, 4, 16]), tf.tensor4d(w, [5, 5, 8, 16]), [3, 8, 8, 8], 2, 'same');
      const [ref] = await onBackend('cpu', fn);
      const [got] = await onBackend('wasm', fn);
      expect(relErr(got, ref)).toBeLessThan(1e-4);
    });

    it('conv2dTranspose with pad 2 (the seed\'s ConvTranspose2d(5, 2, padding=2, output_padding=1))', async () => {
      const x = randArray(3 * 4 * 4 * 16, 33), w = randArray(5 * 5 * 8 * 16, 34);
      const fn = () => tf.conv2dTranspose(tf.tensor4d(x, [3, 4, 4, 16]), tf.tensor4d(w, [5, 5, 8, 16]), [3, 8, 8, 8], 2, 2);
      const [ref] = await onBackend('cpu', fn);
      const [got] = await onBackend('wasm', fn);
      expect(relErr(got, ref)).toBeLessThan(1e-4);
    });

    for (const [M, N, K, tA, tB] of [[1, 1, 1, false, false], [3, 8192, 10, false, false], [7, 9, 130, true, false], [64, 13, 200, false, true], [5, 6, 7, true, true]] as const) {
      it(`matMul ${M}x${K} @ ${K}x${N} tA=${tA} tB=${tB}`, async () => {
        const a = randArray(M * K, 41), b = randArray(K * N, 42);
        const fn = () => tf.matMul(tf.tensor2d(a, tA ? [K, M] : [M, K]), tf.tensor2d(b, tB ? [N, K] : [K, N]), tA, tB);
        const [ref] = await onBackend('cpu', fn);
        const [got] = await onBackend('wasm', fn);
        expect(relErr(got, ref)).toBeLessThan(1e-4);
      });
    }

    it('batched matMul and fused matMul (bias + relu)', async () => {
      const a = randArray(3 * 5 * 6, 51), b = randArray(3 * 6 * 7, 52), bias = randArray(7, 53);
      const fn = () => [
        tf.matMul(tf.tensor3d(a, [3, 5, 6]), tf.tensor3d(b, [3, 6, 7])),
        tf.fused.matMul({ a: tf.tensor2d(a.subarray(0, 30), [5, 6]), b: tf.tensor2d(b.subarray(0, 42), [6, 7]), bias: tf.tensor1d(bias), activation: 'relu' }),
        tf.matMul(tf.tensor3d(a, [3, 5, 6]), tf.tensor2d(b.subarray(0, 42), [6, 7])), // broadcast: stock fallback
      ];
      const ref = await onBackend('cpu', fn);
      const got = await onBackend('wasm', fn);
      for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i])).toBeLessThan(1e-4);
    });

    it('second-order gradient (gradient penalty through conv + leakyRelu) matches cpu', async () => {
      const w1v = randArray(5 * 5 * 3 * 8, 61), w2v = randArray(4 * 4 * 8 * 1, 62), xv = randArray(2 * 8 * 8 * 3, 63);
      const fn = () => {
        const w1 = tf.tensor4d(w1v, [5, 5, 3, 8]), w2 = tf.tensor4d(w2v, [4, 4, 8, 1]);
        const critic = (x: tf.Tensor4D, a: tf.Tensor4D, b: tf.Tensor4D) =>
          tf.sum(tf.conv2d(tf.leakyRelu(tf.conv2d(x, a, 2, 'same'), 0.2) as tf.Tensor4D, b, 1, 'valid'));
        const gp = (a: tf.Tensor, b: tf.Tensor) => {
          const gx = tf.grad((x: tf.Tensor) => critic(x as tf.Tensor4D, a as tf.Tensor4D, b as tf.Tensor4D))(tf.tensor4d(xv, [2, 8, 8, 3]));
          return tf.mean(tf.square(tf.sub(tf.sqrt(tf.sum(tf.square(gx), [1, 2, 3])), 1)));
        };
        return tf.grads(gp)([w1, w2]);
      };
      const ref = await onBackend('cpu', fn);
      const got = await onBackend('wasm', fn);
      for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i])).toBeLessThan(1e-4);
    });

    it('Sum / Mean over leading, trailing, all and other axes; Tile', async () => {
      const x = randArray(4 * 5 * 6 * 7, 71);
      const fn = () => {
        const t = tf.tensor4d(x, [4, 5, 6, 7]);
        return [tf.sum(t, [0, 1, 2]), tf.mean(t, [0, 1, 2], true), tf.sum(t, [1, 2, 3]), tf.mean(t, [2, 3]), tf.sum(t), tf.mean(t),
          tf.sum(t, [0, 2]), tf.mean(t, -1), tf.sum(t, 0), tf.sum(tf.tensor1d(x.subarray(0, 9))),
          tf.tile(tf.tensor4d(x.subarray(0, 7), [1, 1, 1, 7]), [4, 5, 6, 1]), tf.tile(tf.tensor3d(x.subarray(0, 12), [2, 3, 2]), [3, 1, 2]),
          tf.tile(tf.tensor2d(x.subarray(0, 6), [2, 3]), [1, 1]), tf.cast(tf.tile(tf.tensor1d([1, 2, 3], 'int32'), [3]), 'float32')];
      };
      const ref = await onBackend('cpu', fn);
      const got = await onBackend('wasm', fn);
      for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), `output ${i}`).toBeLessThan(1e-5);
    });

    it('big leading-axes Sum / Mean (the pool path: bias gradients) match cpu', async () => {
      const shapes = [[64, 16, 16, 33], [8, 64, 64, 3], [70, 1000]];
      for (const shape of shapes) {
        const x = randArray(shape.reduce((a, b) => a * b, 1), 81).map((v, i) => v + (i % 7) * 0.25);
        const lead = shape.map((_, i) => i).slice(0, -1);
        const fn = () => { const t = tf.tensor(x, shape); return [tf.sum(t, lead), tf.mean(t, lead, true)]; };
        const ref = await onBackend('cpu', fn);
        const got = await onBackend('wasm', fn);
        for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i]), `${shape} output ${i}`).toBeLessThan(1e-5);
      }
    });

    it('no tensor leak across repeated kernel calls', async () => {
      await tf.setBackend('wasm');
      const x = tf.tensor4d(randArray(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]), w = tf.tensor4d(randArray(75 * 4, 2), [5, 5, 3, 4]);
      const step = () => tf.tidy(() => tf.grads((a: tf.Tensor) => tf.sum(tf.conv2d(x, a as tf.Tensor4D, 2, 'same')))([w])[0].dataSync());
      step();
      const n0 = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(n0);
      x.dispose(); w.dispose();
      await tf.setBackend('cpu');
    });
  });
}

describe('unregister', () => {
  // Self-contained (no reliance on the describes above having run): register
  // ours over a known stock set, run every op they take, put the stock set back.
  it('our kernels run (the broadcast matMul falls back), and unregister puts the stock kernels back', async () => {
    expect(await initWasmBackend()).toBe(true);
    unregisterWasmTrainingKernels();
    registerBaselineConv2DBackpropFilter();
    const stockConv = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    const stockFilter = tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc;
    await registerWasmTrainingKernels({ threads: 1 });
    const ours0 = { ...nnKernelStats.ours };
    const fb0 = { ...nnKernelStats.fallback };
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.tensor4d(randArray(2 * 8 * 8 * 3, 5), [2, 8, 8, 3]);
      const f = tf.tensor4d(randArray(3 * 3 * 3 * 4, 6), [3, 3, 3, 4]);
      const g = tf.grads((xx, ff) => tf.sum(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same')));
      g([x, f]);
      tf.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', bias: tf.ones([4]), activation: 'relu' });
      const a = tf.tensor2d(randArray(6 * 5, 7), [6, 5]);
      const b = tf.tensor2d(randArray(5 * 4, 8), [5, 4]);
      tf.matMul(a, b);
      tf.fused.matMul({ a, b, bias: tf.ones([4]) });
      tf.matMul(tf.tensor3d(randArray(2 * 3 * 5, 9), [2, 3, 5]), tf.tensor3d(randArray(5 * 4, 10), [1, 5, 4]));
      tf.mean(x, [0, 1, 2]);
      tf.tile(a, [2, 1]);
    });
    await tf.setBackend('cpu');
    for (const k of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul', 'Sum', 'Mean', 'Tile']) {
      expect(nnKernelStats.ours[k] ?? 0, k).toBeGreaterThan(ours0[k] ?? 0);
    }
    expect(nnKernelStats.fallback.BatchMatMul ?? 0).toBeGreaterThan(fb0.BatchMatMul ?? 0);
    unregisterWasmTrainingKernels();
    expect(tf.getKernel('Conv2D', 'wasm')!.kernelFunc).toBe(stockConv);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc).toBe(stockFilter);
  });
});

import { GanTrainer } from '../../src/train/trainer';
import { resolveConfig } from '../../src/train/config';

/** One DCGAN step (D update + G update) on `backend`; returns [name, before, after] per variable. */
async function dcganStep(backend: string, loss: 'bce' | 'wgan-gp'): Promise<Map<string, [Float32Array, Float32Array]>> {
  await tf.setBackend(backend);
  const size = loss === 'bce' ? 64 : 32; // the GP's second-order pass is slow on cpu
  const cfg = resolveConfig({ size, ngf: 8, ndf: 8, zDim: 16, batch: 3, steps: 1, loss, seed: 11, sampleEvery: 0, checkpointEvery: 0, diversityEvery: 0 });
  const tr = new GanTrainer(cfg);
  const before = new Map([...tr.variables()].map(([n, v]) => [n, Float32Array.from(v.dataSync() as Float32Array)]));
  const real = randArray(cfg.batch * size * size * 3, 99);
  tr.trainStep({ next: () => real } as any);
  const out = new Map<string, [Float32Array, Float32Array]>();
  for (const [n, v] of tr.variables()) out.set(n, [before.get(n)!, Float32Array.from(v.dataSync() as Float32Array)]);
  tr.dispose();
  await tf.setBackend('cpu');
  return out;
}

/** `x/convN/bias` when `x/convN/bn/...` exists: a bias whose gradient is zero in exact arithmetic. */
function beforeBn(name: string, names: string[]): boolean {
  const m = /^(.*)\/bias$/.exec(name);
  return !!m && names.some((n) => n.startsWith(`${m[1]}/bn/`));
}

describe('full DCGAN-64 step on wasm (our kernels, 2 threads) vs cpu', () => {
  beforeAll(async () => {
    expect(await initWasmBackend()).toBe(true);
    await registerWasmTrainingKernels({ threads: 2, spawner: nodeSpawner() });
  });
  for (const loss of ['bce', 'wgan-gp'] as const) {
    it(`${loss}: every updated weight within 1e-3; updates agree`, async () => {
      const ref = await dcganStep('cpu', loss);
      const got = await dcganStep('wasm', loss);
      let updated = 0;
      for (const [name, [b0, c1]] of ref) {
        const w1 = got.get(name)![1];
        let d = 0, step = 0, agree = 0;
        for (let i = 0; i < c1.length; i++) {
          const dc = c1[i] - b0[i], dw = w1[i] - b0[i];
          d = Math.max(d, Math.abs(w1[i] - c1[i]));
          step = Math.max(step, Math.abs(dc));
          if (Math.abs(dw - dc) <= 0.01 * Math.abs(dc) + 1e-9) agree++;
        }
        if (step > 0) updated++;
        expect(d, name).toBeLessThan(1e-3);
        if (beforeBn(name, [...ref.keys()])) continue; // gradient is rounding noise, Adam amplifies it
        // Adam divides by |g|: a gradient that is ~0 may flip sign under a
        // different summation order, so allow a few of those per tensor.
        expect(agree / c1.length, `${name}: updates agreeing within 1%`).toBeGreaterThan(0.98);
      }
      expect(updated).toBeGreaterThan(10);
    });
  }

  it('D and G gradients for the same batch within 1e-3 (relative to each tensor\'s max)', async () => {
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const cfg = resolveConfig({ size: 64, ngf: 8, ndf: 8, zDim: 16, batch: 3, steps: 1, seed: 5, sampleEvery: 0, checkpointEvery: 0, diversityEvery: 0 });
      const tr = new GanTrainer(cfg);
      const real = tf.tensor4d(randArray(3 * 64 * 64 * 3, 7), [3, 64, 64, 3]), z = tf.tensor2d(randArray(3 * 16, 8), [3, 16]);
      const vars = [...tr.D.params.trainable(), ...tr.G.params.trainable()];
      const { grads: g } = tf.variableGrads(() => {
        const df = tr.D.apply(tr.G.apply(z, { training: true }), { training: true });
        const dr = tr.D.apply(real, { training: true });
        return tf.add(tf.mean(tf.softplus(tf.neg(dr))), tf.mean(tf.softplus(df))) as tf.Scalar;
      }, vars);
      const out = new Map(Object.entries(g).map(([n, t]) => [n, Float32Array.from(t.dataSync() as Float32Array)]));
      tf.dispose([real, z, g as any]);
      tr.dispose();
      await tf.setBackend('cpu');
      return out;
    };
    const ref = await grads('cpu');
    const got = await grads('wasm');
    expect(ref.size).toBeGreaterThan(10);
    // A conv bias followed by BatchNorm has gradient 0 in exact arithmetic
    // (BN subtracts the mean): both backends give rounding noise there.
    const zeroGrad = (n: string) => beforeBn(n, [...ref.keys()]);
    for (const [n, r] of ref) if (!zeroGrad(n)) expect(relErr(got.get(n)!, r), n).toBeLessThan(1e-3);
    for (const [n, r] of ref) if (zeroGrad(n)) expect(Math.max(...r.map(Math.abs)), n).toBeLessThan(1e-4);
  });
});

describe('activations (Relu, LeakyRelu, Tanh) and Identity on our wasm kernels vs cpu', () => {
  // sizes below, at and across the kernels' 16384-element work blocks; exact zeros included
  const shapes: number[][] = [[3], [5, 7, 3], [2, 16, 16, 33]];
  for (const threads of [1, 2, 3]) {
    it(`${threads} thread(s): forward and gradient within 1e-4 of cpu, through ours`, async () => {
      expect(await initWasmBackend()).toBe(true);
      const info = await registerWasmTrainingKernels({ threads, spawner: nodeSpawner() });
      expect(info.threads).toBe(threads);
      for (const shape of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        const xv = randArray(n, n).map((v, i) => (i % 11 === 0 ? 0 : 3 * v)), wv = randArray(n, n + 1);
        const acts: [string, (t: tf.Tensor) => tf.Tensor][] = [['Relu', (t) => tf.relu(t)], ['LeakyRelu', (t) => tf.leakyRelu(t, 0.2)], ['Tanh', (t) => tf.tanh(t)]];
        for (const [kernel, act] of acts) {
          const fn = () => {
            const x = tf.tensor(xv, shape), w = tf.tensor(wv, shape);
            return [act(x), tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(act(xi), w)))(x)];
          };
          const before = nnKernelStats.ours[kernel] ?? 0;
          const ref = await onBackend('cpu', fn);
          const got = await onBackend('wasm', fn);
          expect(nnKernelStats.ours[kernel], kernel).toBeGreaterThan(before);
          expect(relErr(got[0], ref[0]), `${kernel} ${shape} forward`).toBeLessThan(1e-4);
          expect(relErr(got[1], ref[1]), `${kernel} ${shape} gradient`).toBeLessThan(1e-4);
        }
      }
    });
  }

  it('Identity shares the data: a clone outlives its source and a variable\'s assign; no leak', async () => {
    expect(await initWasmBackend()).toBe(true);
    await registerWasmTrainingKernels({ threads: 1, spawner: nodeSpawner() });
    await tf.setBackend('wasm');
    const n0 = tf.memory().numTensors;
    const before = nnKernelStats.ours.Identity ?? 0;
    const a = tf.tensor1d([1, 2, 3]);
    const c = tf.clone(a);
    expect(nnKernelStats.ours.Identity).toBe(before + 1);
    a.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    const init = tf.tensor1d([4, 5, 6]), next = tf.tensor1d([7, 8, 9]);
    const v = tf.variable(init, true, 'identity-test-v');
    const saved = tf.clone(v);
    v.assign(next);
    tf.dispose([init, next]);
    expect(Array.from(saved.dataSync())).toEqual([4, 5, 6]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([c, saved, v]);
    expect(tf.memory().numTensors).toBe(n0);
    await tf.setBackend('cpu');
  });
});
