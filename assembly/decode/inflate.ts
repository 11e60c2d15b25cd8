// DEFLATE (RFC 1951) and zlib (RFC 1950) decompression.
//
// Layout: reads `srcLen` bytes at `src`, writes at most `dstCap` bytes at
//   `dst`. The caller must allocate dst with DST_SLACK extra bytes: match
//   copies may write up to 16 bytes past the current output end (they are
//   overwritten later or land in the slack). Returns the number of bytes
//   written, or a negative INFLATE_* error code. Never reads outside
//   [src, src + srcLen), never writes outside [dst, dst + dstCap + DST_SLACK).
// Strategy:
//   - 64-bit bit buffer, refilled with one unaligned u64 load to >= 56 bits
//     (the "bc |= 56" trick), so one refill covers a whole length/distance
//     pair (<= 48 bits). Near the end of the input it refills byte by byte and
//     counts virtual zero bytes; reading past the real end is TRUNCATED.
//   - Canonical Huffman codes decoded through a 2^10-entry lookup table
//     indexed by the next 10 stream bits (entry = len << 9 | symbol); longer
//     codes (rare) fall back to a bit-serial canonical decode.
//   - Match copy: 16 bytes per v128 step when distance >= 16, 8 per u64 step
//     when distance >= 8, memory.fill for distance 1, bytes otherwise.
import { adler32 } from './checksum';

export const INFLATE_CORRUPT: i32 = -2;
export const INFLATE_TRUNCATED: i32 = -3;
/** More output than dstCap. */
export const INFLATE_OVERFLOW: i32 = -4;
export const INFLATE_BAD_HEADER: i32 = -5;
export const INFLATE_BAD_CHECKSUM: i32 = -6;

export const DST_SLACK: usize = 64;

const FAST_BITS: u32 = 10;
const FAST_SIZE: usize = 1 << FAST_BITS;
const FAST_MASK: u64 = <u64>FAST_SIZE - 1;

// One Huffman table: [fast u16 x 1024][count u16 x 16][symbols u16 x 320]
const H_FAST: usize = 0;
const H_COUNT: usize = FAST_SIZE * 2;
const H_SYMS: usize = H_COUNT + 32;
const H_SIZE: usize = H_SYMS + 320 * 2;

