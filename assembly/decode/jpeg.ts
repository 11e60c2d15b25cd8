// JPEG decoder: baseline and progressive Huffman, 8-bit, 1/3/4 components,
// any integral sampling factors, restart intervals, EXIF orientation.
//
//   in   [len] u8, the whole file
//   out  [H', W', 4] u8 RGBA8 (alpha 255), H' x W' = H x W, or W x H when the
//        EXIF orientation transposes; pointer from jpegOutPtr()
//
// Letters: W, H image size; h, v a component's sampling factors; hmax, vmax
// their maxima; an MCU covers 8*hmax x 8*vmax pixels; "block" is 8x8 samples.
//
// Layout in the arena (all from heap.alloc, nothing survives reset()):
//   huffman tables  8 x HT_SIZE  (DC 0-3, AC 4-7): 9-bit lookahead u16
//                   (len << 8 | symbol), then maxcode/valoff per length,
//                   the symbol values, and a 9-bit "fast AC" i32 table that
//                   decodes code + value at once when both fit in 9 bits
//                   (value << 16 | run << 4 | total length; 0 = not fast)
//   quant tables    4 x 64 i32, natural order, as defined so far, and
//                   4 x 64 i32 latched per component at its first scan
//                   (libjpeg does the same, so a later DQT cannot change it)
//   components      4 x COMP_SIZE i32 fields (C_* offsets)
//   coefficients    per component [BPC, BPL, 64] i16, natural order, raw
//                   (not dequantised): every scan writes here, so baseline,
//                   progressive and non-interleaved scans share one path
//   planes          per component [BPC*8, BPL*8 (+pad)] u8 after the IDCT
//   rows            upsampled rows for the colour converter
//
// Strategy: parse markers; each scan entropy-decodes into the coefficient
// store (jpeg/huffman.ts: 64-bit bit buffer, stuffed bytes removed while
// filling; a marker or the end of data feeds zero bits and is remembered),
// walking MCUs here (interleaved) or blocks (one-component scans). After EOI,
// each component is inverse-transformed (islow, SIMD, jpeg/idct.ts) into its
// plane, then each output row is upsampled (jpeg/upsample.ts) and
// colour-converted (jpeg/color.ts) into the RGBA output, which is finally
// re-oriented. Every algorithm is libjpeg-turbo's default (islow IDCT, fancy
// upsampling, its fixed-point YCbCr formula), so output matches it exactly.
//
// Out of data: once a scan has used padding bits at a marker, the rest of
// that restart segment is left untouched (libjpeg warns and does the same;
// jpegWarnScans() reports it). Padding used at the end of the file is
// TRUNCATED, as is a file that ends inside the headers or before any scan;
// a missing EOI after complete scans is accepted. Every read is bounds-checked
// against [ptr, ptr + len).
import { idctBlock } from './jpeg/idct';
import { rowYcc, rowGray, rowRgb, rowCmyk } from './jpeg/color';
import { h2v1Fancy, h2v2Fancy, h1v2Fancy, replicate } from './jpeg/upsample';
import {
  HT_SIZE, ZZ, STD_DC_L, STD_DC_C, STD_AC_L, STD_AC_C, buildHuff, readerStart, readerRestart, readerStarved,
  readerNextMarker, brMarker, blockSeq, blockDcFirst, blockDcRefine, blockAcFirst, blockAcRefine,
} from './jpeg/huffman';

// Status (error class) and detail codes; src/kernels/jpeg.ts maps them to text.
const S_OK = 0, S_UNSUPPORTED = 1, S_CORRUPT = 2, S_TRUNCATED = 3, S_TOO_LARGE = 4;
const D_NOT_JPEG = 1, D_ARITH = 2, D_LOSSLESS = 3, D_HIER = 4, D_PRECISION = 5, D_HEADER_TRUNC = 6,
  D_SCAN_TRUNC = 7, D_NO_SOF = 8, D_BAD_SOF = 9, D_BAD_DIMS = 10, D_TOO_LARGE = 11, D_BAD_DQT = 12,
  D_BAD_DHT = 13, D_BAD_SOS = 14, D_MISSING_QT = 15, D_FRACTIONAL = 17, D_NO_SCAN = 18,
  D_COMPONENTS = 19, D_BAD_LENGTH = 20, D_OOM = 21, D_BAD_PROG = 22, D_BAD_DRI = 23, D_TWO_SOF = 24,
  D_BAD_SAMPLING = 25, D_NO_HUFF = 26, D_TOO_MANY_SCANS = 27;
