// Node side of the diversity metrics: loading sample sets from paths (a folder of images, one grid image, a .npy).
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  imageDimensions, npyHeaderSize, npyTruncatedError, NpyRangeScan, npyRowToSamples, randomOrder, readNpyInfo, SampleError, seededSubset, splitGrid,
  subsetSamples, TRAINER_GRID, trainerGridTile, writeImageSample, type Layout, type RgbaImage, type SampleSet, type ValueRange,
} from '../metrics/samples';
import { decodeImage } from '../image/decode';
import { listImageFiles } from './folder';

export interface LoadInputOptions {
  grid?: string; // "ROWSxCOLS"
  pad?: number;
  range?: ValueRange;
  layout?: Layout;
  /** Unreadable files are fatal instead of skipped. */
  strict?: boolean;
  /**
   * At most this many samples (default: all). A bigger folder or .npy is
   * subsampled: a uniformly random subset of the file list (or of the rows),
   * seeded by `seed`, chosen before anything is decoded; only the chosen files
   * or rows are read. A grid's tiles are subsampled the same way.
   */
  limit?: number;
  /** Seed of the subsample (default 1). */
  seed?: number;
  /** Progress while files or rows are read: done of total, and what is being done. */
  onProgress?: (done: number, total: number, stage: string) => void;
  /**
   * A folder's images are read at this size (area average; square to square
   * through the pipeline's resize) instead of at the smallest size among them:
   * a reference is compared at the samples' size, as the trainer reads its data.
   */
  size?: { width: number; height: number };
}

export interface LoadedInput {
  set: SampleSet;
  kind: 'folder' | 'grid' | 'npy';
  notes: string[];
  skipped: { file: string; reason: string }[];
  /** Images (files, .npy rows or grid tiles) there were to choose from; set.n < available when subsampled (or files were skipped). */
  available: number;
  /** True when `limit` chose a subset. */
  subsampled: boolean;
}

export function parseGridSpec(spec: string): [number, number] {
  const m = /^(\d+)x(\d+)$/i.exec(spec.trim());
  if (!m || +m[1] < 1 || +m[2] < 1) throw new SampleError(`--grid: expected ROWSxCOLS such as 8x8, got '${spec}'`);
  return [+m[1], +m[2]];
}

function decodeFile(path: string): RgbaImage {
  return decodeImage(new Uint8Array(readFileSync(path)), { file: basename(path) });
}

const HEAD_BYTES = 4096; // a PNG needs 24 bytes; most JPEGs reach their frame header within this
const head = new Uint8Array(HEAD_BYTES);

/** Width and height of an image file from its header (a full decode only for a file the header reader cannot handle, to get decodeImage's error). */
function probeFile(path: string): { width: number; height: number } {
  let got = 0;
  const fd = openSync(path, 'r');
  try { got = readSync(fd, head, 0, HEAD_BYTES, 0); } finally { closeSync(fd); }
  const d = imageDimensions(head.subarray(0, got));
  if (d && d !== 'more') return d;
  // an unusual file (big JPEG metadata, damaged signature): the whole file, and decodeImage's verdict
  const bytes = new Uint8Array(readFileSync(path));
  const d2 = imageDimensions(bytes);
  if (d2 && d2 !== 'more') return d2;
  const img = decodeImage(bytes, { file: basename(path) });
  return { width: img.width, height: img.height };
}

const fmt = (v: number) => v.toLocaleString('en-US');

/** The order files are tried in: all of them in file order when they fit in `limit`, else a seeded random order (the first `limit` usable ones are kept). */
function chooseOrder(n: number, limit: number, seed: number): Iterable<number> {
  if (n <= limit) return { [Symbol.iterator]: function* () { for (let i = 0; i < n; i++) yield i; } };
  return randomOrder(n, seed);
}

