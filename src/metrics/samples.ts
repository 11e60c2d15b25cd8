// Sample sets for the diversity metrics, and the pure (no Node, no DOM)
// loaders: .npy arrays, grid images, generator output, mixed-size image lists.
//
// A SampleSet is NHWC with 3 channels: Float32Array values in [0,1] or
// Uint8Array values 0..255. Grayscale inputs are replicated to 3 channels,
// alpha is dropped.
import { resizeToSquare } from '../kernels/resize';
import { areaResize } from '../image/area_resize';
import { Rng } from '../util/rng';

export interface SampleSet {
  n: number;
  height: number;
  width: number;
  channels: 3;
  /** NHWC: Float32Array in [0,1] or Uint8Array 0..255. */
  data: Float32Array | Uint8Array;
}

export type ValueRange = 'auto' | '-1,1' | '0,1' | '0,255';
export type Layout = 'auto' | 'nhwc' | 'nchw';

/** A user-facing input problem (bad file, bad flag value): one line, exit 2 in the CLI. */
export class SampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleError';
  }
}

export function checkSampleSet(s: SampleSet, what = 'samples'): void {
  const need = s.n * s.height * s.width * 3;
  if (!(s.n >= 0 && s.height >= 1 && s.width >= 1) || s.channels !== 3 || s.data.length !== need) {
    throw new SampleError(`${what}: expected n*h*w*3 = ${need} values for ${s.n}x${s.height}x${s.width}x3, got ${s.data.length}`);
  }
  if (s.data instanceof Float32Array) {
    for (let i = 0; i < s.data.length; i++) {
      if (!Number.isFinite(s.data[i])) throw new SampleError(`${what}: non-finite value at flat index ${i} (sample ${Math.floor(i / (s.height * s.width * 3))})`);
    }
  }
}

/** Value of element i in [0,1]. */
export function valueAt(s: SampleSet, i: number): number {
  return s.data instanceof Uint8Array ? s.data[i] / 255 : s.data[i];
}

/**
 * Generator output (NHWC floats in [-1,1], e.g. `await t.data()` of a tfjs
 * tensor) to a SampleSet in [0,1]; values are clamped. channels 1 is replicated.
 */
