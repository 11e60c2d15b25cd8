// Sliced Wasserstein distance kernels (assembly/metrics/swd*.ts): one
// swd_prepare call per set and pyramid level, one swd_chunk call for a range
// of directions against both prepared levels.
import { metricsWasm } from '../wasm/metrics';
// Pointers are unsigned: alloc's usize comes back as a signed i32 above 2 GiB, hence >>> 0.

/** Neighbourhood side and descriptor length (7x7x3). */
export const SWD_NHOOD = 7;
export const SWD_DESC = 147;

/** NHWC RGB images: Uint8Array 0..255 or Float32Array in [0,1]. */
export interface SwdImages { data: Float32Array | Uint8Array; n: number; height: number; width: number }

/**
 * Directions swd_chunk can project a pass, largest first. A smaller block
 * needs less scratch (each set's projections for a block: 4 bytes a patch
 * and direction) and gives the same W1 for every direction: it only changes
 * the order of the work.
 */
export const SWD_BLOCKS: readonly number[] = [72, 48, 24];

/**
 * The block a level's plan uses (swdMemoryPlan): the smallest. A bigger one
 * reads the packed descriptors fewer times, but a fresh worker pays more for
 * the first touch of its larger projection rows (about 2.7 ms a MB on the
 * machines measured; 49 MB more at 64x64 for 72): the 2-thread 1,000 vs
 * 1,000 call took 1.97-2.04 s with 24, 2.04-2.15 s with 48 and 2.07-2.18 s
 * with 72 (6 alternating rounds, 2026-12-02, 2-vCPU AMD EPYC).
 */
export const SWD_PLAN_BLOCK = 24;

/** Bytes one WebAssembly instance may use for a level: wasm32's 4 GiB, less 64 MiB for the heap's start and headers. */
export const SWD_MEMORY_LIMIT = 2 ** 32 - 2 ** 26;

/** How one level runs in one instance (see swdMemoryPlan). */
export interface SwdMemoryPlan {
  /** Directions projected a pass. */
  block: number;
  /** Whether the i16 projection's packed descriptors fit (false: the f32 projection). */
  quant: boolean;
  /** The level's bytes in the instance under this plan. */
  bytes: number;
}

/** A set as far as its memory goes: images, their size, and bytes per image as the caller holds them (1 for u8, 4 for f32 per value). */
export interface SwdSetSize { n: number; height: number; width: number; bytesPerValue: number }

/** A set's size for swdLevelBytes (its data's type gives the bytes a value). */
export const swdSetSize = (s: SwdImages): SwdSetSize => ({ n: s.n, height: s.height, width: s.width, bytesPerValue: s.data instanceof Uint8Array ? 1 : 4 });

/**
 * Bytes one instance holds for a level of both sets: each set's images as
 * copied in, its level (f32), patch offsets and statistics, what swd_prepare
 * allocates itself, then the directions (ndir), swd_chunk's scratch for
 * `block` and `quant`, and the output; with room for every allocation's
 * alignment and header.
 */
export function swdLevelBytes(a: SwdSetSize, b: SwdSetSize, level: number, countA: number, countB: number, ndir: number, block: number, quant: boolean): number {
  const ex = metricsWasm().exports;
  const hl = levelSide(a.height, level), wl = levelSide(a.width, level), pad = 64;
  const set = (s: SwdSetSize, count: number) => s.n * s.height * s.width * 3 * s.bytesPerValue + s.n * hl * wl * 3 * 4 + count * 4 + 48 +
    ex.swd_prepare_bytes(s.n, s.height, s.width, level, count) + 4 * pad;
  const scratch = ex.swd_scratch_bytes(countA, countB, block, quant ? 1 : 0);
  if (!(scratch > 0)) throw new Error(`swdLevelBytes: no scratch size for ${countA} and ${countB} patches, block ${block}`);
  return set(a, countA) + set(b, countB) + ndir * SWD_DESC * 4 + scratch + ndir * 8 + 3 * pad;
}

/**
 * The plan for a level: SWD_PLAN_BLOCK directions a pass with the i16
 * projection if its bytes fit `limit`, else with the f32 projection (which
 * needs no packed descriptors: 592 bytes less a patch pair), else null (the
 * sets are too large for one instance). The plan depends only on the sizes,
 * so every thread count gives the same numbers.
 */
