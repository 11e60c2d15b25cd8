// DiffAugment (src/gan/diffaugment.ts): each op against a plain JS reference on
// known draws, gradients against finite differences on cpu and wasm, the
// config flag, and training / resume with it.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import { tf, type Tensor4D } from '../../src/tf';
import {
  AUGMENTS, applyAugment, cutoutSide, diffAugment, drawAugment, translationRange, type AugmentDraws, type AugmentName,
} from '../../src/gan/diffaugment';
import { ConfigError, DEFAULTS, augmentOps, coerce, describeConfig, fieldByKey, parsePartial, resolveConfig } from '../../src/train/config';
import { parseTrainArgs } from '../../src/cli/train';
import { GanTrainer } from '../../src/train/trainer';
import { BatchSampler } from '../../src/data/sampler';
import { MemoryStore } from '../../src/train/store';
import { Rng } from '../../src/util/rng';
import { initBackend } from '../../src/backend/select';
import { createNodeGl, nodePlatform, stopDisplay } from '../../src/platform/node';
import { required } from '../env';
import { initWasmBackend, onBackend, randArray, relErr } from '../reference/backends';
import { checkResumeEquality, finalWeights, randomDataset, run, tinyConfig } from '../train/helpers';

const ALL: AugmentName[] = ['color', 'translation', 'cutout'];