export function fromGeneratorOutput(data: Float32Array | ArrayLike<number>, n: number, height: number, width: number, channels = 3): SampleSet {
  if (channels !== 1 && channels !== 3) throw new SampleError(`fromGeneratorOutput: channels must be 1 or 3, got ${channels}`);
  if (data.length !== n * height * width * channels) throw new SampleError(`fromGeneratorOutput: ${data.length} values is not ${n}x${height}x${width}x${channels}`);
  const out = new Float32Array(n * height * width * 3);
  const px = n * height * width;
  for (let p = 0; p < px; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (data[p * channels + (channels === 1 ? 0 : c)] + 1) * 0.5;
      out[p * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return { n, height, width, channels: 3, data: out };
}

/** Concatenates sample sets of the same size. */
export function concatSamples(sets: SampleSet[]): SampleSet {
  if (!sets.length) throw new SampleError('concatSamples: nothing to concatenate');
  const { height, width } = sets[0];
  let n = 0;
  for (const s of sets) {
    if (s.height !== height || s.width !== width) throw new SampleError('concatSamples: sizes differ');
    n += s.n;
  }
  const out = new Float32Array(n * height * width * 3);
  let o = 0;
  for (const s of sets) {
    for (let i = 0; i < s.data.length; i++) out[o + i] = valueAt(s, i);
    o += s.data.length;
  }
  return { n, height, width, channels: 3, data: out };
}

/** Picks samples by index (copies). */
export function subsetSamples(s: SampleSet, idx: ArrayLike<number>): SampleSet {
  const sz = s.height * s.width * 3;
  const out = new (s.data instanceof Uint8Array ? Uint8Array : Float32Array)(idx.length * sz);
  for (let k = 0; k < idx.length; k++) out.set(s.data.subarray(idx[k] * sz, (idx[k] + 1) * sz), k * sz);
  return { n: idx.length, height: s.height, width: s.width, channels: 3, data: out };
}

// ---------------------------------------------------------------- .npy

/** What a .npy header says, checked: an array of n images, h x w x c (c in 1, 3, 4). */
export interface NpyInfo {
  kind: 'f4' | 'f8' | 'u1';
  /** Bytes per value. */
  esize: number;
  /** The shape as written in the header. */
  shape: number[];
  n: number;
  h: number;
  w: number;
  c: number;
  layout: 'nhwc' | 'nchw';
  /** Byte offset of the data. */
  offset: number;
  /** Values and bytes of one image (one row of axis 0). */
  rowValues: number;
  rowBytes: number;
}

/**
 * The size of a .npy header (magic, version, length and dict), from the first
 * 12 bytes (10 suffice for format 1). Throws SampleError for a bad magic or
 * version.
 */
export function npyHeaderSize(b: Uint8Array): number {
  if (b.length < 10 || b[0] !== 0x93 || String.fromCharCode(b[1], b[2], b[3], b[4], b[5]) !== 'NUMPY') {
    throw new SampleError('.npy: not a NumPy file (bad magic)');
  }
  const major = b[6];
  if (major === 1) return 10 + (b[8] | (b[9] << 8));
  if (major === 2 || major === 3) {
    if (b.length < 12) throw new SampleError('.npy: truncated header');
    return 12 + ((b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24)) >>> 0);
  }
  throw new SampleError(`.npy: unsupported format version ${major}`);
}

/** The dict of a .npy header (`b` holds at least the header, see npyHeaderSize): any dtype and shape. */
export function readNpyHeader(b: Uint8Array): { descr: string; fortranOrder: boolean; shape: number[]; offset: number } {
  const end = npyHeaderSize(b);
  const start = b[6] === 1 ? 10 : 12;
  if (end > b.length) throw new SampleError('.npy: truncated header');
  let h = '';
  for (let i = start; i < end; i++) h += String.fromCharCode(b[i]);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(h);
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(h);
  const sh = /'shape'\s*:\s*\(([^)]*)\)/.exec(h);
  if (!descr || !fo || !sh) throw new SampleError(`.npy: malformed header ${JSON.stringify(h.trim().slice(0, 80))}`);
  const shape = sh[1].split(',').map((t) => t.trim()).filter((t) => t.length).map((t) => {
    if (!/^\d+$/.test(t)) throw new SampleError(`.npy: malformed shape (${sh[1]})`);
    return Number(t);
  });
  return { descr: descr[1], fortranOrder: fo[1] === 'True', shape, offset: end };
}

/**
 * Parses and checks a .npy header (`b` holds at least the header, see
 * npyHeaderSize): dtype float32/float64/uint8, C order, shape (N,H,W,C),
 * (N,C,H,W) or (N,H,W) with C in {1,3,4}. `layout` auto: NHWC when the last
 * axis is 1/3/4, else NCHW when axis 1 is. Does not look at the data.
 */
export function readNpyInfo(b: Uint8Array, opts: { layout?: Layout } = {}): NpyInfo {
  const { descr: dt, fortranOrder, shape: hdShape, offset: end } = readNpyHeader(b);
  if (fortranOrder) throw new SampleError('.npy: fortran_order arrays are not supported (save with C order)');
  const kind = dt === '<f4' || dt === '=f4' ? 'f4' : dt === '<f8' || dt === '=f8' ? 'f8' : dt === '|u1' || dt === 'u1' || dt === '<u1' ? 'u1' : '';
  if (!kind) throw new SampleError(`.npy: dtype ${dt} not supported (float32, float64 or uint8)`);
  let shape = hdShape;
  if (shape.length === 3) shape = [shape[0], shape[1], shape[2], 1];
  if (shape.length !== 4) throw new SampleError(`.npy: expected 3 or 4 dimensions (N,H,W[,C]), got shape (${hdShape.join(',')})`);
  const isC = (v: number) => v === 1 || v === 3 || v === 4;
  let layout = opts.layout ?? 'auto';
  if (layout === 'auto') {
    if (isC(shape[3])) layout = 'nhwc';
    else if (isC(shape[1])) layout = 'nchw';
    else throw new SampleError(`.npy: cannot tell the channel axis of shape (${hdShape.join(',')}); pass --layout`);
  }
  const [n, hh, w, c] = layout === 'nhwc' ? shape : [shape[0], shape[2], shape[3], shape[1]];
  if (!isC(c)) throw new SampleError(`.npy: ${c} channels with layout ${layout} (need 1, 3 or 4)`);
  const esize = kind === 'f4' ? 4 : kind === 'f8' ? 8 : 1;
  const rowValues = hh * w * c;
  return { kind, esize, shape: hdShape, n, h: hh, w, c, layout, offset: end, rowValues, rowBytes: rowValues * esize };
}