// Real progressive files have about 10 scans; the cap bounds the work a
// crafted file can ask for (each scan walks every block of its components).
const MAX_SCANS = 1000;


const COMP_SIZE: usize = 80;
const C_ID = 0, C_H = 4, C_V = 8, C_TQ = 12, C_BPL = 16, C_BPC = 20, C_W = 24, C_HT = 28, C_COEF = 32,
  C_PLANE = 36, C_PRED = 40, C_DCT = 44, C_ACT = 48, C_BW = 52, C_BH = 56, C_ROW = 60, C_STRIDE = 64,
  C_QLATCH = 68; // 0 until the component's first scan copies its quant table into gLatch


// ---- results (read by the JS wrapper right after jpegDecode) ----
let rWidth = 0, rHeight = 0, rOut: usize = 0, rDetail = 0, rDetailValue = 0;
export function jpegWidth(): i32 { return rWidth; }
export function jpegHeight(): i32 { return rHeight; }
export function jpegOutPtr(): usize { return rOut; }
export function jpegDetail(): i32 { return rDetail; }
export function jpegDetailValue(): i32 { return rDetailValue; }
/** Bit i set: scan i ran into a marker before its last MCU (zero-filled, as libjpeg warns). */
export function jpegWarnScans(): i32 { return gWarnScans; }

// ---- per-image state (reset at the start of each jpegDecode) ----
let gEnd: usize = 0;
let gHuff: usize = 0, gHuffDefined = 0, gHuffBadDc = 0;
let gQuant: usize = 0, gQuantDefined = 0, gLatch: usize = 0;
let gComp: usize = 0, gNcomp = 0;
let gFrame = false, gProgressive = false;
let gW = 0, gH = 0, gHmax = 1, gVmax = 1, gMcusX = 0, gMcusY = 0;
let gRestart = 0, gAdobe = false, gAdobeTransform = -1, gJfif = false, gOrientation = 1;
let gScans = 0, gWarnScans = 0, gScanEnd: usize = 0;
let gStatus = 0;
// scan
let gSs = 0, gSe = 0, gAh = 0, gAl = 0;

// @ts-ignore: decorator
@inline function cget(c: i32, off: i32): i32 { return load<i32>(gComp + <usize>c * COMP_SIZE + <usize>off); }
// @ts-ignore: decorator
@inline function cset(c: i32, off: i32, v: i32): void { store<i32>(gComp + <usize>c * COMP_SIZE + <usize>off, v); }

function fail(status: i32, detail: i32, value: i32): i32 {
  if (gStatus == 0) { gStatus = status; rDetail = detail; rDetailValue = value; }
  return status;
}

