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
//   - Canonical Huffman codes decoded through a 2^11-entry u32 lookup table
//     indexed by the next 11 stream bits; codes longer than 11 bits (rare)
//     hit an F_SLOW entry and fall back to a bit-serial canonical decode that
//     resumes after bit 11. Tables are built by doubling (each code stored
//     once, the table copied onto its upper half per length), literal byte
//     tables alongside. A dynamic block's setup (header, code lengths, three
//     tables) is ~3 us of a 64x64 PNG's 27 us of inflate.
//     (11 bits against 10: 6% faster on 64x64 faces, even on noise.)
//   - Entries carry the code length, and for length/distance codes the base
//     and extra-bit count, so a match costs two lookups. Literals, the bulk
//     of a photo-like PNG, go through two byte tables split off the literal
//     table at fixed addresses (length, symbol): per literal the serial chain
//     is mask -> one byte load -> shift, with the table base in the load's
//     immediate offset. A fast loop (input and output far from their ends,
//     its own function so its state stays in registers) decodes up to 4
//     literals per refill with no bounds checks; a careful loop with every
//     check finishes each block near the ends.
//   - Per call the tables (2 x 9.3 KiB) are heap-allocated; fixed-code tables
//     and copy patterns are static data built on first use.
//   - Match copy: 16 bytes per v128 step; distances < 16 first replicate one
//     period with i8x16.swizzle, then copy at a multiple of the period.
import { adler32 } from './checksum';

export const INFLATE_CORRUPT: i32 = -2;
export const INFLATE_TRUNCATED: i32 = -3;
/** More output than dstCap. */
export const INFLATE_OVERFLOW: i32 = -4;
export const INFLATE_BAD_HEADER: i32 = -5;
export const INFLATE_BAD_CHECKSUM: i32 = -6;

export const DST_SLACK: usize = 64;

const FAST_BITS: u32 = 11;
const FAST_SIZE: usize = 1 << FAST_BITS;
const FAST_MASK: u64 = <u64>FAST_SIZE - 1;
// The code-length code's lengths are 3-bit fields: its table needs 7 bits.
const CL_BITS: u32 = 7;

// Table entries (u32): value << 16 | extra << 12 | flags | bits, where bits
// (the low 6) = code length + extra bits: all the stream bits the symbol
// takes, so one shift by the entry itself consumes it.
//   literal / code-length symbol: flags 0, value = symbol, extra 0
//   length or distance:           flags F_COPY, value = base, extra = extra bits
//   end of block:                 flags F_EOB
//   invalid symbol or code:       flags F_BAD
//   0: code longer than FAST_BITS -> bit-serial slow path
const F_COPY: u32 = 0x100;
const F_EOB: u32 = 0x200;
const F_BAD: u32 = 0x400;
const F_SLOW: u32 = 0x800;
const F_KIND: u32 = 0xF00;
const KIND_CL = 0;
const KIND_LIT = 1;
const KIND_DIST = 2;

// One Huffman table: [fast u32 x FAST_SIZE][count u16 x 16][symbols u16 x 320]
// [canonical state after FAST_BITS bits: first u16, index u16]
const H_FAST: usize = 0;
const H_COUNT: usize = FAST_SIZE * 4;
const H_SYMS: usize = H_COUNT + 32;
const H_LONG: usize = H_SYMS + 320 * 2;
const H_SIZE: usize = H_LONG + 16;