/** The error parseNpy and the Node loader give when the file is shorter than its header says. */
export function npyTruncatedError(info: NpyInfo, dataBytes: number): SampleError {
  return new SampleError(`.npy: truncated data (${dataBytes} bytes for ${info.n * info.rowValues} values of ${info.esize})`);
}

function npyRowView(info: NpyInfo, row: Uint8Array): (j: number) => number {
  const view = new DataView(row.buffer, row.byteOffset, info.rowBytes);
  return info.kind === 'f4' ? (j) => view.getFloat32(j * 4, true) : info.kind === 'f8' ? (j) => view.getFloat64(j * 8, true) : (j) => row[j];
}

/**
 * The value range of .npy rows, fed one row at a time (`row` holds
 * info.rowBytes bytes of image number `index` of the file). Non-finite values
 * throw with their flat index in the file.
 */
export class NpyRangeScan {
  lo = Infinity;
  hi = -Infinity;
  constructor(private readonly info: NpyInfo) {}
  add(row: Uint8Array, index: number): void {
    const get = npyRowView(this.info, row);
    let lo = this.lo, hi = this.hi;
    for (let j = 0; j < this.info.rowValues; j++) {
      const v = get(j);
      if (!Number.isFinite(v)) throw new SampleError(`.npy: non-finite value at flat index ${index * this.info.rowValues + j}`);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.lo = lo; this.hi = hi;
  }
  /** `range` auto: uint8 is 0..255; floats with a value below -0.01 are [-1,1], with a maximum above 1.5 are [0,255], otherwise [0,1]. */
  range(range: ValueRange = 'auto'): Exclude<ValueRange, 'auto'> {
    if (range !== 'auto') return range;
    return this.info.kind === 'u1' ? '0,255' : this.lo < -0.01 ? '-1,1' : this.hi > 1.5 ? '0,255' : '0,1';
  }
}

/** Converts one .npy row (one image) to sample k of `out` (NHWC, 3 channels, [0,1], clamped). */
export function npyRowToSamples(info: NpyInfo, row: Uint8Array, range: Exclude<ValueRange, 'auto'>, out: Float32Array, k: number): void {
  const get = npyRowView(info, row);
  const { h, w, c, layout } = info;
  const [a, b] = range === '-1,1' ? [-1, 1] : range === '0,1' ? [0, 1] : [0, 255];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    for (let ch = 0; ch < 3; ch++) {
      const sc = c === 1 ? 0 : ch;
      const src = layout === 'nhwc' ? (y * w + x) * c + sc : (sc * h + y) * w + x;
      const v = (get(src) - a) / (b - a);
      out[((k * h + y) * w + x) * 3 + ch] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}

/**
 * Parses a .npy array of images: float32/float64/uint8, shape (N,H,W,C),
 * (N,C,H,W) or (N,H,W) with C in {1,3,4}. `range` auto: uint8 is 0..255;
 * floats with a value below -0.01 are [-1,1], with a maximum above 1.5 are
 * [0,255], otherwise [0,1]. `layout` auto: NHWC when the last axis is 1/3/4,
 * else NCHW when axis 1 is. Returns a Float32Array SampleSet in [0,1].
 * (The Node loader reads only chosen rows of a big file with the same pieces:
 * readNpyInfo, NpyRangeScan, npyRowToSamples.)
 */
export function parseNpy(bytes: Uint8Array, opts: { range?: ValueRange; layout?: Layout } = {}): SampleSet & { detected: { range: string; layout: string; dtype: string } } {
  const info = readNpyInfo(bytes, opts);
  const { n, h, w, rowBytes, offset } = info;
  if (bytes.length - offset < n * rowBytes) throw npyTruncatedError(info, bytes.length - offset);
  const row = (k: number) => bytes.subarray(offset + k * rowBytes, offset + (k + 1) * rowBytes);
  const scan = new NpyRangeScan(info);
  for (let k = 0; k < n; k++) scan.add(row(k), k);
  const range = scan.range(opts.range);
  const out = new Float32Array(n * h * w * 3);
  for (let k = 0; k < n; k++) npyRowToSamples(info, row(k), range, out, k);
  return { n, height: h, width: w, channels: 3, data: out, detected: { range, layout: info.layout, dtype: info.kind } };
}

/** Builds a .npy file (little-endian, C order) — for tests and tools. */
export function encodeNpy(data: Float32Array | Uint8Array | Float64Array, shape: number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : '|u1';
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + h.length + 1;
  h += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + h.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + h.length);
  return out;
}

// ---------------------------------------------------------------- images

export interface RgbaImage { width: number; height: number; data: Uint8Array }

/**
 * Splits one grid image (RGBA8 or RGB8) of rows x cols tiles separated and
 * surrounded by `pad` pixels (width = cols*tile + (cols+1)*pad, the layout
 * our trainer writes) into rows*cols samples.
 */
export function splitGrid(img: RgbaImage, rows: number, cols: number, pad = 0): SampleSet {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 1 && cols >= 1)) throw new SampleError(`--grid: bad grid ${rows}x${cols}`);
  if (!(Number.isInteger(pad) && pad >= 0)) throw new SampleError(`--pad: bad value ${pad}`);
  const c = img.data.length === img.width * img.height * 4 ? 4 : img.data.length === img.width * img.height * 3 ? 3 : 0;
  if (!c) throw new SampleError('grid image: data is neither RGBA nor RGB');
  const tw = (img.width - (cols + 1) * pad) / cols;
  const th = (img.height - (rows + 1) * pad) / rows;
  if (!Number.isInteger(tw) || !Number.isInteger(th) || tw < 1 || th < 1) {
    throw new SampleError(`--grid ${rows}x${cols} --pad ${pad} does not divide a ${img.width}x${img.height} image (needs width = cols*tile + (cols+1)*pad)`);
  }
  const n = rows * cols;
  const out = new Uint8Array(n * tw * th * 3);
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) {
    const k = r * cols + q, ox = pad + q * (tw + pad), oy = pad + r * (th + pad);
    for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
      const s = ((oy + y) * img.width + ox + x) * c, d = ((k * th + y) * tw + x) * 3;
      out[d] = img.data[s]; out[d + 1] = img.data[s + 1]; out[d + 2] = img.data[s + 2];
    }
  }
  return { n, height: th, width: tw, channels: 3, data: out };
}

