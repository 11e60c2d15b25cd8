import { describe, it, expect } from 'vitest';
import { deflateSync, deflateRawSync, crc32 as zlibCrc32 } from 'node:zlib';
import { inflate } from '../../src/kernels/inflate';
import { pipelineWasm } from '../../src/wasm/pipeline';
import { ImageDecodeError } from '../../src/kernels/errors';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return new Uint8Array(n).map(() => Math.floor(r() * 256));
}

/** Text-like data with long and short repeats (exercises every match distance class). */
function compressible(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    if (i > 0 && r() < 0.6) {
      const dist = 1 + Math.floor(r() ** 3 * Math.min(i, 32768));
      const len = 3 + Math.floor(r() ** 2 * 255);
      for (let k = 0; k < len && i < n; k++, i++) out[i] = out[i - dist];
    } else {
      out[i++] = 97 + Math.floor(r() * 6);
    }
  }
  return out;
}

function adlerRef(b: Uint8Array): number {
  let a = 1, s = 0;
  for (const x of b) { a = (a + x) % 65521; s = (s + a) % 65521; }
  return ((s << 16) | a) >>> 0;
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Longest literal/length code length in the first (dynamic) block of a raw deflate stream. */
function maxLiteralCodeLength(b: Uint8Array): number {
  let pos = 0;
  const bits = (n: number) => { let v = 0; for (let i = 0; i < n; i++, pos++) v |= ((b[pos >> 3] >> (pos & 7)) & 1) << i; return v; };
  bits(1);
  if (bits(2) !== 2) throw new Error('expected a dynamic block');
  const hlit = bits(5) + 257; bits(5); const hclen = bits(4) + 4;
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  const cl = new Array(19).fill(0);
  for (let i = 0; i < hclen; i++) cl[order[i]] = bits(3);
  // canonical code-length code, decoded bit by bit
  const codes = new Map<string, number>();
  let code = 0;
  for (let len = 1; len <= 7; len++) {
    for (let s = 0; s < 19; s++) if (cl[s] === len) codes.set(`${len}:${code++}`, s);
    code <<= 1;
  }
  const lens: number[] = [];
  while (lens.length < hlit) {
    let c = 0, l = 0, s: number | undefined;
    while (s === undefined) { c = (c << 1) | bits(1); l++; s = codes.get(`${l}:${c}`); }
    if (s < 16) lens.push(s);
    else if (s === 16) { const v = lens[lens.length - 1]; for (let n = 3 + bits(2); n > 0; n--) lens.push(v); }
    else for (let n = s === 17 ? 3 + bits(3) : 11 + bits(7); n > 0; n--) lens.push(0);
  }
  return Math.max(...lens.slice(0, hlit));
}

describe('inflate vs node:zlib', () => {
  const inputs: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['one byte', new Uint8Array([42])],
    ['zeros 100k', new Uint8Array(100_000)],
    ['random 70k', randomBytes(70_000, 1)],
    ['compressible 300k', compressible(300_000, 2)],
    ['short runs', new Uint8Array(5000).map((_, i) => (i % 7) * 30 + (i % 3))],
  ];
  for (const [name, data] of inputs) {
    it(`${name}: zlib levels 0..9 and raw deflate`, () => {
      for (let level = 0; level <= 9; level++) {
        const z = new Uint8Array(deflateSync(data, { level }));
        expect(same(inflate(z, { maxOutput: data.length + 1 }), data)).toBe(true);
        const raw = new Uint8Array(deflateRawSync(data, { level }));
        expect(same(inflate(raw, { raw: true, maxOutput: data.length + 1 }), data)).toBe(true);
      }
    });
  }

  it('fixed-Huffman streams (strategy Z_FIXED) and small windows', () => {
    const data = compressible(50_000, 3);
    for (const opts of [{ strategy: 4 }, { windowBits: 9 }, { memLevel: 1 }, { strategy: 2 }, { strategy: 3 }]) {
      const z = new Uint8Array(deflateSync(data, opts));
      expect(same(inflate(z), data)).toBe(true);
    }
  });

  it('codes longer than the 11-bit lookup table (the slow path), all lengths up to 15', () => {
    // symbol k occurs ~2^(17-k) times: a Huffman code with lengths 1..15 (zlib caps at 15)
    const r = rng(11);
    const syms: number[] = [];
    for (let k = 0; k < 24; k++) for (let c = Math.max(1, 2 ** Math.max(0, 17 - k)); c > 0; c--) syms.push(k * 7);
    for (let i = syms.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [syms[i], syms[j]] = [syms[j], syms[i]]; }
    const data = Uint8Array.from(syms);
    const raw = new Uint8Array(deflateRawSync(data, { level: 9, strategy: 2 })); // Huffman only: every byte a literal
    expect(maxLiteralCodeLength(raw)).toBeGreaterThan(11);
    expect(same(inflate(raw, { raw: true, maxOutput: data.length }), data)).toBe(true);
    const z = new Uint8Array(deflateSync(data, { level: 9, strategy: 2 }));
    expect(same(inflate(z, { maxOutput: data.length }), data)).toBe(true);
  });

  it('grows its output buffer and honours maxOutput', () => {
    const data = new Uint8Array(1 << 20);
    const z = new Uint8Array(deflateSync(data));
    expect(inflate(z).length).toBe(1 << 20);
    expect(() => inflate(z, { maxOutput: 1000 })).toThrow(ImageDecodeError);
  });
});

