import { describe, it, expect, vi } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { encodePng } from '../../src/train/grid';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slicedWasserstein, swdPlan, swdLevels, swdTaskSizes, swdMemoryPlans, SwdError } from '../../src/metrics/swd';
import { swdPick, MetricsPool } from '../../src/metrics/pool';
import { swdLevelDistances } from '../../src/kernels/swd';
import { scoreDiversity } from '../../src/metrics/diversity';
import { nodeWorkerFactory as workers } from '../../src/platform/node';
import { encodeNpy, type SampleSet } from '../../src/metrics/samples';
import { syntheticFaces } from '../../src/metrics/synthetic';
import { runDiversityCli } from '../../src/cli/diversity';
import { Rng } from '../../src/util/rng';
import { useMetricsSimd, metricsRelaxedAvailable } from '../../src/wasm/metrics';
import { laplacianPyramidRef, swdLevelRef, type Img } from '../reference/swd';

/** Textured RGB images in [0.2, 0.8] (f32 NHWC): random sinusoids plus pixel noise, so every level has structure. */
function textures(n: number, s: number, seed: number, h = s): SampleSet {
  const rng = new Rng(seed), data = new Float32Array(n * h * s * 3);
  for (let i = 0; i < n; i++) {
    const f = 0.15 + rng.next() * 0.6, g = 0.15 + rng.next() * 0.6, ph = rng.next() * 6, col = [rng.next(), rng.next(), rng.next()];
    for (let y = 0; y < h; y++) for (let x = 0; x < s; x++) for (let c = 0; c < 3; c++) {
      data[((i * h + y) * s + x) * 3 + c] = 0.5 + 0.12 * Math.sin(f * x + ph) * Math.cos(g * y) + 0.1 * (col[c] - 0.5) + 0.06 * (rng.next() - 0.5);
    }
  }
  return { n, height: h, width: s, channels: 3, data };
}

function map(s: SampleSet, fn: (i: number, y: number, x: number, c: number, v: number) => number): SampleSet {
  const d = new Float32Array(s.data.length), { height: h, width: w } = s;
  for (let i = 0; i < s.n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    const k = ((i * h + y) * w + x) * 3 + c;
    d[k] = fn(i, y, x, c, s.data[k]);
  }
  return { ...s, data: d };
}

/** 3x3 box blur (edges clamped). */
function blur(s: SampleSet): SampleSet {
  const { height: h, width: w } = s;
  return map(s, (i, y, x, c) => {
    let t = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = Math.min(h - 1, Math.max(0, y + dy)), xx = Math.min(w - 1, Math.max(0, x + dx));
      t += s.data[((i * h + yy) * w + xx) * 3 + c];
    }
    return t / 9;
  });
}

const small = { nhoodsPerImage: 24, dirRepeats: 2, dirsPerRepeat: 16 };

