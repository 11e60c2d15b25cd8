// Our files in PyTorch and PyTorch's files here, through the seed's own
// modules (test/reference/seed_dcgan.py) under Debian's torch
// (/usr/bin/python3): a run exported as .pth and .safetensors loads into them
// with strict=True and draws our generator's images (eval and train mode) and
// our discriminator's logits within 1e-4; a torch.save(G.state_dict()) file
// imported here draws PyTorch's images within 1e-4. Skipped outside CI
// without torch; under CI a missing torch fails (test/env.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor2D, type Tensor4D } from '../../src/tf';
import { exportStateDict, importCheckpoint, readStateDict } from '../../src/bridge/run';
import { writeTorchZip } from '../../src/bridge/torch_zip';
import { writeSafetensors } from '../../src/bridge/safetensors';
import { nchwToNhwc, nhwcToNchw } from '../../src/gan/torch_layout';
import { Rng } from '../../src/util/rng';
import { required } from '../env';
import { encodeNpy, npyHeaderSize } from '../../src/metrics/samples';
import { smallTrainer } from './helpers';

const PY = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'torch_bridge.py');
const haveTorch = spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const run = required(haveTorch, 'PyTorch (/usr/bin/python3 with torch and numpy)', 'apt-get install python3-torch python3-numpy');
const TOL = 1e-4;

let work: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'gf-torch-bridge-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function py(mode: string, job: object): string {
  const path = join(work, `job-${mode}.json`);
  writeFileSync(path, JSON.stringify(job));
  const r = spawnSync(PY, [SCRIPT, mode, path], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`torch_bridge.py ${mode} failed: ${r.stderr}`);
  return r.stdout;
}
const f32 = (p: string) => new Float32Array(new Uint8Array(readFileSync(p)).buffer);
const save = (p: string, a: Float32Array) => writeFileSync(p, Buffer.from(a.buffer, a.byteOffset, a.byteLength));

function expectClose(ours: Float32Array, theirs: Float32Array, what: string) {
  expect(theirs.length, what).toBe(ours.length);
  let max = 0, spread = 0;
  for (let i = 0; i < ours.length; i++) {
    max = Math.max(max, Math.abs(ours[i] - theirs[i]));
    spread = Math.max(spread, Math.abs(ours[i]));
  }
  expect(spread, `${what}: not a trivial output`).toBeGreaterThan(0.05);
  expect(max, what).toBeLessThan(TOL);
}

