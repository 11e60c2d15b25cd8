// The SWD kernels against an independent NumPy implementation of ProGAN's
// procedure (test/reference/swd_numpy.py: float64 pyramid through explicit
// padding, statistics, matmul and np.sort; written without our code), run
// by Debian's python3-numpy under /usr/bin/python3 on the same images: real
// vs real, vs blurred, vs collapsed, 500 vs 500 faces at 32x32.
//
// The script draws its own patch positions and directions and writes them
// out; we run our kernels (swdLevelDistances: pyramid, normalisation,
// projection, W1 through bins) on the same draws, so the two must agree to
// rounding, not just to the estimate's noise: every direction within 1e-3,
// each level's mean within 1e-4 with the i16 projection and 1e-5 with the
// f32 one, and so the same ordering (real < blurred < collapsed on average). (With independent
// draws two estimates differ by the noise itself: a few per cent at 1,000 vs
// 1,000.) Skipped outside CI without numpy; under CI a missing numpy fails.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { swdLevelDistances, swdProjectionMethod, levelSide } from '../../src/kernels/swd';
import { syntheticFaces } from '../../src/metrics/synthetic';
import type { SampleSet } from '../../src/metrics/samples';
import { required } from '../env';

const PY = '/usr/bin/python3';
const SCRIPT = join(__dirname, '../reference/swd_numpy.py');
const haveNumpy = spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const run = required(haveNumpy, 'NumPy (/usr/bin/python3 with numpy)', 'apt-get install python3-numpy');

/** A 3x3 binomial blur, twice (edges clamped): softer faces, the same colours. */
function blurred(s: SampleSet): SampleSet {
  const { n, height: h, width: w } = s;
  let src = Float64Array.from(s.data as Uint8Array);
  for (let pass = 0; pass < 2; pass++) {
    const dst = new Float64Array(src.length);
    for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
      let acc = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const yy = Math.min(h - 1, Math.max(0, y + dy)), xx = Math.min(w - 1, Math.max(0, x + dx));
        acc += (2 - Math.abs(dy)) * (2 - Math.abs(dx)) * src[((i * h + yy) * w + xx) * 3 + c];
      }
      dst[((i * h + y) * w + x) * 3 + c] = acc / 16;
    }
    src = dst;
  }
  return { ...s, data: Uint8Array.from(src, (v) => Math.round(v)) };
}

/** Mode collapse: the first 8 faces, repeated. */
function collapsed(s: SampleSet): SampleSet {
  const px = s.height * s.width * 3, data = new Uint8Array(s.n * px);
  for (let i = 0; i < s.n; i++) data.set((s.data as Uint8Array).subarray((i % 8) * px, (i % 8 + 1) * px), i * px);
  return { ...s, data };
}

interface NumpyPair { a: string; b: string; resolutions: number[]; per_level: number[]; avg: number; per_dir: number[][] }

