#!/usr/bin/env node
// Decoder conformance over the corpora (npm run conformance; needs npm run build).
//
//   pngsuite      every file through decodeImage vs pngjs's RGBA8 (exact match
//                 required). pngjs zeroes the colour of pixels made transparent
//                 by a grey/RGB tRNS chunk where the PNG spec keeps it, so for
//                 those files the colour comes from pngjs on the file without
//                 tRNS and the alpha from pngjs on the original. x*.png are
//                 deliberately corrupt and must throw a typed ImageDecodeError.
//   jpeg-reftest  every .jpg vs the .png beside it (decoded with pngjs):
//                 max |diff| <= 2 and mean |diff| <= 0.5 over RGB. Files named
//                 in disabled.list are reported as skipped.
//
//   node scripts/conformance.js [--corpora DIR] [--verbose]
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pngjs from 'pngjs';
import sharp from 'sharp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const ci = args.indexOf('--corpora');
const corpora = ci >= 0 ? args[ci + 1] : join(root, '..', 'shared', 'corpora');
const verbose = args.includes('--verbose');
const { decodeImage, ImageDecodeError, isInternalDecodeError } = await import(pathToFileURL(join(root, 'dist', 'node', 'index.js')).href);
const CODES = ['UNSUPPORTED', 'CORRUPT', 'TRUNCATED', 'TOO_LARGE'];

function walk(dir, re) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, re));
    else if (re.test(name)) out.push(p);
  }
  return out;
}

function withoutChunk(buf, drop) {
  const parts = [buf.subarray(0, 8)];
  let p = 8;
  while (p + 8 <= buf.length) {
    const len = buf.readUInt32BE(p);
    if (buf.toString('latin1', p + 4, p + 8) !== drop) parts.push(buf.subarray(p, p + 12 + len));
    p += 12 + len;
  }
  return Buffer.concat(parts);
}

function pngReference(buf) {
  const ref = pngjs.PNG.sync.read(buf);
  const data = new Uint8Array(ref.data);
  const ct = buf[25];
  if ((ct === 0 || ct === 2) && buf.includes(Buffer.from('tRNS', 'latin1'))) {
    const opaque = pngjs.PNG.sync.read(withoutChunk(buf, 'tRNS'));
    for (let i = 0; i < data.length; i += 4) { data[i] = opaque.data[i]; data[i + 1] = opaque.data[i + 1]; data[i + 2] = opaque.data[i + 2]; }
  }
  return { width: ref.width, height: ref.height, data };
}

/** max and mean |a - b| over the channels in `channels` (indices within each RGBA pixel). */
function diff(a, b, channels) {
  let max = 0, sum = 0, n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (const c of channels) {
      const d = Math.abs(a[i + c] - b[i + c]);
      if (d > max) max = d;
      sum += d; n++;
    }
  }
  return { max, mean: n ? sum / n : 0 };
}

function decode(bytes, file) {
  try { return { img: decodeImage(bytes, { file }) }; } catch (e) {
    const typed = e instanceof ImageDecodeError && CODES.includes(e.code) && !isInternalDecodeError(e);
    return { error: e, typed };
  }
}

const results = [];

/** ImageDecodeError messages already start with the file name. */
function errText(name, e) {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith(name) ? msg : `${name}: ${msg}`;
}

function runPngSuite(dir) {
  const r = { name: 'pngsuite', passed: 0, total: 0, skipped: 0, max: 0, sumMean: 0, compared: 0, failures: [] };
  for (const path of walk(dir, /\.png$/i)) {
    const name = relative(dir, path);
    const buf = readFileSync(path);
    const corrupt = /^x/.test(name);
    r.total++;
    const out = decode(new Uint8Array(buf), name);
    if (corrupt) {
      if (out.img) r.failures.push(`${name}: corrupt file decoded without error`);
      else if (!out.typed) r.failures.push(`${name}: untyped error ${out.error}`);
      else { r.passed++; if (verbose) console.log(`  ${name}: ${out.error.code} (${out.error.message})`); }
      continue;
    }
    if (!out.img) { r.failures.push(errText(name, out.error)); continue; }
    const ref = pngReference(buf);
    if (ref.width !== out.img.width || ref.height !== out.img.height) { r.failures.push(`${name}: size ${out.img.width}x${out.img.height}, reference ${ref.width}x${ref.height}`); continue; }
    const d = diff(out.img.data, ref.data, [0, 1, 2, 3]);
    r.max = Math.max(r.max, d.max); r.sumMean += d.mean; r.compared++;
    if (d.max === 0) r.passed++;
    else r.failures.push(`${name}: max diff ${d.max}, mean ${d.mean.toFixed(4)} (exact match required)`);
  }
  results.push(r);
}