// Grows memory up front so heap.alloc never traps; 0 when it cannot.
function jalloc(bytes: u64): usize {
  if (bytes > (1 << 30)) return 0;
  const top = heap.alloc(16);
  const need = <u64>top + bytes + 256;
  if (need > 0xFFFF0000) return 0;
  const have = <u64>memory.size() << 16;
  if (need > have) {
    const pages = <i32>((need - have + 0xFFFF) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  return heap.alloc(<usize>bytes);
}

// @ts-ignore: decorator
@inline function be16(p: usize): i32 { return (<i32>load<u8>(p) << 8) | <i32>load<u8>(p + 1); }


// ------------------------------------------------------------------- tables


function parseDHT(p: usize, end: usize): i32 {
  while (p < end) {
    const tc = <i32>load<u8>(p) >> 4, th = <i32>load<u8>(p) & 15;
    if (tc > 1 || th > 3 || p + 17 > end) return fail(S_CORRUPT, D_BAD_DHT, 0);
    let total = 0;
    for (let i = 1; i <= 16; i++) total += <i32>load<u8>(p + <usize>i);
    if (total > 256 || p + 17 + <usize>total > end) return fail(S_CORRUPT, D_BAD_DHT, 0);
    const idx = tc * 4 + th;
    if (!buildHuff(gHuff + <usize>idx * HT_SIZE, p + 1, p + 17, tc == 1)) return fail(S_CORRUPT, D_BAD_DHT, 0);
    gHuffDefined |= 1 << idx;
    // libjpeg refuses a DC table with a symbol > 15 when a scan uses it
    gHuffBadDc &= ~(1 << idx);
    if (tc == 0) for (let i = 0; i < total; i++) if (load<u8>(p + 17 + <usize>i) > 15) { gHuffBadDc |= 1 << idx; break; }
    p += 17 + <usize>total;
  }
  return 0;
}

function parseDQT(p: usize, end: usize): i32 {
  while (p < end) {
    const pq = <i32>load<u8>(p) >> 4, tq = <i32>load<u8>(p) & 15;
    if (pq > 1 || tq > 3) return fail(S_CORRUPT, D_BAD_DQT, 0);
    const n: usize = pq ? 128 : 64;
    if (p + 1 + n > end) return fail(S_CORRUPT, D_BAD_DQT, 0);
    const q = gQuant + (<usize>tq << 8);
    for (let k = 0; k < 64; k++) {
      const v = pq ? be16(p + 1 + (<usize>k << 1)) : <i32>load<u8>(p + 1 + <usize>k);
      store<i32>(q + (<usize>load<u8>(ZZ + <usize>k) << 2), v);
    }
    gQuantDefined |= 1 << tq;
    p += 1 + n;
  }
  return 0;
}

// ------------------------------------------------------------------ headers

function parseSOF(p: usize, end: usize, marker: i32, maxPixels: i32): i32 {
  if (gFrame) return fail(S_CORRUPT, D_TWO_SOF, 0);
  if (end - p < 6) return fail(S_CORRUPT, D_BAD_SOF, 0);
  const prec = <i32>load<u8>(p);
  gH = be16(p + 1);
  gW = be16(p + 3);
  const nf = <i32>load<u8>(p + 5);
  rWidth = gW; rHeight = gH;
  if (prec != 8) return fail(S_UNSUPPORTED, D_PRECISION, prec);
  if (nf == 0 || end - p < 6 + 3 * <usize>nf) return fail(S_CORRUPT, D_BAD_SOF, 0);
  if (nf != 1 && nf != 3 && nf != 4) return fail(S_UNSUPPORTED, D_COMPONENTS, nf);
  if (gW == 0 || gH == 0) return fail(S_CORRUPT, D_BAD_DIMS, 0);
  if (<u64>gW * <u64>gH > <u64>maxPixels) return fail(S_TOO_LARGE, D_TOO_LARGE, maxPixels);
  gProgressive = marker == 0xC2;
  gNcomp = nf;
  memory.fill(gComp, 0, 4 * COMP_SIZE);
  gHmax = 1; gVmax = 1;
  for (let c = 0; c < nf; c++) {
    const q = p + 6 + 3 * <usize>c;
    const hv = <i32>load<u8>(q + 1);
    const h = hv >> 4, v = hv & 15, tq = <i32>load<u8>(q + 2);
    if (h < 1 || h > 4 || v < 1 || v > 4) return fail(S_CORRUPT, D_BAD_SAMPLING, hv);
    if (tq > 3) return fail(S_CORRUPT, D_BAD_SOF, 0);
    cset(c, C_ID, <i32>load<u8>(q));
    cset(c, C_H, h); cset(c, C_V, v); cset(c, C_TQ, tq);
    if (h > gHmax) gHmax = h;
    if (v > gVmax) gVmax = v;
  }
  gMcusX = (gW + 8 * gHmax - 1) / (8 * gHmax);
  gMcusY = (gH + 8 * gVmax - 1) / (8 * gVmax);
  for (let c = 0; c < nf; c++) {
    const h = cget(c, C_H), v = cget(c, C_V);
    if (gHmax % h != 0 || gVmax % v != 0) return fail(S_UNSUPPORTED, D_FRACTIONAL, 0);
    const cw = <i32>((<i64>gW * h + gHmax - 1) / gHmax), ch = <i32>((<i64>gH * v + gVmax - 1) / gVmax);
    const bpl = gMcusX * h, bpc = gMcusY * v;
    cset(c, C_W, cw); cset(c, C_HT, ch);
    cset(c, C_BW, (cw + 7) >> 3); cset(c, C_BH, (ch + 7) >> 3);
    cset(c, C_BPL, bpl); cset(c, C_BPC, bpc);
    const bytes = <u64>bpl * <u64>bpc * 128;
    const coef = jalloc(bytes);
    if (coef == 0) return fail(S_TOO_LARGE, D_OOM, 0);
    memory.fill(coef, 0, <usize>bytes);
    cset(c, C_COEF, <i32>coef);
  }
  gFrame = true;
  return 0;
}

// EXIF orientation from an APP1 "Exif\0\0" payload [p, end).
function parseExif(p: usize, end: usize): void {
  if (end - p < 14) return;
  if (load<u32>(p) != 0x66697845 || load<u16>(p + 4) != 0) return; // "Exif\0\0"
  const t = p + 6;
  const len = <i64>(end - t);
  const le = load<u16>(t) == 0x4949;
  if (!le && load<u16>(t) != 0x4D4D) return;
  const ifd = <i64>rd32(t + 4, le);
  if (ifd < 8 || ifd + 2 > len) return;
  const n = <i64>rd16(t + <usize>ifd, le);
  for (let i: i64 = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > len) return;
    const ep = t + <usize>e;
    if (rd16(ep, le) == 0x0112) {
      const o = rd16(ep + 8, le);
      if (o >= 1 && o <= 8) gOrientation = o;
      return;
    }
  }
}
function rd16(p: usize, le: bool): i32 {
  return le ? <i32>load<u8>(p) | (<i32>load<u8>(p + 1) << 8) : be16(p);
}
function rd32(p: usize, le: bool): u32 {
  return le ? load<u32>(p) : bswap<u32>(load<u32>(p));
}

// ---------------------------------------------------------------- entropy



// @ts-ignore: decorator
@inline function decodeBlock(coef: usize, c: i32): void {
  const dct = gHuff + <usize>cget(c, C_DCT);
  const act = gHuff + <usize>cget(c, C_ACT);
  const pred = gComp + <usize>c * COMP_SIZE + <usize>C_PRED;
  if (!gProgressive) blockSeq(coef, pred, dct, act);
  else if (gSs == 0) { if (gAh == 0) blockDcFirst(coef, pred, dct, gAl); else blockDcRefine(coef, gAl); }
  else if (gAh == 0) blockAcFirst(coef, act, gSs, gSe, gAl);
  else blockAcRefine(coef, act, gSs, gSe, gAl);
}

// Which table slot a scan component uses, loading Annex K defaults for 0/1.
function useTable(idx: i32): bool {
  if (gHuffBadDc & (1 << idx)) return false;
  if (gHuffDefined & (1 << idx)) return true;
  const th = idx & 3;
  if (th > 1) return false;
  const src = idx < 4 ? (th == 0 ? STD_DC_L : STD_DC_C) : (th == 0 ? STD_AC_L : STD_AC_C);
  buildHuff(gHuff + <usize>idx * HT_SIZE, src, src + 16, idx >= 4);
  gHuffDefined |= 1 << idx;
  return true;
}

// Parses an SOS header at [p, end) and decodes its entropy-coded data,
// which starts at `end`. Returns with gScanEnd at the marker that follows.
function decodeScan(p: usize, end: usize): i32 {
  if (!gFrame) return fail(S_CORRUPT, D_NO_SOF, 0);
  if (gScans >= MAX_SCANS) return fail(S_CORRUPT, D_TOO_MANY_SCANS, MAX_SCANS);
  if (end - p < 1) return fail(S_CORRUPT, D_BAD_SOS, 0);
  const ns = <i32>load<u8>(p);
  if (ns < 1 || ns > 4 || end - p != 4 + 2 * <usize>ns) return fail(S_CORRUPT, D_BAD_SOS, 0);
  const sc = memory.data(16, 4); // component indices of this scan
  let blocks = 0;
  for (let i = 0; i < ns; i++) {
    const id = <i32>load<u8>(p + 1 + 2 * <usize>i);
    const tt = <i32>load<u8>(p + 2 + 2 * <usize>i);
    let ci = -1;
    for (let c = 0; c < gNcomp; c++) if (cget(c, C_ID) == id) { ci = c; break; }
    if (ci < 0) return fail(S_CORRUPT, D_BAD_SOS, 0);
    for (let j = 0; j < i; j++) if (load<i32>(sc + (<usize>j << 2)) == ci) return fail(S_CORRUPT, D_BAD_SOS, 0);
    store<i32>(sc + (<usize>i << 2), ci);
    const td = tt >> 4, ta = tt & 15;
    if (td > 3 || ta > 3) return fail(S_CORRUPT, D_BAD_SOS, 0);
    cset(ci, C_DCT, <i32>(<usize>td * HT_SIZE));
    cset(ci, C_ACT, <i32>(<usize>(4 + ta) * HT_SIZE));
    blocks += cget(ci, C_H) * cget(ci, C_V);
  }
  const q = p + 1 + 2 * <usize>ns;
  gSs = <i32>load<u8>(q);
  gSe = <i32>load<u8>(q + 1);
  gAh = <i32>load<u8>(q + 2) >> 4;
  gAl = <i32>load<u8>(q + 2) & 15;
  if (gProgressive) {
    if (gSe > 63 || gSs > gSe || (gSs == 0 && gSe != 0) || (gSs > 0 && ns != 1) || gAl > 13 || gAh > 13)
      return fail(S_CORRUPT, D_BAD_PROG, 0);
  } else {
    gSs = 0; gSe = 63; gAh = 0; gAl = 0;
  }
  if (ns > 1 && blocks > 10) return fail(S_CORRUPT, D_BAD_SOS, 0);
  // tables this scan needs
  for (let i = 0; i < ns; i++) {
    const ci = load<i32>(sc + (<usize>i << 2));
    if (gSs == 0 && gAh == 0 && !useTable(cget(ci, C_DCT) / <i32>HT_SIZE)) return fail(S_CORRUPT, (gHuffBadDc >> (cget(ci, C_DCT) / <i32>HT_SIZE)) & 1 ? D_BAD_DHT : D_NO_HUFF, 0);
    if (gSe > 0 && !useTable(cget(ci, C_ACT) / <i32>HT_SIZE)) return fail(S_CORRUPT, D_NO_HUFF, 0);
    if (cget(ci, C_QLATCH) == 0) {
      if (!(gQuantDefined & (1 << cget(ci, C_TQ)))) return fail(S_CORRUPT, D_MISSING_QT, cget(ci, C_TQ));
      memory.copy(gLatch + (<usize>ci << 8), gQuant + (<usize>cget(ci, C_TQ) << 8), 256);
      cset(ci, C_QLATCH, 1);
    }
    cset(ci, C_PRED, 0);
  }
  readerStart(end, gEnd);
  const ri = gRestart;
  let mcu = 0;
  if (ns == 1) {
    const c = load<i32>(sc);
    const bw = cget(c, C_BW), bh = cget(c, C_BH), bpl = cget(c, C_BPL);
    const base = <usize>cget(c, C_COEF);
    for (let by = 0; by < bh; by++) {
      for (let bx = 0; bx < bw; bx++) {
        if (ri > 0 && mcu > 0 && mcu % ri == 0) { if (ranOut()) return truncated(); restartInterval(); }
        if (readerStarved()) { if (brMarker == -1) return truncated(); mcu++; continue; }
        decodeBlock(base + ((<usize>by * <usize>bpl + <usize>bx) << 7), c);
        mcu++;
      }
    }
  } else {
    for (let my = 0; my < gMcusY; my++) {
      for (let mx = 0; mx < gMcusX; mx++) {
        if (ri > 0 && mcu > 0 && mcu % ri == 0) { if (ranOut()) return truncated(); restartInterval(); }
        // out of data: at the end of the file that is TRUNCATED; at a marker,
        // libjpeg leaves the rest of the segment's MCUs untouched, and so do we
        if (readerStarved()) { if (brMarker == -1) return truncated(); mcu++; continue; }
        for (let i = 0; i < ns; i++) {
          const c = load<i32>(sc + (<usize>i << 2));
          const h = cget(c, C_H), v = cget(c, C_V), bpl = cget(c, C_BPL);
          const base = <usize>cget(c, C_COEF);
          for (let yy = 0; yy < v; yy++) {
            const row = <usize>(my * v + yy) * <usize>bpl;
            for (let xx = 0; xx < h; xx++) {
              decodeBlock(base + ((row + <usize>(mx * h + xx)) << 7), c);
            }
          }
        }
        mcu++;
      }
    }
  }
  if (ranOut()) return truncated();
  if (brMarker > 0 && readerStarved()) gWarnScans |= 1 << (gScans & 31); // premature end of segment
  gScans++;
  // skip to the next marker
  gScanEnd = readerNextMarker();
  return 0;
}

// True when the data ended (no marker) and the decoder used the zero padding.
// @ts-ignore: decorator
@inline function ranOut(): bool { return brMarker == -1 && readerStarved(); }

function restartInterval(): void {
  readerRestart();
  for (let c = 0; c < gNcomp; c++) cset(c, C_PRED, 0);
}
function truncated(): i32 { return fail(S_TRUNCATED, D_SCAN_TRUNC, gScans + 1); }

// ------------------------------------------------------------------ output

function outputImage(): i32 {
  // IDCT every block each component needs into its plane.
  for (let c = 0; c < gNcomp; c++) {
    const bpl = cget(c, C_BPL), bw = cget(c, C_BW), bh = cget(c, C_BH);
    const stride = bpl * 8;
    const plane = jalloc(<u64>stride * <u64>(bh * 8) + 64);
    if (plane == 0) return fail(S_TOO_LARGE, D_OOM, 0);
    cset(c, C_PLANE, <i32>plane);
    cset(c, C_STRIDE, stride);
    // a component no scan reached has only zero coefficients (mid-grey)
    const q = cget(c, C_QLATCH) != 0 ? gLatch + (<usize>c << 8) : gQuant + (<usize>cget(c, C_TQ) << 8);
    const coef = <usize>cget(c, C_COEF);
    for (let by = 0; by < bh; by++) {
      const crow = coef + ((<usize>by * <usize>bpl) << 7);
      const prow = plane + <usize>by * 8 * <usize>stride;
      for (let bx = 0; bx < bw; bx++) idctBlock(crow + (<usize>bx << 7), q, prow + (<usize>bx << 3), stride);
    }
    // row buffer for upsampled rows (2x the component width covers fancy paths)
    const rowLen = <u64>(gW > cget(c, C_W) * 2 ? gW : cget(c, C_W) * 2) + 64;
    const rb = jalloc(rowLen);
    if (rb == 0) return fail(S_TOO_LARGE, D_OOM, 0);
    cset(c, C_ROW, <i32>rb);
  }
  const outBytes = <u64>gW * <u64>gH * 4;
  const out = jalloc(outBytes + 64);
  if (out == 0) return fail(S_TOO_LARGE, D_OOM, 0);
  const rows = memory.data(16, 4);
  // colour model
  let model = 0; // 0 gray, 1 ycc, 2 rgb, 3 cmyk, 4 ycck
  if (gNcomp == 3) {
    // libjpeg's guess: JFIF -> YCbCr; Adobe transform 0 -> RGB; ids 'R','G','B' -> RGB
    model = 1;
    if (gJfif) model = 1;
    else if (gAdobe) { if (gAdobeTransform == 0) model = 2; }
    else if (cget(0, C_ID) == 82 && cget(1, C_ID) == 71 && cget(2, C_ID) == 66) model = 2;
  } else if (gNcomp == 4) {
    model = gAdobe && gAdobeTransform != 0 ? 4 : 3; // Adobe transform 2 (or unknown) -> YCCK
  }
  for (let y = 0; y < gH; y++) {
    for (let c = 0; c < gNcomp; c++) store<usize>(rows + (<usize>c << 2), componentRow(c, y));
    const o = out + <usize>y * <usize>gW * 4;
    const r0 = load<usize>(rows), r1 = load<usize>(rows, 4), r2 = load<usize>(rows, 8), r3 = load<usize>(rows, 12);
    if (model == 0) rowGray(r0, o, gW);
    else if (model == 1) rowYcc(r0, r1, r2, o, gW);
    else if (model == 2) rowRgb(r0, r1, r2, o, gW);
    else rowCmyk(r0, r1, r2, r3, o, gW, model == 4);
  }
  rOut = out;
  if (gOrientation != 1) {
    const dst = jalloc(outBytes + 64);
    if (dst == 0) return fail(S_TOO_LARGE, D_OOM, 0);
    orient(out, dst, gW, gH, gOrientation);
    rOut = dst;
    if (gOrientation >= 5) { rWidth = gH; rHeight = gW; }
  }
  return 0;
}

// Pointer to output row y of component c at full resolution.
function componentRow(c: i32, y: i32): usize {
  const h = cget(c, C_H), v = cget(c, C_V);
  const hs = gHmax / h, vs = gVmax / v;
  const plane = <usize>cget(c, C_PLANE), stride = <usize>cget(c, C_STRIDE);
  const n = cget(c, C_W), ch = cget(c, C_HT);
  const dst = <usize>cget(c, C_ROW);
  if (hs == 1 && vs == 1) return plane + <usize>y * stride;
  if (hs == 2 && vs == 1 && n > 2) { h2v1Fancy(plane + <usize>y * stride, dst, n); return dst; }
  if (hs == 2 && vs == 2 && n > 2) {
    const r = y >> 1;
    const nb = (y & 1) ? (r + 1 < ch ? r + 1 : ch - 1) : (r > 0 ? r - 1 : 0);
    h2v2Fancy(plane + <usize>r * stride, plane + <usize>nb * stride, dst, n);
    return dst;
  }
  if (hs == 1 && vs == 2) {
    const r = y >> 1;
    const nb = (y & 1) ? (r + 1 < ch ? r + 1 : ch - 1) : (r > 0 ? r - 1 : 0);
    h1v2Fancy(plane + <usize>r * stride, plane + <usize>nb * stride, dst, n, (y & 1) ? 2 : 1);
    return dst;
  }
  let r = y / vs;
  if (r >= ch) r = ch - 1;
  replicate(plane + <usize>r * stride, dst, gW, hs);
  return dst;
}

// Applies EXIF orientation o (2..8) from src [h, w] to dst.
function orient(src: usize, dst: usize, w: i32, h: i32, o: i32): void {
  const ow = o >= 5 ? h : w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let dx = x, dy = y;
      if (o == 2) dx = w - 1 - x;
      else if (o == 3) { dx = w - 1 - x; dy = h - 1 - y; }
      else if (o == 4) dy = h - 1 - y;
      else if (o == 5) { dx = y; dy = x; }
      else if (o == 6) { dx = h - 1 - y; dy = x; }
      else if (o == 7) { dx = h - 1 - y; dy = w - 1 - x; }
      else { dx = y; dy = w - 1 - x; }
      store<u32>(dst + ((<usize>dy * <usize>ow + <usize>dx) << 2), load<u32>(src + ((<usize>y * <usize>w + <usize>x) << 2)));
    }
  }
}