function loadFolder(dir: string, opts: LoadInputOptions): LoadedInput {
  if (opts.grid) throw new SampleError(`--grid takes one grid image, and ${dir} is a folder`);
  let files;
  try { files = listImageFiles(dir); } catch (e) { throw new SampleError((e as Error).message); }
  if (!files.length) throw new SampleError(`${dir}: no .png/.jpg images in this folder`);
  const grids = trainerGrids(dir, files.map((f) => f.path));
  if (grids.length) return loadNewestGrid(dir, grids, opts);
  const notes: string[] = [];
  const skipped: LoadedInput['skipped'] = [];
  const limit = opts.limit ?? Infinity;
  const skip = (file: string, e: unknown) => {
    const reason = (e as Error).message;
    if (opts.strict) throw new SampleError(`${file}: ${reason} (--strict)`);
    skipped.push({ file, reason });
  };
  // 1. the files, in a seeded random order when there are more than `limit`: read
  //    each one's header until `limit` are usable (an unreadable one is replaced
  //    by the next in the order), so the subset is uniform over the readable files.
  const chosen: { i: number; width: number; height: number }[] = [];
  const total = Math.min(limit, files.length);
  let tried = 0;
  for (const i of chooseOrder(files.length, limit, opts.seed ?? 1)) {
    if (chosen.length >= limit) break;
    try { chosen.push({ i, ...probeFile(join(dir, files[i].path)) }); } catch (e) { skip(files[i].path, e); }
    if (++tried % 256 === 0) opts.onProgress?.(chosen.length, total, 'reading headers');
  }
  if (chosen.length < 2) throw new SampleError(`${dir}: need at least 2 readable images, found ${chosen.length}${skipped.length ? ` (first unreadable: ${skipped[0].reason})` : ''}`);
  chosen.sort((a, b) => a.i - b.i);
  // 2. decode them one at a time into one buffer at the smallest width and height
  let w = Infinity, h = Infinity;
  for (const c of chosen) { w = Math.min(w, c.width); h = Math.min(h, c.height); }
  const native = { w, h };
  if (opts.size) ({ width: w, height: h } = opts.size);
  const sz = w * h * 3;
  if (chosen.length * sz > 2 ** 31) throw new SampleError(`${dir}: ${fmt(chosen.length)} images of ${w}x${h} are too many to hold at once; ask for fewer (--n / --ref-n)`);
  let out = new Uint8Array(chosen.length * sz);
  let n = 0, resized = 0;
  for (let k = 0; k < chosen.length; k++) {
    const f = files[chosen[k].i];
    try {
      if (writeImageSample(decodeFile(join(dir, f.path)), w, h, out, n)) resized++;
      n++;
    } catch (e) { skip(f.path, e); }
    if ((k + 1) % 64 === 0 || k + 1 === chosen.length) opts.onProgress?.(k + 1, chosen.length, 'decoding');
  }
  if (skipped.length) notes.push(`${skipped.length} unreadable file(s) skipped (first: ${skipped[0].file}: ${skipped[0].reason})`);
  if (n < 2) throw new SampleError(`${dir}: need at least 2 readable images, found ${n}`);
  if (n < chosen.length) out = out.slice(0, n * sz);
  if (resized && opts.size) notes.push(`read at ${w}x${h}, the samples' size (${resized === n ? 'all' : resized} image(s) resized by area average${native.w !== w || native.h !== h ? `; the smallest is ${native.w}x${native.h}` : ''})`);
  else if (resized) notes.push(`mixed sizes: ${resized} image(s) resized (area average) to the smallest, ${w}x${h}`);
  return { set: { n, height: h, width: w, channels: 3, data: out }, kind: 'folder', notes, skipped, available: files.length, subsampled: files.length > limit };
}

interface GridFile { path: string; step: number; tile: number }

/**
 * The trainer's own sample grids among `paths`: named step-NNNNNN.png and
 * sized as its 8x8 layout with pad 2. A folder of them is the trainer's
 * samples/ folder (one grid per sampled step); a folder that mixes them with
 * other images is refused.
 */
function trainerGrids(dir: string, paths: string[]): GridFile[] {
  const grids: GridFile[] = [];
  for (const p of paths) {
    const m = TRAINER_GRID.name.exec(basename(p));
    if (!m) continue;
    let d;
    try { d = probeFile(join(dir, p)); } catch { continue; }
    const tile = trainerGridTile(d.width, d.height);
    if (tile !== null) grids.push({ path: p, step: Number(m[1]), tile });
  }
  if (grids.length && grids.length < paths.length) {
    throw new SampleError(`${dir}: ${grids.length} of its ${paths.length} images are the trainer's 8x8 sample grids (step-NNNNNN.png, e.g. ${grids[0].path}), mixed with other images; score one grid with: node scripts/diversity.js ${join(dir, grids[0].path)} --grid 8x8 --pad 2`);
  }
  return grids;
}

/** A samples/ folder of the trainer's grids: only the newest grid is scored (grids of different steps are different generators). */
function loadNewestGrid(dir: string, grids: GridFile[], opts: LoadInputOptions): LoadedInput {
  grids.sort((a, b) => a.step - b.step || (a.path < b.path ? -1 : 1));
  const newest = grids[grids.length - 1];
  const r = loadGridFile(join(dir, newest.path), TRAINER_GRID.rows, TRAINER_GRID.cols, TRAINER_GRID.pad, opts);
  const how = `node scripts/diversity.js ${join(dir, grids[0].path)} --grid 8x8 --pad 2`;
  r.notes.unshift(grids.length === 1
    ? `${newest.path} is the trainer's 8x8 sample grid (step-NNNNNN.png): split into its ${r.available} samples of ${newest.tile}x${newest.tile}, as --grid 8x8 --pad 2 does`
    : `the ${grids.length} files are the trainer's 8x8 sample grids (step-NNNNNN.png, steps ${grids[0].step} to ${newest.step}); scored only the newest, ${newest.path}, split into its ${r.available} samples of ${newest.tile}x${newest.tile} (grids of different steps are not mixed). To score another grid: ${how}`);
  return r;
}

