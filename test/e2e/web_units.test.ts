// The page's pure parts, in Node (no browser): the static server's headers,
// checkpoint zip/pick handling, the gated store, URL settings.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { unzipSync, zipSync } from 'fflate';
import { tf } from '../../src/tf';
import { GanTrainer } from '../../src/train/trainer';
import { MemoryStore } from '../../src/train/store';
import { checkpointFiles, loadLatestCheckpoint, restoreCheckpoint, saveCheckpoint, CheckpointError } from '../../src/train/checkpoint';
import { ConfigError, resolveConfig } from '../../src/train/config';
import { CHECKPOINT_NAMES, GatedStore, checkpointZip, dropCheckpointsAfter, latestCheckpointZip, putCheckpoint, readCheckpointPicks } from '../../src/web/store_browser';
import { settingsFromQuery } from '../../src/web/ui/form';

const pick = (path: string, data: Uint8Array | string) => ({
  name: path.split('/').pop()!,
  webkitRelativePath: path.includes('/') ? path : '',
  arrayBuffer: async () => {
    const b = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  },
});

function get(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((res, rej) => {
    const u = new URL(url);
    // Raw path: no client-side normalisation of ../
    const req = request({ host: u.hostname, port: u.port, path: url.slice(url.indexOf('/', 8)), method: 'GET' }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe('scripts/serve.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ganforge-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves files with the cross-origin isolation headers and the right types, and nothing outside its folder', async () => {
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site/index.html'), '<!doctype html><p>hi');
    writeFileSync(join(dir, 'site/a.wasm'), new Uint8Array([0, 97, 115, 109]));
    writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    const { serve } = await import('../../scripts/serve.js' as string);
    const { server, url } = await serve({ dir: join(dir, 'site'), port: 0, quiet: true });
    try {
      const index = await get(url);
      expect(index.status).toBe(200);
      expect(index.body).toContain('hi');
      expect(index.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(index.headers['cross-origin-embedder-policy']).toBe('require-corp');
      expect(index.headers['content-type']).toMatch(/^text\/html/);
      const wasm = await get(`${url}a.wasm`);
      expect(wasm.headers['content-type']).toBe('application/wasm');
      expect(wasm.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect((await get(`${url}missing.js`)).status).toBe(404);
      for (const p of ['../secret.txt', '%2e%2e/secret.txt', '..%2fsecret.txt']) {
        const r = await get(`${url}${p}`);
        expect(r.status, p).not.toBe(200);
        expect(r.body).not.toContain('TOP-SECRET-CONTENT');
      }
    } finally {
      server.close();
    }
  });
});

describe('checkpoints in the page (store_browser.ts)', () => {
  const cfg = resolveConfig({ size: 32, ngf: 4, ndf: 4, zDim: 8, batch: 2, seed: 3 });

  it('a saved .zip and loose picked files restore the same generator; the newest step folder wins', async () => {
    await tf.setBackend('cpu');
    const tr = new GanTrainer(cfg);
    tr.step = 7;
    const store = new MemoryStore();
    await saveCheckpoint(store, tr, { v: 1 }, 3);
    await store.writeAtomic('config.json', '{"a":1}');
    await store.appendText('metrics.jsonl', '{"step":7}\n{"step":8}\n');
    const z = await latestCheckpointZip(store);
    expect(z!.name).toBe('ganforge-run-step-000007.zip');
    const entries = unzipSync(z!.zip);
    const root = 'ganforge-run-step-000007/';
    expect(Object.keys(entries).sort()).toEqual([...CHECKPOINT_NAMES.map((n) => `${root}checkpoints/step-000007/${n}`), `${root}checkpoints/latest.json`, `${root}config.json`, `${root}metrics.jsonl`].sort());
    expect(new TextDecoder().decode(entries[`${root}metrics.jsonl`])).toBe('{"step":7}\n');
    expect(JSON.parse(new TextDecoder().decode(entries[`${root}checkpoints/latest.json`]))).toEqual({ step: 7, dir: 'step-000007' });

    const fromZip = await readCheckpointPicks([pick('ganforge-run-step-000007.zip', z!.zip)]);
    expect(fromZip.dir).toBe('step-000007');
    const files = await checkpointFiles(tr, { v: 1 });
    const loose = await readCheckpointPicks(Object.entries(files).map(([n, d]) => pick(`run/checkpoints/step-000007/${n}`, d)));
    expect(loose.dir).toBe('step-000007');

    // Two folders in one zip: the newest complete one.
    tr.step = 9;
    const newer = await checkpointFiles(tr, { v: 1 });
    const both = zipSync({ ...unzipSync(checkpointZip('step-000007', files)), ...unzipSync(checkpointZip('step-000009', newer)) });
    expect((await readCheckpointPicks([pick('both.zip', both)])).dir).toBe('step-000009');

    const z8 = new Float32Array(2 * 8).map((_, i) => Math.sin(i));
    const want = tr.generate(z8);
    tr.dispose(); // variable names are global: one trainer at a time
    const other = new GanTrainer({ ...cfg, seed: 99 });
    try {
      expect(Array.from(other.generate(z8))).not.toEqual(Array.from(want));
      const st = await restoreCheckpoint(other, fromZip.files);
      expect(st.step).toBe(7);
      expect(Array.from(other.generate(z8))).toEqual(Array.from(want));
    } finally {
      other.dispose();
    }
  });

  it('names what is missing', async () => {
    await expect(readCheckpointPicks([pick('x.txt', 'hello')])).rejects.toThrow(/no checkpoint files among the 1 picked/);
    await expect(readCheckpointPicks([pick('generator.json', '{}')])).rejects.toThrow(/no state\.json/);
    await expect(readCheckpointPicks([pick('state.json', '{"step":1}'), pick('generator.json', '{}')])).rejects.toThrow(/missing generator\.weights\.bin/);
    await expect(readCheckpointPicks([pick('broken.zip', new Uint8Array([1, 2, 3]))])).rejects.toBeInstanceOf(CheckpointError);
  });

  it('dropCheckpointsAfter keeps the older ones and repoints latest.json; a closed GatedStore drops writes', async () => {
    const store = new MemoryStore();
    for (const s of [2, 4, 6]) await putCheckpoint(store, `step-00000${s}`, { 'state.json': `{"step":${s}}` });
    expect(await dropCheckpointsAfter(store, 4)).toBe(1);
    expect((await loadLatestCheckpoint(store))!.dir).toBe('checkpoints/step-000004');
    expect(await dropCheckpointsAfter(store, 0)).toBe(2);
    expect(await loadLatestCheckpoint(store)).toBeNull();

    const gated = new GatedStore(store);
    await gated.writeAtomic('a.txt', 'one');
    gated.close();
    await gated.writeAtomic('a.txt', 'two');
    await gated.appendText('a.txt', 'three');
    await gated.writeDirAtomic('checkpoints/step-000009', { 'state.json': '{}' });
    expect(await store.readText('a.txt')).toBe('one');
    expect(await store.exists('checkpoints/step-000009')).toBe(false);
  });
});

describe('URL settings (settingsFromQuery)', () => {
  it('splits form fields, other fields and page parameters, with the CLI messages', () => {
    const q = settingsFromQuery('?size=32&ngf=8&diversity-samples=16&faces=64&sn&autostart=1');
    expect(q.form).toEqual({ size: 32, ngf: 8, sn: true });
    expect(q.extra).toEqual({ diversitySamples: 16, faces: 64 });
    expect(q.page.get('autostart')).toBe('1');
    expect(() => settingsFromQuery('?lr=0')).toThrow(ConfigError);
    expect(() => settingsFromQuery('?lr=0')).toThrow('?lr must be > 0, got 0');
    expect(() => settingsFromQuery('?size=48')).toThrow('?size must be one of 32, 64, got "48"');
  });
});
