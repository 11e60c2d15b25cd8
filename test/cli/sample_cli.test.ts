// scripts/sample.js: samples from a run's checkpoint, as the user runs it.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode, decode } from 'fast-png';
import { parseNpy, encodeNpy, readNpyHeader } from '../../src/metrics/samples';
import { tf } from '../../src/tf';
import { GanTrainer } from '../../src/train/trainer';
import { restoreCheckpoint, type CheckpointFiles } from '../../src/train/checkpoint';
import { resolveConfig, parseSavedConfig } from '../../src/train/config';
import { toByte } from '../../src/train/grid';
import { Rng } from '../../src/util/rng';

const root = resolve(__dirname, '../..');
const run = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', script), ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let work: string;
let runDir: string;
beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('run `npm run build` before these tests (npm test does)');
  work = mkdtempSync(join(tmpdir(), 'gf-sample-'));
  const data = join(work, 'data');
  mkdirSync(data);
  for (let i = 0; i < 12; i++) {
    const px = new Uint8Array(32 * 32 * 3).map((_, j) => (i * 41 + j * 7) & 255);
    writeFileSync(join(data, `im${i}.png`), encode({ width: 32, height: 32, data: px, channels: 3 }));
  }
  runDir = join(work, 'run');
  const t = run('train.js', ['--data', data, '--out', runDir, '--size', '32', '--ngf', '4', '--ndf', '4', '--z-dim', '8', '--batch', '4', '--steps', '4', '--checkpoint-every', '2', '--keep-checkpoints', '3', '--sample-every', '0', '--backend', 'cpu']);
  expect(t.code, t.err).toBe(0);
}, 240_000);

/** Writes a .npy (or, with data null, PNG bytes) under work/ and returns its path; `cut` drops that many trailing bytes. */
function npyFile(name: string, data: Float32Array | Float64Array | Uint8Array | null, shape: number[], cut = 0): string {
  const path = join(work, name);
  const bytes = data ? encodeNpy(data, shape) : encode({ width: 2, height: 2, data: new Uint8Array(12), channels: 3 });
  writeFileSync(path, bytes.subarray(0, bytes.length - cut));
  return path;
}

