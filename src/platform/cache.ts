// The on-disk u8 cache of a decoded folder:
//   <dir>/.ganforge-cache-<size>.u8    n * size * size * 3 bytes (the dataset rows)
//   <dir>/.ganforge-cache-<size>.json  manifest: the key it was built from
//                                      (size, crop, maxPixels, a hash of the
//                                      pipeline wasm that decoded and resized,
//                                      every listed file with its byte size
//                                      and mtime),
//                                      which files became rows, the skipped ones.
// A cache is used only when the key matches exactly and the .u8 length is
// right. The old manifest is removed first, then both files are written to a
// temp name and renamed, manifest last: a crash never pairs a manifest with
// rows it does not describe.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset } from '../data/dataset';

export interface FileEntry { path: string; bytes: number; mtimeMs: number }
/** What the rows were built from: a changed file, option or decoder build invalidates them. */
export interface CacheKey { size: number; crop: boolean; maxPixels: number | null; codec: string; files: FileEntry[] }

const FORMAT = 'ganforge-u8-cache';
const VERSION = 1;

/** FNV-1a of a string, hex: identifies the wasm build in the cache key. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function cachePaths(dir: string, size: number): { data: string; manifest: string } {
  const base = join(dir, `.ganforge-cache-${size}`);
  return { data: `${base}.u8`, manifest: `${base}.json` };
}

function sameKey(a: CacheKey, b: CacheKey): boolean {
  if (a.size !== b.size || a.crop !== b.crop || a.maxPixels !== b.maxPixels || a.codec !== b.codec || a.files.length !== b.files.length) return false;
  for (let i = 0; i < a.files.length; i++) {
    const x = a.files[i], y = b.files[i];
    if (x.path !== y.path || x.bytes !== y.bytes || x.mtimeMs !== y.mtimeMs) return false;
  }
  return true;
}

/** The cached rows for this key, or null (absent, stale or damaged). */
export function readCache(dir: string, key: CacheKey): { images: Uint8Array; kept: number[]; skipped: ImageDataset['skipped'] } | null {
  const p = cachePaths(dir, key.size);
  try {
    const m = JSON.parse(readFileSync(p.manifest, 'utf8'));
    if (m.format !== FORMAT || m.version !== VERSION || !sameKey(m.key, key)) return null;
    const kept: number[] = m.kept;
    if (!Array.isArray(kept) || kept.some((i) => !Number.isInteger(i) || i < 0 || i >= key.files.length)) return null;
    const buf = readFileSync(p.data);
    if (buf.length !== kept.length * key.size * key.size * 3) return null;
    const images = buf.byteOffset === 0 && buf.buffer.byteLength === buf.length ? new Uint8Array(buf.buffer) : new Uint8Array(buf);
    return { images, kept, skipped: m.skipped };
  } catch {
    return null;
  }
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* never created */ }
    throw e;
  }
}

/** Saves the rows; returns false (and leaves no temp files) when the folder is not writable. */
export function writeCache(dir: string, key: CacheKey, images: Uint8Array, kept: number[], skipped: ImageDataset['skipped']): boolean {
  const p = cachePaths(dir, key.size);
  try {
    try { unlinkSync(p.manifest); } catch { /* none yet */ }
    writeAtomic(p.data, images);
    writeAtomic(p.manifest, JSON.stringify({ format: FORMAT, version: VERSION, key, kept, skipped }));
    return true;
  } catch {
    return false;
  }
}
