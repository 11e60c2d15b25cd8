// Issue 16: `node scripts/diversity.js fakes --ref DIR` with a 20,000-image
// folder, as the user runs it: a child process with a bounded heap. The
// reference is a seeded subsample of 2,048 files chosen from the file list
// before decoding, and only those files are read.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodePng } from '../../src/train/grid';
import { encodeNpy } from '../../src/metrics/samples';
import { Rng } from '../../src/util/rng';

const root = join(__dirname, '..', '..');
const N_FILES = 20000;
const BROKEN_EVERY = 20; // 1,000 of the 20,000 files are not images
let dir: string;

/** A 16x16 image: two random colours blended along a random sine pattern, so every file differs. */
function image(rng: Rng, s = 16): Uint8Array {
  const a = [rng.int(256), rng.int(256), rng.int(256)], b = [rng.int(256), rng.int(256), rng.int(256)];
  const fx = 0.5 + rng.next() * 2, fy = 0.5 + rng.next() * 2, ph = rng.next() * 6;
  const out = new Uint8Array(s * s * 3);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) {
    const t = (Math.sin(x / fx + ph) * Math.cos(y / fy) + 1) / 2;
    for (let c = 0; c < 3; c++) out[(y * s + x) * 3 + c] = a[c] * t + b[c] * (1 - t);
  }
  return out;
}

function cli(args: string[]): { code: number | null; out: string; err: string; maxRssMiB: number } {
  // The heap is bounded as the issue asks; the preload reports the peak RSS on exit.
  const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', pathToFileURL(join(dir, 'rss.mjs')).href, join(root, 'scripts', 'diversity.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  const m = /maxrss-kib (\d+)/.exec(r.stderr);
  return { code: r.status, out: r.stdout, err: r.stderr, maxRssMiB: m ? Number(m[1]) / 1024 : NaN };
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('run `npm run build` before these tests (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'gf-div-big-'));
  writeFileSync(join(dir, 'rss.mjs'), "process.on('exit', () => process.stderr.write(`maxrss-kib ${process.resourceUsage().maxRSS}\\n`));\n");
  const ref = join(dir, 'ref');
  mkdirSync(ref);
  const rng = new Rng(16);
  for (let i = 0; i < N_FILES; i++) {
    const name = join(ref, `img${String(i).padStart(5, '0')}.png`);
    if (i % BROKEN_EVERY === BROKEN_EVERY - 1) writeFileSync(name, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, i & 255]));
    else writeFileSync(name, encodePng({ width: 16, height: 16, data: image(rng) }));
  }
  const fakes = new Uint8Array(64 * 16 * 16 * 3);
  for (let k = 0; k < 64; k++) fakes.set(image(rng), k * 768);
  writeFileSync(join(dir, 'fakes.npy'), encodeNpy(fakes, [64, 16, 16, 3]));
}, 120_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('diversity CLI with a 20,000-image --ref folder', () => {
  it('default: 2,048 reference images, seeded, read one at a time under a 256 MB heap', () => {
    const r = cli([join(dir, 'fakes.npy'), '--ref', join(dir, 'ref'), '--json', '--pairs', '2000', '--threads', '2']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.ref.n).toBe(2048);
    expect(j.n).toBe(64);
    expect(j.sources.ref).toEqual({ kind: 'folder', n: 2048, of: N_FILES, subsampled: true });
    expect(j.notes).toContain('reference: 2,048 of 20,000 images (seeded subsample; --ref-n to change)');
    expect(['healthy', 'suspicious', 'collapsed']).toContain(j.verdict);
    // Only the chosen files were read: of the 1,000 broken files, those drawn
    // (about 5% of ~2,150 tried) were skipped and replaced by the next draws;
    // decoding the whole folder would have met all 1,000.
    const skipped = j.notes.find((x: string) => x.startsWith('reference: ') && x.includes('unreadable'));
    const count = Number(/reference: (\d+) unreadable file/.exec(skipped ?? '')?.[1]);
    expect(count).toBeGreaterThan(40);
    expect(count).toBeLessThan(250);
    // Bounded memory: the subsample (2,048 x 16x16) and the scoring, not the folder.
    expect(r.maxRssMiB).toBeLessThan(600);
    console.log(`diversity.js --ref 20,000 files: peak RSS ${r.maxRssMiB.toFixed(0)} MiB`);
  });

  it('--ref-n and --seed: the same seed gives the same result, another seed another subset; progress on stderr', () => {
    const args = [join(dir, 'fakes.npy'), '--ref', join(dir, 'ref'), '--ref-n', '300', '--json', '--threads', '1'];
    const strip = (s: string) => { const j = JSON.parse(s); delete j.seconds; delete j.timings; delete j.ref.timings; return j; };
    const a = cli([...args, '--seed', '7']), b = cli([...args, '--seed', '7']), c = cli([...args, '--seed', '8']);
    for (const r of [a, b, c]) expect(r.code, r.err).toBe(0);
    const [ja, jb, jc] = [a, b, c].map((r) => strip(r.out));
    expect(ja.ref.n).toBe(300);
    expect(ja.notes).toContain('reference: 300 of 20,000 images (seeded subsample; --ref-n to change)');
    expect(jb).toEqual(ja);
    expect(jc.ref.n).toBe(300);
    expect(jc.ref.msssim.mean).not.toBe(ja.ref.msssim.mean);
    expect(jc.ref.nn).not.toEqual(ja.ref.nn);
    // without --json: the readable summary, and a progress line for the decode on stderr (not a terminal here)
    const h = cli([...args.filter((x) => x !== '--json'), '--seed', '7']);
    expect(h.code, h.err).toBe(0);
    expect(h.out).toMatch(/note: reference: 300 of 20,000 images \(seeded subsample; --ref-n to change\)/);
    expect(h.err).toMatch(/^reference 300\/300 decoding$/m);
  });
});
