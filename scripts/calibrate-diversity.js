#!/usr/bin/env node
// Calibration experiment for the diversity verdict thresholds (docs/diversity.md).
// Scores several sets against a held-out reference and prints every score the
// verdict uses, so the thresholds in src/metrics/diversity.ts (THRESHOLDS) can
// be checked against cases whose answer is known:
//   real            another draw of the real distribution      -> healthy
//   real+repeats    real with a few images repeated            -> suspicious
//   healthy-gen     a generator that covers the distribution   -> healthy
//   partial-k       a generator stuck on k modes (+ noise)     -> suspicious/collapsed
//   collapsed       a generator stuck on a few modes (+ noise) -> collapsed
// Without --real DIR, "real faces" are the procedural faces of
// src/metrics/synthetic.ts and the generator cases are SIMULATED (healthy-gen:
// fresh faces with blur and noise; collapsed: a few faces plus pixel noise).
// Real generator runs are added with --gen NAME=PATH[=EXPECTED] (a folder,
// a .npy, e.g. from scripts/sample.js, or a grid with --grid); they are scored
// and listed with their verdict, and checked against EXPECTED when given.
// EXPECTED may list verdicts: healthy|suspicious.
// --size S resizes the real images to S x S first (area average), so every
// case is scored at the generators' resolution.
//
//   node scripts/calibrate-diversity.js [--real DIR] [--size S] [--n 256] [--gen NAME=PATH[=EXPECTED] ...] [--json OUT]
//
// The trained cases of docs/diversity.md:
//   node scripts/experiments.js --scale quick --out runs/study
//   node scripts/sample.js runs/study/dcgan-glr10 --n 256 --out /tmp/collapsed.npy
//   node scripts/sample.js runs/study/dcgan-glr10-2d --n 256 --out /tmp/mitigated.npy
//   node scripts/make-faces.js --out /tmp/faces800 --n 800
//   node scripts/calibrate-diversity.js --real /tmp/faces800 --size 32 \
//     --gen "trained: G lr 10x D's=/tmp/collapsed.npy=collapsed" --gen "trained: + 2 D steps=/tmp/mitigated.npy=healthy|suspicious"
import { writeFileSync, renameSync } from 'node:fs';
import { loadDist } from './lib/load-dist.js';

const lib = await loadDist();
const { syntheticFaces, collapsedFrom, withRepeats, scoreDiversity, subsetSamples, THRESHOLDS, loadSampleInput, resizeToSquare } = lib;

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const N = Number(opt('n', 256));
const gens = argv.flatMap((a, i) => (a === '--gen' ? [argv[i + 1]] : []));

function blurNoise(set, seed) {
  // a 3x3 box blur blended 50% plus +-8 noise: generator-like imperfection
  const { n, height: h, width: w } = set;
  const out = new Uint8Array(set.data.length);
  let s = seed >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let sum = 0, cnt = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy >= 0 && yy < h && xx >= 0 && xx < w) { sum += set.data[((k * h + yy) * w + xx) * 3 + c]; cnt++; }
    }
    const o = ((k * h + y) * w + x) * 3 + c;
    out[o] = Math.max(0, Math.min(255, Math.round(0.5 * set.data[o] + 0.5 * sum / cnt + (rnd() - 0.5) * 16)));
  }
  return { ...set, data: out };
}

