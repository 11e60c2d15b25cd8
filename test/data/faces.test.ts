import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { faceSvg, faceParams } from '../../src/data/faces';
import { makeFaces, ensureDefaultFaces, faceFileName, facesCacheName, readFacesManifest } from '../../src/platform/faces';

const root = resolve(__dirname, '../..');

describe('embedded face dataset', () => {
  it('draws a different face per index and per seed, the same one for the same pair', () => {
    expect(faceSvg(3, 1)).toBe(faceSvg(3, 1));
    expect(faceSvg(3, 1)).not.toBe(faceSvg(4, 1));
    expect(faceSvg(3, 1)).not.toBe(faceSvg(3, 2));
    const styles = new Set(Array.from({ length: 40 }, (_, i) => faceParams(i, 1).style));
    expect(styles).toEqual(new Set(['adventurer', 'lorelei']));
  });

  it('makes 96x96 JPEGs deterministically (same seed, same bytes)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'gf-faces-'));
    const a = await makeFaces({ n: 12, out: join(tmp, 'a'), seed: 5 });
    const b = await makeFaces({ n: 12, out: join(tmp, 'b'), seed: 5 });
    const c = await makeFaces({ n: 12, out: join(tmp, 'c'), seed: 6 });
    const files = readdirSync(a).filter((f) => f.endsWith('.jpg')).sort();
    expect(files).toEqual(Array.from({ length: 12 }, (_, i) => faceFileName(i)));
    let differ = 0;
    for (const f of files) {
      const ba = readFileSync(join(a, f));
      expect(ba.equals(readFileSync(join(b, f)))).toBe(true);
      if (!ba.equals(readFileSync(join(c, f)))) differ++;
      const img = jpeg.decode(ba, { useTArray: true });
      expect([img.width, img.height]).toEqual([96, 96]);
    }
    expect(differ).toBe(12);
    expect(JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8'))).toMatchObject({ n: 12, seed: 5, complete: true });
  });

  it('ensureDefaultFaces makes the set once and reuses it', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'gf-cache-'));
    const logs: string[] = [];
    const d1 = await ensureDefaultFaces({ n: 8, cacheDir: cache, log: (m) => logs.push(m) });
    const t1 = statSync(join(d1, faceFileName(0))).mtimeMs;
    const d2 = await ensureDefaultFaces({ n: 8, cacheDir: cache, log: (m) => logs.push(m) });
    expect(d2).toBe(d1);
    expect(statSync(join(d2, faceFileName(0))).mtimeMs).toBe(t1);
    expect(logs).toHaveLength(1);
    expect(d1).toBe(join(cache, facesCacheName(8)));
    expect(facesCacheName(8)).toBe('faces-8-v1');
    expect(facesCacheName(8, 3)).toBe('faces-8-s3-v1');
  });

  it('ensureDefaultFaces honours $GANFORGE_CACHE and clears temp folders of dead processes', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'gf-cache-env-'));
    const dead = join(cache, `${facesCacheName(3)}.tmp-999999999-x`);
    mkdirSync(dead);
    writeFileSync(join(dead, faceFileName(0)), 'partial');
    const old = process.env.GANFORGE_CACHE;
    process.env.GANFORGE_CACHE = cache;
    try {
      const d = await ensureDefaultFaces({ n: 3 });
      expect(d).toBe(join(cache, 'faces-3-v1'));
      expect(readFacesManifest(d)).toMatchObject({ n: 3, seed: 1, complete: true });
      expect(readdirSync(cache)).toEqual(['faces-3-v1']);
    } finally {
      if (old === undefined) delete process.env.GANFORGE_CACHE;
      else process.env.GANFORGE_CACHE = old;
    }
  });

  it('lorelei faces get varied hair colours (not all black)', () => {
    const fills = new Set<string>();
    for (let i = 0; i < 60; i++) if (faceParams(i, 1).style === 'lorelei') for (const m of faceSvg(i, 1).matchAll(/fill="#([0-9a-f]{6})"/gi)) fills.add(m[1].toLowerCase());
    const anime = ['f29bbf', '9a7fd1', '5b8fd6', '62b6a8', '6bbf59'].filter((c) => fills.has(c));
    expect(anime.length).toBeGreaterThanOrEqual(2);
  });

  it('make-faces.js: bad arguments exit 2 with one line, and a non-empty --out is refused', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'gf-mf-'));
    const run = (args: string[]) => spawnSync(process.execPath, [join(root, 'scripts/make-faces.js'), ...args], { encoding: 'utf8' });
    const r1 = run(['--n', 'abc', '--out', join(tmp, 'x')]);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/--n must be an integer/);
    mkdirSync(join(tmp, 'full'));
    writeFileSync(join(tmp, 'full', 'keep.txt'), 'mine');
    const r2 = run(['--n', '4', '--out', join(tmp, 'full')]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/already exists and is not an empty folder/);
    expect(readFileSync(join(tmp, 'full', 'keep.txt'), 'utf8')).toBe('mine');
    for (const [args, msg] of [
      [['--n', '4'], /required option '--out <DIR>'/],
      [['--n', '0', '--out', join(tmp, 'y')], /--n must be an integer in \[1,/],
      [['--n', '4', '--seed', '-1', '--out', join(tmp, 'y')], /--seed must be an integer/],
      [['--n', '4', '--quality', '101', '--out', join(tmp, 'y')], /--quality must be an integer in \[1, 100\]/],
      [['--n', '4', '--bogus', '--out', join(tmp, 'y')], /unknown option '--bogus'/],
      [['--n', '4', '--out', join(tmp, 'y'), 'extra'], /too many arguments|excess/i],
    ] as const) {
      const r = run([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    expect(existsSync(join(tmp, 'y'))).toBe(false);
    const r3 = run(['--n', '4', '--out', join(tmp, 'ok')]);
    expect(r3.status).toBe(0);
    expect(readdirSync(join(tmp, 'ok')).filter((f) => f.endsWith('.jpg'))).toHaveLength(4);
    // another process, same seed: the same bytes as made in this one
    const here = await makeFaces({ n: 4, out: join(tmp, 'here'), seed: 1 });
    for (let i = 0; i < 4; i++) expect(readFileSync(join(tmp, 'ok', faceFileName(i))).equals(readFileSync(join(here, faceFileName(i))))).toBe(true);
  });
});