const LEN_BASE: usize = memory.data<u16>([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]);
const LEN_EXTRA: usize = memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DIST_BASE: usize = memory.data<u16>([1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]);
const DIST_EXTRA: usize = memory.data<u8>([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
const CL_ORDER: usize = memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

// Static data (built once, survives heap resets): fixed-code tables, and for
// match distances d < 16 a swizzle pattern (k % d) plus the copy step
// d * ceil(16 / d) that keeps 16-byte copies in phase with the period.
const FIXED_LIT: usize = memory.data(<i32>H_SIZE, 16);
// The literal/length fast table split into two byte tables at fixed addresses
// for the literal loop: LEN8[i] = code length of a literal (<= FAST_BITS), or
// NOT_LIT for anything else; SYM8[i] = the literal. A fixed address folds the
// table base into the load's offset and byte entries need no index scaling,
// which shortens the serial chain bits -> index -> load -> shift per literal.
const NOT_LIT: u32 = 0x80;
const LEN8: usize = memory.data(<i32>FAST_SIZE, 16);
const SYM8: usize = memory.data(<i32>FAST_SIZE, 16);
const FIXED_LEN8: usize = memory.data(<i32>FAST_SIZE, 16);
const FIXED_SYM8: usize = memory.data(<i32>FAST_SIZE, 16);
const FIXED_DIST: usize = memory.data(<i32>H_SIZE, 16);
const SCRATCH_LENS: usize = memory.data(320, 16);
const OFFS: usize = memory.data(64, 16);
const PATTERN: usize = memory.data(256, 16);
const STEP: usize = memory.data(16, 16);
// REV[x] = x bit-reversed over FAST_BITS bits: the first FAST_BITS code bits
// as a canonical code value, where a long code's slow decode resumes.
const REV: usize = memory.data(<i32>FAST_SIZE * 2, 16);
let staticReady = false;

/** Input offset just past the last byte the last inflateRaw call consumed. */
let lastInputEnd: usize = 0;

function entryFor(kind: i32, sym: u32): u32 {
  if (kind == KIND_LIT) {
    if (sym < 256) return sym << 16;
    if (sym == 256) return F_EOB;
    const li = <usize>(sym - 257);
    if (li >= 29) return F_BAD;
    const x = <u32>load<u8>(LEN_EXTRA + li);
    return (<u32>load<u16>(LEN_BASE + (li << 1)) << 16) | (x << 12) | F_COPY | x;
  }
  if (kind == KIND_DIST) {
    if (sym >= 30) return F_BAD;
    const x = <u32>load<u8>(DIST_EXTRA + <usize>sym);
    return (<u32>load<u16>(DIST_BASE + (<usize>sym << 1)) << 16) | (x << 12) | F_COPY | x;
  }
  return sym << 16;
}

/**
 * Builds a Huffman table from `n` code lengths (u8) at lens, its fast part
 * indexed by `bits` stream bits (FAST_BITS, or CL_BITS for the code-length
 * code, whose codes are at most 7 bits). Returns 0 or INFLATE_CORRUPT.
 */
function buildTable(h: usize, lens: usize, n: i32, kind: i32, bits: u32 = FAST_BITS, len8: usize = 0, sym8: usize = 0): i32 {
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
  // canonical decoding state after FAST_BITS bits, where slowEntry resumes
  let first: i32 = 0, index: i32 = 0;
  for (let l = 1; l <= <i32>FAST_BITS; l++) {
    const c = <i32>load<u16>(count + (<usize>l << 1));
    index += c;
    first = (first + c) << 1;
  }
  store<u32>(h + H_LONG, <u32>first);
  store<u32>(h + H_LONG + 4, <u32>index);
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
  // Fast table, built by doubling (as libdeflate does): after stage l it holds
  // 2^l entries indexed by the first l stream bits; each stage first copies
  // the table onto its upper half (every shorter code repeats there), then
  // stores each code of length l once, at its bit-reversed value. Entries no
  // code claims stay F_SLOW: prefixes of longer codes (or holes of an
  // incomplete code, which slowEntry reports as F_BAD). With len8 != 0 the
  // literal byte tables are built alongside (NOT_LIT where no literal).
  const fast = h + H_FAST;
  store<u32>(fast, F_SLOW);
  if (len8) store<u8>(len8, <u8>NOT_LIT);
  let size: usize = 1;
  let code: u32 = 0;
  let idx: usize = 0;
  for (let l: u32 = 1; l <= bits; l++) {
    double(fast, size << 2);
    if (len8) { double(len8, size); double(sym8, size); }
    size <<= 1;
    const c = <u32>load<u16>(count + (<usize>l << 1));
    const shift = FAST_BITS - l;
    for (let k: u32 = 0; k < c; k++) {
      const sym = <u32>load<u16>(h + H_SYMS + ((idx + <usize>k) << 1));
      // deflate sends Huffman codes MSB first: the index is the code bit-reversed over l bits
      const r = <usize>(<u32>load<u16>(REV + (<usize>(code + k) << 1)) >> shift);
      if (len8) {
        // literal/length code: literals (most symbols) inline, the rest through entryFor
        const lit = sym < 256;
        store<u32>(fast + (r << 2), lit ? (sym << 16) | l : entryFor(kind, sym) + l);
        store<u8>(len8 + r, <u8>(lit ? l : NOT_LIT));
        store<u8>(sym8 + r, <u8>sym);
      } else store<u32>(fast + (r << 2), entryFor(kind, sym) + l);
    }
    idx += <usize>c;
    code = (code + c) << 1;
  }
  return 0;
}

/** Copies the n bytes at p to p + n (a table doubling; n a power of two). */
@inline function double(p: usize, n: usize): void {
  if (n < 16) {
    for (let i: usize = 0; i < n; i++) store<u8>(p + n + i, load<u8>(p + i));
    return;
  }
  for (let i: usize = 0; i < n; i += 16) v128.store(p + n + i, v128.load(p + i));
}

/**
 * Canonical decode of a code longer than FAST_BITS (or an invalid one): an
 * entry, F_BAD if none. No shorter code matched the first FAST_BITS bits (the
 * fast table said so), so it resumes bit by bit after them.
 */
function slowEntry(h: usize, bb: u64, kind: i32): u32 {
  let code = <i32>load<u16>(REV + (<usize>(<u32>bb & <u32>FAST_MASK) << 1)) << 1;
  let first = <i32>load<u32>(h + H_LONG), index = <i32>load<u32>(h + H_LONG + 4);
  for (let l = <i32>FAST_BITS + 1; l <= 15; l++) {
    code |= <i32>((bb >> <u64>(l - 1)) & 1);
    const c = <i32>load<u16>(h + H_COUNT + (<usize>l << 1));
    if (code - first < c) return entryFor(kind, <u32>load<u16>(h + H_SYMS + (<usize>(index + code - first) << 1))) + <u32>l;
    index += c;
    first = (first + c) << 1;
    code <<= 1;
  }
  return F_BAD;
}

/** Table entry for the next code in bb (which holds >= 15 valid bits). */
@inline function lookup(h: usize, bb: u64, kind: i32): u32 {
  const e = load<u32>(h + H_FAST + (<usize>(<u32>bb & <u32>FAST_MASK) << 2));
  return (e & F_SLOW) == 0 ? e : slowEntry(h, bb, kind);
}

/** The extra bits of a length/distance entry e, which follow its code in bb. */
@inline function extraValue(bb: u64, e: u32): usize {
  const x = (e >> 12) & 15;
  return <usize>(<u32>(bb >> <u64>((e & 63) - x)) & ((<u32>1 << x) - 1));
}

function buildStatic(): void {
  for (let x: u32 = 0; x < <u32>FAST_SIZE; x++) {
    let v = x, r: u32 = 0;
    for (let b: u32 = 0; b < FAST_BITS; b++) { r = (r << 1) | (v & 1); v >>= 1; }
    store<u16>(REV + (<usize>x << 1), <u16>r);
  }
  const lens = SCRATCH_LENS;
  for (let i = 0; i < 144; i++) store<u8>(lens + i, 8);
  for (let i = 144; i < 256; i++) store<u8>(lens + i, 9);
  for (let i = 256; i < 280; i++) store<u8>(lens + i, 7);
  for (let i = 280; i < 288; i++) store<u8>(lens + i, 8);
  buildTable(FIXED_LIT, lens, 288, KIND_LIT, FAST_BITS, FIXED_LEN8, FIXED_SYM8);
  for (let i = 0; i < 30; i++) store<u8>(lens + i, 5);
  buildTable(FIXED_DIST, lens, 30, KIND_DIST);
  for (let d = 1; d < 16; d++) {
    for (let k = 0; k < 16; k++) store<u8>(PATTERN + (<usize>d << 4) + <usize>k, <u8>(k % d));
    store<u8>(STEP + <usize>d, <u8>(d * ((16 + d - 1) / d)));
  }
  staticReady = true;
}

/**
 * Copies a match of `length` bytes from `dist` back (1 <= dist <= op - dst).
 * Writes up to 16 bytes past op + length (the caller leaves that room).
 */
@inline function copyMatch(op: usize, dist: usize, length: usize): void {
  const end = op + length;
  let s = op - dist;
  if (dist < 16) {
    // one period replicated over 16 bytes, then 16-byte copies at a distance that is a multiple of the period
    v128.store(op, i8x16.swizzle(v128.load(s), v128.load(PATTERN + (dist << 4))));
    op += 16;
    s = op - <usize>load<u8>(STEP + dist);
  }
  while (op < end) { v128.store(op, v128.load(s)); op += 16; s += 16; }
}

// State handed between inflateRaw and fastBlock (once per block, not per symbol).
let sIp: usize = 0, sOp: usize = 0, sBb: u64 = 0, sBc: u32 = 0;

/**
 * The body of a compressed block while input and output are far from their
 * ends: no per-symbol bounds checks. A function of its own so the few values
 * of the hot loop stay in registers. Returns 1 at the end-of-block code, 0 at
 * the fast limits (the caller finishes carefully), or INFLATE_CORRUPT.
 */
function fastBlock(lt: usize, dt: usize, dst: usize, inFast: usize, outFast: usize): i32 {
  let ip = sIp, op = sOp, bb = sBb, bc = sBc;
  let r: i32 = 0;
  while (ip <= inFast && op <= outFast) {
    bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56;
    let i = <usize>(<u32>bb & <u32>FAST_MASK);
    let l = <u32>load<u8>(i, LEN8);
    if (l < NOT_LIT) {
      // up to 4 literals per refill: each is <= FAST_BITS (11) bits long, so
      // after 3 of them 56 - 33 = 23 bits remain for the 4th lookup or the
      // slow path's 15; after the 4th the loop refills
      store<u8>(op, load<u8>(i, SYM8)); op++; bb >>= <u64>l; bc -= l;
      i = <usize>(<u32>bb & <u32>FAST_MASK); l = <u32>load<u8>(i, LEN8);
      if (l < NOT_LIT) {
        store<u8>(op, load<u8>(i, SYM8)); op++; bb >>= <u64>l; bc -= l;
        i = <usize>(<u32>bb & <u32>FAST_MASK); l = <u32>load<u8>(i, LEN8);
        if (l < NOT_LIT) {
          store<u8>(op, load<u8>(i, SYM8)); op++; bb >>= <u64>l; bc -= l;
          i = <usize>(<u32>bb & <u32>FAST_MASK); l = <u32>load<u8>(i, LEN8);
          if (l < NOT_LIT) {
            store<u8>(op, load<u8>(i, SYM8)); op++; bb >>= <u64>l; bc -= l;
            continue;
          }
        }
      }
      // a length, end or long code follows: refill so a whole length/distance pair is buffered
      bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56;
    }
    let e = load<u32>(lt + H_FAST + (i << 2));
    if (e & F_SLOW) {
      e = slowEntry(lt, bb, KIND_LIT);
      if ((e & F_KIND) == 0) { bb >>= <u64>(e & 63); bc -= e & 63; store<u8>(op, <u8>(e >>> 16)); op++; continue; }
    }
    if (e & F_COPY) {
      const length = <usize>(e >>> 16) + extraValue(bb, e);
      bb >>= <u64>e; bc -= e & 63;
      const d = lookup(dt, bb, KIND_DIST);
      if (d & F_BAD) { r = INFLATE_CORRUPT; break; }
      const dist = <usize>(d >>> 16) + extraValue(bb, d);
      bb >>= <u64>d; bc -= d & 63;
      if (dist > op - dst) { r = INFLATE_CORRUPT; break; }
      copyMatch(op, dist, length);
      op += length;
      continue;
    }
    if (e & F_EOB) { bb >>= <u64>(e & 63); bc -= e & 63; r = 1; break; }
    { r = INFLATE_CORRUPT; break; }
  }
  sIp = ip; sOp = op; sBb = bb; sBc = bc;
  return r;
}

/**
 * Decompresses a raw DEFLATE stream. Returns bytes written or a negative
 * INFLATE_* code. Allocates its tables on the heap.
 */
export function inflateRaw(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (!staticReady) buildStatic();
  const tables = heap.alloc(2 * H_SIZE + 384);
  const litT = tables;
  const distT = tables + H_SIZE;
  const lens = tables + 2 * H_SIZE;
  const inEnd = src + srcLen;
  const outEnd = dst + dstCap;
  // fast loop bounds: 8-byte loads stay inside the input, and 3 literals + a
  // 258-byte match + 16 bytes of over-copy stay inside the output
  const inFast: usize = srcLen >= 8 ? inEnd - 8 : 0;
  const outFast: usize = dstCap >= 300 ? outEnd - 300 : 0;
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
      memory.copy(LEN8, FIXED_LEN8, FAST_SIZE);
      memory.copy(SYM8, FIXED_SYM8, FAST_SIZE);
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
      if (buildTable(litT, lens, 19, KIND_CL, CL_BITS) < 0) return INFLATE_CORRUPT;
      const total = hlit + hdist;
      let n = 0;
      while (n < total) {
        if (bc < 32) {
          if (ip + 8 <= inEnd) { bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56; }
          else { while (bc <= 56) { if (ip < inEnd) { bb |= (<u64>load<u8>(ip)) << bc; ip++; } else pad++; bc += 8; } if (pad > 8) return INFLATE_TRUNCATED; }
        }
        // every code-length code is <= CL_BITS long: an unclaimed entry is a hole of an incomplete code
        const e = load<u32>(litT + H_FAST + (<usize>(<u32>bb & ((1 << CL_BITS) - 1)) << 2));
        if (e & F_SLOW) return INFLATE_CORRUPT;
        const l = e & 63;
        bb >>= <u64>l; bc -= l;
        const sym = <i32>(e >>> 16);
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
      if (buildTable(litT, lens + 32, hlit, KIND_LIT, FAST_BITS, LEN8, SYM8) < 0) return INFLATE_CORRUPT;
      if (buildTable(distT, lens + 32 + <usize>hlit, hdist, KIND_DIST) < 0) return INFLATE_CORRUPT;
    } else {
      return INFLATE_CORRUPT;
    }

    // -- compressed block body: fast loop, then a careful one near the ends
    sIp = ip; sOp = op; sBb = bb; sBc = bc;
    const fr = fastBlock(lt, dt, dst, inFast, outFast);
    ip = sIp; op = sOp; bb = sBb; bc = sBc;
    if (fr < 0) return fr;
    if (fr == 1) continue;

    // -- careful loop: near the ends of input or output
    while (true) {
      if (bc < 48) {
        if (ip + 8 <= inEnd) { bb |= load<u64>(ip) << bc; ip += (63 - bc) >> 3; bc |= 56; }
        else { while (bc <= 56) { if (ip < inEnd) { bb |= (<u64>load<u8>(ip)) << bc; ip++; } else pad++; bc += 8; } if (pad > 8) return INFLATE_TRUNCATED; }
      }
      const e = lookup(lt, bb, KIND_LIT);
      const l = e & 63;
      if ((e & F_KIND) == 0) {
        bb >>= <u64>l; bc -= l;
        if (op >= outEnd) return INFLATE_OVERFLOW;
        store<u8>(op, <u8>(e >>> 16));
        op++;
        continue;
      }
      if (e & F_EOB) { bb >>= <u64>l; bc -= l; break; }
      if (e & F_BAD) return INFLATE_CORRUPT;
      const length = <usize>(e >>> 16) + extraValue(bb, e);
      bb >>= <u64>l; bc -= l;
      const d = lookup(dt, bb, KIND_DIST);
      if (d & F_BAD) return INFLATE_CORRUPT;
      const dist = <usize>(d >>> 16) + extraValue(bb, d);
      bb >>= <u64>(d & 63); bc -= d & 63;
      if (dist > op - dst) return INFLATE_CORRUPT;
      if (op + length > outEnd) return INFLATE_OVERFLOW;
      copyMatch(op, dist, length);
      op += length;
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