describe('slicedWasserstein', () => {
  it('equals the float64 reference end to end with the same draws (u8 against f32; 32x32 and 40x48)', async () => {
    for (const [h, w] of [[32, 32], [40, 48]] as const) {
      const a8 = syntheticFaces(5, 64, 3);
      const a: SampleSet = { n: 5, height: h, width: w, channels: 3, data: Uint8Array.from({ length: 5 * h * w * 3 }, (_, k) => a8.data[k]) };
      const b = textures(4, w, 7, h);
      const got = await slicedWasserstein(a, b, { ...small, seed: 3 });
      const plan = swdPlan(a, b, { ...small, seed: 3 });
      expect(got.resolutions).toEqual(swdLevels(h, w).map((l) => Math.min(l.height, l.width)));
      const imgs = (s: SampleSet, scale: number): Img[] => Array.from({ length: s.n }, (_, i) => ({ h, w, d: Float64Array.from(s.data.subarray(i * h * w * 3, (i + 1) * h * w * 3), (v) => v * scale) }));
      const pa = imgs(a, 1).map((im) => laplacianPyramidRef(im, plan.length)), pb = imgs(b, 255).map((im) => laplacianPyramidRef(im, plan.length));
      const corners = (offs: Int32Array, hl: number, wl: number) => Array.from(offs, (o): [number, number, number] => {
        const p = o / 3, i = Math.floor(p / (hl * wl)), r = p % (hl * wl);
        return [i, Math.floor(r / wl), r % wl];
      });
      plan.forEach((p, l) => {
        const dirs = Array.from({ length: p.dirs.length / 147 }, (_, d) => Float64Array.from(p.dirs.subarray(d * 147, (d + 1) * 147)));
        const want = swdLevelRef(pa.map((x) => x[l]), corners(p.offsA, p.hl, p.wl), pb.map((x) => x[l]), corners(p.offsB, p.hl, p.wl), dirs);
        const mean = (want.reduce((s, v) => s + v, 0) / want.length) * 1e3;
        expect(Math.abs(got.per_level[l] - mean)).toBeLessThan(1e-4 * mean);
      });
      expect(got.avg).toBeCloseTo(got.per_level.reduce((s, v) => s + v, 0) / got.per_level.length, 10);
    }
  });

  it('is deterministic for a seed, differs for another, and is the same on 2 worker threads', async () => {
    const a = textures(12, 32, 1), b = textures(10, 32, 2);
    const r1 = await slicedWasserstein(a, b, { seed: 5 });
    expect(await slicedWasserstein(a, b, { seed: 5 })).toEqual(r1);
    expect((await slicedWasserstein(a, b, { seed: 6 })).per_level).not.toEqual(r1.per_level);
    expect(await slicedWasserstein(a, b, { seed: 5, threads: 2, workers })).toEqual(r1);
  });

  it('a pool kept across calls: other seeds (other patch positions), a set changed in place and other sets give what this thread gives', async () => {
    const a = textures(12, 32, 1), b = textures(10, 32, 2), c = textures(9, 32, 3);
    const pool = await MetricsPool.create(2, workers, [a, b]);
    expect(pool).not.toBeNull();
    try {
      // tasks after a worker's first of a level reuse its prepared level: another seed must prepare again
      for (const seed of [5, 6, 5]) expect(await slicedWasserstein(a, b, { seed, pool })).toEqual(await slicedWasserstein(a, b, { seed }));
      a.data.set(c.data.subarray(0, a.data.length / 2)); // the same array, new contents
      expect(await slicedWasserstein(a, b, { seed: 5, pool })).toEqual(await slicedWasserstein(a, b, { seed: 5 }));
      expect(await slicedWasserstein(c, b, { seed: 5, pool })).toEqual(await slicedWasserstein(c, b, { seed: 5 }));
    } finally { pool!.close(); }
  });

  it('both builds of the metrics module (plain mul + add, relaxed FMA) agree to 1e-6, each the same on 2 worker threads', async () => {
    // importing the Node platform sets V8's relaxed-SIMD flag: Node picks the FMA build
    expect(metricsRelaxedAvailable()).toBe(true);
    const a = textures(12, 32, 1), b = textures(10, 32, 2);
    const got: Record<string, number[]> = {};
    try {
      for (const simd of ['plain', 'relaxed'] as const) {
        useMetricsSimd(simd);
        // the workers instantiate this build's module (a pool that fails to start would be null, and the main thread would compute)
        const pool = await MetricsPool.create(2, workers);
        expect(pool).not.toBeNull();
        pool!.close();
        const r1 = await slicedWasserstein(a, b, { seed: 5 });
        expect(await slicedWasserstein(a, b, { seed: 5, threads: 2, workers })).toEqual(r1);
        got[simd] = r1.per_level;
      }
    } finally { useMetricsSimd('auto'); }
    got.plain.forEach((v, l) => expect(Math.abs(v - got.relaxed[l])).toBeLessThan(1e-6 * v));
  });

  it('workers take tasks by level affinity: 2 workers over 3 levels x 8 tasks prepare 4 levels, not 6', () => {
    const tasks = [0, 1, 2].flatMap((l) => Array.from({ length: 8 }, () => l));
    for (const order of [[0, 1], [1, 0], [0, 0, 1, 1]]) {
      // workers ask in turns (`order` repeated); each asks for the next task of the ones left
      const left = tasks.slice(), held = [-1, -1], preps: string[] = [];
      for (let t = 0; left.length; t++) {
        const k = order[t % order.length];
        const i = swdPick(held, k, left);
        if (left[i] !== held[k]) preps.push(`${k}:${left[i]}`);
        held[k] = left[i];
        left.splice(i, 1);
      }
      expect(preps.slice(0, 2).map((x) => x.split(':')[1]).sort()).toEqual(['0', '1']); // one level each to start
      expect(preps).toHaveLength(4);
    }
    // more workers than levels: the extra ones help on the level with the most tasks left
    expect(swdPick([0, 1, 2, -1], 3, [0, 1, 1, 2])).toBe(1);
  });

  it('task sizes: multiples of 12 but the last, largest first, about 4 a worker, the level\'s last directions in shrinking tasks', () => {
    expect(swdTaskSizes(512, 2)).toEqual([72, 72, 72, 72, 72, 72, 48, 24, 8]);
    for (const ndir of [1, 11, 12, 13, 100, 512, 1000]) for (const workers of [1, 2, 3, 4, 16]) {
      const s = swdTaskSizes(ndir, workers);
      expect(s.reduce((x, y) => x + y, 0)).toBe(ndir);
      s.slice(0, -1).forEach((v) => expect(v % 12).toBe(0));
      expect(Math.max(...s)).toBe(s[0]);
      for (let i = 1; i < s.length; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
      expect(s.filter((v) => v === s[0]).length).toBeLessThanOrEqual(Math.max(1, workers * 4));
      // the last task is at most a quarter of the first, or 12 directions
      expect(s[s.length - 1]).toBeLessThanOrEqual(Math.max(12, s[0] / 4));
    }
  });

  it('hand cases: identical draws of one set score 0; a whole-set colour offset is normalised away', async () => {
    const a = textures(6, 32, 4);
    const plan = swdPlan(a, a, small);
    const d = swdLevelDistances(a, a, 0, false, plan[0].offsA, plan[0].offsA, plan[0].dirs);
    expect(Math.max(...d)).toBe(0);
    // each set is normalised by its own per-channel mean and std (ProGAN's finalize_descriptors)
    const shifted = map(a, (_i, _y, _x, c, v) => v + [0.1, -0.05, 0.02][c]);
    const r0 = await slicedWasserstein(a, a, small), r1 = await slicedWasserstein(a, shifted, small);
    r1.per_level.forEach((v, l) => expect(v).toBeCloseTo(r0.per_level[l], 1));
  });

  it('a blur raises the finest level most; a colour cast per image raises the coarsest only', async () => {
    const a = textures(60, 64, 10), b = textures(60, 64, 11);
    const base = await slicedWasserstein(a, b);
    expect(base.resolutions).toEqual([64, 32, 16]);
    const blurred = await slicedWasserstein(a, blur(b));
    const rise = blurred.per_level.map((v, l) => v - base.per_level[l]);
    expect(rise[0]).toBeGreaterThan(5 * Math.max(rise[1], rise[2], 1));
    // a random colour cast per image lives in the low-pass level; the band-pass levels ignore constants
    const rng = new Rng(3), cast = Array.from({ length: b.n * 3 }, () => 0.3 * (rng.next() - 0.5));
    const tinted = await slicedWasserstein(a, map(b, (i, _y, _x, c, v) => v + cast[i * 3 + c]));
    expect(tinted.per_level[0]).toBeCloseTo(base.per_level[0], 3);
    expect(tinted.per_level[1]).toBeCloseTo(base.per_level[1], 3);
    expect(tinted.per_level[2]).toBeGreaterThan(1.5 * base.per_level[2]);
  });

  it('the image sets reach the workers as one SharedArrayBuffer copy each (a shared input as it is), with the same values', async () => {
    const seen: unknown[][] = [];
    const recording = (src: string) => {
      const w = workers(src), mine: unknown[] = [];
      seen.push(mine);
      return { postMessage: (m: any) => { if (m?.type === 'swd-sets') mine.push(m.a.data, m.b.data); w.postMessage(m); }, onMessage: w.onMessage.bind(w), onError: w.onError.bind(w), terminate: () => w.terminate() };
    };
    const a = textures(6, 32, 1), b = { ...textures(5, 32, 2) };
    const u8 = new Uint8Array(new SharedArrayBuffer(b.data.length));
    u8.set(Array.from(b.data as Float32Array, (v) => Math.round(v * 255)));
    const bs: SampleSet = { ...b, data: u8 };
    const one = await slicedWasserstein(a, bs, { seed: 3, threads: 1 });
    expect(await slicedWasserstein(a, bs, { seed: 3, threads: 2, workers: recording })).toEqual(one);
    expect(seen.length).toBe(2);
    const [[da, db], [ea, eb]] = seen as [Float32Array, Uint8Array][];
    expect(da.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(da).toBeInstanceOf(Float32Array);
    expect(Array.from(da)).toEqual(Array.from(a.data));
    expect(ea).toBe(da); // one copy for both workers
    expect(db).toBe(u8); // already shared: sent as it is
    expect(eb).toBe(u8);
  });

  it('the pool starts while the plan is drawn: a plan that throws closes the workers it started', async () => {
    const started: { terminated: boolean }[] = [];
    const counting = (src: string) => {
      const w = workers(src), rec = { terminated: false };
      started.push(rec);
      return { postMessage: w.postMessage.bind(w), onMessage: w.onMessage.bind(w), onError: w.onError.bind(w), terminate: () => { rec.terminated = true; w.terminate(); } };
    };
    const a = textures(4, 32, 1), b = textures(4, 32, 2);
    await expect(slicedWasserstein(a, b, { nhoodsPerImage: 0, threads: 2, workers: counting })).rejects.toThrow(SwdError);
    expect(started).toHaveLength(2);
    expect(started.every((w) => w.terminated)).toBe(true);
    // bad sets fail before any worker starts
    started.length = 0;
    await expect(slicedWasserstein(textures(3, 15, 1), textures(3, 15, 2), { threads: 2, workers: counting })).rejects.toThrow(SwdError);
    expect(started).toHaveLength(0);
  });

  it('memoryLimit: only as many workers as hold their levels take tasks (same numbers); below one level, SwdError before any worker starts', async () => {
    const started: { swdTasks: number; terminated: boolean }[] = [];
    const counting = (src: string) => {
      const w = workers(src), rec = { swdTasks: 0, terminated: false };
      started.push(rec);
      return { postMessage: (m: any) => { if (m?.type === 'swd') rec.swdTasks++; w.postMessage(m); }, onMessage: w.onMessage.bind(w), onError: w.onError.bind(w), terminate: () => { rec.terminated = true; w.terminate(); } };
    };
    const a = textures(12, 32, 1), b = textures(12, 32, 2);
    const free = await slicedWasserstein(a, b, { threads: 2, workers: counting });
    expect(started.map((w) => w.swdTasks > 0)).toEqual([true, true]);
    const need = Math.max(...swdMemoryPlans(a, b).map((p) => p.bytes));
    // room for one level, not two: the pool it starts has one worker
    started.length = 0;
    expect(await slicedWasserstein(a, b, { threads: 2, workers: counting, memoryLimit: 1.5 * need })).toEqual(free);
    expect(started.length).toBeLessThanOrEqual(1);
    // a pool given: its first worker only
    const pool = (await MetricsPool.create(2, counting))!;
    started.splice(0, started.length - 2);
    try {
      expect(await slicedWasserstein(a, b, { pool, memoryLimit: 1.5 * need })).toEqual(free);
      expect(started.map((w) => w.swdTasks > 0)).toEqual([true, false]);
    } finally { pool.close(); }
    started.length = 0;
    await expect(slicedWasserstein(a, b, { threads: 2, workers: counting, memoryLimit: need / 2 })).rejects.toThrow(/SWD: 12 samples and 12 reference of 32x32 need [\d.]+ GiB at the 32x32 level, more than the [\d.]+ GiB allowed \(memoryLimit\)/);
    expect(started).toHaveLength(0);
    await expect(scoreDiversity(a, { ref: b, swd: true, memoryLimit: need / 2 })).rejects.toThrow(SwdError);
  });

  it('sets under 16 px or of different sizes: SwdError naming the sizes', async () => {
    await expect(slicedWasserstein(textures(3, 15, 1), textures(3, 15, 2))).rejects.toThrow(SwdError);
    await expect(slicedWasserstein(textures(3, 32, 1), textures(3, 48, 2))).rejects.toThrow(/32x32 but reference 48x48/);
    await expect(scoreDiversity(textures(16, 32, 1), { ref: textures(16, 48, 2), swd: true, threads: 1 })).rejects.toThrow(SwdError);
  });
});

describe('diversity CLI: SWD with --ref', () => {
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '', err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: any) => { out += String(s); return true; });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => { err += String(s); return true; });
    try { return { code: await runDiversityCli([...args, '--threads', '1']), out, err }; } finally { o.mockRestore(); e.mockRestore(); }
  }

  it('--json has swd {resolutions, per_level, avg}, the summary a line, the report a row; other sizes exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gf-swd-'));
    try {
      const a = syntheticFaces(20, 32, 1), b = syntheticFaces(24, 32, 2), c = syntheticFaces(20, 48, 3);
      writeFileSync(join(dir, 'a.npy'), encodeNpy(a.data as Uint8Array, [20, 32, 32, 3]));
      writeFileSync(join(dir, 'b.npy'), encodeNpy(b.data as Uint8Array, [24, 32, 32, 3]));
      writeFileSync(join(dir, 'c.npy'), encodeNpy(c.data as Uint8Array, [20, 48, 48, 3]));
      const j = JSON.parse((await run([join(dir, 'a.npy'), '--ref', join(dir, 'b.npy'), '--json', '--seed', '4'])).out);
      const want = await slicedWasserstein(a, b, { seed: 4 });
      expect(j.swd).toEqual(want);
      const noRef = JSON.parse((await run([join(dir, 'a.npy'), '--json'])).out);
      expect(noRef.swd).toBeUndefined();
      const html = join(dir, 'r.html');
      const text = await run([join(dir, 'a.npy'), '--ref', join(dir, 'b.npy'), '--seed', '4', '--report', html]);
      const f = (v: number) => v.toFixed(1);
      expect(text.out).toContain(`SWD x1e3 (32/16, avg)  ${f(want.per_level[0])} / ${f(want.per_level[1])}, avg ${f(want.avg)}`);
      expect(readFileSync(html, 'utf8')).toMatch(/SWD ×1e3 to the reference \(32\/16 px\)/);
      const bad = await run([join(dir, 'a.npy'), '--ref', join(dir, 'c.npy')]);
      expect(bad.code).toBe(2);
      expect(bad.err.trim().split('\n')).toHaveLength(1);
      expect(bad.err).toMatch(/c\.npy is 48x48 but the samples .*a\.npy\) are 32x32/);
      // A folder reference is read at the samples' size instead (the README's `--ref data/`).
      const refDir = join(dir, 'ref48');
      mkdirSync(refDir);
      for (let i = 0; i < 20; i++) writeFileSync(join(refDir, `r${i}.png`), encodePng({ width: 48, height: 48, data: (c.data as Uint8Array).subarray(i * 48 * 48 * 3, (i + 1) * 48 * 48 * 3) }));
      const ok = await run([join(dir, 'a.npy'), '--ref', refDir, '--json', '--seed', '4']);
      expect(ok.code, ok.err).toBe(0);
      const jj = JSON.parse(ok.out);
      expect(jj.swd.resolutions).toEqual([32, 16]);
      expect(jj.ref.n).toBe(20);
      expect(jj.notes.join('\n')).toMatch(/reference: read at 32x32, the samples' size/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