describe.runIf(run)('SWD kernels against an independent NumPy implementation, on its own draws (500 vs 500 faces at 32x32)', () => {
  const N = 500, S = 32, NDIR = 64;
  const sets: Record<string, SampleSet> = {};
  let dir = '';
  let numpy: NumpyPair[] = [];
  beforeAll(() => {
    sets.a = syntheticFaces(N, S, 21);
    sets.b = syntheticFaces(N, S, 22);
    sets.blurred = blurred(sets.b);
    sets.collapsed = collapsed(sets.b);
    dir = mkdtempSync(join(tmpdir(), 'swd-numpy-'));
    const job = { sets: {} as Record<string, object>, pairs: [['a', 'b'], ['a', 'blurred'], ['a', 'collapsed']], seed: 7, nhoods: 128, repeats: 1, dirs: NDIR, dump: dir };
    for (const [name, s] of Object.entries(sets)) {
      const path = join(dir, `${name}.u8`);
      writeFileSync(path, s.data as Uint8Array);
      job.sets[name] = { path, n: s.n, h: s.height, w: s.width };
    }
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    const r = spawnSync(PY, [SCRIPT, join(dir, 'job.json')], { encoding: 'utf8', timeout: 240_000, maxBuffer: 16 << 20 });
    if (r.status !== 0) throw new Error(`swd_numpy.py failed (${r.status ?? r.signal}): ${r.stderr}`);
    numpy = JSON.parse(r.stdout);
  }, 300_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const i32 = (p: string) => { const b = readFileSync(p); return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
  const f64 = (p: string) => { const b = readFileSync(p); return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };

  /** Our per-direction W1 for pair p, level l, on the script's draws. */
  function ours(p: number, l: number): Float64Array {
    const { a, b } = numpy[p];
    const hl = levelSide(S, l), wl = levelSide(S, l), levels = numpy[p].resolutions.length;
    const offs = (ys: Int32Array, xs: Int32Array) => Int32Array.from(ys, (y, k) => ((Math.floor(k / 128) * hl + y) * wl + xs[k]) * 3);
    const offsA = offs(i32(join(dir, `${p}-${l}-ya.i32`)), i32(join(dir, `${p}-${l}-xa.i32`)));
    const offsB = offs(i32(join(dir, `${p}-${l}-yb.i32`)), i32(join(dir, `${p}-${l}-xb.i32`)));
    // the script's component order is (channel, row, column); ours (row, column, channel)
    const d64 = f64(join(dir, `${p}-${l}-dirs.f64`)), dirs = new Float32Array(NDIR * 147);
    for (let d = 0; d < NDIR; d++) for (let r = 0; r < 7; r++) for (let x = 0; x < 7; x++) for (let c = 0; c < 3; c++) {
      dirs[d * 147 + (r * 7 + x) * 3 + c] = d64[d * 147 + c * 49 + r * 7 + x];
    }
    return swdLevelDistances(sets[a], sets[b], l, l === levels - 1, offsA, offsB, dirs);
  }

  for (const [method, tolMean] of [['auto', 1e-4], ['f32', 1e-5]] as const) {
    it(`${method} projection: every direction within 1e-3 of NumPy's, each level's mean within ${tolMean}; real lowest, blur worst at 32 px, collapse at 16 px, on average real < blurred < collapsed`, () => {
      const old = swdProjectionMethod(method);
      try {
        const got: number[][] = [];
        numpy.forEach((want, p) => {
          expect(want.resolutions).toEqual([32, 16]);
          got.push(want.resolutions.map((_, l) => {
            const w1 = ours(p, l);
            w1.forEach((v, d) => expect(Math.abs(v - want.per_dir[l][d]), `${want.a} vs ${want.b}, level ${l}, direction ${d}`).toBeLessThan(1e-3 * want.per_dir[l][d]));
            const mean = w1.reduce((s, v) => s + v, 0) / w1.length * 1e3;
            expect(Math.abs(mean - want.per_level[l]), `${want.a} vs ${want.b}, level ${l}: ours ${mean}, numpy ${want.per_level[l]}`).toBeLessThan(tolMean * want.per_level[l]);
            return mean;
          }));
        });
        // in both: real below the others at every level; on average real < blurred < collapsed (a blur shows
        // most at the finest level, a collapse at the coarsest: at 32 px the collapsed set's band-pass patches
        // are still real faces')
        for (const byPair of [got, numpy.map((r) => r.per_level)]) {
          for (let l = 0; l < 2; l++) expect(byPair[0][l]).toBeLessThan(Math.min(byPair[1][l], byPair[2][l]));
          const avg = byPair.map((v) => (v[0] + v[1]) / 2);
          expect(avg[0]).toBeLessThan(avg[1]);
          expect(avg[1]).toBeLessThan(avg[2]);
          expect(byPair[1][0]).toBeGreaterThan(byPair[2][0]);
          expect(byPair[2][1]).toBeGreaterThan(byPair[1][1]);
        }
      } finally {
        swdProjectionMethod(old);
      }
    });
  }
});
