// npm run bench:quality (scripts/bench/quality.js) in a tiny configuration:
// a few training steps on a small folder, few samples, and the PyTorch peer
// for a few seconds when /usr/bin/python3 has torch (under CI it must).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { required } from '../env';

const root = resolve(__dirname, '../..');
const script = join(root, 'scripts/bench/quality.js');
const PYTHON = process.env.GANFORGE_PYTHON || '/usr/bin/python3';
const tinyTrain = '--size 32 --ngf 4 --ndf 4 --z-dim 8 --batch 16 --sample-every 0 --backend cpu';

let data: string;
let work: string;
beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('run `npm run build` before these tests (npm test does)');
  work = mkdtempSync(join(tmpdir(), 'gf-quality-test-'));
  data = join(work, 'data');
  mkdirSync(data);
  // 80 smooth 40x40 images (read at 32x32 by the trainer), enough for the peer's batch of 64
  for (let i = 0; i < 80; i++) {
    const px = new Uint8Array(40 * 40 * 3);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) for (let c = 0; c < 3; c++) {
      px[(y * 40 + x) * 3 + c] = Math.round(127 + 120 * Math.sin((x + i) * 0.2 + c) * Math.cos((y - i) * 0.15));
    }
    writeFileSync(join(data, `im${i}.png`), encode({ width: 40, height: 40, data: px, channels: 3 }));
  }
});

function bench(args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const torchHere = () => spawnSync(PYTHON, ['-c', 'import torch, numpy'], { timeout: 120_000 }).status === 0;

function expectSwd(swd: any, resolutions: number[]) {
  expect(swd.resolutions).toEqual(resolutions);
  expect(swd.per_level).toHaveLength(resolutions.length);
  for (const v of [...swd.per_level, swd.avg]) { expect(Number.isFinite(v)).toBe(true); expect(v).toBeGreaterThan(0); }
  expect(swd.avg).toBeCloseTo(swd.per_level.reduce((a: number, b: number) => a + b, 0) / resolutions.length, 9);
}

describe('bench:quality', () => {
  it('without a Python with torch: our row is scored, the peer row says skipped and why', () => {
    const out = join(work, 'no-peer.json');
    const r = bench(['--steps', '2', '--n', '32', '--ref-n', '48', '--train-args', `--data ${data} ${tinyTrain}`, '--python', join(work, 'no-such-python'), '--out', out]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.machine.cores).toBeGreaterThan(0);
    expect(j.machine.node).toBe(process.version);
    expect(typeof j.machine.cpu).toBe('string');
    expect(j.config).toMatchObject({ size: 32, ngf: 4, ndf: 4, batch: 16, steps: 2 });
    expect(j.config.dataset.n).toBe(80);
    expect(j.scoring).toMatchObject({ samples: 32, reals: 48 });
    expect(j.ours.steps).toBe(2);
    expect(j.ours.wall_s).toBeGreaterThan(j.ours.train_s);
    expectSwd(j.ours.swd, [32, 16]);
    expect(j.peer.status).toBe('skipped');
    expect(j.peer.reason).toMatch(/no-such-python.*not runnable/);
    expect(r.out).toMatch(/PyTorch recipe\s+skipped/);
  });

  it('bad flags: one line, exit 2', () => {
    const r = bench(['--n', 'lots']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--n must be a whole number/);
    const r2 = bench(['--train-args', '--out x']);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/must not set --out/);
  });

  it('with torch: the PyTorch recipe trains on the same images and is scored with the same SWD', (ctx) => {
    if (!required(torchHere(), `torch under ${PYTHON}`, 'apt-get install python3-torch python3-numpy')) return ctx.skip();
    const out = join(work, 'peer.json');
    const r = bench(['--steps', '2', '--n', '32', '--ref-n', '48', '--train-args', `--data ${data} ${tinyTrain}`, '--python', PYTHON, '--peer-seconds', '4', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expectSwd(j.ours.swd, [32, 16]);
    expect(j.peer.status).toBe('done');
    expect(j.peer.budget_s).toBe(4);
    expect(j.peer.steps).toBeGreaterThanOrEqual(1);
    expect(j.peer.wall_s).toBeGreaterThanOrEqual(4);
    expect(j.peer.threads).toBe(Math.min(2, availableParallelism()));
    expectSwd(j.peer.swd, [32, 16]);
    // two different generators score differently
    expect(j.peer.swd.avg).not.toBe(j.ours.swd.avg);
  });
});
