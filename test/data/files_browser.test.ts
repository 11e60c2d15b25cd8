import { afterEach, describe, expect, it } from 'vitest';
// @ts-ignore pngjs ships no types (test-only reference library)
import { PNG } from 'pngjs';
import { loadImageFiles, decodeRequest, type DecodeRequest, type FileLike } from '../../src/data/files_browser';
import { DatasetError } from '../../src/data/dataset';
import { resizeRef } from '../reference/resize';

function pattern(w: number, h: number, seed: number): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([(i * 7 + seed * 31) & 255, (i * 3 + seed) & 255, (seed * 50 + (i % w) * 9) & 255, 255], i * 4);
  return d;
}
function png(w: number, h: number, seed: number): Uint8Array {
  const p = new PNG({ width: w, height: h });
  p.data = Buffer.from(pattern(w, h, seed));
  return new Uint8Array(PNG.sync.write(p));
}
function file(name: string, bytes: Uint8Array, rel?: string): FileLike {
  return { name, webkitRelativePath: rel, arrayBuffer: async () => bytes.slice().buffer };
}
const maxDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const files = () => [
  file('b.png', png(20, 10, 2), 'set/b.png'),
  file('a.PNG', png(9, 9, 1), 'set/a.PNG'),
  file('readme.txt', new Uint8Array([1, 2, 3]), 'set/readme.txt'),
  file('zz.jpg', new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2, 3]), 'set/zz.jpg'),
  file('c.png', png(7, 13, 3), 'set/sub/c.png'),
];

describe('loadImageFiles (calling thread)', () => {
  it('filters, sorts by relative path, decodes, skips and counts a corrupt file', async () => {
    const calls: number[] = [];
    const ds = await loadImageFiles(files(), { size: 8, onProgress: (d) => calls.push(d) });
    expect(ds.files).toEqual(['set/a.PNG', 'set/b.png', 'set/sub/c.png']);
    expect(ds.n).toBe(3);
    expect(ds.skipped.count).toBe(1);
    expect(ds.skipped.examples[0].file).toBe('set/zz.jpg');
    expect(maxDiff(ds.images.subarray(192, 384), resizeRef(pattern(20, 10, 2), 20, 10, 4, 8, true))).toBeLessThanOrEqual(1);
    expect(calls.at(-1)).toBe(4);
  });

  it('strict, limit, and errors', async () => {
    await expect(loadImageFiles(files(), { size: 8, strict: true })).rejects.toThrow(/zz\.jpg/);
    expect((await loadImageFiles(files(), { size: 8, limit: 2 })).n).toBe(2);
    await expect(loadImageFiles([file('x.txt', new Uint8Array(4))], { size: 8 })).rejects.toThrow(DatasetError);
    await expect(loadImageFiles([file('x.png', new Uint8Array(40))], { size: 8 })).rejects.toThrow(/none of the 1/);
  });

  it('decodeRequest replies with a row or the error', () => {
    const good = decodeRequest({ id: 3, name: 'a.png', bytes: png(5, 5, 1).buffer as ArrayBuffer, size: 5, crop: true });
    expect(good.ok && good.id === 3 && good.data.length === 75).toBe(true);
    const bad = decodeRequest({ id: 4, name: 'bad.png', bytes: new ArrayBuffer(10), size: 5, crop: true });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain('bad.png');
  });
});

// A stand-in for the browser Worker class: runs decodeRequest asynchronously,
// as src/web/worker.ts does, so the pool logic is exercised under Node.
class FakeWorker {
  static made = 0;
  static failAfter = Infinity;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  private handled = 0;
  private dead = false;
  constructor(readonly url: string | URL, readonly opts: unknown) { FakeWorker.made++; }
  postMessage(req: DecodeRequest) {
    setTimeout(() => {
      if (this.dead) return;
      if (++this.handled > FakeWorker.failAfter) { this.dead = true; this.onerror?.({}); return; }
      this.onmessage?.({ data: decodeRequest(req) });
    }, 0);
  }
  terminate() { this.dead = true; }
}

describe('loadImageFiles (worker pool)', () => {
  const g = globalThis as { Worker?: unknown };
  afterEach(() => { delete g.Worker; FakeWorker.failAfter = Infinity; FakeWorker.made = 0; });

  it('decodes through workers with the same result as the calling thread', async () => {
    const many = Array.from({ length: 30 }, (_, i) => file(`${String(i).padStart(2, '0')}.png`, png(6 + (i % 5), 8, i)));
    many.push(file('bad.png', new Uint8Array(20)));
    const ref = await loadImageFiles(many, { size: 6, threads: 1 });
    g.Worker = FakeWorker;
    const ds = await loadImageFiles(many, { size: 6, threads: 3, workerUrl: 'worker.js' });
    expect(FakeWorker.made).toBe(3);
    expect(ds.files).toEqual(ref.files);
    expect(ds.skipped).toEqual(ref.skipped);
    expect(Buffer.from(ds.images).equals(Buffer.from(ref.images))).toBe(true);
    await expect(loadImageFiles(many, { size: 6, threads: 3, workerUrl: 'worker.js', strict: true })).rejects.toThrow('bad.png');
  });

  it('finishes on the calling thread when a worker dies', async () => {
    const many = Array.from({ length: 25 }, (_, i) => file(`${i}.png`, png(5, 5, i)));
    const ref = await loadImageFiles(many, { size: 5, threads: 1 });
    g.Worker = FakeWorker;
    FakeWorker.failAfter = 3;
    const ds = await loadImageFiles(many, { size: 5, threads: 2, workerUrl: 'worker.js' });
    expect(ds.n).toBe(25);
    expect(Buffer.from(ds.images).equals(Buffer.from(ref.images))).toBe(true);
  });
});
