// The page's training data (src/web/page_data.ts) in Node, with stand-in
// loaders that count their calls: loaded once per (source, count, size),
// picks replace it, a batch larger than the data is refused with the data kept.
import { describe, expect, it } from 'vitest';
import { PageData, TolerantSampler, dataKey, pickedText, type DataLoaders } from '../../src/web/page_data';
import { BatchSampler } from '../../src/data/sampler';
import { DatasetError, type ImageDataset } from '../../src/data/dataset';
import { resolveConfig } from '../../src/train/config';

const dataset = (n: number, size: number, skipped = 0): ImageDataset => ({
  n, size, images: new Uint8Array(n * size * size * 3).map((_, i) => i & 255), files: Array.from({ length: n }, (_, i) => `f${i}`),
  skipped: { count: skipped, examples: skipped ? [{ file: 'bad.png', error: 'not a PNG' }] : [] },
});

function setup() {
  const calls: string[] = [];
  const shown = { log: [] as string[], info: '', warn: [] as string[], progress: [] as number[][], done: 0 };
  const loaders: DataLoaders = {
    async faces(n, size, onProgress) {
      calls.push(`faces ${n} ${size}`);
      onProgress(n / 2, n);
      return { ds: dataset(n, size), from: 'drawn', saved: Promise.resolve() };
    },
    async files(files, { size, onProgress }) {
      calls.push(`files ${files.length} ${size}`);
      onProgress(files.length, files.length);
      return dataset(files.length - 1, size, 1);
    },
  };
  const data = new PageData(loaders, {
    log: (m) => shown.log.push(m), info: (t) => (shown.info = t), warn: (m) => shown.warn.push(m),
    progress: (d, t) => shown.progress.push([d, t]), progressDone: () => shown.done++,
  });
  return { data, calls, shown };
}

describe('PageData', () => {
  it('loads the built-in faces once per count and size, and says so', async () => {
    const { data, calls, shown } = setup();
    const a = await data.ensure(32, 'faces', 16);
    expect(await data.ensure(32, 'faces', 16)).toBe(a);
    await data.ensure(16, 'faces', 16);
    await data.ensure(16, 'faces', 20);
    expect(calls).toEqual(['faces 16 32', 'faces 16 16', 'faces 20 16']);
    expect(shown.progress[0]).toEqual([8, 16]);
    expect(shown.info).toMatch(/^20 images at 16x16 \(\d+\.\d s\)$/);
    expect(shown.log.filter((l) => /^data: drawing 16 built-in faces/.test(l))).toHaveLength(2);
    expect(await data.facesSaved).toBe(true);
    expect(data.runInfo).toEqual({ source: 'built-in faces', n: 20 });
  });

  it('picked files replace the data; their unreadable ones are named; no picks is a DatasetError', async () => {
    const { data, calls, shown } = setup();
    await expect(data.ensure(32, 'files', 16)).rejects.toThrow(DatasetError);
    const f = (name: string) => new File([new Uint8Array([1])], name);
    data.useFiles([f('a.png'), f('b.jpg'), f('c.txt')]);
    expect(shown.info).toBe('2 image files picked (1 other files ignored); decoded when you press Train');
    const ds = await data.ensure(32, 'files', 16);
    expect(ds.n).toBe(2);
    expect(shown.warn).toEqual(['skipped 1 unreadable image: bad.png (not a PNG)']);
    expect(data.runInfo).toEqual({ source: 'your images', n: 2, skipped: 1 });
    await data.ensure(32, 'files', 16);
    data.useFiles([f('a.png'), f('b.jpg'), f('c.txt')]);
    expect(data.ds).toBeNull();
    await data.ensure(32, 'files', 16);
    expect(calls).toEqual(['files 3 32', 'files 3 32']);
  });

  it('prepare: a batch larger than the data is refused and the data is kept; else a sampler of the run\'s batches', async () => {
    const { data } = setup();
    await expect(data.prepare(resolveConfig({ size: 32, batch: 32 }), 'faces', 16)).rejects.toThrow(/^batch 32 is larger than the dataset \(16 images\)/);
    expect(data.ds?.n).toBe(16);
    expect(data.sampler).toBeNull();
    const c = resolveConfig({ size: 32, batch: 4, seed: 3 });
    // the sampler is the run's only once the rest is ready: a backend that fails keeps the one before
    await expect(data.prepare(c, 'faces', 16, async () => { throw new Error('no backend'); })).rejects.toThrow('no backend');
    expect(data.sampler).toBeNull();
    const { sampler } = await data.prepare(c, 'faces', 16);
    expect(data.sampler).toBe(sampler);
    const ref = new BatchSampler(data.ds!, 4, 3, { flip: c.flip });
    expect(sampler.next()).toEqual(ref.next());
  });

  it("TolerantSampler restores a matching state and starts a new epoch (logged) on another dataset's", () => {
    const ds = dataset(8, 4);
    const a = new BatchSampler(ds, 2, 1);
    a.next();
    const logs: string[] = [];
    const t = new TolerantSampler(new BatchSampler(ds, 2, 1), (m) => logs.push(m));
    t.restore(a.state());
    expect(t.next()).toEqual(a.next());
    t.restore({ ...a.state(), n: 100 });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^data: BatchSampler\.restore: state is for 100 images.*the batches start a new epoch/);
  });

  it('keys', () => {
    expect(dataKey('faces', 64, 3, 32)).toBe('faces:64:32');
    expect(dataKey('files', 64, 3, 32)).toBe('files:3:32');
    expect(pickedText(['a.PNG'])).toBe('1 image file picked; decoded when you press Train');
  });
});
