// scripts/bench/train.js as a user runs it, at a tiny batch (the figures are
// not asserted: they are benchmark output, not test results).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const script = join(root, 'scripts/bench/train.js');
const quick = ['--batch', '2', '--steps', '1', '--skip', 'kernels,baseline,webgl,cpu,peak,plain'];

// no PyTorch here: the row is skipped with a message (a real one is a benchmark's job)
function bench(args: string[], env: Record<string, string> = { GANFORGE_TORCH_PYTHON: '/nonexistent/python3' }) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('run `npm run build` before these tests (npm test does)');
});

describe('bench:train', () => {
  it('writes --out /absolute/path.json where it is told (folder made), nothing under bench/results', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gf-bench-'));
    const out = join(dir, 'sub', 'abs.json');
    const before = existsSync(join(root, 'bench/results')) ? readdirSync(join(root, 'bench/results')) : [];
    const r = bench([...quick, '--out', out]);
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.steps.length).toBeGreaterThan(0);
    expect(res.steps[0].batch).toBe(2);
    expect(res.steps[0].measuredStepMs).toBeGreaterThan(0);
    expect(r.out).toMatch(/PyTorch: skipped \(\/nonexistent\/python3 does not exist/);
    expect(res.steps.find((s: { path: string }) => s.path === 'pytorch').error).toMatch(/does not exist/);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['abs.json']); // no temp file left
    const after = existsSync(join(root, 'bench/results')) ? readdirSync(join(root, 'bench/results')) : [];
    expect(after.sort()).toEqual(before.sort());
  });

  it('bad values exit 2 with one line naming the flag', () => {
    for (const [args, re] of [[['--batch', '0'], /--batch/], [['--steps', 'x'], /--steps/], [['--out'], /--out/]] as [string[], RegExp][]) {
      const r = bench(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
    }
  });
});
