// A checkpoint written again at the same step (a resumed run that checkpoints
// where it started, the page re-saving a step) replaces the old folder only
// once the new one is whole: a failure mid-write leaves the old one readable.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, type RunStore } from '../../src/train/store';
import { NodeStore } from '../../src/platform/node';
import { loadLatestCheckpoint, putCheckpoint } from '../../src/train/checkpoint';

const text = (b: Uint8Array | string) => (typeof b === 'string' ? b : new TextDecoder().decode(b));
const ck = (tag: string) => ({ 'state.json': JSON.stringify({ step: 5 }), 'generator.json': tag, 'generator.weights.bin': new Uint8Array([1, 2, 3]) });

/** Makes every file write after the first `okWrites` fail, like a full disk. */
function failingAfter<S extends RunStore>(inner: S, okWrites: number): S {
  let n = 0;
  return new Proxy(inner, {
    get(t, k, r) {
      if (k === 'writeDirAtomic') {
        return async (dir: string, files: Record<string, Uint8Array | string>) => {
          // fail inside the store's own write, after some files are down
          const bad: Record<string, Uint8Array | string> = {};
          for (const [name, v] of Object.entries(files)) bad[name] = n++ < okWrites ? v : (undefined as any);
          return t.writeDirAtomic(dir, bad);
        };
      }
      const v = Reflect.get(t, k, r);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

describe('replacing a checkpoint at the same step', () => {
  it('NodeStore: the new folder replaces the old one, and no temp folder is left', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gf-ckrep-'));
    try {
      const s = new NodeStore(root);
      await putCheckpoint(s, 'step-000005', ck('old'));
      await putCheckpoint(s, 'step-000005', { ...ck('new'), 'generator-ema.json': 'ema' });
      expect(readFileSync(join(root, 'checkpoints/step-000005/generator.json'), 'utf8')).toBe('new');
      expect(readdirSync(join(root, 'checkpoints')).sort()).toEqual(['latest.json', 'step-000005']);
      // and back to a set without the EMA file: nothing stale stays behind
      await putCheckpoint(s, 'step-000005', ck('third'));
      expect(readdirSync(join(root, 'checkpoints/step-000005')).sort()).toEqual(['generator.json', 'generator.weights.bin', 'state.json']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  for (const kind of ['node', 'memory'] as const) {
    it(`${kind}: a write that fails part-way keeps the old checkpoint whole and loadable`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'gf-ckrep-'));
      try {
        const base: RunStore = kind === 'node' ? new NodeStore(root) : new MemoryStore();
        await putCheckpoint(base, 'step-000005', ck('old'));
        await expect(putCheckpoint(failingAfter(base, 1), 'step-000005', ck('new'))).rejects.toThrow();
        const got = await loadLatestCheckpoint(base);
        expect(got?.dir).toBe('checkpoints/step-000005');
        expect(text(got!.files['generator.json'])).toBe('old');
        expect(Array.from(got!.files['generator.weights.bin'] as Uint8Array)).toEqual([1, 2, 3]);
        if (kind === 'node') expect(readdirSync(join(root, 'checkpoints')).sort()).toEqual(['latest.json', 'step-000005']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
