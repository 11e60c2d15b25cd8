// Huffman entropy decoding: tables, the bit reader and the per-block
// decoders for sequential and progressive scans (libjpeg's jdhuff/jdphuff
// semantics, including its handling of corrupt data).
//
//   tables  HT_SIZE bytes each: 9-bit lookahead u16 (len << 8 | symbol),
//           maxcode/valoff per code length, the symbols, and a 9-bit "fast
//           AC" i32 table decoding code + value at once when both fit in 9
//           bits (value << 16 | run << 4 | total length; 0 = not fast)
//   coef    [64] i16 per block, natural order, written in place
//   pred    i32 DC predictor of the block's component
//
// Strategy: a 64-bit bit buffer, MSB first, refilled 8 bytes at a time when
// none of them is 0xFF (else byte by byte, unstuffing 0xFF00). A marker or
// the end of data stops the reader, which then feeds zero bits and counts
// them (brPad), so callers can tell "used padding" apart. Hot decoders keep
// the buffer in locals and sync the globals around calls that use them.

// lookup u16[512] | maxcode i32[18] | valoff i32[18] | values u8[256] | fast AC i32[512]
export const HT_SIZE: usize = 3584;
const HT_MAX: usize = 1024, HT_OFF: usize = 1096, HT_VAL: usize = 1168, HT_FAST: usize = 1536;

// Natural order of the zigzag index, padded with 63 so corrupt runs stay in the block.
export const ZZ: usize = memory.data<u8>([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63]);

