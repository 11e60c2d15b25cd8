#!/usr/bin/env node
// Mutation fuzzing of decodeImage (PNG + JPEG).
//
//   npm run fuzz -- --minutes 5 [--seed 1] [--corpus DIR]... [--save DIR]
//   (failing inputs are saved under --save, default <tmpdir>/ganforge-fuzz-failures)
//
// Seeds: every file under the corpora (default ../shared/corpora), plus small
// generated PNGs/JPEGs. Each variant is one mutation of one seed (bit flips,
// truncation, byte runs, PNG chunk length / data / IHDR edits with the CRC
// fixed so the mutation gets past the CRC check, re-deflated IDAT edits, JPEG
// segment length / payload edits, dropped or duplicated chunks and segments).
// Every decode must return an image or throw an ImageDecodeError with one of
// the four codes; anything else (including a kernel bug converted to
// InternalDecodeError) is a failure. Prints counts by outcome and by mutation,
// the slowest decode, and exits 1 on any failure.
//
// The mutators are exported: test/decode_robustness.test.ts runs the same
// fuzzing for a fixed number of variants.
import { readFileSync, readdirSync, statSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync, inflateSync, crc32 } from 'node:zlib';

const CODES = ['UNSUPPORTED', 'CORRUPT', 'TRUNCATED', 'TOO_LARGE'];

/** Small seeded PRNG (xorshift32). */
export function makeRng(seed) {
  let s = (seed >>> 0) || 0x9e3779b9;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (a) => a[Math.floor(next() * a.length)];
  return next;
}

// ------------------------------------------------------------------ PNG

const PNG_SIG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function u32(b, o) { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }
function setU32(b, o, v) { b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 255; b[o + 2] = (v >>> 8) & 255; b[o + 3] = v & 255; }

export function isPngBytes(b) { return b.length >= 8 && PNG_SIG.every((x, i) => b[i] === x); }
export function isJpegBytes(b) { return b.length >= 2 && b[0] === 0xff && b[1] === 0xd8; }

/** Chunks of a PNG: { off, len, type } (stops at the first chunk that does not fit). */
export function pngChunks(b) {
  const out = [];
  let p = 8;
  while (p + 12 <= b.length) {
    const len = u32(b, p);
    if (p + 12 + len > b.length) break;
    out.push({ off: p, len, type: String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]) });
    p += 12 + len;
  }
  return out;
}

export function makeChunk(type, data) {
  const c = new Uint8Array(12 + data.length);
  setU32(c, 0, data.length);
  for (let i = 0; i < 4; i++) c[4 + i] = type.charCodeAt(i);
  c.set(data, 8);
  setU32(c, 8 + data.length, crc32(c.subarray(4, 8 + data.length)) >>> 0);
  return c;
}

