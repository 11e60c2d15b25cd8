// Our models against the PyTorch seed's own modules (test/reference/seed_dcgan.py),
// run by Debian's torch under /usr/bin/python3: our weights go over in the
// seed's layouts and names (src/gan/torch_layout.ts), and the generator's
// images for fixed z, the discriminator's logits for fixed images, in eval
// and train mode, and the BatchNorm running statistics after one train-mode
// forward must agree within 1e-4. Skipped outside CI without torch; under CI
// a missing torch fails (see test/env.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor2D, type Tensor4D } from '../../src/tf';
import { Generator, Discriminator, type ModelConfig } from '../../src/gan/models';
import { commitRunningStats, type BnState } from '../../src/gan/batchnorm';
import { conv2dToTorch, convTransposeToTorch, featuresNhwcToNchw, linearToTorch, nchwToNhwc, nhwcToNchw } from '../../src/gan/torch_layout';
import { Rng } from '../../src/util/rng';
import { randArray } from '../reference/backends';
import { required } from '../env';

const PY = '/usr/bin/python3';
const SCRIPT = join(__dirname, '../reference/torch_parity.py');
const haveTorch = spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const run = required(haveTorch, 'PyTorch (/usr/bin/python3 with torch and numpy)', 'apt-get install python3-torch python3-numpy');

interface Case { size: 32 | 64; ngf: number; ndf: number; zDim: number; dBatchNorm: boolean; n: number }
const CASES: Case[] = [
  { size: 32, ngf: 4, ndf: 4, zDim: 16, dBatchNorm: true, n: 5 },
  { size: 32, ngf: 3, ndf: 5, zDim: 7, dBatchNorm: false, n: 4 },
  { size: 64, ngf: 4, ndf: 3, zDim: 16, dBatchNorm: true, n: 4 },
  { size: 64, ngf: 2, ndf: 2, zDim: 10, dBatchNorm: false, n: 3 },
];
const TOL = 1e-4;

/** Our name -> [the seed's state_dict key, our value in the seed's layout, the seed's shape]. */
function toSeed(G: Generator, D: Discriminator): Map<string, [string, Float32Array, number[]]> {
  const out = new Map<string, [string, Float32Array, number[]]>();
  const val = (v: tf.Variable) => v.dataSync() as Float32Array;
  const S = G.stages, c0 = G.c0, z = G.cfg.zDim;
  const bn = (ours: string, seed: string, perm = (a: Float32Array) => a) => {
    for (const [o, s] of [['gamma', 'weight'], ['beta', 'bias'], ['running_mean', 'running_mean'], ['running_var', 'running_var']]) {
      const net = ours.startsWith('generator/') ? G : D;
      const v = net.params.vars.get(`${ours}/${o}`)!;
      out.set(`${ours}/${o}`, [`${seed}.${s}`, perm(val(v)), [v.size]]);
    }
  };
  const conv = (ours: string, seed: string, transposed: boolean) => {
    const v = (ours.startsWith('generator/') ? G : D).params.vars.get(ours)!;
    const [kh, kw, a, b] = v.shape;
    out.set(ours, [seed, (transposed ? convTransposeToTorch : conv2dToTorch)(val(v), v.shape), [b, a, kh, kw]]);
  };
  const vec = (ours: string, seed: string) => {
    const v = (ours.startsWith('generator/') ? G : D).params.vars.get(ours)!;
    out.set(ours, [seed, val(v).slice(), [v.size]]);
  };
  const fc = G.params.vars.get('generator/fc/kernel')!;
  out.set('generator/fc/kernel', ['G.l1.0.weight', linearToTorch(val(fc), z, c0), [16 * c0, z]]);
  bn('generator/fc/bn', 'G.l1.1', (a) => featuresNhwcToNchw(a, c0));
  for (let i = 1; i < S; i++) {
    conv(`generator/up${i}/kernel`, `G.l2_5.${i - 1}.0.weight`, true);
    bn(`generator/up${i}/bn`, `G.l2_5.${i - 1}.1`);
  }
  conv('generator/out/kernel', `G.l2_5.${S - 1}.weight`, true);
  vec('generator/out/bias', `G.l2_5.${S - 1}.bias`);
  conv('discriminator/conv0/kernel', 'D.ls.0.weight', false);
  vec('discriminator/conv0/bias', 'D.ls.0.bias');
  for (let i = 1; i < S; i++) {
    conv(`discriminator/conv${i}/kernel`, `D.ls.${i + 1}.0.weight`, false);
    vec(`discriminator/conv${i}/bias`, `D.ls.${i + 1}.0.bias`);
    if (D.cfg.dBatchNorm) bn(`discriminator/conv${i}/bn`, `D.ls.${i + 1}.1`);
  }
  conv('discriminator/out/kernel', `D.ls.${S + 1}.weight`, false);
  vec('discriminator/out/bias', `D.ls.${S + 1}.bias`);
  return out;
}

