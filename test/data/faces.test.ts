import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { faceSvg, faceParams } from '../../src/data/faces';
import { makeFaces, ensureDefaultFaces, faceFileName } from '../../src/data/faces_node';

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
  });

  it('make-faces.js: bad arguments exit 2 with one line, and a non-empty --out is refused', () => {
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
    const r3 = run(['--n', '4', '--out', join(tmp, 'ok')]);
    expect(r3.status).toBe(0);
    expect(readdirSync(join(tmp, 'ok')).filter((f) => f.endsWith('.jpg'))).toHaveLength(4);
  });
});