function fixCrc(b, ch) {
  setU32(b, ch.off + 8 + ch.len, crc32(b.subarray(ch.off + 4, ch.off + 8 + ch.len)) >>> 0);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** A valid PNG with random (but well-formed) filtered data: any colour type, depth, interlace. */
export function randomPng(rng, { width, height, colorType, depth, interlace }) {
  const ch = CHANNELS[colorType];
  const passes = interlace ? ADAM7 : [[0, 0, 1, 1]];
  const rows = [];
  for (const [x0, y0, dx, dy] of passes) {
    const pw = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const ph = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (!pw || !ph) continue;
    const rb = Math.ceil((pw * ch * depth) / 8);
    for (let y = 0; y < ph; y++) {
      const r = new Uint8Array(rb + 1);
      r[0] = rng.int(5);
      const smooth = rng() < 0.5;
      for (let i = 1; i <= rb; i++) r[i] = smooth ? (i * 3) & 255 : rng.int(256);
      rows.push(r);
    }
  }
  const ihdr = new Uint8Array(13);
  setU32(ihdr, 0, width); setU32(ihdr, 4, height);
  ihdr[8] = depth; ihdr[9] = colorType; ihdr[12] = interlace ? 1 : 0;
  const parts = [PNG_SIG, makeChunk('IHDR', ihdr)];
  if (colorType === 3) {
    const n = Math.min(256, 1 << depth);
    parts.push(makeChunk('PLTE', new Uint8Array(n * 3).map(() => rng.int(256))));
    if (rng() < 0.5) parts.push(makeChunk('tRNS', new Uint8Array(rng.int(n) + 1).map(() => rng.int(256))));
  } else if ((colorType === 0 || colorType === 2) && rng() < 0.5) {
    parts.push(makeChunk('tRNS', new Uint8Array(ch * 2).map(() => rng.int(256))));
  }
  const z = deflateSync(concat(rows), { level: rng.int(10) });
  const k = 1 + rng.int(3), step = Math.ceil(z.length / k);
  for (let i = 0; i < z.length; i += step) parts.push(makeChunk('IDAT', z.subarray(i, i + step)));
  parts.push(makeChunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

// ------------------------------------------------------------------ JPEG

/** Marker segments with a length field, up to and including the first SOS: { off, marker, len }. */
export function jpegSegments(b) {
  const out = [];
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) break;
    const m = b[p + 1];
    if (m === 0xff) { p++; continue; }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { p += 2; continue; }
    if (m === 0xd9) break;
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2 || p + 2 + len > b.length) break;
    out.push({ off: p, marker: m, len });
    p += 2 + len;
    if (m === 0xda) break;
  }
  return out;
}

// ------------------------------------------------------------------ mutations

