// scripts/import.js and scripts/export.js as a user runs them: a PyTorch 1.13
// file becomes a run directory that sample.js, diversity.js and
// train.js --resume accept; export.js writes the three formats; bad input is
// one line on stderr and exit code 2.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { encode } from 'fast-png';
import { readTorchZip } from '../../src/bridge/torch_zip';
import { readSafetensors } from '../../src/bridge/safetensors';

const root = resolve(__dirname, '../..');
const FIX = join(root, 'test/fixtures/bridge');
const node = (script: string, args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', script), ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

let work: string;
beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('run `npm run build` before these tests (npm test does)');
  work = mkdtempSync(join(tmpdir(), 'gf-bridge-cli-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('import.js / export.js', () => {
  it('imports a torch.save .pth into a run that sample.js, diversity.js and train.js --resume accept; exports it back bit for bit', () => {
    const data = join(work, 'data');
    mkdirSync(data);
    for (let i = 0; i < 8; i++) writeFileSync(join(data, `im${i}.png`), encode({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).map((_, j) => (i * 29 + j * 5) & 255), channels: 3 }));
    const cfg = join(work, 'train.json');
    writeFileSync(cfg, JSON.stringify({ data, batch: 4, ndf: 4, sampleEvery: 0, backend: 'cpu' }));
    const run = join(work, 'run');
    const imp = node('import.js', [join(FIX, 'g32_z4_ngf1.pth'), '--out', run, '--config', cfg, '--backend', 'cpu']);
    expect(imp.code, imp.err).toBe(0);
    expect(imp.err).toBe('');
    expect(imp.out).toMatch(/imported G \(z 4, ngf 1\) at 32x32 .*optimizer state fresh; D starts from fresh weights/);
    for (const f of ['config.json', 'checkpoints/latest.json', 'checkpoints/step-000000/state.json', 'checkpoints/step-000000/generator-ema.json', 'samples/step-000000.png']) expect(existsSync(join(run, f)), f).toBe(true);
    const state = JSON.parse(readFileSync(join(run, 'checkpoints/step-000000/state.json'), 'utf8'));
    expect(state.extra.imported.nets).toEqual(['g']);
    expect(state.extra.imported.optimizer).toMatch(/^fresh/);

    const s = node('sample.js', [run, '--n', '16', '--out', join(work, 's.npy'), '--backend', 'cpu']);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/16 samples of 32x32 from checkpoints\/step-000000 \(step 0\), the EMA generator/);
    const dv = node('diversity.js', [join(work, 's.npy'), '--json']);
    expect(dv.code, dv.err).toBe(0);
    expect(JSON.parse(dv.out).n).toBe(16);

    // export before training: the weights are the file's, bit for bit
    const pth = join(work, 'back.pth');
    const e = node('export.js', [run, '--format', 'pth', '--out', pth]);
    expect(e.code, e.err).toBe(0);
    const a = readTorchZip(new Uint8Array(readFileSync(join(FIX, 'g32_z4_ngf1.pth'))));
    const b = readTorchZip(new Uint8Array(readFileSync(pth)));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, t] of a) if (t.dtype === 'float32') expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);

    const t = node('train.js', ['--resume', run, '--steps', '2']);
    expect(t.code, t.err).toBe(0);
    expect(t.out + t.err).toMatch(/resumed from checkpoints\/step-000000 \(step 0\)/);
    expect(existsSync(join(run, 'checkpoints/step-000002/state.json'))).toBe(true);

    const st = join(work, 'g.safetensors');
    expect(node('export.js', [run, '--format', 'safetensors', '--ema', '--out', st]).code).toBe(0);
    const sf = readSafetensors(new Uint8Array(readFileSync(st)));
    expect(JSON.parse(sf.metadata.ganforge)).toMatchObject({ net: 'g', size: 32, zDim: 4, ngf: 1, step: 2, ema: true });
    expect(sf.tensors.get('l1.1.num_batches_tracked')!.data[0]).toBe(2n);
    const d = node('export.js', [run, '--format', 'pth', '--net', 'd', '--out', join(work, 'd.pth')]);
    expect(d.code, d.err).toBe(0);
    expect([...readTorchZip(new Uint8Array(readFileSync(join(work, 'd.pth')))).keys()][0]).toBe('ls.0.weight');
    const o = node('export.js', [run, '--format', 'onnx', '--out', join(work, 'g.onnx')]);
    expect(o.code, o.err).toBe(0);
    expect(readFileSync(join(work, 'g.onnx')).length).toBeGreaterThan(1000);
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 300_000);

  it('bad input: one line on stderr naming the file and the problem, exit code 2, nothing written', () => {
    const good = readFileSync(join(FIX, 'g32_z4_ngf1.pth'));
    writeFileSync(join(work, 'cut.pth'), good.subarray(0, 3000));
    const evil = zipSync({ 'archive/data.pkl': Uint8Array.from("\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.", (c) => c.charCodeAt(0)), 'archive/version': new TextEncoder().encode('3\n') });
    writeFileSync(join(work, 'evil.pth'), evil);
    const cases: [string[], RegExp][] = [
      [[join(work, 'cut.pth')], /cut\.pth: a truncated or corrupt zip/],
      [[join(FIX, 'legacy.pth')], /legacy\.pth: the legacy PyTorch format \(torch\.save before 1\.6/],
      [[join(FIX, 'other_arch.pth')], /other_arch\.pth: "l2_5\.1\.0\.weight" has shape \(2, 1, 3, 3\), the seed's model with these widths needs \(2, 1, 5, 5\)/],
      [[join(FIX, 'int_weight.pth')], /int_weight\.pth: "l2_5\.0\.0\.weight" holds int64 values, not floating point/],
      [[join(work, 'evil.pth')], /evil\.pth:archive\/data\.pkl: the pickle asks for os\.system; only collections\.OrderedDict/],
      [[join(work, 'missing.pth')], /missing\.pth: cannot read \(ENOENT\)/],
      [[join(FIX, 'g32_z4_ngf1.pth'), '--net', 'd'], /no discriminator in .*g32_z4_ngf1\.pth: the state_dict has no "ls\.0\.weight"/],
      [[join(FIX, 'g32_z4_ngf1.pth'), '--size', '64'], /the state_dict has no "l1\.0\.weight"|"l1\.0\.weight" has shape \(64, 4\)/],
      [[join(FIX, 'g32_z4_ngf1.pth'), '--net', 'x'], /--net must be g, d or both/],
    ];
    for (const [args, re] of cases) {
      const out = join(work, 'bad-run');
      const r = node('import.js', [...args, '--out', out, '--backend', 'cpu']);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(new RegExp(`^import: error: .*${re.source}`));
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
    // a run from before the layers became seed-exact (its state.json has no "layers"): refused, not exported shifted
    const old = join(work, 'old-run');
    expect(node('import.js', [join(FIX, 'g32_z4_ngf1.pth'), '--out', old, '--backend', 'cpu']).code).toBe(0);
    const sp = join(old, 'checkpoints/step-000000/state.json');
    const st = JSON.parse(readFileSync(sp, 'utf8'));
    expect(st.config.layers).toBe('torch');
    delete st.config.layers;
    writeFileSync(sp, JSON.stringify(st));
    const o = node('export.js', [old, '--format', 'pth', '--out', join(work, 'old.pth')]);
    expect(o.code).toBe(2);
    expect(o.err).toMatch(/^export: error: this run was trained with tfjs 'same' padding/);
    expect(o.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(work, 'old.pth'))).toBe(false);
    const ex = node('export.js', [join(work, 'nope'), '--format', 'pth', '--out', join(work, 'x.pth')]);
    expect(ex.code).toBe(2);
    expect(ex.err).toMatch(/^export: error: .*nope is not a run directory/);
    expect(node('export.js', [join(work, 'nope'), '--format', 'tflite', '--out', 'x']).err).toMatch(/--format must be safetensors, pth or onnx/);
  }, 300_000);
});