export function swdMemoryPlan(a: SwdSetSize | SwdImages, b: SwdSetSize | SwdImages, level: number, countA: number, countB: number, ndir: number, limit = SWD_MEMORY_LIMIT): SwdMemoryPlan | null {
  const sa = 'data' in a ? swdSetSize(a) : a, sb = 'data' in b ? swdSetSize(b) : b;
  for (const quant of [true, false]) {
    const bytes = swdLevelBytes(sa, sb, level, countA, countB, ndir, SWD_PLAN_BLOCK, quant);
    if (bytes <= limit) return { block: SWD_PLAN_BLOCK, quant, bytes };
  }
  return null;
}

function check(kernel: string, code: number): void {
  if (code === 0) return;
  const why = code === -1 ? 'bad dimensions' : code === -2 ? 'buffer outside wasm memory' : code === -5 ? 'patch outside the level' : `error ${code}`;
  throw new Error(`${kernel}: ${why}`);
}

/** Side of pyramid level `level` for a side of `s` (each pyr_down keeps ceil(s/2)). */
export function levelSide(s: number, level: number): number {
  for (let l = 0; l < level; l++) s = Math.ceil(s / 2);
  return s;
}

function checkImages(s: SwdImages, kernel: string): void {
  if (!(s.n >= 1 && s.height >= 1 && s.width >= 1) || s.data.length !== s.n * s.height * s.width * 3) {
    throw new Error(`${kernel}: expected ${s.n}x${s.height}x${s.width}x3 values, got ${s.data.length}`);
  }
}

/**
 * Level `level` of the images' Laplacian pyramid, f32 NHWC in 0..255 units
 * (`lowpass`: the low-pass image itself, as for the coarsest level). With
 * `offsets` (top-left of each 7x7 patch, in floats), the level is normalised
 * by the patches' per-channel mean and std, which are returned.
 */
export function swdLevel(s: SwdImages, level: number, lowpass: boolean, offsets?: Int32Array): { data: Float32Array; height: number; width: number; mean: number[]; std: number[] } {
  checkImages(s, 'swdLevel');
  const wasm = metricsWasm();
  wasm.exports.reset();
  const hl = levelSide(s.height, level), wl = levelSide(s.width, level), len = s.n * hl * wl * 3;
  const ip = wasm.put(s.data);
  const op = wasm.put(offsets ?? new Int32Array(0));
  const lp = wasm.exports.alloc(len * 4) >>> 0;
  const sp = wasm.exports.alloc(48) >>> 0;
  check('swd_prepare', wasm.exports.swd_prepare(ip, s.n, s.height, s.width, s.data instanceof Uint8Array ? 1 : 0, level, lowpass ? 1 : 0, op, offsets?.length ?? 0, lp, sp, 0));
  const st = wasm.f64.slice(sp >>> 3, (sp >>> 3) + 6);
  return { data: wasm.f32.slice(lp >>> 2, (lp >>> 2) + len), height: hl, width: wl, mean: offsets ? [st[0], st[1], st[2]] : [], std: offsets ? [st[3], st[4], st[5]] : [] };
}

/**
 * W1 distance, per direction, between the projections of two sets of 7x7x3
 * patches (offsets into levelA / levelB, rows of `stride` floats). dirs: f32
 * [ndir][147]. The levels are used as given (normalise them with swdLevel).
 */
export function swdProject(levelA: Float32Array, offsA: Int32Array, levelB: Float32Array, offsB: Int32Array, stride: number, dirs: Float32Array, plan: { block: number; quant: boolean } = { block: SWD_BLOCKS[0], quant: true }): Float64Array {
  if (dirs.length % SWD_DESC !== 0 || dirs.length === 0) throw new Error(`swdProject: dirs must hold ndir x ${SWD_DESC} floats, got ${dirs.length}`);
  const wasm = metricsWasm();
  wasm.exports.reset();
  const ndir = dirs.length / SWD_DESC;
  const la = wasm.put(levelA), lb = wasm.put(levelB), oa = wasm.put(offsA), ob = wasm.put(offsB), dp = wasm.put(dirs);
  const sc = wasm.exports.alloc(wasm.exports.swd_scratch_bytes(offsA.length, offsB.length, plan.block, plan.quant ? 1 : 0)) >>> 0;
  const out = wasm.exports.alloc(ndir * 8) >>> 0;
  check('swd_chunk', wasm.exports.swd_chunk(la, levelA.length, oa, offsA.length, lb, levelB.length, ob, offsB.length, stride, dp, ndir, sc, out, 0, plan.block, plan.quant ? 1 : 0));
  return wasm.f64.slice(out >>> 3, (out >>> 3) + ndir);
}

