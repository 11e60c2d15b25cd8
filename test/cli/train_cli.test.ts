// The train.js command line, run as a user runs it (against the built bundle).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { FIELDS } from '../../src/train/config';

const root = resolve(__dirname, '../..');
const script = join(root, 'scripts/train.js');
const tiny = ['--size', '32', '--ngf', '4', '--ndf', '4', '--z-dim', '8', '--sample-every', '0', '--backend', 'cpu'];

function makeData(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'gf-data-'));
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(40 * 40 * 3);
    for (let j = 0; j < data.length; j++) data[j] = (i * 37 + j * 11) & 255;
    mkdirSync(join(dir, i % 2 ? 'sub' : '.'), { recursive: true });
    writeFileSync(join(dir, i % 2 ? 'sub' : '.', `im${i}.png`), encode({ width: 40, height: 40, data, channels: 3 }));
  }
  return dir;
}

function train(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let data: string;
let work: string;
beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('run `npm run build` before these tests (npm test does)');
  data = makeData(16);
  work = mkdtempSync(join(tmpdir(), 'gf-runs-'));
});

describe('train.js usage errors: one line, exit 2, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['--lrr', '1'], /unknown option '--lrr'/],
    ['bad enum value', ['--loss', 'bceee'], /--loss must be one of bce, lsgan, wgan, wgan-gp, hinge/],
    ['negative learning rate', ['--lr', '-0.001'], /--lr must be > 0/],
    ['non-numeric value', ['--batch', 'many'], /--batch must be a number/],
    ['bad size', ['--size', '48'], /--size must be one of 32, 64/],
    ['unknown preset', ['--preset', 'hw99'], /--preset must be one of hw11/],
    ['unknown augmentation', ['--augment', 'color,blur'], /--augment: unknown augmentation 'blur' \(expected color, translation, cutout\)/],
  ];
  for (const [what, args, re] of cases) {
    it(what, () => {
      const out = join(work, `bad-${what.replace(/\W/g, '')}`);
      const r = train([...args, '--data', data, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(re);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('batch larger than the dataset', () => {
    const out = join(work, 'bad-batch');
    const r = train(['--data', data, '--batch', '64', '--out', out, ...tiny]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--batch 64 is larger than the dataset \(16 images/);
    expect(existsSync(out)).toBe(false);
  });

  it('empty or missing --data', () => {
    const empty = mkdtempSync(join(tmpdir(), 'gf-empty-'));
    for (const d of [empty, join(work, 'does-not-exist')]) {
      const out = join(work, 'bad-data');
      const r = train(['--data', d, '--out', out, ...tiny]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(d);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('train.js', () => {
  it('--help documents every flag', () => {
    const r = train(['--help']);
    expect(r.code).toBe(0);
    for (const f of FIELDS) expect(r.out).toContain(`--${f.flag}`);
    for (const f of ['--resume', '--config']) expect(r.out).toContain(f);
    // Each flag's line states a default at most once (--opt's depends on the loss).
    for (const line of r.out.split('\n')) expect((line.match(/\(default/g) ?? []).length, line).toBeLessThanOrEqual(1);
    expect(r.out).toMatch(/--opt <adam\|rmsprop>\s+optimizer for both networks \(default rmsprop for wgan, adam otherwise\)\n/);
    // The progress line's terms are defined.
    expect(r.out).toMatch(/seconds per step/);
    expect(r.out).toMatch(/generated images per second \(batch x steps \/ s\)/);
    expect(r.out).toMatch(/critic\(x\), critic\(G\(z\)\) for wgan/);
  });

  it('the progress line: s/step, generated img/s = batch x steps / s, critic labels for wgan', () => {
    const out = join(work, 'run-wgan-progress');
    const r = train(['--data', data, '--steps', '2', '--batch', '4', '--loss', 'wgan', '--n-critic', '3', '--out', out, ...tiny]);
    expect(r.code, r.err).toBe(0);
    const line = r.err.split('\n').find((l) => /^train 2\/2 /.test(l))!;
    expect(line).toMatch(/critic\(x\) -?\d/);
    expect(line).toMatch(/critic\(G\(z\)\) -?\d/);
    expect(line).not.toMatch(/D\(x\)/);
    const sps = Number(/([\d.]+) s\/step/.exec(line)![1]);
    const ips = Number(/([\d.]+) img\/s/.exec(line)![1]);
    // batch 4 per generator step: img/s x s/step = 4 (not 4 x (n-critic + 1) = 16).
    expect(ips * sps).toBeGreaterThan(4 * 0.9);
    expect(ips * sps).toBeLessThan(4 * 1.1);
  });

  it('--steps 3 --batch 8 leaves a complete run directory, and --resume continues to --steps 5', () => {
    const out = join(work, 'run-a');
    const r = train(['--data', data, '--steps', '3', '--batch', '8', '--out', out, ...tiny]);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    for (const f of ['config.json', 'metrics.jsonl', 'loss.svg', 'summary.json', 'samples/step-000003.png', 'checkpoints/latest.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg.backend).toBe('cpu');
    expect(cfg.backendUsed).toEqual(expect.objectContaining({ name: 'cpu' }));
    expect(cfg.versions.tfjs).toBe('4.22.0');
    const r2 = train(['--resume', out, '--steps', '5']);
    expect(r2.code).toBe(0);
    expect(r2.out).toMatch(/resumed from checkpoints\/step-000003/);
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    // Changing the architecture on resume is refused.
    const r3 = train(['--resume', out, '--ngf', '8']);
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/--ngf 8 differs from the run being resumed/);
  });

  it("--resume of a run from before `layers` (no field in config.json or state.json) continues with its tfjs 'same' padding; --layers torch is refused", () => {
    const out = join(work, 'run-old');
    const r = train(['--data', data, '--steps', '2', '--batch', '4', '--out', out, '--layers', 'tfjs-same', ...tiny]);
    expect(r.code, r.err).toBe(0);
    // make it an old run: the files as ganforge wrote them before the field existed
    const strip = (path: string, key?: string) => {
      const j = JSON.parse(readFileSync(path, 'utf8'));
      delete (key ? j[key] : j).layers;
      writeFileSync(path, JSON.stringify(j));
    };
    strip(join(out, 'config.json'));
    strip(join(out, 'checkpoints', 'step-000002', 'state.json'), 'config');
    const bad = train(['--resume', out, '--steps', '3', '--layers', 'torch']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--layers "torch" differs from the run being resumed \("tfjs-same"\)/);
    const r2 = train(['--resume', out, '--steps', '3']);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toMatch(/resumed from checkpoints\/step-000002/);
    expect(r2.out).toMatch(/legacy tfjs 'same' padding/);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).layers).toBe('tfjs-same');
    expect(JSON.parse(readFileSync(join(out, 'checkpoints', 'step-000003', 'state.json'), 'utf8')).config.layers).toBe('tfjs-same');
    // a new run records its convention
    expect(JSON.parse(readFileSync(join(work, 'run-a', 'config.json'), 'utf8')).layers).toBe('torch');
  });

  it('skips corrupt images with a count and their names; --strict makes them fatal', () => {
    const d = makeData(10);
    writeFileSync(join(d, 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nthis is not a png'));
    writeFileSync(join(d, 'sub', 'cut.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0x00]));
    const r = train(['--data', d, '--steps', '1', '--batch', '4', '--out', join(work, 'run-skip'), ...tiny]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/skipped 2 unreadable images in .*broken\.png.*cut\.jpg|skipped 2 unreadable images in .*cut\.jpg.*broken\.png/);
    const out = join(work, 'run-strict');
    const s = train(['--data', d, '--steps', '1', '--batch', '4', '--strict', '--out', out, ...tiny]);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/broken\.png|cut\.jpg/);
    expect(existsSync(out)).toBe(false);
  });

  it('--config FILE.json with flags overriding it, and an unknown key rejected', () => {
    const cfgFile = join(work, 'c.json');
    writeFileSync(cfgFile, JSON.stringify({ loss: 'hinge', batch: 4, steps: 2, 'z-dim': 8 }));
    const out = join(work, 'run-config');
    const r = train(['--config', cfgFile, '--data', data, '--out', out, '--steps', '1', ...tiny]);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect([cfg.loss, cfg.batch, cfg.steps]).toEqual(['hinge', 4, 1]);
    writeFileSync(cfgFile, JSON.stringify({ los: 'hinge' }));
    const bad = train(['--config', cfgFile, '--data', data, '--out', join(work, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown setting "los"/);
  });

  it('SIGINT finishes the step, writes a checkpoint and exits 0; a SIGKILLed run still resumes', { timeout: 300_000 }, async () => {
    const out = join(work, 'run-int');
    const child = spawn(process.execPath, [script, '--data', data, '--steps', '100000', '--batch', '4', '--checkpoint-every', '0', '--out', out, ...tiny], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    child.stderr.on('data', (d) => (seen += d));
    child.stdout.on('data', (d) => (seen += d));
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (existsSync(join(out, 'metrics.jsonl')) || /train \d+\//.test(seen)) {
          clearInterval(t);
          res();
        }
      }, 100);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(0);
    const latest = JSON.parse(readFileSync(join(out, 'checkpoints/latest.json'), 'utf8'));
    expect(latest.step).toBeGreaterThan(0);

    // Now kill -9 a resumed run at a random moment, then resume again.
    const child2 = spawn(process.execPath, [script, '--resume', out, '--steps', '100000', '--checkpoint-every', '1'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 6000));
    child2.kill('SIGKILL');
    await new Promise((r) => child2.on('exit', r));
    const r = train(['--resume', out, '--steps', String(latest.step + 2)]);
    // Either it continues from a later checkpoint or it is already past the target; both exit 0.
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, 'checkpoints')).some((n) => n.includes('.tmp-'))).toBe(false);
  });
});
