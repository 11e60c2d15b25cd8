// The page's pure parts, in Node (no browser): the static server's headers,
// checkpoint zip/pick handling, the gated store, URL settings, the checks on
// cached faces, the face atlas, the diversity line's reading of a verdict,
// the rules that keep the page's run and the run kept in IndexedDB.
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
import { CHECKPOINT_NAMES, CHECKPOINT_OPTIONAL_NAMES, GatedStore, checkpointZip, dropCheckpointsAfter, latestCheckpointZip, putCheckpoint, readCheckpointPicks } from '../../src/web/store_browser';
import { settingsFromQuery } from '../../src/web/ui/form';
import { FACES_CACHE_VERSION, checkFacesRecord, facesCacheKey, facesChecksum, facesRecord, type FacesKey } from '../../src/web/faces_cache';
import { atlasEntry, atlasSvg } from '../../src/web/faces_browser';
import { faceSvg } from '../../src/data/faces';
import { diversityState, scoredVerdicts, showDiversity, showProgress, verdictHistoryText, verdictStates } from '../../src/web/ui/view';
import { Autosaver, savedRunOf } from '../../src/web/autosave';
import { RunKeeper, keptRunText, type KeptRunInfo } from '../../src/web/run_state';

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
    // cfg's default --ema 0.999: the checkpoint holds the generator's EMA too.
    expect(Object.keys(entries).sort()).toEqual([...CHECKPOINT_NAMES, ...CHECKPOINT_OPTIONAL_NAMES].map((n) => `${root}checkpoints/step-000007/${n}`).concat([`${root}checkpoints/latest.json`, `${root}config.json`, `${root}metrics.jsonl`]).sort());
    expect(new TextDecoder().decode(entries[`${root}metrics.jsonl`])).toBe('{"step":7}\n');
    expect(JSON.parse(new TextDecoder().decode(entries[`${root}checkpoints/latest.json`]))).toEqual({ step: 7, dir: 'step-000007' });

    const fromZip = await readCheckpointPicks([pick('ganforge-run-step-000007.zip', z!.zip)]);
    expect(fromZip.dir).toBe('step-000007');
    // The EMA weights travel with the picked checkpoint (the page's grid draws them).
    for (const n of CHECKPOINT_OPTIONAL_NAMES) expect(fromZip.files[n], n).toBeDefined();
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

describe('the faces kept in IndexedDB (faces_cache.ts)', () => {
  const key: FacesKey = { n: 4, size: 8, seed: 1, version: FACES_CACHE_VERSION, agent: 'Chromium/1' };
  const bytes = () => Uint8Array.from({ length: 4 * 8 * 8 * 3 }, (_, i) => (i * 37 + 11) & 255);

  it('uses a record only when it is the same set, whole and unaltered', () => {
    const images = bytes();
    const rec = facesRecord(key, images);
    const ok = checkFacesRecord(structuredClone(rec), key);
    expect('images' in ok && Array.from(ok.images)).toEqual(Array.from(images));

    const why = (r: unknown, want = key) => {
      const c = checkFacesRecord(r, want);
      return 'reason' in c ? c.reason : 'used';
    };
    // another set, another drawing, another browser
    expect(why(rec, { ...key, n: 5 })).toMatch(/^n is 4, not 5/);
    expect(why(rec, { ...key, size: 16 })).toMatch(/^size is 8, not 16/);
    expect(why(rec, { ...key, seed: 2 })).toMatch(/^seed is 1, not 2/);
    expect(why(rec, { ...key, version: '2.1' })).toMatch(/^version is/);
    expect(why(rec, { ...key, agent: 'Chromium/2' })).toMatch(/^agent is/);
    // shape: truncated, padded, not bytes
    expect(why({ ...rec, images: images.subarray(1) })).toBe(`${images.length - 1} bytes, not ${images.length} (4 x 8x8x3)`);
    expect(why({ ...rec, images: new Uint8Array(images.length + 3) })).toMatch(/bytes, not 768/);
    expect(why({ ...rec, images: Array.from(images) })).toBe('no image bytes');
    expect(why({ ...rec, images: images.buffer })).toBe('no image bytes');
    // content: one byte changed, no checksum
    const bad = images.slice();
    bad[500] ^= 1;
    expect(why({ ...rec, images: bad })).toMatch(/checksum does not match/);
    expect(why({ ...rec, checksum: undefined })).toMatch(/checksum does not match/);
    for (const r of [null, undefined, 'x', 42]) expect(why(r)).toBe('not a face set record');
  });

  it('keys and checksums', () => {
    const k = facesCacheKey(key);
    for (const other of [{ n: 5 }, { size: 16 }, { seed: 2 }, { version: 'x' }]) expect(facesCacheKey({ ...key, ...other })).not.toBe(k);
    const b = bytes();
    const c = facesChecksum(b);
    expect(facesChecksum(b.slice())).toBe(c);
    // the same bytes at an odd offset (the DataView path) give the same sum
    const shifted = new Uint8Array(b.length + 1);
    shifted.set(b, 1);
    expect(facesChecksum(shifted.subarray(1))).toBe(c);
    for (const i of [0, 3, 4, 767]) {
      const x = b.slice();
      x[i] ^= 0x80;
      expect(facesChecksum(x)).not.toBe(c);
    }
    // a zero byte more or less changes it too (the length is in the sum)
    expect(facesChecksum(new Uint8Array(8))).not.toBe(facesChecksum(new Uint8Array(9)));
  });
});