// -------------------------------------------------------------------- main

function resetState(): void {
  gStatus = 0; rDetail = 0; rDetailValue = 0; rWidth = 0; rHeight = 0; rOut = 0;
  gHuffDefined = 0; gHuffBadDc = 0; gQuantDefined = 0; gNcomp = 0; gFrame = false; gProgressive = false;
  gW = 0; gH = 0; gRestart = 0; gAdobe = false; gAdobeTransform = -1; gJfif = false; gOrientation = 1;
  gScans = 0; gWarnScans = 0; gScanEnd = 0;
}

/**
 * Decodes the JPEG at [ptr, ptr+len). Returns 0 and sets jpegWidth/Height/
 * OutPtr, or an S_* status with jpegDetail/jpegDetailValue.
 */
export function jpegDecode(ptr: usize, len: i32, maxPixels: i32): i32 {
  resetState();
  if (len < 2 || load<u8>(ptr) != 0xFF || load<u8>(ptr + 1) != 0xD8) return fail(S_CORRUPT, D_NOT_JPEG, 0);
  gEnd = ptr + <usize>len;
  gHuff = jalloc(8 * HT_SIZE);
  gQuant = jalloc(4 * 256);
  gLatch = jalloc(4 * 256);
  gComp = jalloc(4 * COMP_SIZE);
  if (gHuff == 0 || gQuant == 0 || gLatch == 0 || gComp == 0) return fail(S_TOO_LARGE, D_OOM, 0);
  let p = ptr + 2;
  let sawEoi = false;
  while (true) {
    // next marker: skip garbage, then fill bytes
    while (p < gEnd && load<u8>(p) != 0xFF) p++;
    while (p < gEnd && load<u8>(p) == 0xFF) p++;
    if (p >= gEnd) break;
    const m = <i32>load<u8>(p);
    p++;
    if (m == 0) continue; // stuffed byte outside a scan: garbage
    if (m == 0xD9) { sawEoi = true; break; }
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;
    if (m == 0xD8) return fail(S_CORRUPT, D_BAD_LENGTH, m);
    if (p + 2 > gEnd) return fail(S_TRUNCATED, D_HEADER_TRUNC, 0);
    const l = be16(p);
    if (l < 2) return fail(S_CORRUPT, D_BAD_LENGTH, m);
    const segEnd = p + <usize>l;
    if (segEnd > gEnd) return fail(S_TRUNCATED, D_HEADER_TRUNC, 0);
    const s = p + 2;
    let st = 0;
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) st = parseSOF(s, segEnd, m, maxPixels);
    else if (m == 0xC3 || m == 0xC7 || m == 0xCB || m == 0xCF) st = fail(S_UNSUPPORTED, D_LOSSLESS, m - 0xC0);
    else if (m == 0xC5 || m == 0xC6 || m == 0xDE) st = fail(S_UNSUPPORTED, D_HIER, m == 0xDE ? m : m - 0xC0);
    else if (m == 0xC9 || m == 0xCA || m == 0xCD || m == 0xCE) st = fail(S_UNSUPPORTED, D_ARITH, m - 0xC0);
    else if (m == 0xC4) st = parseDHT(s, segEnd);
    else if (m == 0xDB) st = parseDQT(s, segEnd);
    else if (m == 0xDD) {
      if (l != 4) st = fail(S_CORRUPT, D_BAD_DRI, 0);
      else gRestart = be16(s);
    } else if (m == 0xDA) {
      st = decodeScan(s, segEnd);
      if (st == 0) { p = gScanEnd; continue; }
    } else if (m == 0xE0) {
      if (segEnd - s >= 5 && load<u32>(s) == 0x4649464A && load<u8>(s + 4) == 0) gJfif = true;
    } else if (m == 0xE1) {
      parseExif(s, segEnd);
    } else if (m == 0xEE) {
      if (segEnd - s >= 12 && load<u32>(s) == 0x626F6441 && load<u8>(s + 4) == 0x65) { // "Adobe"
        gAdobe = true;
        gAdobeTransform = <i32>load<u8>(s + 11);
      }
    }
    if (st != 0) return st;
    p = segEnd;
  }
  if (!gFrame) return fail(S_TRUNCATED, D_HEADER_TRUNC, 0);
  if (gScans == 0) return sawEoi ? fail(S_CORRUPT, D_NO_SCAN, 0) : fail(S_TRUNCATED, D_HEADER_TRUNC, 0);
  const st = outputImage();
  if (st != 0) return st;
  return S_OK;
}

/** Test hook: IDCT of one block (coef i16[64], q i32[64], natural order) into out u8[64]. */
export function jpegIdctBlock(coef: usize, q: usize, out: usize): void {
  idctBlock(coef, q, out, 8);
}

/**
 * Test hook for the SIMD row kernels. kind 0: rowYcc(a, b, c -> out, n);
 * 1: h2v1Fancy(a -> out, n); 2: h2v2Fancy(a, b -> out, n); 3: h1v2Fancy(a, b -> out, n, bias);
 * 4: rowCmyk(a, b, c, d -> out, n, ycck = bias != 0).
 */
export function jpegTestRow(kind: i32, a: usize, b: usize, c: usize, d: usize, out: usize, n: i32, bias: i32): void {
  if (kind == 0) rowYcc(a, b, c, out, n);
  else if (kind == 1) h2v1Fancy(a, out, n);
  else if (kind == 2) h2v2Fancy(a, b, out, n);
  else if (kind == 3) h1v2Fancy(a, b, out, n, bias);
  else rowCmyk(a, b, c, d, out, n, bias != 0);
}