/** Plain f64 reference of applyAugment on NHWC data with the same draws. */
function reference(x: Float32Array, [n, h, w, c]: number[], ops: AugmentName[], d: AugmentDraws): Float64Array {
  let y = Float64Array.from(x);
  const at = (b: number, i: number, j: number, k: number) => ((b * h + i) * w + j) * c + k;
  for (const op of ops) {
    const z = new Float64Array(y.length);
    if (op === 'color') {
      for (let b = 0; b < n; b++) {
        const img = y.subarray(b * h * w * c, (b + 1) * h * w * c).map((v) => v + d.brightness![b]);
        for (let p = 0; p < h * w; p++) {
          let m = 0;
          for (let k = 0; k < c; k++) m += img[p * c + k];
          m /= c;
          for (let k = 0; k < c; k++) img[p * c + k] = (img[p * c + k] - m) * d.saturation![b] + m;
        }
        const mean = img.reduce((s, v) => s + v, 0) / img.length;
        for (let q = 0; q < img.length; q++) z[b * h * w * c + q] = (img[q] - mean) * d.contrast![b] + mean;
      }
    } else if (op === 'translation') {
      for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
        const si = i + d.ty![b], sj = j + d.tx![b];
        z[at(b, i, j, k)] = si >= 0 && si < h && sj >= 0 && sj < w ? y[at(b, si, sj, k)] : 0;
      }
    } else {
      const side = cutoutSide(Math.min(h, w)), half = Math.floor(side / 2);
      for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
        const inside = i >= d.cy![b] - half && i < d.cy![b] - half + side && j >= d.cx![b] - half && j < d.cx![b] - half + side;
        z[at(b, i, j, k)] = inside ? 0 : y[at(b, i, j, k)];
      }
    }
    y = z;
  }
  return y;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('DiffAugment ops', () => {
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it('draws each parameter from the run PRNG, in the documented order and ranges', () => {
    const d = drawAugment(ALL, 3, 32, 32, new Rng(5));
    const r = new Rng(5);
    const next = (k: number, f: () => number) => Array.from({ length: k }, f);
    expect(Array.from(d.brightness!)).toEqual(next(3, () => Math.fround(r.next() - 0.5)));
    expect(Array.from(d.saturation!)).toEqual(next(3, () => Math.fround(r.next() * 2)));
    expect(Array.from(d.contrast!)).toEqual(next(3, () => Math.fround(r.next() + 0.5)));
    expect(Array.from(d.ty!)).toEqual(next(3, () => r.int(9) - 4));
    expect(Array.from(d.tx!)).toEqual(next(3, () => r.int(9) - 4));
    expect(Array.from(d.cy!)).toEqual(next(3, () => r.int(33)));
    expect(Array.from(d.cx!)).toEqual(next(3, () => r.int(33)));
    // ranges: 1/8 of the image (4 px at 32, 8 at 64), cutout side half the image
    expect([translationRange(32), translationRange(64), cutoutSide(32), cutoutSide(64)]).toEqual([4, 8, 16, 32]);
    const many = drawAugment(ALL, 4000, 32, 32, new Rng(9));
    const range = (a: ArrayLike<number>) => [Math.min(...Array.from(a)), Math.max(...Array.from(a))];
    expect(range(many.ty!)).toEqual([-4, 4]);
    expect(range(many.cx!)).toEqual([0, 32]);
    const [b0, b1] = range(many.brightness!), [s0, s1] = range(many.saturation!), [c0, c1] = range(many.contrast!);
    expect(b0 >= -0.5 && b0 < -0.49 && b1 < 0.5 && b1 > 0.49).toBe(true);
    expect(s0 >= 0 && s0 < 0.01 && s1 < 2 && s1 > 1.99).toBe(true);
    expect(c0 >= 0.5 && c0 < 0.51 && c1 < 1.5 && c1 > 1.49).toBe(true);
  });

  it('translation and cutout match the JS reference exactly, color within float rounding (cpu and wasm)', async () => {
    const shape = [3, 32, 32, 3];
    const x = randArray(3 * 32 * 32 * 3, 11);
    for (const ops of [['translation'], ['cutout'], ['color'], ALL, ['cutout', 'translation']] as AugmentName[][]) {
      const d = drawAugment(ops, 3, 32, 32, new Rng(21));
      const want = reference(x, shape, ops, d);
      for (const backend of ['cpu', 'wasm']) {
        if (backend === 'wasm') expect(await initWasmBackend()).toBe(true);
        const [got] = await onBackend(backend, () => applyAugment(tf.tensor4d(x, shape as any), ops, d));
        if (ops.length === 1 && ops[0] !== 'color') expect(Array.from(got, (v) => v + 0), `${ops} on ${backend}`).toEqual(Array.from(want, (v) => Math.fround(v) + 0)); // + 0: -0 (a zeroed negative) is 0
        else expect(maxAbs(got, want), `${ops} on ${backend}`).toBeLessThan(1e-5);
      }
    }
    // hand cases: a shift by (+1 row, -2 columns), and a cutout at the corner (clipped)
    const tiny = Float32Array.from({ length: 16 }, (_, i) => i + 1);
    const t = applyAugment(tf.tensor4d(tiny, [1, 4, 4, 1]), ['translation'], { ty: Int32Array.of(1), tx: Int32Array.of(-2) });
    expect(Array.from(t.dataSync())).toEqual([0, 0, 5, 6, 0, 0, 9, 10, 0, 0, 13, 14, 0, 0, 0, 0]);
    const cut = applyAugment(tf.tensor4d(tiny, [1, 4, 4, 1]), ['cutout'], { cy: Int32Array.of(0), cx: Int32Array.of(4) });
    // side 2, centre (0, 4): rows -1..0, columns 3..4 -> only pixel (0, 3)
    expect(Array.from(cut.dataSync())).toEqual([1, 2, 3, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    tf.dispose([t, cut]);
  });

  it('gradients w.r.t. the images match finite differences on cpu, and wasm agrees with cpu', async () => {
    await tf.setBackend('cpu');
    const shape: [number, number, number, number] = [2, 8, 8, 3];
    const len = 2 * 8 * 8 * 3;
    const x0 = randArray(len, 3), wts = randArray(len, 4);
    for (const ops of [['color'], ['translation'], ['cutout'], ALL] as AugmentName[][]) {
      const d = drawAugment(ops, 2, 8, 8, new Rng(13));
      const f = (x: tf.Tensor) => tf.sum(tf.mul(applyAugment(x as Tensor4D, ops, d), tf.tensor4d(wts, shape)));
      const grad = (): tf.Tensor => tf.grad(f)(tf.tensor4d(x0, shape));
      const [gCpu] = await onBackend('cpu', grad);
      // the ops are affine in x, so central differences are exact up to rounding
      const h = 0.25;
      const fd = new Float32Array(len);
      tf.tidy(() => {
        for (let i = 0; i < len; i++) {
          const xp = x0.slice(), xm = x0.slice();
          xp[i] += h;
          xm[i] -= h;
          fd[i] = (f(tf.tensor4d(xp, shape)).dataSync()[0] - f(tf.tensor4d(xm, shape)).dataSync()[0]) / (2 * h);
        }
      });
      expect(maxAbs(gCpu, fd), `${ops}: cpu gradient vs finite differences`).toBeLessThan(2e-3);
      // not trivially zero or one: translation/cutout zero some entries, color mixes them
      expect(Array.from(gCpu).some((g) => g !== 0)).toBe(true);
      expect(await initWasmBackend()).toBe(true);
      const [gWasm] = await onBackend('wasm', grad);
      expect(relErr(gWasm, gCpu), `${ops}: wasm gradient vs cpu`).toBeLessThan(1e-5);
    }
  });

  it("the one-op path of cpu/wasm ('typed', the default there) equals the stock-op chain ('ops'): values and gradients", async () => {
    await tf.setBackend('cpu');
    for (const shape of [[3, 32, 32, 3], [2, 9, 13, 3], [2, 64, 64, 3]] as [number, number, number, number][]) {
      const len = shape[0] * shape[1] * shape[2] * shape[3];
      const x0 = randArray(len, 5), wts = randArray(len, 6);
      for (const ops of [['color'], ['translation'], ['cutout'], ALL, ['cutout', 'color', 'translation']] as AugmentName[][]) {
        const d = drawAugment(ops, shape[0], shape[1], shape[2], new Rng(31));
        for (const backend of ['cpu', 'wasm']) {
          if (backend === 'wasm') expect(await initWasmBackend()).toBe(true);
          const both = (impl: 'ops' | 'typed') => onBackend(backend, () => {
            const f = (x: tf.Tensor) => tf.sum(tf.mul(applyAugment(x as Tensor4D, ops, d, impl), tf.tensor4d(wts, shape)));
            return [applyAugment(tf.tensor4d(x0, shape), ops, d, impl), tf.grad(f)(tf.tensor4d(x0, shape))];
          });
          const [yOps, gOps] = await both('ops');
          const [yTyped, gTyped] = await both('typed');
          const what = `${ops} ${shape.join('x')} on ${backend}`;
          if (!ops.includes('color')) {
            // pure data movement: the same numbers
            expect(Array.from(yTyped, (v) => v + 0), what).toEqual(Array.from(yOps, (v) => v + 0));
            expect(Array.from(gTyped, (v) => v + 0), what).toEqual(Array.from(gOps, (v) => v + 0));
          } else {
            expect(maxAbs(yTyped, yOps), what).toBeLessThan(1e-5);
            expect(maxAbs(gTyped, gOps), what).toBeLessThan(1e-5);
          }
          expect(Array.from(gTyped).some((g) => g !== 0), what).toBe(true);
        }
      }
    }
  });

  it('no ops: returns the input itself and draws nothing', () => {
    const x = tf.tensor4d(randArray(48, 1), [1, 4, 4, 3]);
    const rng = new Rng(3);
    const before = rng.state();
    expect(diffAugment(x, [], rng)).toBe(x);
    expect(rng.state()).toEqual(before);
    // with ops it draws, and each call draws anew
    const a = diffAugment(x, ALL, rng), b = diffAugment(x, ALL, rng);
    expect(rng.state()).not.toEqual(before);
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
    tf.dispose([x, a, b]);
  });
});

afterAll(() => stopDisplay());
describe('DiffAugment on webgl (headless-gl)', async () => {
  let why: string | null = null;
  try {
    (await createNodeGl()).dispose();
  } catch (e) {
    why = (e as Error).message;
  }
  required(why === null, 'headless-gl (webgl in Node)', `${why}: install the optional gl package and run Xvfb`);
  it.skipIf(why !== null)('outputs and gradients agree with cpu', async () => {
    await initBackend('webgl', nodePlatform());
    const shape: [number, number, number, number] = [2, 16, 16, 3];
    const x = randArray(2 * 16 * 16 * 3, 5), wts = randArray(2 * 16 * 16 * 3, 6);
    const d = drawAugment(ALL, 2, 16, 16, new Rng(17));
    const both = () => {
      const t = tf.tensor4d(x, shape);
      const f = (y: tf.Tensor) => tf.sum(tf.mul(applyAugment(y as Tensor4D, ALL, d), tf.tensor4d(wts, shape)));
      return [applyAugment(t, ALL, d), tf.grad(f)(t)];
    };
    const [yCpu, gCpu] = await onBackend('cpu', both);
    const [yGl, gGl] = await onBackend('webgl', both);
    expect(maxAbs(yGl, yCpu)).toBeLessThan(1e-4);
    expect(maxAbs(gGl, gCpu)).toBeLessThan(1e-4);
    await tf.setBackend('cpu');
  });
});

describe('--augment', () => {
  afterEach(() => tf.disposeVariables());

  it('defaults to none (no augmentation), parses lists and rejects unknown names with a ConfigError', () => {
    expect(DEFAULTS.augment).toBe('none');
    expect(augmentOps(resolveConfig({}))).toEqual([]);
    expect(augmentOps({} as any)).toEqual([]); // a config.json from before --augment
    const f = fieldByKey.get('augment')!;
    expect(f.web).toBe(true);
    expect(coerce(f, 'color, translation,cutout')).toBe('color,translation,cutout');
    expect(coerce(f, 'cutout,color,cutout')).toBe('cutout,color');
    expect(coerce(f, 'none')).toBe('none');
    expect(parsePartial({ augment: ['translation'] }, 'c.json')).toEqual({ augment: 'translation' });
    expect(augmentOps({ augment: 'cutout,color' })).toEqual(['cutout', 'color']);
    expect(AUGMENTS).toEqual(ALL);
    expect(() => coerce(f, 'blur')).toThrow(ConfigError);
    expect(() => coerce(f, 'blur')).toThrow("--augment: unknown augmentation 'blur' (expected color, translation, cutout)");
    expect(() => parseTrainArgs(['--augment', 'color,blur'])).toThrow("--augment: unknown augmentation 'blur' (expected color, translation, cutout)");
    expect(() => parsePartial({ augment: 'colour' }, 'c.json')).toThrow(/c.json: "augment": unknown augmentation 'colour'/);
    expect(() => coerce(f, 'none,color')).toThrow(ConfigError);
    expect(() => coerce(f, 'color,')).toThrow(ConfigError);
    expect(() => coerce(f, 3)).toThrow(ConfigError);
    expect((parseTrainArgs(['--augment', 'translation']) as any).explicit.augment).toBe('translation');
    expect(describeConfig(resolveConfig({ augment: 'color' }))).toMatch(/DiffAugment color/);
    expect(describeConfig(resolveConfig({}))).not.toMatch(/DiffAugment/);
  });

  it('a short training run with --augment color,translation,cutout works on cpu, leaks nothing, and differs from no augmentation', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const cfg = tinyConfig({ steps: 3, augment: 'color,translation,cutout' });
    const s = await run(cfg, store, false);
    expect(s.status).toBe('done');
    const lines = (await store.readText('metrics.jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    for (const l of lines) expect(Number.isFinite(l.lossD) && Number.isFinite(l.lossG)).toBe(true);
    // the augmentation is wired in: the same run without it ends elsewhere
    const plain = new MemoryStore();
    await run({ ...cfg, augment: 'none' }, plain, false);
    const [a, b] = [await finalWeights(store, cfg), await finalWeights(plain, cfg)];
    const g = 'generator/fc/kernel';
    const key = a.has(g) ? g : [...a.keys()].find((k) => k.startsWith('generator/'))!;
    expect(Array.from(a.get(key)!)).not.toEqual(Array.from(b.get(key)!));
    // a step (D and G, with the gradient penalty too) leaks no tensors
    for (const over of [{}, { loss: 'wgan-gp' as const, nCritic: 1 }]) {
      const c2 = tinyConfig({ augment: 'color,translation,cutout', ...over });
      const tr = new GanTrainer(c2);
      const src = new BatchSampler(randomDataset(), c2.batch, 1);
      tr.trainStep(src);
      const n0 = tf.memory().numTensors;
      tr.trainStep(src);
      tr.trainStep(src);
      expect(tf.memory().numTensors).toBe(n0);
      tr.dispose();
    }
  });

  it('resume stays bit-exact with --augment (bce, and wgan-gp with the penalty on augmented images)', async () => {
    await checkResumeEquality('cpu', 'bce', { augment: 'color,translation,cutout' });
    tf.disposeVariables();
    await checkResumeEquality('cpu', 'wgan-gp', { augment: 'translation,cutout,color', nCritic: 2 });
  });
});
