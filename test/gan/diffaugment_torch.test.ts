// src/gan/diffaugment.ts against the authors' published DiffAugment ops
// (test/reference/diffaugment_torch.py: a port of DiffAugment_pytorch.py that
// takes its random draws as inputs), run by Debian's torch under
// /usr/bin/python3 on the same images and the same draws: the augmented
// images and the gradients d sum(w * aug(x)) / dx must agree. This checks the
// conventions a JS-only reference could share with the implementation: which
// axis each shift moves, its sign, the zero padding, where a cutout square
// sits and how it is clipped, the colour ops' means. Skipped outside CI
// without torch; under CI a missing torch fails (see test/env.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor4D } from '../../src/tf';
import { applyAugment, drawAugment, translationRange, type AugmentDraws, type AugmentName } from '../../src/gan/diffaugment';
import { Rng } from '../../src/util/rng';
import { randArray } from '../reference/backends';
import { required } from '../env';

const PY = '/usr/bin/python3';
const SCRIPT = join(__dirname, '../reference/diffaugment_torch.py');
const haveTorch = spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const run = required(haveTorch, 'PyTorch (/usr/bin/python3 with torch and numpy)', 'apt-get install python3-torch python3-numpy');

interface Case { name: string; n: number; size: number; ops: AugmentName[]; draws: AugmentDraws }

const ALL: AugmentName[] = ['color', 'translation', 'cutout'];

/** Random draws plus, in the first images, the extremes: the largest shifts both ways and cutouts at the corners. */
function draws(ops: AugmentName[], n: number, size: number, seed: number): AugmentDraws {
  const d = drawAugment(ops, n, size, size, new Rng(seed));
  const r = translationRange(size);
  if (d.ty) { d.ty.set([r, -r, 0, r]); d.tx!.set([-r, r, r, 0]); }
  if (d.cy) { d.cy.set([0, size, 0, size]); d.cx!.set([0, size, size, 0]); }
  return d;
}

const CASES: Case[] = [];
for (const size of [32, 64]) {
  const n = size === 32 ? 8 : 4;
  for (const ops of [['color'], ['translation'], ['cutout'], ALL] as AugmentName[][]) {
    CASES.push({ name: `${ops.join(',')} at ${size}x${size}`, n, size, ops, draws: draws(ops, n, size, size + ops.length) });
  }
}

const plain = (d: AugmentDraws) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)]));

describe.runIf(run)('DiffAugment vs the published PyTorch ops on the same draws', () => {
  let root = '';
  const results = new Map<string, { y: Float32Array; g: Float32Array; torchY: Float32Array; torchG: Float32Array }>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = mkdtempSync(join(tmpdir(), 'ganforge-diffaugment-'));
    const dirs: string[] = [];
    CASES.forEach((c, k) => {
      const len = c.n * c.size * c.size * 3;
      // images in [-1, 1] like the trainer's, and weights for the gradient check
      const x = randArray(len, 100 + k), w = randArray(len, 200 + k);
      const shape: [number, number, number, number] = [c.n, c.size, c.size, 3];
      const [y, g] = tf.tidy(() => {
        const f = (t: tf.Tensor) => tf.sum(tf.mul(applyAugment(t as Tensor4D, c.ops, c.draws), tf.tensor4d(w, shape)));
        return [applyAugment(tf.tensor4d(x, shape), c.ops, c.draws).dataSync() as Float32Array, tf.grad(f)(tf.tensor4d(x, shape)).dataSync() as Float32Array];
      });
      const dir = join(root, `case${k}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'x.f32'), x);
      writeFileSync(join(dir, 'w.f32'), w);
      writeFileSync(join(dir, 'case.json'), JSON.stringify({ n: c.n, h: c.size, w: c.size, ops: c.ops, draws: plain(c.draws) }));
      dirs.push(dir);
      results.set(c.name, { y: y.slice(), g: g.slice(), torchY: new Float32Array(), torchG: new Float32Array() });
    });
    const r = spawnSync(PY, [SCRIPT, ...dirs], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`diffaugment_torch.py failed (${r.status}): ${r.stderr}`);
    CASES.forEach((c, k) => {
      const f32 = (name: string) => new Float32Array(new Uint8Array(readFileSync(join(root, `case${k}`, `${name}.f32`))).buffer);
      const e = results.get(c.name)!;
      e.torchY = f32('y');
      e.torchG = f32('g');
    });
  }, 180_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const maxAbs = (a: Float32Array, b: Float32Array) => {
    expect(a.length).toBe(b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  };

  for (const c of CASES) {
    it(`images and gradients agree: ${c.name}`, () => {
      const { y, g, torchY, torchG } = results.get(c.name)!;
      const geometric = !c.ops.includes('color');
      // translation and cutout move or zero values: exact; colour: float rounding
      expect(maxAbs(y, torchY)).toBeLessThanOrEqual(geometric ? 0 : 2e-5);
      expect(maxAbs(g, torchG)).toBeLessThanOrEqual(geometric ? 0 : 2e-5);
      // the draws did something: some pixels changed, some gradients are not 1
      expect(maxAbs(y, randArray(y.length, 100 + CASES.indexOf(c)))).toBeGreaterThan(0.1);
    });
  }
});