function loadGridFile(path: string, rows: number, cols: number, pad: number, opts: LoadInputOptions): LoadedInput {
  let img: RgbaImage;
  try { img = decodeFile(path); } catch (e) { throw new SampleError((e as Error).message); }
  let set = splitGrid(img, rows, cols, pad);
  const available = set.n;
  const limit = opts.limit ?? Infinity;
  if (set.n > limit) set = subsetSamples(set, seededSubset(set.n, limit, opts.seed ?? 1));
  return { set, kind: 'grid', notes: [], skipped: [], available, subsampled: available > limit };
}

/** A .npy file read row by row: only the header and the chosen rows (all, or a seeded subset of `limit`). */
function loadNpyFile(path: string, opts: LoadInputOptions): LoadedInput {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const readAt = (buf: Uint8Array, pos: number) => {
      let got = 0;
      while (got < buf.length) {
        const r = readSync(fd, buf, got, buf.length - got, pos + got);
        if (r <= 0) break;
        got += r;
      }
      return buf.subarray(0, got);
    };
    const first = readAt(new Uint8Array(Math.min(size, 12)), 0);
    const hsize = npyHeaderSize(first);
    const info = readNpyInfo(readAt(new Uint8Array(Math.min(size, hsize)), 0), { layout: opts.layout });
    if (size - info.offset < info.n * info.rowBytes) throw npyTruncatedError(info, size - info.offset);
    const limit = opts.limit ?? Infinity;
    const rows = seededSubset(info.n, limit, opts.seed ?? 1);
    // contiguous rows are read together, up to 4 MiB at a time
    const perRead = Math.max(1, Math.floor((4 << 20) / Math.max(1, info.rowBytes)));
    const buf = new Uint8Array(Math.min(rows.length, perRead) * info.rowBytes);
    const eachRow = (stage: string, fn: (row: Uint8Array, index: number, k: number) => void) => {
      for (let k = 0; k < rows.length;) {
        let m = 1;
        while (k + m < rows.length && m < perRead && rows[k + m] === rows[k] + m) m++;
        const chunk = readAt(buf.subarray(0, m * info.rowBytes), info.offset + rows[k] * info.rowBytes);
        for (let t = 0; t < m; t++) fn(chunk.subarray(t * info.rowBytes, (t + 1) * info.rowBytes), rows[k + t], k + t);
        k += m;
        opts.onProgress?.(k, rows.length, stage);
      }
    };
    const scan = new NpyRangeScan(info);
    eachRow('checking values', (row, index) => scan.add(row, index));
    const range = scan.range(opts.range);
    const data = new Float32Array(rows.length * info.h * info.w * 3);
    eachRow('converting', (row, _index, k) => npyRowToSamples(info, row, range, data, k));
    const notes = [`.npy ${info.kind} ${info.layout.toUpperCase()} range [${range}]${opts.range && opts.range !== 'auto' ? ' (given)' : ` (detected${rows.length < info.n ? ' on the chosen rows' : ''})`}`];
    return { set: { n: rows.length, height: info.h, width: info.w, channels: 3, data }, kind: 'npy', notes, skipped: [], available: info.n, subsampled: rows.length < info.n };
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads INPUT as the CLI does: a folder of images (a folder of the trainer's
 * step-NNNNNN.png grids: the newest grid, split), a .npy file, or a grid image
 * (with grid, or the trainer's own step-NNNNNN.png grid without). Images are
 * decoded one at a time into one preallocated buffer; see `limit` for big inputs.
 */
export function loadSampleInput(input: string, opts: LoadInputOptions = {}): LoadedInput {
  let st;
  try { st = statSync(input); } catch { throw new SampleError(`${input}: no such file or folder`); }
  if (opts.limit !== undefined && !(opts.limit >= 1)) throw new SampleError(`sample limit must be at least 1, got ${opts.limit}`);
  if (st.isDirectory()) return loadFolder(input, opts);
  if (/\.npy$/i.test(input)) {
    try { return loadNpyFile(input, opts); } catch (e) { throw e instanceof SampleError ? new SampleError(`${input}: ${e.message}`) : e; }
  }
  if (opts.grid) {
    const [rows, cols] = parseGridSpec(opts.grid);
    const r = loadGridFile(input, rows, cols, opts.pad ?? 0, opts);
    r.notes.push(`grid ${rows}x${cols} of ${r.set.width}x${r.set.height} tiles (pad ${opts.pad ?? 0})`);
    return r;
  }
  if (TRAINER_GRID.name.test(basename(input))) {
    let d: { width: number; height: number } | null = null;
    try { d = probeFile(input); } catch { /* not an image: the error below */ }
    const tile = d ? trainerGridTile(d.width, d.height) : null;
    if (tile !== null) {
      const r = loadGridFile(input, TRAINER_GRID.rows, TRAINER_GRID.cols, TRAINER_GRID.pad, opts);
      r.notes.push(`${basename(input)} is the trainer's 8x8 sample grid (step-NNNNNN.png): split into its ${r.available} samples of ${tile}x${tile}, as --grid 8x8 --pad 2 does`);
      return r;
    }
  }
  throw new SampleError(`${input}: expected a folder of images, a .npy file, or an image with --grid ROWSxCOLS`);
}