// Annex K standard tables (used when a scan references a table never
// defined, as Motion-JPEG frames do; libjpeg-turbo does the same).
export const STD_DC_L: usize = memory.data<u8>([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
export const STD_DC_C: usize = memory.data<u8>([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
export const STD_AC_L: usize = memory.data<u8>([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d,
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
  0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa]);
export const STD_AC_C: usize = memory.data<u8>([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77,
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
  0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
  0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
  0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
  0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
  0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
  0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
  0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
  0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
  0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa]);

// ---- bit reader state (one scan at a time) ----
export let brPos: usize = 0;
export let brEnd: usize = 0;
export let brBuf: u64 = 0;
export let brBits = 0;
export let brPad = 0;     // zero bits fed after a marker / the end of data
export let brMarker = 0;  // 0 reading, > 0 stopped at that marker, -1 at end of data
export let brEobrun = 0;

/** Starts reading entropy-coded data at [pos, end). */
export function readerStart(pos: usize, end: usize): void {
  if (!zmaskReady) initZmask();
  brPos = pos; brEnd = end; brBuf = 0; brBits = 0; brPad = 0; brMarker = 0; brEobrun = 0;
}
/** The decoder has used padding bits: the data of this segment ran out. */
// @ts-ignore: decorator
@inline export function readerStarved(): bool { return brBits < brPad; }
/** Position of the next marker at or after the reader (for the marker parser). */
export function readerNextMarker(): usize {
  let e = brPos;
  while (e + 1 < brEnd && !(load<u8>(e) == 0xFF && load<u8>(e + 1) != 0 && load<u8>(e + 1) != 0xFF)) e++;
  return e;
}


// Refills the bit buffer to at least 57 bits. Stuffed 0xFF00 becomes 0xFF;
// a marker (or the end of data) stops the reader, which then feeds zeros.
function fill(): void {
  // fast path: take whole bytes from one 8-byte load when none is 0xFF
  if (brMarker == 0 && brPos + 8 <= brEnd) {
    const w = bswap<u64>(load<u64>(brPos));
    const x = ~w;
    if (((x - 0x0101010101010101) & ~x & 0x8080808080808080) == 0) {
      const n = (63 - brBits) >> 3; // bytes that fit: 1..7
      const nb = n << 3;
      brBuf |= (w >> <u64>(64 - nb)) << <u64>(64 - nb - brBits);
      brBits += nb;
      brPos += <usize>n;
      return;
    }
  }
  while (brBits <= 56) {
    let b: u32 = 0;
    if (brMarker == 0) {
      if (brPos < brEnd) {
        b = <u32>load<u8>(brPos);
        if (b == 0xFF) {
          let p = brPos + 1;
          while (p < brEnd && load<u8>(p) == 0xFF) p++;
          if (p >= brEnd) { brMarker = -1; b = 0; brPad += 8; }
          else if (load<u8>(p) == 0) { brPos = p + 1; }
          else { brMarker = <i32>load<u8>(p); b = 0; brPad += 8; }
        } else {
          brPos++;
        }
      } else { brMarker = -1; brPad += 8; }
    } else { brPad += 8; }
    brBuf |= <u64>b << <u64>(56 - brBits);
    brBits += 8;
  }
}

// @ts-ignore: decorator
@inline function getBits(n: i32): i32 { // 1 <= n <= 16, caller ensured brBits >= n
  const v = <i32>(brBuf >> <u64>(64 - n));
  brBuf <<= <u64>n;
  brBits -= n;
  return v;
}

// @ts-ignore: decorator
@inline function extend(v: i32, n: i32): i32 {
  return v < (1 << (n - 1)) ? v - (1 << n) + 1 : v;
}

// Decodes one Huffman symbol; caller ensured brBits >= 16. Bad codes give 0
// (libjpeg warns and does the same).
// @ts-ignore: decorator
@inline function decodeSym(t: usize): i32 {
  const e = <i32>load<u16>(t + (<usize>(brBuf >> 55) << 1));
  if (e != 0) {
    const l = e >> 8;
    brBuf <<= <u64>l;
    brBits -= l;
    return e & 255;
  }
  return decodeSlow(t);
}

function decodeSlow(t: usize): i32 {
  for (let l = 10; l <= 16; l++) {
    const code = <i32>(brBuf >> <u64>(64 - l));
    if (code <= load<i32>(t + HT_MAX + (<usize>l << 2))) {
      brBuf <<= <u64>l;
      brBits -= l;
      const idx = code + load<i32>(t + HT_OFF + (<usize>l << 2));
      return <i32>load<u8>(t + HT_VAL + <usize>(idx & 255));
    }
  }
  brBuf <<= 16;
  brBits -= 16;
  return 0;
}

// Builds table `t` from 16 code counts at `bits` and their symbols at
// `vals`; false if the counts overflow the code space. The fast AC table is
// only filled for AC tables (`ac`).
export function buildHuff(t: usize, bits: usize, vals: usize, ac: bool): bool {
  memory.fill(t, 0, HT_SIZE);
  let code = 0, k = 0;
  for (let l = 1; l <= 16; l++) {
    const cnt = <i32>load<u8>(bits + <usize>(l - 1));
    store<i32>(t + HT_OFF + (<usize>l << 2), k - code);
    for (let i = 0; i < cnt; i++) {
      if (code >= (1 << l)) return false; // more codes than this length holds
      const sym = <i32>load<u8>(vals + <usize>k);
      store<u8>(t + HT_VAL + <usize>k, <u8>sym);
      if (l <= 9) {
        const shift = 9 - l;
        const base = code << shift;
        const e = <u16>((l << 8) | sym);
        for (let j = 0; j < (1 << shift); j++) store<u16>(t + (<usize>(base + j) << 1), e);
        // fast AC: the value bits follow the code inside the 9-bit window
        const sz = sym & 15;
        if (ac && sz != 0 && l + sz <= 9) {
          const rem = shift - sz, span = 1 << rem;
          const tail = ((sym >> 4) << 4) | (l + sz);
          for (let vb = 0; vb < (1 << sz); vb++) {
            const fe = (extend(vb, sz) << 16) | tail;
            const at = t + HT_FAST + (<usize>(base + (vb << rem)) << 2);
            for (let j = 0; j < span; j++) store<i32>(at + (<usize>j << 2), fe);
          }
        }
      }
      k++;
      code++;
    }
    store<i32>(t + HT_MAX + (<usize>l << 2), cnt > 0 ? code - 1 : -1);
    if (cnt > 0 && code >= (1 << l)) return false; // all-ones code: libjpeg rejects the table too
    code <<= 1;
  }
  return true;
}

// Restart: drop buffered bits, skip to the next marker, consume it if RSTn.
export function readerRestart(): void {
  brBuf = 0; brBits = 0; brPad = 0; brEobrun = 0;
  let p = brPos;
  while (p + 1 < brEnd) {
    if (load<u8>(p) == 0xFF) {
      const m = <i32>load<u8>(p + 1);
      if (m >= 0xD0 && m <= 0xD7) { p += 2; break; }
      if (m != 0 && m != 0xFF) break;
    }
    p++;
  }
  if (p + 1 >= brEnd) p = brEnd;
  brPos = p;
  brMarker = 0;
}

// Sequential (baseline / extended) block. The bit buffer lives in locals
// here (the hot loop) and is written back around calls that use the globals.
// @ts-ignore: decorator
@inline export function blockSeq(coef: usize, pred: usize, dct: usize, act: usize): void {
  let buf = brBuf, bits = brBits;
  if (bits < 32) { brBuf = buf; brBits = bits; fill(); buf = brBuf; bits = brBits; }
  let e = <i32>load<u16>(dct + (<usize>(buf >> 55) << 1));
  let s = 0;
  if (e != 0) { const l = e >> 8; buf <<= <u64>l; bits -= l; s = e & 255; }
  else { brBuf = buf; brBits = bits; s = decodeSlow(dct); buf = brBuf; bits = brBits; }
  let diff = 0;
  if (s != 0) {
    if (s > 16) s = 16;
    if (bits < 16) { brBuf = buf; brBits = bits; fill(); buf = brBuf; bits = brBits; }
    const v = <i32>(buf >> <u64>(64 - s));
    buf <<= <u64>s; bits -= s;
    diff = extend(v, s);
  }
  const dc = load<i32>(pred) + diff;
  store<i32>(pred, dc);
  store<i16>(coef, <i16>dc);
  const fast = act + HT_FAST;
  let k = 1;
  while (k < 64) {
    if (bits < 32) { brBuf = buf; brBits = bits; fill(); buf = brBuf; bits = brBits; }
    const peek = <usize>(buf >> 55);
    const fe = load<i32>(fast + (peek << 2));
    if (fe != 0) {
      k += (fe >> 4) & 15;
      const l = fe & 15;
      buf <<= <u64>l; bits -= l;
      store<i16>(coef + (<usize>load<u8>(ZZ + <usize>k) << 1), <i16>(fe >> 16));
      k++;
      continue;
    }
    e = <i32>load<u16>(act + (peek << 1));
    let rs = 0;
    if (e != 0) { const l = e >> 8; buf <<= <u64>l; bits -= l; rs = e & 255; }
    else { brBuf = buf; brBits = bits; rs = decodeSlow(act); buf = brBuf; bits = brBits; }
    const r = rs >> 4, sz = rs & 15;
    if (sz != 0) {
      k += r;
      const v = <i32>(buf >> <u64>(64 - sz));
      buf <<= <u64>sz; bits -= sz;
      store<i16>(coef + (<usize>load<u8>(ZZ + <usize>(k & 127)) << 1), <i16>extend(v, sz));
      k++;
    } else {
      if (r != 15) break;
      k += 16;
    }
  }
  brBuf = buf; brBits = bits;
}

export function blockDcFirst(coef: usize, pred: usize, dct: usize, al: i32): void {
  if (brBits < 32) fill();
  let s = decodeSym(dct);
  let diff = 0;
  if (s != 0) {
    if (s > 16) s = 16;
    diff = extend(getBits(s), s);
  }
  const dc = load<i32>(pred) + diff;
  store<i32>(pred, dc);
  store<i16>(coef, <i16>(dc << al));
}

export function blockDcRefine(coef: usize, al: i32): void {
  if (brBits < 1) fill();
  if (getBits(1)) store<i16>(coef, <i16>(<i32>load<i16>(coef) | (1 << al)));
}

export function blockAcFirst(coef: usize, act: usize, ss: i32, se: i32, al: i32): void {
  if (brEobrun > 0) { brEobrun--; return; }
  let buf = brBuf, bits = brBits;
  let k = ss;
  while (k <= se) {
    if (bits < 32) { brBuf = buf; brBits = bits; fill(); buf = brBuf; bits = brBits; }
    const e = <i32>load<u16>(act + (<usize>(buf >> 55) << 1));
    let rs = 0;
    if (e != 0) { const l = e >> 8; buf <<= <u64>l; bits -= l; rs = e & 255; }
    else { brBuf = buf; brBits = bits; rs = decodeSlow(act); buf = brBuf; bits = brBits; }
    const r = rs >> 4, s = rs & 15;
    if (s != 0) {
      k += r;
      const v = <i32>(buf >> <u64>(64 - s));
      buf <<= <u64>s; bits -= s;
      store<i16>(coef + (<usize>load<u8>(ZZ + <usize>(k & 127)) << 1), <i16>(extend(v, s) << al));
      k++;
    } else if (r < 15) {
      let run = 1 << r;
      if (r != 0) { run += <i32>(buf >> <u64>(64 - r)); buf <<= <u64>r; bits -= r; }
      brEobrun = run - 1;
      break;
    } else {
      k += 16;
    }
  }
  brBuf = buf; brBits = bits;
}

// Natural-order nonzero mask -> zigzag-order mask, one table per coefficient
// row: ZMASK[r][v] has bit zz set for each bit b of v (natural index 8r + b).
const ZMASK: usize = memory.data(8 * 256 * 8, 16);
let zmaskReady = false;
function initZmask(): void {
  const inv = memory.data(64);
  for (let k = 0; k < 64; k++) store<u8>(inv + <usize>load<u8>(ZZ + <usize>k), <u8>k);
  for (let r = 0; r < 8; r++)
    for (let v = 0; v < 256; v++) {
      let m: u64 = 0;
      for (let b = 0; b < 8; b++) if ((v >> b) & 1) m |= <u64>1 << <u64>load<u8>(inv + <usize>(r * 8 + b));
      store<u64>(ZMASK + ((<usize>r * 256 + <usize>v) << 3), m);
    }
  zmaskReady = true;
}

// Bit k set when coefficient k (zigzag order) of the block is nonzero.
// @ts-ignore: decorator
@inline function nonzeroZigzag(coef: usize): u64 {
  const z = i16x8.splat(0);
  let m: u64 = 0;
  for (let r = 0; r < 8; r++) {
    const bits = i16x8.bitmask(v128.not(i16x8.eq(v128.load(coef + (<usize>r << 4)), z)));
    if (bits != 0) m |= load<u64>(ZMASK + ((<usize>r * 256 + <usize>bits) << 3));
  }
  return m;
}

// Successive approximation of AC coefficients (libjpeg's decode_mcu_AC_refine):
// one correction bit per already-nonzero coefficient, new coefficients +-1 << Al.
// Runs of zero-history coefficients are skipped with a zigzag-order nonzero
// mask (count-trailing-zeros) instead of visiting every position.
export function blockAcRefine(coef: usize, act: usize, ss: i32, se: i32, al: i32): void {
  const p1 = 1 << al, m1 = -1 << al;
  let buf = brBuf, bits = brBits, eobrun = brEobrun;
  let k = ss;
  const nz = nonzeroZigzag(coef);
  if (eobrun == 0) {
    for (; k <= se; k++) {
      if (bits < 32) { brBuf = buf; brBits = bits; fill(); buf = brBuf; bits = brBits; }
      const e = <i32>load<u16>(act + (<usize>(buf >> 55) << 1));
      let rs = 0;
      if (e != 0) { const l = e >> 8; buf <<= <u64>l; bits -= l; rs = e & 255; }
      else { brBuf = buf; brBits = bits; rs = decodeSlow(act); buf = brBuf; bits = brBits; }
      let r = rs >> 4;
      const s = rs & 15;
      let v = 0;
      if (s != 0) {
        v = (buf >> 63) != 0 ? p1 : m1;
        buf <<= 1; bits--;
      } else if (r != 15) {
        eobrun = 1 << r;
        if (r != 0) { eobrun += <i32>(buf >> <u64>(64 - r)); buf <<= <u64>r; bits -= r; }
        break;
      }
      // refine nonzero coefficients until the (r+1)-th zero-history one
      while (k <= se) {
        const rest = nz >> <u64>k;
        let next = rest == 0 ? 64 : k + <i32>ctz(rest);
        if (next > se + 1) next = se + 1;
        const zeros = next - k;
        if (r < zeros) { k += r; break; }
        r -= zeros;
        k = next;
        if (k > se) break;
        const cp = coef + (<usize>load<u8>(ZZ + <usize>k) << 1);
        const c = <i32>load<i16>(cp);
        if (bits < 1) { brBuf = buf; brBits = bits; fill(); buf = brBuf; bits = brBits; }
        if ((buf >> 63) != 0 && (c & p1) == 0) store<i16>(cp, <i16>(c >= 0 ? c + p1 : c + m1));
        buf <<= 1; bits--;
        k++;
      }
      // past Se this lands on ZZ[Se + 1] (63 when Se = 63), as in libjpeg
      if (s != 0) store<i16>(coef + (<usize>load<u8>(ZZ + <usize>k) << 1), <i16>v);
    }
  }
  if (eobrun > 0) {
    if (k <= se) {
      let m = (nz >> <u64>k) << <u64>k;
      if (se < 63) m &= (<u64>1 << <u64>(se + 1)) - 1;
      // one correction bit per nonzero coefficient, branch-free
      while (m != 0) {
        if (bits < 1) { brBuf = buf; brBits = bits; fill(); buf = brBuf; bits = brBits; }
        let n = <i32>popcnt(m);
        if (n > bits) n = bits;
        bits -= n;
        for (; n > 0; n--) {
          const kk = <i32>ctz(m);
          m &= m - 1;
          const cp = coef + (<usize>load<u8>(ZZ + <usize>kk) << 1);
          const c = <i32>load<i16>(cp);
          const bit = <i32>(buf >> 63);
          buf <<= 1;
          const sign = c >> 31;
          const add = (bit & <i32>((c & p1) == 0)) * ((p1 ^ sign) - sign); // +-p1 away from zero
          store<i16>(cp, <i16>(c + add));
        }
      }
    }
    eobrun--;
  }
  brBuf = buf; brBits = bits; brEobrun = eobrun;
}