const LEN_BASE: usize = memory.data<u16>([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]);
const LEN_EXTRA: usize = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DIST_BASE: usize = memory.data<u16>([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]);
const DIST_EXTRA: usize = memory.data<u8>([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
const CL_ORDER: usize = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

// Fixed-code tables live in static data (built once, survive heap resets).
const FIXED_LIT: usize = memory.data(<i32>H_SIZE, 16);
const FIXED_DIST: usize = memory.data(<i32>H_SIZE, 16);
const SCRATCH_LENS: usize = memory.data(320, 16);
const OFFS: usize = memory.data(64, 16);
let fixedReady = false;

/** Input offset just past the last byte the last inflateRaw call consumed. */
let lastInputEnd: usize = 0;

/** Builds a Huffman table from `n` code lengths (u8) at lens. Returns 0 or INFLATE_CORRUPT. */
function buildTable(h: usize, lens: usize, n: i32): i32 {
  const count = h + H_COUNT;
  memory.fill(count, 0, 32);
  for (let i = 0; i < n; i++) {
    const l = <usize>load<u8>(lens + i);
    store<u16>(count + (l << 1), load<u16>(count + (l << 1)) + 1);
  }
  store<u16>(count, 0);
  let left: i32 = 1;
  for (let l = 1; l <= 15; l++) {
    left = (left << 1) - <i32>load<u16>(count + (l << 1));
    if (left < 0) return INFLATE_CORRUPT; // over-subscribed
  }
  // offsets of each length in the sorted symbol list
  const offs = OFFS;
  let off: u32 = 0;
  for (let l = 1; l <= 15; l++) {
    store<u16>(offs + (<usize>l << 1), <u16>off);
    off += load<u16>(count + (<usize>l << 1));
  }
  for (let s = 0; s < n; s++) {
    const l = <usize>load<u8>(lens + s);
    if (l != 0) {
      const o = <usize>load<u16>(offs + (l << 1));
      store<u16>(h + H_SYMS + (o << 1), <u16>s);
      store<u16>(offs + (l << 1), <u16>(o + 1));
    }
  }
  // fast table: every code of length <= FAST_BITS, replicated over the unused high bits
  memory.fill(h + H_FAST, 0, FAST_SIZE * 2);
  let code: u32 = 0;
  let idx: usize = 0;
  for (let l: u32 = 1; l <= FAST_BITS; l++) {
    const c = <u32>load<u16>(count + (<usize>l << 1));
    for (let k: u32 = 0; k < c; k++) {
      const sym = <u32>load<u16>(h + H_SYMS + ((idx + k) << 1));
      // bit-reverse code+k over l bits: deflate sends Huffman codes MSB first
      let v = code + k, r: u32 = 0;
      for (let b: u32 = 0; b < l; b++) { r = (r << 1) | (v & 1); v >>= 1; }
      const e = <u16>((l << 9) | sym);
      for (let j = <usize>r; j < FAST_SIZE; j += <usize>1 << l) store<u16>(h + H_FAST + (j << 1), e);
    }
    idx += c;
    code = (code + c) << 1;
  }
  return 0;
}

/** Bit-serial canonical decode for codes longer than FAST_BITS (or invalid). Returns len << 16 | sym, or -1. */
function slowDecode(h: usize, bb: u64): i32 {
  let code: i32 = 0, first: i32 = 0, index: i32 = 0;
  for (let l = 1; l <= 15; l++) {
    code |= <i32>((bb >> <u64>(l - 1)) & 1);
    const c = <i32>load<u16>(h + H_COUNT + (<usize>l << 1));
    if (code - first < c) return (l << 16) | <i32>load<u16>(h + H_SYMS + (<usize>(index + code - first) << 1));
    index += c;
    first = (first + c) << 1;
    code <<= 1;
  }
  return -1;
}

/** len << 16 | sym for the next code in bb (which holds >= 15 valid bits), or -1. */
@inline function decodeSym(h: usize, bb: u64): i32 {
  const e = <i32>load<u16>(h + H_FAST + (<usize>(bb & FAST_MASK) << 1));
  if (e != 0) return ((e >> 9) << 16) | (e & 511);
  return slowDecode(h, bb);
}

function buildFixed(): void {
  const lens = SCRATCH_LENS;
  for (let i = 0; i < 144; i++) store<u8>(lens + i, 8);
  for (let i = 144; i < 256; i++) store<u8>(lens + i, 9);
  for (let i = 256; i < 280; i++) store<u8>(lens + i, 7);
  for (let i = 280; i < 288; i++) store<u8>(lens + i, 8);
  buildTable(FIXED_LIT, lens, 288);
  for (let i = 0; i < 30; i++) store<u8>(lens + i, 5);
  buildTable(FIXED_DIST, lens, 30);
  fixedReady = true;
}

/**
 * Decompresses a raw DEFLATE stream. Returns bytes written or a negative
 * INFLATE_* code. Allocates its tables on the heap.
 */
export function inflateRaw(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (!fixedReady) buildFixed();
  const tables = heap.alloc(2 * H_SIZE + 384);
  const litT = tables;
  const distT = tables + H_SIZE;
  const lens = tables + 2 * H_SIZE;
  const inEnd = src + srcLen;
  const outEnd = dst + dstCap;
  let ip = src;
  let pad: usize = 0;   // virtual zero bytes appended after the input
  let bb: u64 = 0;
  let bc: u32 = 0;
  let op = dst;
  let final: u32 = 0;

  while (final == 0) {
    // -- block header (refill first)
    if (ip + 8 <= inEnd) { bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56; }
    else { while (bc <= 56) { if (ip < inEnd) { bb |= (<u64>load<u8>(ip)) << bc; ip++; } else pad++; bc += 8; } if (pad > 8) return INFLATE_TRUNCATED; }
    final = <u32>(bb & 1);
    const type = <u32>((bb >> 1) & 3);
    bb >>= 3; bc -= 3;
    let lt = litT, dt = distT;
    if (type == 0) {
      // stored: byte-align, then LEN, NLEN, raw bytes
      bb >>= <u64>(bc & 7); bc -= bc & 7;
      const bytePos = (ip - src) + pad - (bc >> 3);
      if (bytePos + 4 > srcLen) return INFLATE_TRUNCATED;
      ip = src + bytePos; pad = 0; bb = 0; bc = 0;
      const len = <usize>load<u16>(ip);
      const nlen = <usize>load<u16>(ip, 2);
      if ((len ^ 0xFFFF) != nlen) return INFLATE_CORRUPT;
      ip += 4;
      if (ip + len > inEnd) return INFLATE_TRUNCATED;
      if (op + len > outEnd) return INFLATE_OVERFLOW;
      memory.copy(op, ip, len);
      op += len; ip += len;
      continue;
    } else if (type == 1) {
      lt = FIXED_LIT; dt = FIXED_DIST;
    } else if (type == 2) {
      const hlit = <i32>(bb & 31) + 257;
      const hdist = <i32>((bb >> 5) & 31) + 1;
      const hclen = <i32>((bb >> 10) & 15) + 4;
      bb >>= 14; bc -= 14;
      if (hlit > 286 || hdist > 30) return INFLATE_CORRUPT;
      memory.fill(lens, 0, 19);
      for (let i = 0; i < hclen; i++) {
        if (bc < 3) {
          if (ip + 8 <= inEnd) { bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56; }
          else { while (bc <= 56) { if (ip < inEnd) { bb |= (<u64>load<u8>(ip)) << bc; ip++; } else pad++; bc += 8; } if (pad > 8) return INFLATE_TRUNCATED; }
        }
        store<u8>(lens + <usize>load<u8>(CL_ORDER + i), <u8>(bb & 7));
        bb >>= 3; bc -= 3;
      }
      if (buildTable(litT, lens, 19) < 0) return INFLATE_CORRUPT;
      const total = hlit + hdist;
      let n = 0;
      while (n < total) {
        if (bc < 32) {
          if (ip + 8 <= inEnd) { bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56; }
          else { while (bc <= 56) { if (ip < inEnd) { bb |= (<u64>load<u8>(ip)) << bc; ip++; } else pad++; bc += 8; } if (pad > 8) return INFLATE_TRUNCATED; }
        }
        const ds = decodeSym(litT, bb);
        if (ds < 0) return INFLATE_CORRUPT;
        const l = <u32>(ds >>> 16);
        bb >>= <u64>l; bc -= l;
        const sym = ds & 0xFFFF;
        if (sym < 16) {
          store<u8>(lens + 32 + <usize>n, <u8>sym);
          n++;
          continue;
        }
        let rep: i32, val: u8 = 0;
        if (sym == 16) {
          if (n == 0) return INFLATE_CORRUPT;
          val = load<u8>(lens + 32 + <usize>(n - 1));
          rep = 3 + <i32>(bb & 3); bb >>= 2; bc -= 2;
        } else if (sym == 17) {
          rep = 3 + <i32>(bb & 7); bb >>= 3; bc -= 3;
        } else {
          rep = 11 + <i32>(bb & 127); bb >>= 7; bc -= 7;
        }
        if (n + rep > total) return INFLATE_CORRUPT;
        memory.fill(lens + 32 + <usize>n, val, <usize>rep);
        n += rep;
      }
      if (load<u8>(lens + 32 + 256) == 0) return INFLATE_CORRUPT; // no end-of-block code
      if (buildTable(litT, lens + 32, hlit) < 0) return INFLATE_CORRUPT;
      if (buildTable(distT, lens + 32 + <usize>hlit, hdist) < 0) return INFLATE_CORRUPT;
    } else {
      return INFLATE_CORRUPT;
    }

    // -- compressed block body
    while (true) {
      if (bc < 48) {
        if (ip + 8 <= inEnd) { bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56; }
        else { while (bc <= 56) { if (ip < inEnd) { bb |= (<u64>load<u8>(ip)) << bc; ip++; } else pad++; bc += 8; } if (pad > 8) return INFLATE_TRUNCATED; }
      }
      let e = <i32>load<u16>(lt + H_FAST + (<usize>(bb & FAST_MASK) << 1));
      let sym: i32, l: u32;
      if (e != 0) { sym = e & 511; l = <u32>(e >> 9); }
      else {
        e = slowDecode(lt, bb);
        if (e < 0) return INFLATE_CORRUPT;
        sym = e & 0xFFFF; l = <u32>(e >>> 16);
      }
      bb >>= <u64>l; bc -= l;
      if (sym < 256) {
        if (op >= outEnd) return INFLATE_OVERFLOW;
        store<u8>(op, <u8>sym);
        op++;
        continue;
      }
      if (sym == 256) break;
      const li = <usize>(sym - 257);
      if (li >= 29) return INFLATE_CORRUPT;
      const le = <u32>load<u8>(LEN_EXTRA + li);
      const length = <usize>load<u16>(LEN_BASE + (li << 1)) + <usize>(bb & ((<u64>1 << le) - 1));
      bb >>= <u64>le; bc -= le;
      e = <i32>load<u16>(dt + H_FAST + (<usize>(bb & FAST_MASK) << 1));
      if (e != 0) { sym = e & 511; l = <u32>(e >> 9); }
      else {
        e = slowDecode(dt, bb);
        if (e < 0) return INFLATE_CORRUPT;
        sym = e & 0xFFFF; l = <u32>(e >>> 16);
      }
      bb >>= <u64>l; bc -= l;
      if (sym >= 30) return INFLATE_CORRUPT;
      const de = <u32>load<u8>(DIST_EXTRA + <usize>sym);
      const dist = <usize>load<u16>(DIST_BASE + (<usize>sym << 1)) + <usize>(bb & ((<u64>1 << de) - 1));
      bb >>= <u64>de; bc -= de;
      if (dist > op - dst) return INFLATE_CORRUPT;
      if (op + length > outEnd) return INFLATE_OVERFLOW;
      let s = op - dist;
      const end = op + length;
      if (dist >= 16) {
        do { v128.store(op, v128.load(s)); op += 16; s += 16; } while (op < end);
      } else if (dist >= 8) {
        do { store<u64>(op, load<u64>(s)); op += 8; s += 8; } while (op < end);
      } else if (dist == 1) {
        memory.fill(op, load<u8>(s), length);
      } else {
        do { store<u8>(op, load<u8>(s)); op++; s++; } while (op < end);
      }
      op = end;
    }
  }
  // bits consumed must not exceed the real input
  const consumedBytes = (ip - src) + pad - (bc >> 3);
  if (consumedBytes > srcLen) return INFLATE_TRUNCATED;
  lastInputEnd = consumedBytes;
  return <i32>(op - dst);
}

/**
 * Decompresses a zlib stream (2-byte header, DEFLATE data, big-endian Adler-32
 * of the output). Returns bytes written or a negative INFLATE_* code.
 */
export function inflateZlib(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (srcLen < 2) return INFLATE_TRUNCATED;
  const cmf = <u32>load<u8>(src), flg = <u32>load<u8>(src, 1);
  if ((cmf & 15) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0) return INFLATE_BAD_HEADER;
  if (flg & 0x20) return INFLATE_BAD_HEADER; // preset dictionary: not allowed in PNG
  const n = inflateRaw(src + 2, srcLen - 2, dst, dstCap);
  if (n < 0) return n;
  const at = src + 2 + lastInputEnd;
  if (at + 4 > src + srcLen) return INFLATE_TRUNCATED;
  const want = (<u32>load<u8>(at) << 24) | (<u32>load<u8>(at, 1) << 16) | (<u32>load<u8>(at, 2) << 8) | <u32>load<u8>(at, 3);
  if (adler32(dst, <usize>n) != want) return INFLATE_BAD_CHECKSUM;
  return n;
}