describe('the face atlas (faces_browser.ts)', () => {
  it('places faces side by side with ids of their own; anything else is drawn alone', () => {
    const faces = [0, 1, 2].map((i) => faceSvg(i, 1));
    // DiceBear's one mask id, referenced once
    expect(faces[0]).toMatch(/ id="viewboxMask"/);
    expect(faces[0]).toMatch(/url\(#viewboxMask\)/);
    const entries = faces.map((f, k) => atlasEntry(f, k * 96, 0, `f${k}-`)!);
    entries.forEach((e, k) => {
      expect(e.startsWith(`<svg x="${k * 96}" y="0" xmlns="http://www.w3.org/2000/svg"`)).toBe(true);
      expect(e).toContain(`id="f${k}-viewboxMask"`);
      expect(e).toContain(`url(#f${k}-viewboxMask)`);
      expect(e).not.toMatch(/"viewboxMask"|#viewboxMask/);
      // nothing else changed
      expect(e.replace(`<svg x="${k * 96}" y="0" `, '<svg ').replaceAll(`f${k}-viewboxMask`, 'viewboxMask')).toBe(faces[k]);
    });
    const atlas = atlasSvg(entries, 8, 1);
    expect(atlas.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="768" height="96">')).toBe(true);
    const ids = [...atlas.matchAll(/ id="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    // what the rewrite does not cover: left to the one-face path
    const f = faces[0];
    expect(atlasEntry(f.replace('<metadata', '<style>#viewboxMask{}</style><metadata'), 0, 0, 'p')).toBeNull();
    expect(atlasEntry(f.replace('<metadata', '<use href="#viewboxMask"/><metadata'), 0, 0, 'p')).toBeNull();
    expect(atlasEntry(f.replace('<metadata', '<svg></svg><metadata'), 0, 0, 'p')).toBeNull();
    expect(atlasEntry(f.replace('url(#viewboxMask)', 'url(#elsewhere)'), 0, 0, 'p')).toBeNull();
    expect(atlasEntry(`<?xml version="1.0"?>${f}`, 0, 0, 'p')).toBeNull();
    expect(atlasEntry(f.replace(' width="96" height="96"', ''), 0, 0, 'p')).toBeNull();
  });
});

describe('the status line (ui/view.ts): the CLI\'s terms', () => {
  const el = () => ({ dataset: {} as Record<string, string>, textContent: '' }) as unknown as HTMLElement;
  const p = { step: 10, total: 100, secPerStep: 0.5, imagesPerSec: 64, etaSec: 45, stepMs: 480, metrics: { step: 10, lossD: 1, lossG: 2, dReal: 0.4, dFake: -0.2, gradNormD: 1, gradNormG: 1, wasserstein: 0.6 } };
  it('critic(x) / critic(G(z)) for wgan and wgan-gp, D(x) / D(G(z)) otherwise; s/step and generated img/s', () => {
    for (const loss of ['wgan', 'wgan-gp'] as const) {
      const e = el();
      showProgress(e, p, 'wasm', loss);
      expect(e.textContent).toMatch(/critic\(x\) 0\.4.* critic\(G\(z\)\) -0\.2/);
      expect(e.textContent).not.toMatch(/D\(x\)/);
    }
    const e = el();
    showProgress(e, p, 'wasm', 'bce');
    expect(e.textContent).toMatch(/D\(x\) 0\.4.* D\(G\(z\)\) -0\.2/);
    expect(e.textContent).toContain('0.500 s/step');
    expect(e.textContent).toContain('64.0 img/s');
  });
});

describe('the diversity line (ui/view.ts): verdicts read with the collapse rule of src/train/collapse.ts', () => {
  const el = () => ({ dataset: {} as Record<string, string>, textContent: '' }) as unknown as HTMLElement;

  it('a fresh generator\'s "collapsed" is warming up; "collapsed" after the samples diversified is a collapse', () => {
    const seq = [[2, 'collapsed'], [4, 'collapsed'], [6, 'suspicious'], [8, 'healthy'], [10, 'collapsed'], [12, 'healthy']] as const;
    const pts = verdictStates(seq.map(([step, verdict]) => ({ step, verdict })));
    expect(pts.map((p) => p.state)).toEqual(['warming-up', 'warming-up', 'suspicious', 'healthy', 'collapse', 'healthy']);
    expect(verdictHistoryText(pts)).toBe('warming up (steps 2–4) → suspicious (6) → healthy (8) → MODE COLLAPSE (10) → healthy (12)');
    // collapse-after: still one mode at or after that step counts
    expect(verdictStates([{ step: 2, verdict: 'collapsed' }, { step: 4, verdict: 'collapsed' }, { step: 6, verdict: 'collapsed' }], 4).map((p) => p.state)).toEqual(['warming-up', 'collapse', 'collapse']);
    // no judgement is shown as such, never as a collapse nor as warming up
    expect(diversityState('too-few-samples', null)).toBe('too-few-samples');
    expect(verdictStates([{ step: 2, verdict: 'too-few-samples' }])[0].state).toBe('too-few-samples');
    expect(diversityState('healthy', null)).toBe('healthy');
    // from metrics.jsonl records: scored ones up to a step
    expect(scoredVerdicts([{ step: 1 }, { step: 2, verdict: 'collapsed' }, { step: 4, verdict: 'healthy' }, { step: 6, verdict: 'healthy' }], 4)).toEqual([{ step: 2, verdict: 'collapsed' }, { step: 4, verdict: 'healthy' }]);
  });

  it('shows warming up without the collapse flag, a collapse with it', () => {
    const d = { verdict: 'collapsed', msssim: 0.99, vendi: 1.1, vendi_norm: 0.07, dup_rate: 1, reasons: ['collapsed: mean MS-SSIM 0.99 above 0.9'] };
    const box = el();
    const value = el();
    showDiversity(box, value, 2, d, 'warming-up');
    expect(box.dataset).toMatchObject({ verdict: 'collapsed', state: 'warming-up', step: '2' });
    expect(value.textContent).toMatch(/^step 2: warming up: the samples still show one mode/);
    expect(value.textContent).not.toMatch(/MODE COLLAPSE|collapsed:/);
    showDiversity(box, value, 10, d, 'collapse');
    expect(box.dataset).toMatchObject({ verdict: 'collapsed', state: 'collapse', step: '10' });
    expect(value.textContent).toMatch(/^step 10: collapsed \(MODE COLLAPSE\) · mean MS-SSIM 0\.990 .* — collapsed: mean MS-SSIM 0\.99 above 0\.9$/);
    showDiversity(box, value, 12, { ...d, verdict: 'healthy', reasons: [] }, 'healthy');
    expect(box.dataset.state).toBe('healthy');
    expect(value.textContent).toMatch(/^step 12: healthy · /);
  });
});

describe('the page\'s run and the kept run (run_state.ts, autosave.ts): nothing a user made is lost', () => {
  /** A store whose newest checkpoint is step `step` (state.json only: enough for savedRunOf). */
  async function runAt(step: number): Promise<MemoryStore> {
    const s = new MemoryStore('browser:');
    await putCheckpoint(s, `step-${String(step).padStart(6, '0')}`, { 'state.json': `{"step":${step}}` });
    return s;
  }
  /** The IndexedDB record, in memory; `gate` holds saves until released. */
  function fakeIo() {
    const io = {
      record: null as KeptRunInfo | null,
      saves: [] as MemoryStore[],
      clears: 0,
      gate: null as Promise<void> | null,
      async save(store: MemoryStore): Promise<KeptRunInfo | null> {
        io.saves.push(store);
        if (io.gate) await io.gate;
        const r = await savedRunOf(store);
        if (!r) return null;
        io.record = { dir: r.dir, step: r.step, savedAt: r.savedAt };
        return io.record;
      },
      async clear() {
        io.clears++;
        io.record = null;
      },
    };
    return io;
  }
  const old: KeptRunInfo = { dir: 'step-000040', step: 40, savedAt: '2024-05-01T10:00:00.000Z' };
  const warnings: string[] = [];

  it('a new run replaces the kept run only once it has a checkpoint; until then Discard is offered', async () => {
    const io = fakeIo();
    io.record = old;
    const k = new RunKeeper(io, (m) => warnings.push(m));
    k.notRestored(old, null); // autostart=1: a new run was asked for
    const run = await k.startNew(async () => {}, () => new MemoryStore('browser:'));
    expect(k.store).toBe(run);
    expect(k.offerDiscard).toBe(true);
    expect(keptRunText(k.kept, true)).toMatch(/^A run is kept in this browser: step-000040 \(step 40\), saved 2024-05-01T10:00:00\.000Z\. The run on this page replaces it at its first checkpoint; until then a reload brings the kept one back\.$/);
    k.checkpointed(run); // nothing to save yet
    await k.idle();
    expect(io.record).toEqual(old);
    expect(io.clears).toBe(0);
    await putCheckpoint(run, 'step-000002', { 'state.json': '{"step":2}' });
    k.checkpointed(run);
    await k.idle();
    expect(io.record).toMatchObject({ dir: 'step-000002', step: 2 });
    expect(k.keptIsPageRun).toBe(true);
    expect(k.offerDiscard).toBe(false);
    expect(keptRunText(k.keptIsPageRun ? null : k.kept, true)).toBeNull();
    expect(io.clears).toBe(0);
  });

  it('a new run that fails to prepare (e.g. batch larger than the data) leaves the paused run the page\'s run', async () => {
    const io = fakeIo();
    const k = new RunKeeper(io, (m) => warnings.push(m));
    const paused = await runAt(5);
    await k.adopt(paused, async () => {}, { dir: 'step-000005', step: 5, savedAt: 'x' });
    let made = 0;
    await expect(k.startNew(async () => {
      throw new Error('batch 128 is larger than the dataset (64 images)');
    }, () => {
      made++;
      return new MemoryStore('browser:');
    })).rejects.toThrow(/larger than the dataset/);
    expect(made).toBe(0);
    expect(k.store).toBe(paused);
    expect(k.keptIsPageRun).toBe(true);
    expect(io.saves).toEqual([]);
  });

  it('adopt checks a checkpoint before it becomes the page\'s run; a save asked for meanwhile saves the store it named, never the rejected one', async () => {
    const io = fakeIo();
    const k = new RunKeeper(io, (m) => warnings.push(m));
    const good = await k.startNew(async () => {}, () => new MemoryStore('browser:'));
    await putCheckpoint(good, 'step-000010', { 'state.json': '{"step":10}' });
    let release!: () => void;
    io.gate = new Promise((r) => (release = r));
    k.checkpointed(good); // a save under way (the pause's checkpoint) ...
    await putCheckpoint(good, 'step-000011', { 'state.json': '{"step":11}' });
    k.checkpointed(good); // ... and one queued behind it
    const bad = await runAt(99);
    let seenDuringCheck: MemoryStore | null = null;
    const adopting = k.adopt(bad, async () => {
      seenDuringCheck = k.store;
      release(); // the queued save runs while the checkpoint is being checked
      await new Promise((r) => setTimeout(r, 20));
      throw new CheckpointError('a different architecture');
    });
    await expect(adopting).rejects.toThrow(/different architecture/);
    await k.idle();
    expect(seenDuringCheck).toBe(good);
    expect(k.store).toBe(good);
    expect(io.saves.every((s) => s === good)).toBe(true);
    expect(io.record).toMatchObject({ dir: 'step-000011', step: 11 });
    expect(k.keptIsPageRun).toBe(true);

    // a checkpoint that passes becomes the page's run and the kept one
    io.gate = null;
    await k.adopt(bad, async () => {});
    await k.idle();
    expect(k.store).toBe(bad);
    expect(io.record).toMatchObject({ step: 99 });
    expect(k.keptIsPageRun).toBe(true);
  });

  it('the Autosaver saves the store each request names; requests during a save coalesce into one save of the store named last', async () => {
    const saved: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = await runAt(1);
    const b = await runAt(2);
    const c = await runAt(3);
    const heard: number[] = [];
    const saver = new Autosaver<MemoryStore, number>(() => {}, (_s, step) => heard.push(step), async (s) => {
      const r = (await savedRunOf(s))!;
      if (s === a) await gate;
      saved.push(r.dir);
      return r.step;
    });
    saver.request(a);
    saver.request(b);
    saver.request(c);
    release();
    await saver.idle();
    expect(saved).toEqual(['step-000001', 'step-000003']);
    expect(heard).toEqual([1, 3]);
    // a failing save is a warning (once), never an exception
    const warned: string[] = [];
    const failing = new Autosaver<MemoryStore, number>((m) => warned.push(m), () => {}, async () => {
      throw new Error('QuotaExceededError');
    });
    failing.request(a);
    await failing.idle();
    failing.request(a);
    await failing.idle();
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/could not be kept in this browser[^]*QuotaExceededError/);
  });

  it('a kept run that could not be restored stays kept, with the reason, until Discard; Reset drops only the page\'s own run', async () => {
    const io = fakeIo();
    io.record = old;
    const k = new RunKeeper(io, (m) => warnings.push(m));
    k.notRestored(old, 'backend: this browser gives no WebGL context');
    expect(k.offerDiscard).toBe(true);
    expect(keptRunText(k.kept, false)).toBe('A run is kept in this browser: step-000040 (step 40), saved 2024-05-01T10:00:00.000Z. It could not be restored: backend: this browser gives no WebGL context. It stays kept: fix what stopped it (e.g. choose another backend) and press Restore saved run, or Discard saved run to drop it. A new run replaces it at its first checkpoint.');
    // a new run without a checkpoint, then Reset: the kept run is not that run, it stays
    await k.startNew(async () => {}, () => new MemoryStore('browser:'));
    expect(await k.reset()).toBe(false);
    expect(k.store).toBeNull();
    expect(io.record).toEqual(old);
    expect(io.clears).toBe(0);
    expect(k.offerDiscard).toBe(true);
    // Discard saved run
    expect(await k.discard()).toEqual(old);
    expect(io.record).toBeNull();
    expect(k.kept).toBeNull();
    expect(k.offerDiscard).toBe(false);
    expect(await k.discard()).toBeNull();
    expect(io.clears).toBe(1);

    // a restored run is the kept one: Reset drops both (as the README says)
    const k2 = new RunKeeper(io, (m) => warnings.push(m));
    io.record = old;
    const restored = await runAt(40);
    await k2.adopt(restored, async () => {}, old);
    expect(io.saves).toEqual([]); // restored from the record: nothing to write
    expect(k2.keptIsPageRun).toBe(true);
    expect(k2.offerDiscard).toBe(false);
    expect(await k2.discard()).toBeNull(); // Discard never drops the page's own run
    expect(io.record).toEqual(old);
    expect(await k2.reset()).toBe(true);
    expect(io.record).toBeNull();
  });

  it('Discard waits for a save under way: when it made the page\'s run the kept one, that record stays', async () => {
    const io = fakeIo();
    io.record = old;
    const k = new RunKeeper(io, (m) => warnings.push(m));
    k.notRestored(old, null);
    const run = await k.startNew(async () => {}, () => new MemoryStore('browser:'));
    await putCheckpoint(run, 'step-000002', { 'state.json': '{"step":2}' });
    k.checkpointed(run);
    expect(await k.discard()).toBeNull();
    expect(io.clears).toBe(0);
    expect(io.record).toMatchObject({ step: 2 });
    expect(k.keptIsPageRun).toBe(true);
    expect(warnings).toEqual([]);
  });
});