// libjpeg-turbo's own decode (sharp), for files whose reference PNG was made
// by a different libjpeg build: the issue's yardstick is libjpeg-turbo.
async function turboDecode(path) {
  const { data, info } = await sharp(readFileSync(path), { failOn: 'none' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

function diffRgb(rgba, rgb, channels) {
  let max = 0, sum = 0, n = 0;
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += channels) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(rgba[i + c] - rgb[j + (channels === 1 ? 0 : c)]);
      if (d > max) max = d;
      sum += d; n++;
    }
  }
  return { max, mean: n ? sum / n : 0 };
}

async function runJpegRef(dir) {
  const r = { name: 'jpeg-reftest', passed: 0, total: 0, skipped: 0, max: 0, sumMean: 0, compared: 0, failures: [] };
  const disabled = new Set(existsSync(join(dir, 'disabled.list'))
    ? readFileSync(join(dir, 'disabled.list'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : []);
  for (const path of walk(dir, /\.jpe?g$/i)) {
    const name = relative(dir, path);
    const refPath = path.replace(/\.jpe?g$/i, '.png');
    if (disabled.has(name) || !existsSync(refPath)) { r.skipped++; if (verbose) console.log(`  ${name}: skipped (${disabled.has(name) ? 'disabled.list' : 'no reference png'})`); continue; }
    r.total++;
    const out = decode(new Uint8Array(readFileSync(path)), name);
    // Lossless (SOF3) JPEGs are outside what we decode: the expected result is a typed UNSUPPORTED.
    if (/(^|\/)lossless\//.test(name)) {
      if (!out.img && out.error?.code === 'UNSUPPORTED') { r.passed++; r.expectedUnsupported = (r.expectedUnsupported ?? 0) + 1; if (verbose) console.log(`  ${name}: UNSUPPORTED as expected`); }
      else r.failures.push(`${name}: expected an UNSUPPORTED error, got ${out.img ? 'an image' : errText(name, out.error)}`);
      continue;
    }
    if (!out.img) { r.failures.push(errText(name, out.error)); continue; }
    const ref = pngjs.PNG.sync.read(readFileSync(refPath));
    if (ref.width !== out.img.width || ref.height !== out.img.height) { r.failures.push(`${name}: size ${out.img.width}x${out.img.height}, reference ${ref.width}x${ref.height}`); continue; }
    const d = diff(out.img.data, ref.data, [0, 1, 2]);
    r.max = Math.max(r.max, d.max); r.sumMean += d.mean; r.compared++;
    if (verbose) console.log(`  ${name}: max ${d.max}, mean ${d.mean.toFixed(3)}`);
    if (d.max <= 2 && d.mean <= 0.5) { r.passed++; continue; }
    const t = await turboDecode(path).catch(() => null);
    const dt = t && t.width === out.img.width && t.height === out.img.height ? diffRgb(out.img.data, t.data, t.channels) : null;
    if (dt && dt.max <= 2 && dt.mean <= 0.5) {
      r.passed++;
      r.notes = [...(r.notes ?? []), `${name}: reference PNG differs by max ${d.max}; libjpeg-turbo (sharp) differs from ours by max ${dt.max}, mean ${dt.mean.toFixed(3)}`];
    } else r.failures.push(`${name}: max diff ${d.max}, mean ${d.mean.toFixed(3)} (tolerance max 2, mean 0.5)${dt ? `; vs libjpeg-turbo max ${dt.max}` : ''}`);
  }
  results.push(r);
}

const png = join(corpora, 'pngsuite');
const jpg = join(corpora, 'jpeg-reftest');
if (existsSync(png)) runPngSuite(png); else console.log(`pngsuite: ${png} not found, skipped`);
if (existsSync(jpg)) await runJpegRef(jpg); else console.log(`jpeg-reftest: ${jpg} not found, skipped`);

let allOk = true;
for (const r of results) {
  const mean = r.compared ? r.sumMean / r.compared : 0;
  console.log(`${r.name}: ${r.passed}/${r.total} passed${r.skipped ? `, ${r.skipped} skipped` : ''}; max diff ${r.max}, mean diff ${mean.toFixed(4)} (over ${r.compared} compared files)`);
  if (r.expectedUnsupported) console.log(`  (${r.expectedUnsupported} lossless JPEGs rejected as UNSUPPORTED, as required)`);
  for (const f of r.notes ?? []) console.log(`  note ${f}`);
  for (const f of r.failures) console.log(`  FAIL ${f}`);
  if (r.failures.length) allOk = false;
}
process.exit(allOk && results.length ? 0 : 1);
