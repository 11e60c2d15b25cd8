import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { runDiversityCli } from '../../src/cli/diversity';
import { syntheticFaces } from '../../src/metrics/synthetic';
import { encodeNpy } from '../../src/metrics/samples';

let dir: string;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: any) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => { err += String(s); return true; });
  try {
    const code = await runDiversityCli([...args, '--threads', '1']);
    return { code, out, err };
  } finally { o.mockRestore(); e.mockRestore(); }
}

function png(w: number, h: number, data: Uint8Array): Uint8Array {
  return encode({ width: w, height: h, data, channels: 3, depth: 8 });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gf-div-'));
  const faces = syntheticFaces(12, 32, 3);
  mkdirSync(join(dir, 'folder'));
  for (let i = 0; i < 12; i++) writeFileSync(join(dir, 'folder', `f${String(i).padStart(2, '0')}.png`), png(32, 32, (faces.data as Uint8Array).slice(i * 3072, (i + 1) * 3072)));
  // one bigger image (resized to the smallest) and one broken file
  const big = syntheticFaces(1, 48, 9);
  writeFileSync(join(dir, 'folder', 'z_big.png'), png(48, 48, big.data as Uint8Array));
  writeFileSync(join(dir, 'folder', 'z_broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  // a grid: 3x4 tiles of 20x20 with pad 2
  const rows = 3, cols = 4, t = 20, pad = 2, W = cols * t + (cols + 1) * pad, H = rows * t + (rows + 1) * pad;
  const tiles = syntheticFaces(12, 20, 4), g = new Uint8Array(W * H * 3).fill(255);
  for (let k = 0; k < 12; k++) for (let y = 0; y < t; y++) for (let x = 0; x < t; x++) for (let c = 0; c < 3; c++) {
    g[((pad + Math.floor(k / cols) * (t + pad) + y) * W + pad + (k % cols) * (t + pad) + x) * 3 + c] = tiles.data[((k * t + y) * t + x) * 3 + c];
  }
  writeFileSync(join(dir, 'grid.png'), png(W, H, g));
  const f = syntheticFaces(10, 32, 5);
  const nchw = new Float32Array(10 * 3 * 32 * 32);
  for (let k = 0; k < 10; k++) for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) nchw[(k * 3 + c) * 1024 + p] = f.data[(k * 1024 + p) * 3 + c] / 127.5 - 1;
  writeFileSync(join(dir, 'nchw.npy'), encodeNpy(nchw, [10, 3, 32, 32]));
  writeFileSync(join(dir, 'one.npy'), encodeNpy(new Uint8Array(32 * 32 * 3), [1, 32, 32, 3]));
  const bad = encodeNpy(new Float32Array(8), [2, 2, 2]);
  bad[20] = 0x3f; // corrupt the header dict
  writeFileSync(join(dir, 'bad.npy'), bad);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diversity CLI', () => {
  it('folder: skips unreadable files, resizes mixed sizes, prints JSON with the required fields', async () => {
    const r = await run([join(dir, 'folder'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.n).toBe(13);
    expect(j.skipped).toBe(1);
    for (const k of ['msssim', 'vendi', 'duplicates', 'verdict']) expect(j).toHaveProperty(k);
    expect(j.msssim).toHaveProperty('mean'); expect(j.msssim).toHaveProperty('std');
    expect(Array.isArray(j.duplicates.pairs[0])).toBe(true);
    expect(j.notes.join(' ')).toMatch(/resized/);
    expect(j.notes.join(' ')).toMatch(/skipped/);
  });
  it('--strict makes an unreadable file fatal (exit 2, one line)', async () => {
    const r = await run([join(dir, 'folder'), '--strict']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')[0]).toMatch(/z_broken\.png/);
  });
  it('--ref adds NDB/K and a relative verdict; --report writes HTML with embedded PNGs', async () => {
    const out = join(dir, 'r.html');
    const r = await run([join(dir, 'nchw.npy'), '--ref', join(dir, 'folder'), '--json', '--report', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ndb).toHaveProperty('ndb_k'); expect(j.ndb).toHaveProperty('k'); expect(j.ndb).toHaveProperty('different');
    expect(j.ref.n).toBe(13);
    expect(['collapsed', 'suspicious', 'healthy']).toContain(j.verdict);
    expect(j.notes.join(' ')).toMatch(/NCHW range \[-1,1\]/);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/data:image\/png;base64,/);
    expect(html).toContain(j.verdict);
  });
  it('grid input and a readable summary', async () => {
    const r = await run([join(dir, 'grid.png'), '--grid', '3x4', '--pad', '2', '--pairs', '20']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/samples\s+12 \(20x20\)/);
    expect(r.out).toMatch(/over 20 pairs/);
    expect(r.out).toMatch(/verdict\s+(HEALTHY|SUSPICIOUS|COLLAPSED)/);
  });
  it('bad inputs: exit 2 with a one-line message', async () => {
    const cases: [string[], RegExp][] = [
      [[join(dir, 'grid.png'), '--grid', '5x5', '--pad', '2'], /does not divide/],
      [[join(dir, 'bad.npy')], /malformed header/],
      [[join(dir, 'one.npy')], /at least 2 samples/],
      [[join(dir, 'nope')], /no such file/],
      [[join(dir, 'grid.png')], /--grid/],
      [[join(dir, 'nchw.npy'), '--range', '0,2'], /--range/],
      [[join(dir, 'nchw.npy'), '--bogus'], /unknown option/],
      [[], /missing INPUT/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.split('\n')[0]).toMatch(re);
    }
    expect(existsSync(join(dir, 'r.html'))).toBe(true);
  });
});