const INTERESTING32 = [0, 1, 2, 7, 8, 13, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

const mutators = {
  bitflip(b, rng) {
    const out = b.slice();
    const n = 1 + rng.int(8);
    for (let i = 0; i < n; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  truncate(b, rng) {
    return b.slice(0, rng() < 0.3 ? rng.int(Math.min(b.length, 64)) : rng.int(b.length));
  },
  bytes(b, rng) {
    const out = b.slice();
    const at = rng.int(out.length), n = 1 + rng.int(16);
    const v = rng.pick([0, 0xff, -1]);
    for (let i = at; i < Math.min(out.length, at + n); i++) out[i] = v < 0 ? rng.int(256) : v;
    return out;
  },
  splice(b, rng) {
    const at = rng.int(b.length + 1);
    if (rng() < 0.5) return concat([b.subarray(0, at), new Uint8Array(1 + rng.int(32)).map(() => rng.int(256)), b.subarray(at)]);
    return concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(64)))]);
  },
  'png-length'(b, rng) {
    const cs = pngChunks(b);
    if (!cs.length) return null;
    const c = rng.pick(cs), out = b.slice();
    const v = rng() < 0.5 ? rng.pick(INTERESTING32) : (c.len + rng.int(33) - 16) >>> 0;
    setU32(out, c.off, v);
    return out;
  },
  'png-data'(b, rng) {
    const cs = pngChunks(b).filter((c) => c.len > 0);
    if (!cs.length) return null;
    const c = rng.pick(cs), out = b.slice();
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) out[c.off + 8 + rng.int(c.len)] ^= 1 << rng.int(8);
    fixCrc(out, c);
    return out;
  },
  'png-ihdr'(b, rng) {
    const c = pngChunks(b).find((x) => x.type === 'IHDR' && x.len === 13);
    if (!c) return null;
    const out = b.slice(), d = c.off + 8;
    const field = rng.int(5);
    if (field === 0) setU32(out, d, rng.pick([0, 1, 2, rng.int(100), 0x7fffffff, 0x80000000, 65536, u32(b, d) + 1]));
    else if (field === 1) setU32(out, d + 4, rng.pick([0, 1, 2, rng.int(100), 0x7fffffff, 0x80000000, 65536, u32(b, d + 4) + 1]));
    else if (field === 2) out[d + 8] = rng.pick([0, 1, 2, 3, 4, 8, 16, 32, rng.int(256)]);
    else if (field === 3) out[d + 9] = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, rng.int(256)]);
    else out[d + 10 + rng.int(3)] = rng.pick([0, 1, 2, rng.int(256)]);
    fixCrc(out, c);
    return out;
  },
  'png-idat'(b, rng) {
    // edit the decompressed (filtered) rows, re-deflate: reaches unfilter and conversion
    const cs = pngChunks(b);
    const idat = cs.filter((c) => c.type === 'IDAT');
    if (!idat.length) return null;
    let raw;
    try { raw = inflateSync(concat(idat.map((c) => b.subarray(c.off + 8, c.off + 8 + c.len)))); } catch { return null; }
    let r = new Uint8Array(raw);
    const op = rng.int(3);
    if (op === 0 && r.length) { for (let i = 0; i < 1 + rng.int(8); i++) r[rng.int(r.length)] = rng.int(256); }
    else if (op === 1) r = r.slice(0, rng.int(r.length + 1));
    else r = concat([r, new Uint8Array(1 + rng.int(64))]);
    const first = idat[0].off;
    const rest = cs.filter((c) => c.type !== 'IDAT' && c.off > first);
    return concat([b.subarray(0, first), makeChunk('IDAT', deflateSync(r)), ...rest.map((c) => b.subarray(c.off, c.off + 12 + c.len))]);
  },
  'png-chunks'(b, rng) {
    const cs = pngChunks(b);
    if (cs.length < 2) return null;
    const list = cs.map((c) => b.subarray(c.off, c.off + 12 + c.len));
    const i = rng.int(list.length);
    const op = rng.int(3);
    if (op === 0) list.splice(i, 1);
    else if (op === 1) list.splice(i, 0, list[i]);
    else { const j = rng.int(list.length); [list[i], list[j]] = [list[j], list[i]]; }
    return concat([b.subarray(0, 8), ...list]);
  },
  'jpeg-length'(b, rng) {
    const ss = jpegSegments(b);
    if (!ss.length) return null;
    const s = rng.pick(ss), out = b.slice();
    const v = rng() < 0.5 ? rng.pick([0, 1, 2, 3, 0xffff, 0x8000, rng.int(65536)]) : Math.max(0, Math.min(0xffff, s.len + rng.int(33) - 16));
    out[s.off + 2] = v >> 8; out[s.off + 3] = v & 255;
    return out;
  },
  'jpeg-segment'(b, rng) {
    const ss = jpegSegments(b).filter((s) => s.len > 2);
    if (!ss.length) return null;
    const s = rng.pick(ss), out = b.slice();
    const n = 1 + rng.int(4);
    for (let i = 0; i < n; i++) {
      const at = s.off + 4 + rng.int(s.len - 2);
      out[at] = rng() < 0.5 ? out[at] ^ (1 << rng.int(8)) : rng.pick([0, 1, 0xff, rng.int(256)]);
    }
    return out;
  },
  'jpeg-drop'(b, rng) {
    const ss = jpegSegments(b);
    if (!ss.length) return null;
    const s = rng.pick(ss);
    if (rng() < 0.5) return concat([b.subarray(0, s.off), b.subarray(s.off + 2 + s.len)]);
    return concat([b.subarray(0, s.off + 2 + s.len), b.subarray(s.off, s.off + 2 + s.len), b.subarray(s.off + 2 + s.len)]);
  },
};

const GENERIC = ['bitflip', 'truncate', 'bytes', 'splice'];
const PNG_KINDS = ['png-length', 'png-data', 'png-data', 'png-ihdr', 'png-idat', 'png-idat', 'png-chunks'];
const JPEG_KINDS = ['jpeg-length', 'jpeg-segment', 'jpeg-segment', 'jpeg-drop'];

/** One mutation of `b`: { kind, bytes }. */
export function mutate(b, rng) {
  const specific = isPngBytes(b) ? PNG_KINDS : isJpegBytes(b) ? JPEG_KINDS : [];
  for (let tries = 0; tries < 4; tries++) {
    const kind = specific.length && rng() < 0.6 ? rng.pick(specific) : rng.pick(GENERIC);
    const out = b.length ? mutators[kind](b, rng) : new Uint8Array(rng.int(4)).map(() => rng.int(256));
    if (out) return { kind, bytes: out };
  }
  return { kind: 'bitflip', bytes: mutators.bitflip(b.length ? b : Uint8Array.of(0), rng) };
}