let pool, refSet, source;
if (opt('real')) {
  let all = loadSampleInput(opt('real'), {}).set;
  const S = opt('size') ? Number(opt('size')) : null;
  if (S && (all.width !== S || all.height !== S)) {
    if (!(all.data instanceof Uint8Array)) throw new Error('--size needs 8-bit real images');
    const px = all.width * all.height * 3, out = new Uint8Array(all.n * S * S * 3);
    for (let i = 0; i < all.n; i++) resizeToSquare({ width: all.width, height: all.height, data: all.data.subarray(i * px, (i + 1) * px) }, S, true, out.subarray(i * S * S * 3, (i + 1) * S * S * 3));
    all = { n: all.n, height: S, width: S, channels: 3, data: out };
  }
  if (all.n < 2 * N + 64) throw new Error(`--real needs at least ${2 * N + 64} images for --n ${N}, found ${all.n}`);
  refSet = subsetSamples(all, Array.from({ length: N }, (_, i) => i));
  pool = subsetSamples(all, Array.from({ length: all.n - N }, (_, i) => N + i));
  source = `real faces from ${opt('real')}${S ? ` at ${S}x${S}` : ''}`;
} else {
  refSet = syntheticFaces(N, 64, 1001);
  pool = syntheticFaces(Math.max(N, 512), 64, 2002);
  source = 'procedural faces (src/metrics/synthetic.ts); generator cases SIMULATED';
}
const real = subsetSamples(pool, Array.from({ length: N }, (_, i) => i));
const cases = [
  ['real', real, 'healthy'],
  ['real+repeats (8 images x5)', withRepeats(real, 8, 5), 'suspicious'],
  ['real+repeats (4 images x10)', withRepeats(real, 4, 10), 'suspicious'],
  ['healthy-gen (sim: blur+noise)', blurNoise(real, 7), 'healthy'],
  ['partial-50 (sim: 50 modes)', collapsedFrom(pool, N, 50, 8, 3), 'collapsed'],
  ['partial-20 (sim: 20 modes)', collapsedFrom(pool, N, 20, 8, 4), 'collapsed'],
  ['collapsed-5 (sim: 5 modes)', collapsedFrom(pool, N, 5, 8, 5), 'collapsed'],
  ['collapsed-1 (sim: 1 mode, noise 20)', collapsedFrom(pool, N, 1, 20, 6), 'collapsed'],
];
for (const g of gens) {
  const [name, path, expected] = g.split('=');
  cases.push([name, loadSampleInput(path, { grid: opt('grid'), pad: opt('pad') ? Number(opt('pad')) : undefined }).set, expected ?? '?']);
}

console.log(`calibration: ${source}; n = ${N} per set, reference = held-out ${refSet.n}`);
const head = ['case', 'expected', 'verdict', 'no-ref', 'MS-SSIM', 'dMS', 'Vendi', 'V/Vref', 'VendiMS', 'dup%', 'NDB/K', 'JS'];
const widths = [36, 11, 11, 11, 8, 8, 7, 7, 8, 6, 6, 6];
const line = (cols) => console.log(cols.map((c, i) => String(c).padEnd(widths[i])).join(''));
line(head);
const results = [];
let refScores;
for (const [name, set, expected] of cases) {
  const r = await scoreDiversity(set, { ref: refSet, threads: 2, seed: 1 });
  refScores = r.ref;
  const noRef = (await scoreDiversity(set, { threads: 2, seed: 1 })).verdict;
  const row = {
    name, expected, verdict: r.verdict, verdict_without_ref: noRef, msssim: r.msssim.mean, msssim_delta: r.msssim.mean - r.ref.msssim.mean,
    vendi: r.vendi, vendi_ratio: r.vendi / r.ref.vendi, vendi_msssim: r.vendi_msssim, dup_rate: r.duplicates.rate, ndb_k: r.ndb.ndb_k, js: r.ndb.js, reasons: r.reasons,
  };
  results.push(row);
  line([name, expected, r.verdict + (expected !== '?' && !expected.split('|').includes(r.verdict) ? ' !' : ''), noRef, row.msssim.toFixed(3), row.msssim_delta.toFixed(3), row.vendi.toFixed(2), row.vendi_ratio.toFixed(2),
    row.vendi_msssim?.toFixed(1) ?? '-', (row.dup_rate * 100).toFixed(1), row.ndb_k.toFixed(2), row.js.toFixed(3)]);
}
console.log(`reference: MS-SSIM ${refScores.msssim.mean.toFixed(3)}, Vendi ${refScores.vendi.toFixed(2)}, Vendi-MS ${refScores.vendi_msssim?.toFixed(1)}, dup threshold ${refScores.duplicates.threshold.toFixed(4)} RMS`);
console.log('thresholds:', JSON.stringify(THRESHOLDS));
const out = opt('json');
if (out) {
  writeFileSync(`${out}.tmp-${process.pid}`, JSON.stringify({ date: new Date().toISOString(), source, n: N, thresholds: THRESHOLDS, reference: { msssim: refScores.msssim, vendi: refScores.vendi, vendi_msssim: refScores.vendi_msssim, dup_threshold: refScores.duplicates.threshold }, results }, null, 2) + '\n');
  renameSync(`${out}.tmp-${process.pid}`, out);
}