/**
 * How swd_chunk computes each direction's W1 on this thread: 'auto' through
 * bins (assembly/metrics/swd_w1.ts) where it can, else by sorting; 'sort'
 * always by sorting. Returns the previous method (tests compare the two).
 */
export function swdW1Method(method: 'auto' | 'sort'): 'auto' | 'sort' {
  if (method !== 'auto' && method !== 'sort') throw new Error(`unknown W1 method '${String(method)}' (auto or sort)`);
  return metricsWasm().exports.swd_w1_mode(method === 'sort' ? 1 : 0) === 1 ? 'sort' : 'auto';
}

/**
 * How swd_chunk projects the patches on this thread: 'auto' in 16-bit
 * integers where the data allow it (assembly/metrics/swd_quant.ts: about
 * 1e-3 of a direction's W1 and 1e-5 of a level's average, against the exact
 * value), else in f32; 'f32' always in f32. Returns the previous method
 * (tests compare the two).
 */
export function swdProjectionMethod(method: 'auto' | 'f32'): 'auto' | 'f32' {
  if (method !== 'auto' && method !== 'f32') throw new Error(`unknown projection method '${String(method)}' (auto or f32)`);
  return metricsWasm().exports.swd_projection_mode(method === 'f32' ? 1 : 0) === 1 ? 'f32' : 'auto';
}

/**
 * One level, both sets, on this thread: the pyramid, normalisation and W1 for
 * every direction, all in wasm memory, under `plan` (default: swdMemoryPlan's
 * for these sizes; an error if they do not fit one instance).
 */
export function swdLevelDistances(a: SwdImages, b: SwdImages, level: number, lowpass: boolean, offsA: Int32Array, offsB: Int32Array, dirs: Float32Array, plan?: { block: number; quant: boolean }): Float64Array {
  checkImages(a, 'swdLevelDistances'); checkImages(b, 'swdLevelDistances');
  if (a.height !== b.height || a.width !== b.width) throw new Error(`swdLevelDistances: sets of different sizes (${a.width}x${a.height}, ${b.width}x${b.height})`);
  if (dirs.length % SWD_DESC !== 0 || dirs.length === 0) throw new Error(`swdLevelDistances: dirs must hold ndir x ${SWD_DESC} floats, got ${dirs.length}`);
  const ndir = dirs.length / SWD_DESC;
  const p = plan ?? swdMemoryPlan(a, b, level, offsA.length, offsB.length, ndir);
  if (!p) throw new Error(`swdLevelDistances: ${a.n} and ${b.n} images of ${a.width}x${a.height} do not fit one WebAssembly instance at level ${level}`);
  const wasm = metricsWasm();
  const ex = wasm.exports;
  ex.reset();
  const hl = levelSide(a.height, level), wl = levelSide(a.width, level);
  // as the pool's workers do: the levels allocated last and prepared lazily (never written on the
  // i16 path, assembly/metrics/swd_lazy.ts), so their pages stay untouched
  const put = (s: SwdImages, offs: Int32Array) => ({ s, ip: wasm.put(s.data), op: wasm.put(offs), sp: ex.alloc(48) >>> 0, len: s.n * hl * wl * 3, lp: 0, count: offs.length });
  const A = put(a, offsA), B = put(b, offsB);
  const dp = wasm.put(dirs);
  const sc = ex.alloc(ex.swd_scratch_bytes(offsA.length, offsB.length, p.block, p.quant ? 1 : 0)) >>> 0;
  const out = ex.alloc(ndir * 8) >>> 0;
  for (const X of [A, B]) X.lp = ex.alloc(X.len * 4) >>> 0;
  for (const X of [A, B]) check('swd_prepare', ex.swd_prepare(X.ip, X.s.n, X.s.height, X.s.width, X.s.data instanceof Uint8Array ? 1 : 0, level, lowpass ? 1 : 0, X.op, X.count, X.lp, X.sp, 1));
  check('swd_chunk', ex.swd_chunk(A.lp, A.len, A.op, offsA.length, B.lp, B.len, B.op, offsB.length, wl * 3, dp, ndir, sc, out, 0, p.block, p.quant ? 1 : 0));
  return wasm.f64.slice(out >>> 3, (out >>> 3) + ndir);
}