/** Small generated seeds: PNGs of every colour type / depth / interlace, plus JPEGs when `encodeJpeg` is given. */
export function generatedSeeds(seed = 1, encodeJpeg) {
  const rng = makeRng(seed);
  const out = [];
  const combos = [[0, [1, 2, 4, 8, 16]], [2, [8, 16]], [3, [1, 2, 4, 8]], [4, [8, 16]], [6, [8, 16]]];
  for (const [colorType, depths] of combos) {
    for (const depth of depths) {
      for (const interlace of [false, true]) {
        out.push({ name: `gen-ct${colorType}-d${depth}${interlace ? 'i' : ''}.png`, bytes: randomPng(rng, { width: 1 + rng.int(24), height: 1 + rng.int(24), colorType, depth, interlace }) });
      }
    }
  }
  if (encodeJpeg) {
    for (const [w, h, q] of [[8, 8, 90], [17, 9, 50], [33, 20, 75], [64, 48, 95], [5, 31, 20]]) {
      const data = new Uint8Array(w * h * 4);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + rng.int(40)) & 255;
      out.push({ name: `gen-${w}x${h}-q${q}.jpg`, bytes: encodeJpeg({ width: w, height: h, data }, q) });
    }
  }
  return out;
}

/** All regular files under dir (recursive) with a .png/.jpg/.jpeg name and at most maxBytes. */
export function corpusFiles(dir, maxBytes = Infinity) {
  const out = [];
  if (!existsSync(dir)) return out;
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(png|jpe?g)$/i.test(name) && st.size <= maxBytes) out.push({ name: p.slice(dir.length + 1), bytes: new Uint8Array(readFileSync(p)) });
    }
  };
  walk(dir);
  return out;
}

/**
 * Decodes and classifies: 'OK', one of the four codes, 'INTERNAL' (a kernel
 * bug converted to InternalDecodeError) or 'UNTYPED' (anything else thrown).
 */
export function classify(api, bytes, opts) {
  try {
    const img = api.decodeImage(bytes, opts);
    if (!(img.width > 0 && img.height > 0 && img.data.length === img.width * img.height * 4)) return { outcome: 'UNTYPED', error: new Error('bad image returned') };
    return { outcome: 'OK' };
  } catch (e) {
    if (api.isInternalDecodeError(e)) return { outcome: 'INTERNAL', error: e };
    if (e instanceof api.ImageDecodeError && CODES.includes(e.code)) return { outcome: e.code };
    return { outcome: 'UNTYPED', error: e };
  }
}

/**
 * Runs mutations until `count` variants or `deadline` (ms timestamp).
 * Returns { total, outcomes, byKind, failures, slowest }.
 */
export function runFuzz(api, seeds, { rng, count = Infinity, deadline = Infinity, maxPixels = 4096 * 4096, onFailure } = {}) {
  const outcomes = {}, byKind = {}, failures = [];
  let total = 0, slowest = { ms: 0, name: '', kind: '' };
  while (total < count && (total % 64 !== 0 || Date.now() < deadline)) {
    const seed = seeds[rng.int(seeds.length)];
    let { kind, bytes } = mutate(seed.bytes, rng);
    if (rng() < 0.15) { const m2 = mutate(bytes, rng); bytes = m2.bytes; kind += '+' + m2.kind; }
    const t0 = performance.now();
    const r = classify(api, bytes, { maxPixels, file: `${seed.name}~${kind}` });
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, name: seed.name, kind };
    total++;
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const k = kind.split('+')[0];
    byKind[k] ??= {};
    byKind[k][r.outcome] = (byKind[k][r.outcome] ?? 0) + 1;
    if (r.outcome === 'UNTYPED' || r.outcome === 'INTERNAL') {
      const f = { seed: seed.name, kind, outcome: r.outcome, message: String(r.error?.stack ?? r.error), bytes };
      failures.push(f);
      onFailure?.(f);
    }
  }
  return { total, outcomes, byKind, failures, slowest };
}

