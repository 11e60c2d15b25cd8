// Minimal PNG encoder for tests: any colour type, bit depth, Adam7, chosen
// row filters, PLTE/tRNS, with node:zlib doing the compression. Independent
// of the decoder under test (written from the PNG spec).
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
export const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

export interface EncodeSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  depth: 1 | 2 | 4 | 8 | 16;
  /** Samples, row-major, CHANNELS[colorType] per pixel, raw values at `depth`. */
  samples: Uint16Array;
  interlace?: boolean;
  /** Filter type per row (cycled), default [0]. 5 = choose per row by index. */
  filters?: number[];
  palette?: Uint8Array; // RGB triples
  trns?: Uint8Array; // raw tRNS payload
  level?: number;
  /** Split the zlib stream over this many IDAT chunks. */
  idatChunks?: number;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function packRow(s: EncodeSpec, xs: number[], y: number): Uint8Array {
  const ch = CHANNELS[s.colorType], d = s.depth;
  const bits = xs.length * ch * d;
  const row = new Uint8Array(Math.ceil(bits / 8));
  let bit = 0;
  for (const x of xs) {
    for (let c = 0; c < ch; c++) {
      const v = s.samples[(y * s.width + x) * ch + c];
      if (d === 16) { row[bit >> 3] = v >> 8; row[(bit >> 3) + 1] = v & 255; }
      else if (d === 8) row[bit >> 3] = v;
      else row[bit >> 3] |= v << (8 - d - (bit & 7));
      bit += d;
    }
  }
  return row;
}

export function encodePng(s: EncodeSpec): Uint8Array {
  const ch = CHANNELS[s.colorType];
  const bpp = Math.max(1, (ch * s.depth) >> 3);
  const filters = s.filters ?? [0];
  const rows: Uint8Array[] = [];
  let rowIndex = 0;
  const passes = s.interlace ? ADAM7 : [[0, 0, 1, 1]];
  for (const [x0, y0, dx, dy] of passes) {
    const xs: number[] = [];
    for (let x = x0; x < s.width; x += dx) xs.push(x);
    if (!xs.length) continue;
    let prev: Uint8Array | null = null;
    for (let y = y0; y < s.height; y += dy) {
      const raw = packRow(s, xs, y);
      const ft = filters[rowIndex++ % filters.length];
      const f = new Uint8Array(raw.length + 1);
      f[0] = ft;
      for (let i = 0; i < raw.length; i++) {
        const a = i >= bpp ? raw[i - bpp] : 0, b = prev ? prev[i] : 0, c = prev && i >= bpp ? prev[i - bpp] : 0;
        const pred = ft === 0 ? 0 : ft === 1 ? a : ft === 2 ? b : ft === 3 ? (a + b) >> 1 : paeth(a, b, c);
        f[i + 1] = (raw[i] - pred) & 255;
      }
      rows.push(f);
      prev = raw;
    }
  }
  const total = rows.reduce((n, r) => n + r.length, 0);
  const filtered = new Uint8Array(total);
  let o = 0;
  for (const r of rows) { filtered.set(r, o); o += r.length; }
  const z = new Uint8Array(deflateSync(filtered, { level: s.level ?? 6 }));
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, s.width); dv.setUint32(4, s.height);
  ihdr[8] = s.depth; ihdr[9] = s.colorType; ihdr[12] = s.interlace ? 1 : 0;
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (s.palette) parts.push(chunk('PLTE', s.palette));
  if (s.trns) parts.push(chunk('tRNS', s.trns));
  const k = Math.max(1, s.idatChunks ?? 1);
  const step = Math.ceil(z.length / k);
  for (let i = 0; i < z.length || i === 0; i += step) parts.push(chunk('IDAT', z.subarray(i, i + step)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** RGBA8 expected for a spec, from the PNG spec's rules (independent of any decoder). */
export function expectedRgba(s: EncodeSpec): Uint8Array {
  const ch = CHANNELS[s.colorType], d = s.depth, max = (1 << d) - 1;
  const scale = (v: number) => Math.floor((v * 255) / max + 0.5);
  const out = new Uint8Array(s.width * s.height * 4);
  const key = s.trns && s.colorType !== 3 ? Array.from({ length: s.trns.length / 2 }, (_, i) => (s.trns![2 * i] << 8) | s.trns![2 * i + 1]) : null;
  for (let i = 0; i < s.width * s.height; i++) {
    const v = Array.from(s.samples.subarray(i * ch, i * ch + ch));
    let r: number, g: number, b: number, a: number;
    if (s.colorType === 3) {
      const p = v[0];
      const inPal = s.palette && p * 3 < s.palette.length;
      r = inPal ? s.palette![p * 3] : 0; g = inPal ? s.palette![p * 3 + 1] : 0; b = inPal ? s.palette![p * 3 + 2] : 0;
      a = s.trns && p < s.trns.length ? s.trns[p] : 255;
    } else if (s.colorType === 0) {
      r = g = b = scale(v[0]); a = key && key[0] === v[0] ? 0 : 255;
    } else if (s.colorType === 4) {
      r = g = b = scale(v[0]); a = scale(v[1]);
    } else if (s.colorType === 2) {
      r = scale(v[0]); g = scale(v[1]); b = scale(v[2]);
      a = key && key[0] === v[0] && key[1] === v[1] && key[2] === v[2] ? 0 : 255;
    } else {
      r = scale(v[0]); g = scale(v[1]); b = scale(v[2]); a = scale(v[3]);
    }
    out.set([r, g, b, a], i * 4);
  }
  return out;
}