/** Area-average resize of one RGB8 image (any factor): the area-resize core (src/image/area_resize.ts). */
export function boxResizeRgb(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  areaResize(src, sw, sh, dw, dh, 3, out);
  return out;
}

/**
 * Writes one decoded image (RGBA8 or RGB8) as sample k of `out` (u8 NHWC RGB,
 * w x h per sample), resizing it (area average) when its size differs: square
 * to square through the pipeline's SIMD resize (src/kernels/resize.ts), other
 * shapes with boxResizeRgb. Returns whether it was resized.
 */
export function writeImageSample(img: RgbaImage, w: number, h: number, out: Uint8Array, k: number): boolean {
  const c = img.data.length === img.width * img.height * 4 ? 4 : 3;
  let rgb: Uint8Array = new Uint8Array(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) { rgb[p * 3] = img.data[p * c]; rgb[p * 3 + 1] = img.data[p * c + 1]; rgb[p * 3 + 2] = img.data[p * c + 2]; }
  const resized = img.width !== w || img.height !== h;
  if (resized) rgb = img.width === img.height && w === h ? resizeToSquare({ width: img.width, height: img.height, data: rgb }, w, false) : boxResizeRgb(rgb, img.width, img.height, w, h);
  out.set(rgb, k * w * h * 3);
  return resized;
}

/**
 * Decoded images (RGBA8 or RGB8) to one u8 SampleSet. Mixed sizes are
 * resized (area average) to the smallest width and the smallest height;
 * `resized` counts them (see writeImageSample).
 */
export function fromImages(images: RgbaImage[]): SampleSet & { resized: number } {
  if (!images.length) throw new SampleError('no images');
  const w = Math.min(...images.map((i) => i.width)), h = Math.min(...images.map((i) => i.height));
  const out = new Uint8Array(images.length * w * h * 3);
  let resized = 0;
  images.forEach((img, k) => { if (writeImageSample(img, w, h, out, k)) resized++; });
  return { n: images.length, height: h, width: w, channels: 3, data: out, resized };
}