/** Non-trivial weights: unit-variance conv outputs, BN parameters and running statistics away from 1/0. */
function randomise(net: Generator | Discriminator, seed: number): void {
  let k = seed;
  for (const [name, v] of net.params.vars) {
    const u = randArray(v.size, k++);
    let a: Float32Array;
    if (name.endsWith('/kernel')) {
      const [kh, kw, a2, a3] = v.shape as number[];
      // a transposed conv's output pixel sees about a quarter of its taps (stride 2)
      const fanIn = v.shape.length === 2 ? kh : kh * kw * (name.includes('/up') || name.startsWith('generator/out') ? a3 / 4 : a2);
      a = u.map((x) => x * Math.sqrt(3 / fanIn));
    } else if (name.endsWith('/gamma')) a = u.map((x) => 1 + 0.3 * x);
    else if (name.endsWith('/running_var')) a = u.map((x) => 0.5 + Math.abs(x));
    else a = u.map((x) => 0.2 * x);
    v.assign(tf.tensor(a, v.shape));
  }
}

const f32 = (dir: string, name: string) => {
  const b = readFileSync(join(dir, `${name}.f32`));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const maxDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe.runIf(run)('our models vs the PyTorch seed (seed_dcgan.py)', () => {
  let root: string;
  const ours = new Map<string, {
    c: Case; gEval: Float32Array; gTrain: Float32Array; dEval: Float32Array; dTrain: Float32Array;
    stats: Map<string, Float32Array>; scale: number;
  }>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = mkdtempSync(join(tmpdir(), 'ganforge-parity-'));
    const dirs: string[] = [];
    for (const [ci, c] of CASES.entries()) {
      const cfg: ModelConfig = { size: c.size, layers: 'torch', zDim: c.zDim, ngf: c.ngf, ndf: c.ndf, sn: false, dBatchNorm: c.dBatchNorm, dDropout: 0 };
      const G = new Generator(cfg, new Rng(ci + 1));
      const D = new Discriminator(cfg, new Rng(ci + 101));
      randomise(G, 1000 * ci + 1);
      randomise(D, 1000 * ci + 501);
      const dir = join(root, `case${ci}`);
      mkdirSync(dir);
      const map = toSeed(G, D);
      const tensors: Record<string, number[]> = {};
      for (const [, [key, data, shape]] of map) {
        writeFileSync(join(dir, `${key}.f32`), data);
        tensors[key] = shape;
      }
      const S = c.size;
      const z = randArray(c.n * c.zDim, 7000 + ci).map((v) => 1.7 * v);
      const x = randArray(c.n * S * S * 3, 8000 + ci);
      writeFileSync(join(dir, 'z.f32'), z);
      writeFileSync(join(dir, 'x.f32'), nhwcToNchw(x, c.n, S, S, 3));
      writeFileSync(join(dir, 'case.json'), JSON.stringify({ ...c, tensors, inputs: { z: [c.n, c.zDim], x: [c.n, 3, S, S] } }));
      const data = (t: tf.Tensor) => Float32Array.from(t.dataSync());
      const zt = tf.tensor2d(z, [c.n, c.zDim]) as Tensor2D;
      const xt = tf.tensor4d(x, [c.n, S, S, 3]) as Tensor4D;
      const gEval = data(G.apply(zt, { training: false }));
      const dEval = data(D.apply(xt, { training: false }));
      const bnG: BnState = { pending: [] }, bnD: BnState = { pending: [] };
      const gTrain = data(G.apply(zt, { training: true, bn: bnG }));
      const dTrain = data(D.apply(xt, { training: true, bn: bnD }));
      commitRunningStats(G.params, bnG);
      commitRunningStats(D.params, bnD);
      const stats = new Map<string, Float32Array>();
      for (const [name, [key, data]] of toSeed(G, D)) if (/running_(mean|var)$/.test(name)) stats.set(key, data);
      const scale = Math.max(...dEval.map(Math.abs), ...dTrain.map(Math.abs));
      ours.set(dir, { c, gEval, gTrain, dEval, dTrain, stats, scale });
      dirs.push(dir);
      G.params.dispose();
      D.params.dispose();
      tf.dispose([zt, xt]);
    }
    const r = spawnSync(PY, [SCRIPT, ...dirs], { encoding: 'utf8', timeout: 240_000 });
    if (r.status !== 0) throw new Error(`${PY} ${SCRIPT} failed (${r.status}): ${r.stderr}`);
  }, 300_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const [ci, c] of CASES.entries()) {
    const name = `${c.size}x${c.size}, ngf ${c.ngf}, ndf ${c.ndf}, z ${c.zDim}, D ${c.dBatchNorm ? 'with' : 'without'} BatchNorm`;
    const get = () => {
      const dir = join(root, `case${ci}`);
      return { dir, o: ours.get(dir)!, shapes: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Record<string, number[]> };
    };

    it(`G images for fixed z agree within 1e-4, eval and train mode: ${name}`, () => {
      const { dir, o, shapes } = get();
      const S = c.size;
      expect(shapes.g_eval).toEqual([c.n, 3, S, S]);
      for (const [mine, theirs] of [[o.gEval, 'g_eval'], [o.gTrain, 'g_train']] as const) {
        const t = nchwToNhwc(f32(dir, theirs), c.n, 3, S, S);
        expect(maxDiff(mine, t), theirs).toBeLessThan(TOL);
        // not a vacuous agreement: the images vary, and a one-pixel shift would show
        expect(Math.max(...t) - Math.min(...t)).toBeGreaterThan(0.5);
      }
      // eval and train mode really differ (running vs batch statistics)
      expect(maxDiff(o.gEval, o.gTrain)).toBeGreaterThan(1e-2);
    });

    it(`D logits for fixed images agree within 1e-4, eval and train mode: ${name}`, () => {
      const { dir, o, shapes } = get();
      expect(shapes.d_eval).toEqual([c.n]);
      expect(maxDiff(o.dEval, f32(dir, 'd_eval'))).toBeLessThan(TOL);
      expect(maxDiff(o.dTrain, f32(dir, 'd_train'))).toBeLessThan(TOL);
      expect(o.scale).toBeGreaterThan(1e-2);
    });

    it(`BatchNorm running statistics after one train-mode forward agree: ${name}`, () => {
      const { dir, o, shapes } = get();
      const keys = Object.keys(shapes).filter((k) => k.startsWith('stat.')).map((k) => k.slice(5));
      expect(keys.sort()).toEqual([...o.stats.keys()].sort());
      expect(keys.length).toBe(2 * (c.size === 64 ? 4 : 3) + (c.dBatchNorm ? 2 * (c.size === 64 ? 3 : 2) : 0));
      for (const k of keys) expect(maxDiff(o.stats.get(k)!, f32(dir, `stat.${k}`)), k).toBeLessThan(TOL);
    });
  }
});