describe('sample.js', () => {
  it('writes N uint8 NHWC samples as .npy; the same seed gives the same bytes, another seed other samples', () => {
    const a = run('sample.js', [runDir, '--n', '10', '--out', join(work, 'a.npy'), '--backend', 'cpu']);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/10 samples of 32x32 from checkpoints\/step-000004 \(step 4\)/);
    const A = parseNpy(new Uint8Array(readFileSync(join(work, 'a.npy'))));
    expect([A.n, A.height, A.width, A.channels]).toEqual([10, 32, 32, 3]);
    // written as uint8 (parseNpy reports the dtype it found and hands back [0, 1] floats)
    expect((A as any).detected.dtype).toMatch(/u1|uint8/);
    expect(Array.from(A.data.subarray(0, 500)).every((v) => Number.isInteger(Math.round(v * 255 * 1e4) / 1e4))).toBe(true);
    // the samples differ from each other (different z)
    const px = 32 * 32 * 3;
    expect(A.data.subarray(0, px).some((v, i) => v !== A.data[px + i])).toBe(true);
    run('sample.js', [runDir, '--n', '10', '--out', join(work, 'b.npy'), '--backend', 'cpu']);
    expect(Buffer.compare(readFileSync(join(work, 'a.npy')), readFileSync(join(work, 'b.npy')))).toBe(0);
    run('sample.js', [runDir, '--n', '10', '--seed', '2', '--out', join(work, 'c.npy'), '--backend', 'cpu']);
    expect(Buffer.compare(readFileSync(join(work, 'a.npy')), readFileSync(join(work, 'c.npy')))).not.toBe(0);
  }, 120_000);

  it('--step picks an older checkpoint (other weights, other samples); a folder gets one PNG per sample matching the .npy', () => {
    const old = run('sample.js', [runDir, '--n', '3', '--step', '2', '--out', join(work, 'old.npy'), '--backend', 'cpu']);
    expect(old.code, old.err).toBe(0);
    expect(old.out).toMatch(/step-000002/);
    run('sample.js', [runDir, '--n', '3', '--out', join(work, 'new.npy'), '--backend', 'cpu']);
    expect(Buffer.compare(readFileSync(join(work, 'old.npy')), readFileSync(join(work, 'new.npy')))).not.toBe(0);
    const f = run('sample.js', [runDir, '--n', '3', '--out', join(work, 'pngs'), '--backend', 'cpu']);
    expect(f.code, f.err).toBe(0);
    expect(readdirSync(join(work, 'pngs')).sort()).toEqual(['0.png', '1.png', '2.png']);
    const npy = parseNpy(new Uint8Array(readFileSync(join(work, 'new.npy'))));
    const img = decode(readFileSync(join(work, 'pngs', '1.png')));
    expect([img.width, img.height, img.channels]).toEqual([32, 32, 3]);
    // parseNpy hands uint8 back as [0, 1] floats
    expect(Array.from(img.data as Uint8Array)).toEqual(Array.from(npy.data.subarray(32 * 32 * 3, 2 * 32 * 32 * 3), (v) => Math.round(v * 255)));
  }, 120_000);

  /** The uint8 samples the raw G and the EMA generator of `dir`'s checkpoint `step` draw for sample.js's z of `seed`. */
  /** What the checkpoint's EMA generator draws (float32 NHWC) for the latents z, in this process. */
  async function drawZ(dir: string, step: string, z: Float32Array) {
    await tf.setBackend('cpu');
    const ckDir = join(dir, 'checkpoints', step);
    const files: CheckpointFiles = {};
    for (const f of readdirSync(ckDir)) files[f] = new Uint8Array(readFileSync(join(ckDir, f)));
    const cfg = resolveConfig(parseSavedConfig(JSON.parse(new TextDecoder().decode(files['state.json'] as Uint8Array)).config, 'state'));
    const tr = new GanTrainer(cfg);
    try {
      await restoreCheckpoint(tr, files, ckDir);
      return { layers: cfg.layers, imgs: tr.generate(z).slice() };
    } finally {
      tr.dispose();
      tf.disposeVariables();
    }
  }
  const rawNpy = (path: string) => {
    const b = new Uint8Array(readFileSync(path));
    const h = readNpyHeader(b);
    return { ...h, data: new Float32Array(b.buffer.slice(b.byteOffset + h.offset)) };
  };

  it('--z Z.npy draws the given latents; --raw writes the float32 NHWC output in [-1, 1]', async () => {
    const z = new Float32Array(5 * 8).map((_, i) => 1.5 * Math.sin(i * 0.7));
    const zPath = join(work, 'z.npy');
    writeFileSync(zPath, encodeNpy(z, [5, 8]));
    const r = run('sample.js', [runDir, '--z', zPath, '--raw', '--out', join(work, 'raw.npy'), '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/5 float32 \[-1, 1\] samples of 32x32 for the latents of .*z\.npy from checkpoints\/step-000004/);
    const got = rawNpy(join(work, 'raw.npy'));
    expect([got.descr, got.shape]).toEqual(['<f4', [5, 32, 32, 3]]);
    const want = await drawZ(runDir, 'step-000004', z);
    expect(want.layers).toBe('torch');
    expect(got.data).toEqual(want.imgs);
    expect(Math.max(...got.data)).toBeLessThanOrEqual(1);
    expect(Math.min(...got.data)).toBeGreaterThanOrEqual(-1);
    // another latent row, another image; without --raw the same latents as uint8
    const px = 32 * 32 * 3;
    expect(got.data.subarray(0, px)).not.toEqual(got.data.subarray(px, 2 * px));
    const u = run('sample.js', [runDir, '--z', zPath, '--out', join(work, 'zu8.npy'), '--backend', 'cpu']);
    expect(u.code, u.err).toBe(0);
    expect(npyBytes(join(work, 'zu8.npy'))).toEqual(Array.from(want.imgs, toByte));
  }, 120_000);

  it("a run from before `layers` (no field in state.json) draws with its tfjs 'same' padding, and says so", async () => {
    const dir = join(work, 'run-old');
    const t = run('train.js', ['--data', join(work, 'data'), '--out', dir, '--size', '32', '--ngf', '4', '--ndf', '4', '--z-dim', '8', '--batch', '4', '--steps', '2', '--sample-every', '0', '--layers', 'tfjs-same', '--backend', 'cpu']);
    expect(t.code, t.err).toBe(0);
    const statePath = join(dir, 'checkpoints', 'step-000002', 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(state.config.layers).toBe('tfjs-same');
    delete state.config.layers;
    writeFileSync(statePath, JSON.stringify(state));
    const z = new Float32Array(3 * 8).map((_, i) => Math.cos(i));
    writeFileSync(join(work, 'z3.npy'), encodeNpy(z, [3, 8]));
    const r = run('sample.js', [dir, '--z', join(work, 'z3.npy'), '--raw', '--out', join(work, 'old-raw.npy'), '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/legacy tfjs 'same' padding/);
    const want = await drawZ(dir, 'step-000002', z);
    expect(want.layers).toBe('tfjs-same');
    expect(rawNpy(join(work, 'old-raw.npy')).data).toEqual(want.imgs);
  }, 240_000);

  async function drawInProcess(dir: string, step: string, n: number, seed: number) {
    await tf.setBackend('cpu');
    const ckDir = join(dir, 'checkpoints', step);
    const files: CheckpointFiles = {};
    for (const f of readdirSync(ckDir)) files[f] = new Uint8Array(readFileSync(join(ckDir, f)));
    const cfg = resolveConfig(parseSavedConfig(JSON.parse(new TextDecoder().decode(files['state.json'] as Uint8Array)).config, 'state'));
    const tr = new GanTrainer(cfg);
    try {
      await restoreCheckpoint(tr, files, ckDir);
      const z = new Rng((seed ^ 0x5a3c1e77) >>> 0).fillNormal(new Float32Array(n * cfg.zDim));
      const u8 = (x: Float32Array) => Array.from(x, toByte);
      return { hasEma: !!tr.ema && tr.emaFromCheckpoint, ema: u8(tr.generate(z)), raw: u8(tr.generate(z, 64, { raw: true })) };
    } finally {
      tr.dispose();
      tf.disposeVariables();
    }
  }
  const npyBytes = (path: string) => Array.from(parseNpy(new Uint8Array(readFileSync(path))).data, (v) => Math.round(v * 255));

  it('samples the EMA generator: the .npy equals what the checkpoint\'s EMA weights draw, not the raw G\'s', async () => {
    const r = run('sample.js', [runDir, '--n', '6', '--seed', '5', '--out', join(work, 'ema.npy'), '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/the EMA generator \(beta 0\.999\)/);
    const got = npyBytes(join(work, 'ema.npy'));
    const want = await drawInProcess(runDir, 'step-000004', 6, 5);
    expect(want.hasEma).toBe(true);
    expect(got).toEqual(want.ema);
    expect(got).not.toEqual(want.raw);
    // --generator raw draws the raw G of the same checkpoint, and says so
    const r2 = run('sample.js', [runDir, '--n', '6', '--seed', '5', '--generator', 'raw', '--out', join(work, 'rawg.npy'), '--backend', 'cpu']);
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toMatch(/the raw generator \(--generator raw/);
    expect(npyBytes(join(work, 'rawg.npy'))).toEqual(want.raw);
  }, 120_000);

  it('a checkpoint without EMA weights (--ema 0, or an older run) still loads: the raw G, and it says so', async () => {
    const dir = join(work, 'run-noema');
    const t = run('train.js', ['--data', join(work, 'data'), '--out', dir, '--size', '32', '--ngf', '4', '--ndf', '4', '--z-dim', '8', '--batch', '4', '--steps', '2', '--sample-every', '0', '--ema', '0', '--backend', 'cpu']);
    expect(t.code, t.err).toBe(0);
    expect(readdirSync(join(dir, 'checkpoints', 'step-000002'))).not.toContain('generator-ema.json');
    // an old run's state.json has no "ema" at all: sample.js resolves it to the default, finds no average, uses G
    const statePath = join(dir, 'checkpoints', 'step-000002', 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    delete state.config.ema;
    writeFileSync(statePath, JSON.stringify(state));
    const r = run('sample.js', [dir, '--n', '4', '--out', join(work, 'noema.npy'), '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/the raw generator: this checkpoint has no EMA weights/);
    const want = await drawInProcess(dir, 'step-000002', 4, 1);
    expect(want.hasEma).toBe(false);
    expect(npyBytes(join(work, 'noema.npy'))).toEqual(want.raw);
    // asking for the EMA generator of a run without one is an error, not a silent raw G
    const e = run('sample.js', [dir, '--n', '4', '--generator', 'ema', '--out', join(work, 'noema2.npy'), '--backend', 'cpu']);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/--generator ema: .*step-000002 has no EMA weights/);
    expect(existsSync(join(work, 'noema2.npy'))).toBe(false);
  }, 120_000);

  it.each([
    ['a folder that is not a run', () => [work, '--out', join(work, 'x.npy')], /not a run directory/],
    ['a step without a checkpoint', () => [runDir, '--step', '3', '--out', join(work, 'x.npy')], /no checkpoint at step 3 \(it has: step-000002, step-000004\)/],
    ['a bad --n', () => [runDir, '--n', '0', '--out', join(work, 'x.npy')], /--n must be an integer/],
    ['no --out', () => [runDir], /required option '--out <PATH>'/],
    ['--z of float64', () => [runDir, '--z', npyFile('f64.npy', new Float64Array(16), [2, 8]), '--out', join(work, 'x.npy')], /--z .*f64\.npy: dtype <f8, expected float32/],
    ['--z of uint8', () => [runDir, '--z', npyFile('u8.npy', new Uint8Array(16), [2, 8]), '--out', join(work, 'x.npy')], /--z .*u8\.npy: dtype \|u1, expected float32/],
    ['--z of one dimension', () => [runDir, '--z', npyFile('flat.npy', new Float32Array(16), [16]), '--out', join(work, 'x.npy')], /--z .*flat\.npy: shape \(16\), expected \(N, 8\)/],
    ['--z of three dimensions', () => [runDir, '--z', npyFile('cube.npy', new Float32Array(16), [2, 8, 1]), '--out', join(work, 'x.npy')], /shape \(2, 8, 1\), expected \(N, 8\)/],
    ['--z for another zDim', () => [runDir, '--z', npyFile('z9.npy', new Float32Array(18), [2, 9]), '--out', join(work, 'x.npy')], /latents of size 9, this run's generator takes 8/],
    ['--z with a NaN', () => [runDir, '--z', npyFile('nan.npy', new Float32Array(16).fill(NaN, 11, 12), [2, 8]), '--out', join(work, 'x.npy')], /value NaN at \[1, 3\]/],
    ['--z truncated', () => [runDir, '--z', npyFile('short.npy', new Float32Array(16), [2, 8], 5), '--out', join(work, 'x.npy')], /truncated data/],
    ['--z not a .npy', () => [runDir, '--z', npyFile('png.npy', null, []), '--out', join(work, 'x.npy')], /--z .*png\.npy: not a NumPy file/],
    ['--z missing', () => [runDir, '--z', join(work, 'nope.npy'), '--out', join(work, 'x.npy')], /--z .*nope\.npy: cannot read \(ENOENT\)/],
    ['--z with --n', () => [runDir, '--z', npyFile('ok.npy', new Float32Array(16), [2, 8]), '--n', '4', '--out', join(work, 'x.npy')], /--z gives the latents: drop --n/],
    ['a bad --generator', () => [runDir, '--generator', 'best', '--out', join(work, 'x.npy')], /--generator must be auto, ema or raw, got "best"/],
    ['--raw to a PNG', () => [runDir, '--raw', '--out', join(work, 'x.png')], /--raw writes float32 values to a \.npy: --out must end in \.npy/],
  ])('%s: one line, exit 2, nothing written', (_name, args, msg) => {
    const r = run('sample.js', [...(args as () => string[])(), '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(msg);
    expect(existsSync(join(work, 'x.npy'))).toBe(false);
    expect(existsSync(join(work, 'x.png'))).toBe(false);
  });
});