describe('inflate rejects corrupt streams with typed errors', () => {
  const data = compressible(20_000, 4);
  const z = new Uint8Array(deflateSync(data));
  const codeOf = (b: Uint8Array, raw = false): string => {
    try { inflate(b, { raw, maxOutput: 1 << 20 }); return 'OK'; } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      return e.code;
    }
  };

  it('bad header, preset dictionary, bad Adler-32', () => {
    const h = z.slice(); h[0] = 0x79; expect(codeOf(h)).toBe('CORRUPT');
    const f = z.slice(); f[1] ^= 1; expect(codeOf(f)).toBe('CORRUPT');
    const d = z.slice(); d[1] = 0xbb; expect(codeOf(d)).toBe('CORRUPT'); // FDICT set (0x78bb % 31 == 0)
    const a = z.slice(); a[a.length - 1] ^= 0x10; expect(codeOf(a)).toBe('CORRUPT');
  });

  it('every truncation gives TRUNCATED (or CORRUPT), never garbage', () => {
    for (let n = 0; n < z.length; n += Math.max(1, Math.floor(n / 50))) {
      expect(['TRUNCATED', 'CORRUPT']).toContain(codeOf(z.subarray(0, n)));
    }
  });

  it('invalid block type, bad stored length, distance too far', () => {
    expect(codeOf(new Uint8Array([0x07, 0, 0, 0]), true)).toBe('CORRUPT'); // BTYPE 11
    expect(codeOf(new Uint8Array([0x01, 5, 0, 5, 0, 1, 2, 3, 4, 5]), true)).toBe('CORRUPT'); // NLEN != ~LEN
    // fixed block: length 3 at distance 1 with empty output
    expect(codeOf(new Uint8Array([0x03, 0x02, 0x00]), true)).toBe('CORRUPT');
  });

  it('10,000 random bit flips give only typed errors or some output', () => {
    const r = rng(9);
    let ok = 0, bad = 0;
    for (let i = 0; i < 10_000; i++) {
      const b = z.slice();
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      const c = codeOf(b);
      if (c === 'OK') ok++; else bad++;
    }
    expect(ok + bad).toBe(10_000);
    expect(bad).toBeGreaterThan(9000);
  });
});

describe('checksums', () => {
  const m = pipelineWasm();
  const ex = m.exports as any;
  it('CRC-32 matches node:zlib, Adler-32 (SIMD and scalar) match a reference', () => {
    for (const n of [0, 1, 7, 8, 15, 16, 17, 100, 5551, 5552, 5553, 11104, 70_001]) {
      const b = n % 2 ? randomBytes(n, n) : new Uint8Array(n).fill(255);
      ex.reset();
      const p = m.put(b);
      expect(ex.crc32(p, n) >>> 0).toBe(zlibCrc32(b) >>> 0);
      expect(ex.adler32(p, n) >>> 0).toBe(adlerRef(b));
      expect(ex.adler32Scalar(p, n) >>> 0).toBe(adlerRef(b));
    }
  });
});