/**
 * Width and height from a PNG's IHDR or a JPEG's SOF marker, without decoding:
 * `bytes` may be only the start of the file. 'more' when the answer lies past
 * the bytes given (a JPEG with big metadata segments), null when the bytes are
 * not a PNG or JPEG this can read (decodeImage then says why).
 */
export function imageDimensions(bytes: Uint8Array): { width: number; height: number } | 'more' | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) {
    if (b.length < 24) return 'more';
    if (String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') return null;
    const u32 = (o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    const width = u32(16), height = u32(20);
    return width > 0 && height > 0 ? { width, height } : null;
  }
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    for (;;) {
      if (i + 4 > b.length) return 'more';
      if (b[i] !== 0xff) return null;
      const m = b[i + 1];
      if (m === 0xff) { i++; continue; } // fill byte
      if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { i += 2; continue; }
      if (m === 0xd9 || m === 0xda) return null; // end of image / scan data before any frame header
      const len = (b[i + 2] << 8) | b[i + 3];
      if (len < 2) return null;
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        if (i + 9 > b.length) return 'more';
        const height = (b[i + 5] << 8) | b[i + 6], width = (b[i + 7] << 8) | b[i + 8];
        return width > 0 && height > 0 ? { width, height } : null;
      }
      i += 2 + len;
    }
  }
  return null;
}

/**
 * The trainer's sample grids (src/train/loop.ts writeSamples, tileGrid's
 * defaults): 64 images in 8 rows of 8 columns, 2 pixels around and between
 * the tiles, saved as samples/step-NNNNNN.png.
 */
export const TRAINER_GRID = { rows: 8, cols: 8, pad: 2, name: /^step-(\d{6,})\.png$/i } as const;

/** The tile size when width x height is the trainer's 8x8 grid with pad 2 (width = height = 8*tile + 9*2), else null. */
export function trainerGridTile(width: number, height: number): number | null {
  const { cols, rows, pad } = TRAINER_GRID;
  const t = (width - (cols + 1) * pad) / cols;
  return Number.isInteger(t) && t >= 1 && height === rows * t + (rows + 1) * pad ? t : null;
}

// ---------------------------------------------------------------- subsets

/**
 * 0..n-1 in a uniformly random order, seeded (src/util/rng.ts), drawn lazily:
 * a partial Fisher-Yates shuffle that keeps only the swapped positions, so k
 * draws cost O(k) time and memory whatever n is. The first k values are a
 * uniformly random k-subset; the values after them are replacements.
 */
export function* randomOrder(n: number, seed: number): Generator<number, void, undefined> {
  const rng = new Rng(seed);
  const swapped = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(n - i);
    const vj = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    swapped.delete(i);
    yield vj;
  }
}

/** k distinct indices of 0..n-1 (a uniformly random subset, seeded), ascending; all of them when k >= n. */
export function seededSubset(n: number, k: number, seed: number): number[] {
  const out: number[] = [];
  if (k >= n) { for (let i = 0; i < n; i++) out.push(i); return out; }
  for (const i of randomOrder(n, seed)) {
    out.push(i);
    if (out.length >= k) break;
  }
  return out.sort((a, b) => a - b);
}

// ---------------------------------------------------------------- features

/** Rec. 601 luminance in [0,1], f32 [n][h][w]. */
export function luminance(s: SampleSet): Float32Array {
  const px = s.n * s.height * s.width;
  const out = new Float32Array(px);
  const d = s.data, k = d instanceof Uint8Array ? 1 / 255 : 1;
  for (let p = 0; p < px; p++) out[p] = (0.299 * d[p * 3] + 0.587 * d[p * 3 + 1] + 0.114 * d[p * 3 + 2]) * k;
  return out;
}

/**
 * Downsampled flattened pixels: each sample area-averaged to size x size x 3
 * in [0,1], f32 [n][size*size*3]. Images smaller than `size` are upsampled by
 * the same box rule (nearest).
 */
export function pixelFeatures(s: SampleSet, size = 32): Float32Array {
  const d = size * size * 3;
  const out = new Float32Array(s.n * d);
  const { height: h, width: w } = s;
  const scale = s.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let i = 0; i < s.n; i++) areaResize(s.data, w, h, size, size, 3, out, { scale, srcOffset: i * h * w * 3, outOffset: i * d });
  return out;
}