// ------------------------------------------------------------------ CLI

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
  const minutes = Number(opt('minutes', '1'));
  const seedNum = Number(opt('seed', String(Date.now() % 1e9)));
  if (!(minutes > 0)) { console.error(`fuzz: --minutes must be a number > 0, got ${JSON.stringify(opt('minutes'))}`); process.exit(2); }
  if (!Number.isInteger(seedNum) || seedNum < 0) { console.error(`fuzz: --seed must be an integer >= 0, got ${JSON.stringify(opt('seed'))}`); process.exit(2); }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const corpora = args.flatMap((a, i) => (a === '--corpus' ? [args[i + 1]] : []));
  if (!corpora.length) corpora.push(join(root, '..', 'shared', 'corpora'));
  const saveDir = opt('save', join(tmpdir(), 'ganforge-fuzz-failures'));
  const api = await import(pathToFileURL(join(root, 'dist', 'node', 'index.js')).href);
  let encodeJpeg;
  try { encodeJpeg = (await import('jpeg-js')).default.encode; } catch { /* optional */ }
  const enc = encodeJpeg ? (img, q) => new Uint8Array(encodeJpeg(img, q).data) : undefined;
  const seeds = [...corpora.flatMap((d) => corpusFiles(d, 1 << 20)), ...generatedSeeds(seedNum, enc)];
  console.log(`fuzz: ${seeds.length} seeds, ${minutes} min, seed ${seedNum}`);
  const rng = makeRng(seedNum);
  const t0 = Date.now();
  const deadline = t0 + minutes * 60_000;
  let saved = 0;
  const onFailure = (f) => {
    console.log(`FAIL ${f.outcome} ${f.seed} ${f.kind}: ${f.message.split('\n')[0]}`);
    if (saved < 50) {
      mkdirSync(saveDir, { recursive: true });
      const p = join(saveDir, `${String(saved++).padStart(3, '0')}-${f.seed.replace(/[^\w.-]/g, '_')}-${f.kind.replace(/[^\w.-]/g, '_')}.bin`);
      writeFileSync(p, f.bytes);
    }
  };
  let grand = { total: 0, outcomes: {}, byKind: {}, failures: 0, slowest: { ms: 0 } };
  while (Date.now() < deadline) {
    const r = runFuzz(api, seeds, { rng, count: 5000, deadline, onFailure });
    grand.total += r.total;
    grand.failures += r.failures.length;
    for (const [k, v] of Object.entries(r.outcomes)) grand.outcomes[k] = (grand.outcomes[k] ?? 0) + v;
    for (const [k, o] of Object.entries(r.byKind)) { grand.byKind[k] ??= {}; for (const [c, v] of Object.entries(o)) grand.byKind[k][c] = (grand.byKind[k][c] ?? 0) + v; }
    if (r.slowest.ms > grand.slowest.ms) grand.slowest = r.slowest;
    const s = (Date.now() - t0) / 1000;
    console.log(`  ${grand.total} variants, ${(grand.total / s).toFixed(0)}/s, failures ${grand.failures}`);
  }
  console.log(`\nvariants: ${grand.total}`);
  console.log('outcomes:', Object.entries(grand.outcomes).map(([k, v]) => `${k} ${v}`).join(', '));
  console.log('by mutation:');
  for (const [k, o] of Object.entries(grand.byKind).sort()) console.log(`  ${k.padEnd(14)} ${Object.entries(o).map(([c, v]) => `${c} ${v}`).join(', ')}`);
  console.log(`slowest decode: ${grand.slowest.ms.toFixed(1)} ms (${grand.slowest.name} ${grand.slowest.kind})`);
  console.log(grand.failures ? `FAILED: ${grand.failures} untyped/internal errors (inputs saved under ${saveDir})` : 'no untyped errors');
  process.exit(grand.failures ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
