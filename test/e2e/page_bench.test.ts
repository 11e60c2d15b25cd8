// bench:page's page path (scripts/bench/page_lib.js) in a real headless
// Chromium: the served page trains by its Train button on the wasm backend
// with our kernels, and the bench reads a finite step time and the page's
// backend line; a page that does not train is an error, not a figure. And
// the bench script itself: Node's row without Chromium (skipped, exit 0),
// bad flags exit 2. Needs `npm run build`; the Chromium part skips outside
// CI only when no Chromium is installed (test/env.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/train/config';
import { chromiumOrSkip } from '../env';

const root = join(__dirname, '../..');
const script = join(root, 'scripts/bench/page.js');
const chromium = chromiumOrSkip('test/e2e/page_bench.test.ts');
// small, so the page's one step is quick
const tiny = resolveConfig({ size: 32, ngf: 8, ndf: 8, zDim: 16, batch: 8, steps: 1, seed: 1, sampleEvery: 0, checkpointEvery: 0, diversityEvery: 0 });

interface Lib {
  openPageSession(path: string): Promise<{ url: string; version: string; close(): Promise<void> }>;
  timePageSteps(s: unknown, cfg: unknown, o: { warmup: number; steps: number; timeoutMs?: number }): Promise<{ stepMs: number; allMs: number[]; warmupMs: number[]; backend: { name: string }; backendLine: string; threads: number; simd: string | null; crossOriginIsolated: boolean; coresBusy: number | null }>;
  PageBenchError: new (m: string) => Error;
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/web/index.html')) || !existsSync(join(root, 'dist/node/index.js'))) {
    const b = spawnSync(process.execPath, [join(root, 'scripts/build-js.js')], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build-js failed: ${b.stderr}`);
  }
}, 120_000);

describe.skipIf(!chromium)('bench:page in headless Chromium', () => {
  let lib: Lib;
  let session: Awaited<ReturnType<Lib['openPageSession']>> | undefined;

  beforeAll(async () => {
    lib = (await import('../../scripts/bench/page_lib.js' as string)) as Lib;
    session = await lib.openPageSession(chromium!);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  it('the page trains one step of the config on wasm with our kernels and the bench reads its finite time', async () => {
    const r = await lib.timePageSteps(session, tiny, { warmup: 0, steps: 1, timeoutMs: 180_000 });
    expect(r.allMs).toHaveLength(1);
    expect(Number.isFinite(r.stepMs)).toBe(true);
    expect(r.stepMs).toBeGreaterThan(0);
    expect(r.stepMs).toBe(r.allMs[0]);
    expect(r.backend.name).toBe('wasm');
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.threads).toBeGreaterThanOrEqual(1);
    expect(['relaxed', 'plain']).toContain(r.simd);
    // Chromium's CPU time while it trained (read from /proc on Linux)
    if (process.platform === 'linux') expect(r.coresBusy).toBeGreaterThan(0);
    // the line the page shows says the threads and the SIMD build
    expect(r.backendLine).toMatch(new RegExp(`^backend wasm · ${r.threads} threads? · ${r.simd === 'relaxed' ? 'relaxed-SIMD FMA' : 'SIMD mul\\+add'} · `));
    expect(r.backendLine).toMatch(/cross-origin isolated$/);
  }, 240_000);

  it('a page that does not train is an error naming why, not a figure', async () => {
    // size 48 is no size the page takes: it reports a settings error and trains nothing
    await expect(lib.timePageSteps(session, { ...tiny, size: 48 }, { warmup: 0, steps: 1, timeoutMs: 60_000 })).rejects.toThrow(/the page failed: settings: .*size/);
  }, 120_000);
});

describe('bench:page script', () => {
  function bench(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('without Chromium: Node\'s row is timed, the page row skipped with the reason, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gf-pagebench-'));
    try {
      const out = join(dir, 'page.json');
      const r = bench(['--quick', '--steps', '1', '--warmup', '0', '--out', out], { CHROMIUM_PATH: '/nonexistent/chromium' });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/page \(headless Chromium\): skipped: CHROMIUM_PATH=\/nonexistent\/chromium does not exist/);
      const res = JSON.parse(readFileSync(out, 'utf8'));
      const node = res.rows.find((x: { side: string }) => x.side === 'node');
      expect(node.config).toBe('default');
      expect(node.stepMs).toBeGreaterThan(0);
      expect(res.rows.find((x: { side: string }) => x.side === 'page').skipped).toMatch(/does not exist/);
      expect(readdirSync(dir)).toEqual(['page.json']); // written through a temp name, none left
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('bad flags exit 2 with one line naming the flag', () => {
    for (const [args, re] of [[['--steps', '0'], /--steps/], [['--configs', 'nope'], /--configs: unknown nope/], [['--layers', 'x'], /--layers/]] as [string[], RegExp][]) {
      const r = bench(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
    }
  }, 120_000);
});
