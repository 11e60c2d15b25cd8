// scripts/bench/augment.js (npm run bench:augment) in a tiny configuration:
// two 2-step runs on a 40-image subset of a small folder, scored against the
// other 40 images.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';

const root = resolve(__dirname, '../..');
const script = join(root, 'scripts/bench/augment.js');
const tinyTrain = '--size 32 --ngf 4 --ndf 4 --z-dim 8 --batch 16 --sample-every 0 --backend cpu';

let data: string;
let work: string;
beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('run `npm run build` before these tests (npm test does)');
  work = mkdtempSync(join(tmpdir(), 'gf-augment-test-'));
  data = join(work, 'data');
  mkdirSync(data);
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

describe('bench:augment', () => {
  it('trains with and without the policy for the same steps and scores both against held-out images', () => {
    const out = join(work, 'augment.json');
    const r = bench(['--data', data, '--subset', '40', '--ref-n', '30', '--n', '32', '--steps', '2', '--train-args', tinyTrain, '--out', out]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.study).toMatchObject({ images: 80, subset: 40, heldout: 30, samples: 32, steps: 2, policy: 'color,translation,cutout' });
    expect(j.runs.map((x: any) => x.augment)).toEqual(['none', 'color,translation,cutout']);
    for (const run of j.runs) {
      expect(run.steps).toBe(2);
      expect(run.config).toMatchObject({ size: 32, ngf: 4, ndf: 4, batch: 16 });
      expect(run.swd.resolutions).toEqual([32, 16]);
      for (const v of [...run.swd.per_level, run.swd.avg]) expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    // same seed, same steps: only the augmentation differs, and it changes the generator
    expect(j.runs[0].swd.avg).not.toBe(j.runs[1].swd.avg);
    expect(j.subset_itself.n).toBe(40);
    expect(j.reduction_avg).toBeCloseTo(1 - j.runs[1].swd.avg / j.runs[0].swd.avg, 12);
    expect(r.out).toMatch(/augmentation changes the average SWD by/);
  });

  it('bad input: bad flags or a set too small for the subset exit 2 with one line', () => {
    const a = bench(['--policy', 'none', '--data', data]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--policy none/);
    const b = bench(['--train-args', '--steps 3', '--data', data]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/must not set/);
    const c = bench(['--data', data, '--subset', '70', '--out', join(work, 'x.json')]);
    expect(c.code).toBe(2);
    expect(c.err.trim().split('\n')).toHaveLength(1);
    expect(c.err).toMatch(/has 80 images; the study needs --subset 70 plus at least 16 held out/);
  });
});
