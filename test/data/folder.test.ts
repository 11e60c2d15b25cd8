import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore pngjs ships no types (test-only reference library)
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { loadImageFolder } from '../../src/platform/folder';
import { DatasetError } from '../../src/data/dataset';
import { cachePaths } from '../../src/platform/cache';
import { resizeRef } from '../reference/resize';

function pattern(w: number, h: number, seed: number): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 4;
    d[i] = (x * 7 + seed * 31) & 255; d[i + 1] = (y * 5 + seed * 17) & 255; d[i + 2] = ((x + y) * 3 + seed) & 255; d[i + 3] = 255;
  }
  return d;
}
function pngBytes(w: number, h: number, seed: number): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data = Buffer.from(pattern(w, h, seed));
  return PNG.sync.write(p);
}
async function jpegBytes(w: number, h: number, seed: number): Promise<Buffer> {
  return sharp(Buffer.from(pattern(w, h, seed)), { raw: { width: w, height: h, channels: 4 } }).jpeg({ quality: 90 }).toBuffer();
}
function rowOf(ds: { images: Uint8Array; size: number }, i: number): Uint8Array {
  const r = ds.size * ds.size * 3;
  return ds.images.subarray(i * r, (i + 1) * r);
}
function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let root: string;
let dir: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ganforge-data-'));
  dir = join(root, 'faces');
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'a.png'), pngBytes(40, 30, 1));
  writeFileSync(join(dir, 'B.JPG'), await jpegBytes(50, 70, 2));
  writeFileSync(join(dir, 'sub', 'c.jpeg'), await jpegBytes(24, 24, 3));
  writeFileSync(join(dir, 'sub', 'deeper', 'd.PNG'), pngBytes(9, 13, 4));
  writeFileSync(join(dir, 'sub', 'corrupt.png'), Buffer.concat([pngBytes(20, 20, 5).subarray(0, 40), Buffer.alloc(30, 7)]));
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  writeFileSync(join(dir, '.hidden.png'), 'junk');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadImageFolder', () => {
  it('lists recursively, sorted, case-insensitive extensions; skips and counts a corrupt file', async () => {
    const ds = await loadImageFolder({ dir, size: 16, threads: 1, cache: false });
    expect(ds.files.map((f) => f.slice(dir.length + 1).replace(/\\/g, '/'))).toEqual(['B.JPG', 'a.png', 'sub/c.jpeg', 'sub/deeper/d.PNG']);
    expect(ds.n).toBe(4);
    expect(ds.size).toBe(16);
    expect(ds.images.length).toBe(4 * 16 * 16 * 3);
    expect(ds.skipped.count).toBe(1);
    expect(ds.skipped.examples[0].file).toContain('corrupt.png');
    expect(ds.skipped.examples[0].error.length).toBeGreaterThan(0);
    // PNG rows are lossless: compare with the float64 reference of the source pixels.
    expect(maxDiff(rowOf(ds, 1), resizeRef(pattern(40, 30, 1), 40, 30, 4, 16, true))).toBeLessThanOrEqual(1);
    expect(maxDiff(rowOf(ds, 3), resizeRef(pattern(9, 13, 4), 9, 13, 4, 16, true))).toBeLessThanOrEqual(1);
    // JPEG rows: close to the reference of the source pattern (lossy q90).
    const j = rowOf(ds, 2), r = resizeRef(pattern(24, 24, 3), 24, 24, 4, 16, true);
    let sum = 0;
    for (let i = 0; i < j.length; i++) sum += Math.abs(j[i] - r[i]);
    expect(sum / j.length).toBeLessThan(12);
    expect(existsSync(cachePaths(dir, 16).data)).toBe(false);
  });

  it('follows a symlinked folder once (no loop)', async () => {
    const ldir = join(root, 'links');
    mkdirSync(join(ldir, 'real'), { recursive: true });
    writeFileSync(join(ldir, 'real', 'x.png'), pngBytes(6, 6, 9));
    symlinkSync(ldir, join(ldir, 'real', 'loop'));
    const ds = await loadImageFolder({ dir: ldir, size: 4, threads: 1, cache: false });
    expect(ds.n).toBe(1);
  });

  it('crop=false squashes instead of cropping', async () => {
    const ds = await loadImageFolder({ dir, size: 8, threads: 1, cache: false, crop: false, limit: 2 });
    expect(ds.n).toBe(2);
    expect(maxDiff(rowOf(ds, 1), resizeRef(pattern(40, 30, 1), 40, 30, 4, 8, false))).toBeLessThanOrEqual(1);
  });

  it('strict mode fails on the corrupt file, naming it', async () => {
    const err = await loadImageFolder({ dir, size: 16, threads: 1, cache: false, strict: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toContain('corrupt.png');
    expect(err.file).toContain('corrupt.png');
  });

  it('errors name the folder: missing, empty, nothing decodable, not a folder', async () => {
    const missing = join(root, 'nope');
    await expect(loadImageFolder({ dir: missing, size: 8 })).rejects.toThrow(DatasetError);
    await expect(loadImageFolder({ dir: missing, size: 8 })).rejects.toThrow(missing);
    const empty = join(root, 'empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    writeFileSync(join(empty, 'readme.md'), 'x');
    await expect(loadImageFolder({ dir: empty, size: 8 })).rejects.toThrow(new RegExp(`no .*images in ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const bad = join(root, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.jpg'), 'garbage');
    writeFileSync(join(bad, 'y.png'), Buffer.alloc(100));
    const e = await loadImageFolder({ dir: bad, size: 8, threads: 1 }).catch((x) => x);
    expect(e).toBeInstanceOf(DatasetError);
    expect(e.message).toContain(bad);
    expect(e.message).toContain('none of the 2');
    await expect(loadImageFolder({ dir: join(dir, 'a.png'), size: 8 })).rejects.toThrow(DatasetError);
  });

  it('saves, reuses and invalidates the u8 cache', async () => {
    const cdir = join(root, 'cached');
    mkdirSync(cdir);
    for (let i = 0; i < 5; i++) writeFileSync(join(cdir, `img${i}.png`), pngBytes(12 + i, 12, 10 + i));
    writeFileSync(join(cdir, 'broken.png'), 'broken');
    const first = await loadImageFolder({ dir: cdir, size: 8, threads: 1 });
    const p = cachePaths(cdir, 8);
    expect(existsSync(p.data) && existsSync(p.manifest)).toBe(true);
    expect(readFileSync(p.data).equals(Buffer.from(first.images))).toBe(true);
    expect(readdirSync(cdir).filter((f) => f.includes('.tmp'))).toEqual([]);
    // Prove the second load reads the cache: tamper with its bytes (same length).
    const tampered = Buffer.from(first.images);
    tampered[0] ^= 0xff;
    writeFileSync(p.data, tampered);
    const calls: [number, number][] = [];
    const second = await loadImageFolder({ dir: cdir, size: 8, threads: 1, onProgress: (d, t) => calls.push([d, t]) });
    expect(second.images[0]).toBe(tampered[0]);
    expect(second.files).toEqual(first.files);
    expect(second.skipped).toEqual(first.skipped);
    expect(calls.at(-1)).toEqual([6, 6]);
    // Other options do not read it (and crop=false really differs here: the images are wide).
    const squashed = await loadImageFolder({ dir: cdir, size: 8, threads: 1, crop: false });
    expect(Buffer.from(squashed.images).equals(Buffer.from((await loadImageFolder({ dir: cdir, size: 8, threads: 1, crop: false, cache: false })).images))).toBe(true);
    expect((await loadImageFolder({ dir: cdir, size: 8, threads: 1, cache: false })).images[0]).toBe(first.images[0]);
    // Rebuilt for crop=true, then invalidated by a changed mtime...
    expect((await loadImageFolder({ dir: cdir, size: 8, threads: 1 })).images[0]).toBe(first.images[0]);
    writeFileSync(p.data, tampered);
    expect((await loadImageFolder({ dir: cdir, size: 8, threads: 1 })).images[0]).toBe(tampered[0]);
    utimesSync(join(cdir, 'img2.png'), new Date(), new Date(Date.now() - 86_400_000));
    const third = await loadImageFolder({ dir: cdir, size: 8, threads: 1 });
    expect(third.images[0]).toBe(first.images[0]);
    // ...by another decoder/resize build (the codec id in the manifest)...
    writeFileSync(p.data, tampered);
    const man = JSON.parse(readFileSync(p.manifest, 'utf8'));
    expect(man.key.codec).toMatch(/^pipeline-\d+-[0-9a-f]{8}$/);
    expect((await loadImageFolder({ dir: cdir, size: 8, threads: 1 })).images[0]).toBe(tampered[0]);
    man.key.codec = 'pipeline-0-00000000';
    writeFileSync(p.manifest, JSON.stringify(man));
    expect((await loadImageFolder({ dir: cdir, size: 8, threads: 1 })).images[0]).toBe(first.images[0]);
    // ...and by a new file.
    writeFileSync(p.data, tampered);
    writeFileSync(join(cdir, 'img9.png'), pngBytes(8, 8, 99));
    const fourth = await loadImageFolder({ dir: cdir, size: 8, threads: 1 });
    expect(fourth.n).toBe(6);
    expect(fourth.images[0]).toBe(first.images[0]);
    // A truncated .u8 is ignored, not trusted.
    writeFileSync(p.data, tampered.subarray(0, 10));
    expect((await loadImageFolder({ dir: cdir, size: 8, threads: 1 })).images.length).toBe(6 * 192);
    // strict ignores a cache that recorded skipped files, and fails.
    await expect(loadImageFolder({ dir: cdir, size: 8, threads: 1, strict: true })).rejects.toThrow('broken.png');
  });

  it('reports progress at least every 1% of files, ending at total', async () => {
    const pdir = join(root, 'many');
    mkdirSync(pdir);
    const tiny = pngBytes(4, 4, 1);
    for (let i = 0; i < 250; i++) writeFileSync(join(pdir, `${String(i).padStart(3, '0')}.png`), tiny);
    const calls: number[] = [];
    const ds = await loadImageFolder({ dir: pdir, size: 4, threads: 1, cache: false, onProgress: (d, t) => { expect(t).toBe(250); calls.push(d); } });
    expect(ds.n).toBe(250);
    expect(calls.at(-1)).toBe(250);
    let prev = 0;
    for (const d of calls) { expect(d).toBeGreaterThanOrEqual(prev); expect(d - prev).toBeLessThanOrEqual(2.5); prev = d; }
  });

  it('falls back to the calling thread when the worker entry is broken', async () => {
    const wdir = join(root, 'wk');
    mkdirSync(wdir);
    const bogus = join(wdir, 'worker.mjs');
    writeFileSync(bogus, 'throw new Error("no worker here")');
    const ds = await loadImageFolder({ dir, size: 16, threads: 2, cache: false, workerUrl: bogus });
    const ref = await loadImageFolder({ dir, size: 16, threads: 1, cache: false });
    expect(ds.n).toBe(4);
    expect(Buffer.from(ds.images).equals(Buffer.from(ref.images))).toBe(true);
  });

  it('finishes on the calling thread when a worker never answers (files in flight are redone)', async () => {
    const wdir = join(root, 'wk-hang');
    mkdirSync(wdir);
    const hang = join(wdir, 'worker.mjs');
    writeFileSync(hang, "import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => {});");
    const ds = await loadImageFolder({ dir, size: 16, threads: 3, cache: false, workerUrl: hang });
    const ref = await loadImageFolder({ dir, size: 16, threads: 1, cache: false });
    expect(ds.files).toEqual(ref.files);
    expect(ds.skipped).toEqual(ref.skipped);
    expect(Buffer.from(ds.images).equals(Buffer.from(ref.images))).toBe(true);
  });

  it('decodes with a worker_threads pool, same rows as the calling thread', async () => {
    const esbuild = await import('esbuild');
    const out = join(root, 'worker-bundle', 'worker.mjs');
    await esbuild.build({ entryPoints: [join(__dirname, '../../src/platform/node_worker.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'error', mainFields: ['module', 'main'], banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
    const ref = await loadImageFolder({ dir, size: 16, threads: 1, cache: false });
    const calls: number[] = [];
    const ds = await loadImageFolder({ dir, size: 16, threads: 2, cache: false, workerUrl: out, onProgress: (d) => calls.push(d) });
    expect(ds.files).toEqual(ref.files);
    expect(ds.skipped).toEqual(ref.skipped);
    expect(Buffer.from(ds.images).equals(Buffer.from(ref.images))).toBe(true);
    expect(calls.at(-1)).toBe(5);
    await expect(loadImageFolder({ dir, size: 16, threads: 2, cache: false, strict: true, workerUrl: out })).rejects.toThrow('corrupt.png');
    // The pool itself (no fallback involved): every file answered by a worker.
    const { decodeWithWorkers } = await import('../../src/platform/decode_pool');
    const files = ['B.JPG', 'a.png', 'sub/c.jpeg', 'sub/corrupt.png', 'sub/deeper/d.PNG'].map((f) => join(dir, f));
    const done = new Uint8Array(files.length);
    const got: (Uint8Array | string)[] = [];
    const stopped = await decodeWithWorkers(out, files, done, 2, { size: 16, crop: true }, (i, data, error) => { done[i] = 1; got[i] = data ?? error!; });
    expect(stopped).toBeNull();
    expect(Array.from(done)).toEqual([1, 1, 1, 1, 1]);
    expect(typeof got[3]).toBe('string');
    expect(Buffer.from(got[1] as Uint8Array).equals(Buffer.from(rowOf(ref, 1)))).toBe(true);
  });
});
