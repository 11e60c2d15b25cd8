import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { runDiversityCli } from '../../src/cli/diversity';
import { syntheticFaces } from '../../src/metrics/synthetic';
import { encodeNpy, parseNpy, seededSubset } from '../../src/metrics/samples';
import { loadSampleInput } from '../../src/platform/samples';
import { tileGrid, encodePng } from '../../src/train/grid';

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
  const faces = syntheticFaces(20, 32, 3);
  mkdirSync(join(dir, 'folder'));
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'folder', `f${String(i).padStart(2, '0')}.png`), png(32, 32, (faces.data as Uint8Array).slice(i * 3072, (i + 1) * 3072)));
  // one bigger image (resized to the smallest) and one broken file
  const big = syntheticFaces(1, 48, 9);
  writeFileSync(join(dir, 'folder', 'z_big.png'), png(48, 48, big.data as Uint8Array));
  writeFileSync(join(dir, 'folder', 'z_broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  // a grid: 4x5 tiles of 20x20 with pad 2
  const rows = 4, cols = 5, t = 20, pad = 2, W = cols * t + (cols + 1) * pad, H = rows * t + (rows + 1) * pad;
  const tiles = syntheticFaces(20, 20, 4), g = new Uint8Array(W * H * 3).fill(255);
  for (let k = 0; k < 20; k++) for (let y = 0; y < t; y++) for (let x = 0; x < t; x++) for (let c = 0; c < 3; c++) {
    g[((pad + Math.floor(k / cols) * (t + pad) + y) * W + pad + (k % cols) * (t + pad) + x) * 3 + c] = tiles.data[((k * t + y) * t + x) * 3 + c];
  }
  writeFileSync(join(dir, 'grid.png'), png(W, H, g));
  const f = syntheticFaces(20, 32, 5);
  const nchw = new Float32Array(20 * 3 * 32 * 32);
  for (let k = 0; k < 20; k++) for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) nchw[(k * 3 + c) * 1024 + p] = f.data[(k * 1024 + p) * 3 + c] / 127.5 - 1;
  writeFileSync(join(dir, 'nchw.npy'), encodeNpy(nchw, [20, 3, 32, 32]));
  // 7 images: too few for a verdict
  mkdirSync(join(dir, 'few'));
  for (let i = 0; i < 7; i++) writeFileSync(join(dir, 'few', `f${i}.png`), png(32, 32, (faces.data as Uint8Array).slice(i * 3072, (i + 1) * 3072)));
  // 100 rows of 16x16 floats in [0,1]: more than --n 40
  const rows100 = syntheticFaces(100, 16, 6);
  writeFileSync(join(dir, 'big.npy'), encodeNpy(Float32Array.from(rows100.data as Uint8Array, (v) => v / 255), [100, 16, 16, 3]));
  // the trainer's samples/ folder: 8x8 grids of 32x32 tiles, pad 2 (tileGrid, as writeSamples saves them).
  // The early steps drew one grey blob for every z; the newest step draws varied images.
  mkdirSync(join(dir, 'samples'));
  const blob = new Float32Array(64 * 32 * 32 * 3).fill(0.1);
  for (const step of [100, 200]) writeFileSync(join(dir, 'samples', `step-${String(step).padStart(6, '0')}.png`), encodePng(tileGrid(blob, 64, 32)));
  const late = syntheticFaces(64, 32, 8);
  writeFileSync(join(dir, 'samples', 'step-000300.png'), encodePng(tileGrid(Float32Array.from(late.data as Uint8Array, (v) => v / 127.5 - 1), 64, 32)));
  mkdirSync(join(dir, 'mixed'));
  writeFileSync(join(dir, 'mixed', 'step-000300.png'), readFileSync(join(dir, 'samples', 'step-000300.png')));
  writeFileSync(join(dir, 'mixed', 'other.png'), png(32, 32, (faces.data as Uint8Array).slice(0, 3072)));
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
    expect(j.n).toBe(21);
    expect(j.skipped).toBe(1);
    expect(j.sources.input).toEqual({ kind: 'folder', n: 21, of: 22, subsampled: false });
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
    expect(j.ref.n).toBe(21);
    expect(['collapsed', 'suspicious', 'healthy']).toContain(j.verdict);
    expect(j.notes.join(' ')).toMatch(/NCHW range \[-1,1\]/);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/data:image\/png;base64,/);
    expect(html).toContain(j.verdict);
  });
  it('grid input and a readable summary', async () => {
    const r = await run([join(dir, 'grid.png'), '--grid', '4x5', '--pad', '2', '--pairs', '20']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/samples\s+20 \(20x20\)/);
    expect(r.out).toMatch(/over 20 pairs/);
    expect(r.out).toMatch(/verdict\s+(HEALTHY|SUSPICIOUS|COLLAPSED)/);
  });
  it('bad inputs: exit 2 with a one-line message', async () => {
    const cases: [string[], RegExp][] = [
      [[join(dir, 'grid.png'), '--grid', '5x5', '--pad', '2'], /does not divide/],
      [[join(dir, 'bad.npy')], /bad\.npy: \.npy: malformed header/],
      [[join(dir, 'one.npy')], /one\.npy: need at least 2 samples, got 1/],
      [[join(dir, 'folder'), '--ref', join(dir, 'bad.npy')], /bad\.npy: .*malformed header/],
      [[join(dir, 'folder'), '--grid', '8x8'], /--grid takes one grid image/],
      [[join(dir, 'mixed')], /mixed.*1 of its 2 images are the trainer's 8x8 sample grids.*--grid 8x8 --pad 2/],
      [[join(dir, 'nchw.npy'), '--n', '1'], /--n must be an integer >= 2/],
      [[join(dir, 'nchw.npy'), '--ref-n', 'some'], /--ref-n must be an integer >= 2/],
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

  it('fewer than 16 samples: the scores, and "too few samples to judge" instead of a verdict (exit 0)', async () => {
    const j = await run([join(dir, 'few'), '--json']);
    expect(j.code).toBe(0);
    const r = JSON.parse(j.out);
    expect(r.n).toBe(7);
    expect(r.verdict).toBe('too-few-samples');
    expect(r.min_samples).toBe(16);
    expect(r.reasons).toEqual([expect.stringMatching(/too few samples to judge: 7 samples, at least 16/)]);
    expect(r.msssim.mean).toBeGreaterThan(0);
    const h = await run([join(dir, 'few')]);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/verdict\s+TOO FEW SAMPLES TO JUDGE/);
    expect(h.out).not.toMatch(/HEALTHY|SUSPICIOUS|COLLAPSED/);
    // a small reference also withholds the verdict
    const k = JSON.parse((await run([join(dir, 'folder'), '--ref', join(dir, 'few'), '--json'])).out);
    expect(k.verdict).toBe('too-few-samples');
    expect(k.reasons[0]).toMatch(/a reference of 7 images/);
  });

  it("a samples/ folder of the trainer's grids: only the newest grid is split and scored, with a note", async () => {
    const r = await run([join(dir, 'samples'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect([j.n, j.width, j.height]).toEqual([64, 32, 32]); // one grid's 64 tiles, not 3 grids as 3 samples nor 192 tiles
    expect(j.sources.input.kind).toBe('grid');
    const note = j.notes.find((x: string) => x.startsWith('input: the 3 files are'));
    expect(note).toMatch(/8x8 sample grids \(step-NNNNNN\.png, steps 100 to 300\); scored only the newest, step-000300\.png, split into its 64 samples of 32x32/);
    expect(note).toMatch(/step-000100\.png --grid 8x8 --pad 2/);
    // the newest grid holds varied images (the old ones are one blob): the verdict is about the newest
    expect(j.verdict, j.reasons.join('; ')).not.toBe('collapsed');
    const blob = JSON.parse((await run([join(dir, 'samples', 'step-000100.png'), '--json'])).out);
    expect(blob.n).toBe(64);
    expect(blob.verdict).toBe('collapsed');
    expect(blob.notes.join(' ')).toMatch(/step-000100\.png is the trainer's 8x8 sample grid .*as --grid 8x8 --pad 2 does/);
    // the same tiles as --grid 8x8 --pad 2 gives
    const grid = JSON.parse((await run([join(dir, 'samples', 'step-000300.png'), '--grid', '8x8', '--pad', '2', '--json'])).out);
    expect(grid.msssim).toEqual(j.msssim);
  });

  it('--n: a bigger .npy is subsampled (seeded, only the chosen rows), and the summary says so', async () => {
    const file = join(dir, 'big.npy');
    const a = loadSampleInput(file, { limit: 40, seed: 3 });
    const full = parseNpy(readFileSync(file));
    const idx = seededSubset(100, 40, 3);
    expect(a.set.n).toBe(40);
    expect([a.available, a.subsampled]).toEqual([100, true]);
    const sz = 16 * 16 * 3;
    for (let k = 0; k < 40; k++) expect(Array.from(a.set.data.subarray(k * sz, (k + 1) * sz))).toEqual(Array.from(full.data.subarray(idx[k] * sz, (idx[k] + 1) * sz)));
    expect(loadSampleInput(file, { limit: 40, seed: 3 }).set.data).toEqual(a.set.data);
    expect(loadSampleInput(file, { limit: 40, seed: 4 }).set.data).not.toEqual(a.set.data);
    expect(loadSampleInput(file, {}).set.data).toEqual(full.data); // no limit: everything, as parseNpy reads it
    const r = await run([file, '--n', '40', '--seed', '3', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.n).toBe(40);
    expect(j.notes).toContain('input: 40 of 100 images (seeded subsample; --n to change)');
    expect(JSON.parse((await run([file, '--n', 'all', '--json', '--pairs', '100'])).out).n).toBe(100);
  });

  it('a folder bigger than --n: a seeded subset of the files, decoded into one buffer', async () => {
    const a = loadSampleInput(join(dir, 'folder'), { limit: 8, seed: 5 });
    const all = loadSampleInput(join(dir, 'folder'), {});
    expect([a.set.n, a.available, a.subsampled]).toEqual([8, 22, true]);
    expect(a.set.data.length).toBe(8 * 32 * 32 * 3);
    // every chosen sample is one of the folder's images, and no image twice
    const sz = 32 * 32 * 3, rows = new Set<string>();
    for (let k = 0; k < all.set.n; k++) rows.add(Buffer.from(all.set.data.subarray(k * sz, (k + 1) * sz)).toString('base64'));
    const picked = new Set<string>();
    for (let k = 0; k < 8; k++) {
      const row = Buffer.from(a.set.data.subarray(k * sz, (k + 1) * sz)).toString('base64');
      expect(rows.has(row)).toBe(true);
      picked.add(row);
    }
    expect(picked.size).toBe(8);
    expect(loadSampleInput(join(dir, 'folder'), { limit: 8, seed: 5 }).set.data).toEqual(a.set.data);
    expect(loadSampleInput(join(dir, 'folder'), { limit: 8, seed: 6 }).set.data).not.toEqual(a.set.data);
  });
});
