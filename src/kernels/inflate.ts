// Typed wrapper of assembly/decode/inflate.ts (zlib / raw DEFLATE), mainly for tests.
import { pipelineWasm } from '../wasm/pipeline';
import { ImageDecodeError } from './errors';

interface InflateExports {
  reset(): void;
  alloc(n: number): number;
  inflateZlib(src: number, len: number, dst: number, cap: number): number;
  inflateRaw(src: number, len: number, dst: number, cap: number): number;
}

const SLACK = 64; // DST_SLACK in assembly/decode/inflate.ts
const OVERFLOW = -4;

function fail(rc: number): never {
  switch (rc) {
    case -3: throw new ImageDecodeError('TRUNCATED', 'inflate: stream ends early');
    case -5: throw new ImageDecodeError('CORRUPT', 'inflate: bad zlib header');
    case -6: throw new ImageDecodeError('CORRUPT', 'inflate: Adler-32 mismatch');
    default: throw new ImageDecodeError('CORRUPT', `inflate: invalid deflate data (${rc})`);
  }
}

/**
 * Decompresses a zlib stream (or raw DEFLATE when `raw`). The output may be at
 * most `maxOutput` bytes; the buffer starts at 4x the input and doubles.
 */
export function inflate(bytes: Uint8Array, opts: { raw?: boolean; maxOutput?: number } = {}): Uint8Array {
  const maxOutput = opts.maxOutput ?? 256 * 1024 * 1024;
  const m = pipelineWasm();
  const ex = m.exports as unknown as InflateExports;
  let cap = Math.min(maxOutput, Math.max(1024, bytes.length * 4));
  for (;;) {
    ex.reset();
    const src = m.put(bytes);
    const dst = ex.alloc(cap + SLACK) >>> 0;
    const n = opts.raw ? ex.inflateRaw(src, bytes.length, dst, cap) : ex.inflateZlib(src, bytes.length, dst, cap);
    if (n >= 0) return m.u8.slice(dst, dst + n);
    if (n !== OVERFLOW) fail(n);
    if (cap >= maxOutput) throw new ImageDecodeError('TOO_LARGE', `inflate: output over ${maxOutput} bytes`);
    cap = Math.min(maxOutput, cap * 2);
  }
}
