import { describe, it, expect } from 'vitest';
import { deflateSync, deflateRawSync, crc32 as zlibCrc32 } from 'node:zlib';
import { inflate } from '../../src/kernels/inflate';
import { pipelineWasm } from '../../src/wasm/pipeline';
import { ImageDecodeError } from '../../src/image/errors';

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