describe.runIf(run)('PyTorch <-> ganforge files', () => {
  const cases = [
    { fmt: 'pth', over: {} },
    { fmt: 'safetensors', over: { size: 64 as const, ngf: 4, ndf: 3, zDim: 10 } },
    { fmt: 'pth', over: { loss: 'wgan-gp' as const, ngf: 3, ndf: 5 } },
  ];
  for (const { fmt, over } of cases) {
    it(`our ${fmt} export loads strictly into the seed's modules: G images (eval, train) and D logits (eval, train) within 1e-4 (${JSON.stringify(over)})`, () => {
      const tr = smallTrainer(over, 31);
      const c = tr.cfg, n = 4, s = c.size;
      try {
        tr.step = 77;
        const z = new Rng(8).fillNormal(new Float32Array(n * c.zDim));
        const x = new Float32Array(n * s * s * 3).map((_, i) => Math.sin(i * 0.37) * 0.9);
        const ours = tf.tidy(() => {
          const zt = tf.tensor2d(z, [n, c.zDim]) as Tensor2D, xt = tf.tensor4d(x, [n, s, s, 3]) as Tensor4D;
          return {
            gEval: tr.G.apply(zt, { training: false }).dataSync() as Float32Array,
            gTrain: tr.G.apply(zt, { training: true }).dataSync() as Float32Array,
            dEval: tr.D.apply(xt, { training: false }).dataSync() as Float32Array,
            dTrain: tr.D.apply(xt, { training: true }).dataSync() as Float32Array,
          };
        });
        const write = fmt === 'pth' ? writeTorchZip : writeSafetensors;
        const g = join(work, `g.${fmt}`), d = join(work, `d.${fmt}`);
        writeFileSync(g, write(exportStateDict(tr, 'g', false).sd));
        writeFileSync(d, write(exportStateDict(tr, 'd', false).sd));
        save(join(work, 'z.f32'), z);
        save(join(work, 'x.f32'), nhwcToNchw(x, n, s, s, 3));
        const out = py('load', { n, size: s, zDim: c.zDim, ngf: c.ngf, ndf: c.ndf, dBn: c.loss !== 'wgan-gp', g, d, z: join(work, 'z.f32'), x: join(work, 'x.f32'), out: work });
        expect(out.trim()).toBe('ok 77'); // num_batches_tracked carries the step
        expectClose(ours.gEval, nchwToNhwc(f32(join(work, 'g_eval.f32')), n, 3, s, s), 'G eval');
        expectClose(ours.gTrain, nchwToNhwc(f32(join(work, 'g_train.f32')), n, 3, s, s), 'G train');
        expectClose(ours.dEval, f32(join(work, 'd_eval.f32')), 'D eval');
        expectClose(ours.dTrain, f32(join(work, 'd_train.f32')), 'D train');
      } finally {
        tr.dispose();
      }
    }, 180_000);
  }

  for (const g of [{ size: 32, ngf: 4, zDim: 16 }, { size: 64, ngf: 4, zDim: 100 }]) {
    it(`torch.save(G.state_dict()) imported here draws PyTorch's images within 1e-4 (${JSON.stringify(g)})`, async () => {
      const n = 4;
      const z = new Rng(4).fillNormal(new Float32Array(n * g.zDim));
      save(join(work, 'z2.f32'), z);
      const pth = join(work, `seed-g${g.size}.pth`);
      py('save', { ...g, n, seed: 3, z: join(work, 'z2.f32'), images: join(work, 'theirs.f32'), out: pth });
      const r = await importCheckpoint({ inputs: [{ file: pth, sd: readStateDict(new Uint8Array(readFileSync(pth)), pth) }] });
      try {
        expect([r.cfg.size, r.cfg.ngf, r.cfg.zDim]).toEqual([g.size, g.ngf, g.zDim]);
        const ours = r.trainer.generate(z, 64, { raw: true });
        expectClose(ours, nchwToNhwc(f32(join(work, 'theirs.f32')), n, 3, g.size, g.size), 'imported G');
      } finally {
        r.trainer.dispose();
      }
    }, 180_000);
  }

  it('the same through the command line: import.js, then sample.js --z Z.npy --raw, number for number within 1e-4', () => {
    const g = { size: 32, ngf: 8, zDim: 100 }, n = 6;
    const z = new Rng(12).fillNormal(new Float32Array(n * g.zDim));
    save(join(work, 'z3.f32'), z);
    writeFileSync(join(work, 'z3.npy'), encodeNpy(z, [n, g.zDim]));
    const pth = join(work, 'dcgan_g.pth');
    py('save', { ...g, n, seed: 5, z: join(work, 'z3.f32'), images: join(work, 'theirs3.f32'), out: pth });
    const root = join(__dirname, '../..');
    const cli = (script: string, args: string[]) => spawnSync(process.execPath, [join(root, 'scripts', script), ...args], { encoding: 'utf8', timeout: 240_000 });
    const runDir = join(work, 'course');
    const imp = cli('import.js', [pth, '--out', runDir, '--backend', 'cpu']);
    expect(imp.status, imp.stderr).toBe(0);
    const smp = cli('sample.js', [runDir, '--z', join(work, 'z3.npy'), '--raw', '--out', join(work, 'ours3.npy'), '--backend', 'cpu']);
    expect(smp.status, smp.stderr).toBe(0);
    const b = new Uint8Array(readFileSync(join(work, 'ours3.npy')));
    const ours = new Float32Array(b.slice(npyHeaderSize(b)).buffer);
    expectClose(ours, nchwToNhwc(f32(join(work, 'theirs3.f32')), n, 3, g.size, g.size), 'import.js + sample.js --raw');
  }, 300_000);
});
