import { describe, expect, it } from 'vitest';
import { BatchSampler } from '../../src/data/sampler';
import { datasetFromImages, DatasetError, type ImageDataset } from '../../src/data/dataset';
import { normalizeRef, resizeRef } from '../reference/resize';
import { Rng } from '../../src/util/rng';

function dataset(n: number, size: number, seed = 1): ImageDataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  return { n, size, images, files: [], skipped: { count: 0, examples: [] } };
}

describe('BatchSampler', () => {
  it('visits every index exactly once per epoch when batch divides n', () => {
    const s = new BatchSampler(dataset(12, 2), 4, 7);
    for (let e = 0; e < 5; e++) {
      const seen: number[] = [];
      for (let b = 0; b < 3; b++) { seen.push(...s.nextIndices().indices); expect(s.epoch).toBe(e); }
      expect(seen.sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    }
  });

  it('drops the last partial batch, with distinct indices inside an epoch and a new order each epoch', () => {
    const s = new BatchSampler(dataset(10, 2), 3, 3);
    const epochs: number[][] = [];
    for (let e = 0; e < 4; e++) {
      const seen: number[] = [];
      for (let b = 0; b < 3; b++) seen.push(...s.nextIndices().indices);
      expect(s.epoch).toBe(e);
      expect(new Set(seen).size).toBe(9);
      epochs.push(seen);
    }
    expect(epochs[0]).not.toEqual(epochs[1]);
    s.nextIndices();
    expect(s.epoch).toBe(4);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const ds = dataset(20, 4);
    const a = new BatchSampler(ds, 5, 42, { flip: true });
    const b = new BatchSampler(ds, 5, 42, { flip: true });
    const c = new BatchSampler(ds, 5, 43, { flip: true });
    const ra = Array.from({ length: 9 }, () => a.next());
    const rb = Array.from({ length: 9 }, () => b.next());
    const rc = Array.from({ length: 9 }, () => c.next());
    expect(ra).toEqual(rb);
    expect(ra).not.toEqual(rc);
  });

  it('next() is the normalized gather of nextIndices(), flips only when asked', () => {
    const ds = dataset(9, 5);
    const row = 5 * 5 * 3;
    for (const flip of [false, true]) {
      const s = new BatchSampler(ds, 4, 11, { flip });
      const t = new BatchSampler(ds, 4, 11, { flip });
      let flipped = 0;
      for (let k = 0; k < 6; k++) {
        const { indices, flips } = t.nextIndices();
        const g = new Uint8Array(4 * row);
        indices.forEach((i, b) => g.set(ds.images.subarray(i * row, (i + 1) * row), b * row));
        const batch = s.next();
        expect(batch.length).toBe(4 * row);
        expect(batch).toEqual(normalizeRef(g, 4, 5, 5, flip ? flips : undefined));
        flipped += flips.reduce((x, y) => x + y, 0);
      }
      expect(flipped).toBeGreaterThan(0);
      expect(flipped).toBeLessThan(24);
    }
  });

  it('state() / restore() continue with the same batches, through JSON', () => {
    const ds = dataset(11, 3);
    const a = new BatchSampler(ds, 4, 5, { flip: true });
    for (let k = 0; k < 4; k++) a.next();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = Array.from({ length: 7 }, () => a.next());
    const b = new BatchSampler(ds, 4, 999, { flip: true });
    b.next();
    b.restore(saved);
    expect(b.epoch).toBe(saved.epoch);
    expect(Array.from({ length: 7 }, () => b.next())).toEqual(expected);
    expect(a.epoch).toBe(b.epoch);
    expect(() => new BatchSampler(dataset(12, 3), 4, 1).restore(saved)).toThrow(/11 images/);
    expect(() => b.restore({})).toThrow();
  });

  it('rejects batches larger than the dataset', () => {
    expect(() => new BatchSampler(dataset(3, 2), 4, 1)).toThrow(RangeError);
    expect(() => new BatchSampler(dataset(3, 2), 0, 1)).toThrow(RangeError);
  });
});

describe('datasetFromImages', () => {
  it('resizes RGBA and RGB images into one compact cache', () => {
    const rng = new Rng(9);
    const mk = (w: number, h: number, c: number) => { const d = new Uint8Array(w * h * c); for (let i = 0; i < d.length; i++) d[i] = rng.int(256); return { width: w, height: h, data: d }; };
    const imgs = [mk(10, 7, 4), mk(3, 3, 3), mk(8, 8, 4)];
    for (const crop of [true, false]) {
      const ds = datasetFromImages(imgs, 6, crop);
      expect(ds.n).toBe(3);
      expect(ds.images.length).toBe(3 * 108);
      imgs.forEach((im, i) => {
        const ref = resizeRef(im.data, im.width, im.height, im.data.length / (im.width * im.height), 6, crop);
        const got = ds.images.subarray(i * 108, (i + 1) * 108);
        for (let k = 0; k < 108; k++) expect(Math.abs(got[k] - ref[k])).toBeLessThanOrEqual(1);
      });
    }
    expect(() => datasetFromImages([], 8)).toThrow(DatasetError);
    expect(() => datasetFromImages(imgs, 0)).toThrow(RangeError);
  });
});
