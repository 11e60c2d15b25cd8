// Node: rasterise the DiceBear faces (src/data/faces.ts) to 96x96 JPEG q90 files with
// sharp (libvips; deterministic for a given sharp version), write them into a
// temporary folder and rename it into place when complete, with a manifest.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faceSvg, FACE_SIZE, FACES_VERSION } from '../data/faces';
import { DatasetError } from '../data/dataset';

export interface MakeFacesOptions {
  n: number;
  out: string;
  seed?: number;
  quality?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FacesManifest {
  kind: 'ganforge-faces';
  version: number;
  n: number;
  seed: number;
  quality: number;
  size: number;
  complete: true;
}

export function faceFileName(i: number): string {
  return `face-${String(i).padStart(6, '0')}.jpg`;
}

async function loadSharp(): Promise<any> {
  try {
    return (await import('sharp')).default;
  } catch (e) {
    throw new DatasetError(`making the face dataset needs the 'sharp' package, which failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Renders one face to JPEG bytes. */
export async function renderFaceJpeg(index: number, seed = 1, quality = 90): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const buf: Buffer = await sharp(Buffer.from(faceSvg(index, seed)), { density: 72 }).resize(FACE_SIZE, FACE_SIZE).flatten({ background: '#ffffff' }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function readFacesManifest(dir: string): FacesManifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    return m?.kind === 'ganforge-faces' && m.complete === true ? m : null;
  } catch {
    return null;
  }
}

/** Makes the set in `out` (which must not hold anything else). Same options -> same bytes. */
export async function makeFaces(opts: MakeFacesOptions): Promise<string> {
  const { n, seed = 1, quality = 90 } = opts;
  const out = resolve(opts.out);
  if (!(Number.isInteger(n) && n >= 1)) throw new DatasetError(`--n must be a positive integer, got ${n}`);
  const existing = readFacesManifest(out);
  if (existing && existing.n === n && existing.seed === seed && existing.quality === quality && existing.version === FACES_VERSION) return out;
  if (existsSync(out) && readdirSync(out).length > 0) throw new DatasetError(`${out} already exists and is not an empty folder (or holds a different face set); choose another --out`);
  const sharp = await loadSharp();
  const tmp = `${out}.tmp-${process.pid}-${Date.now().toString(36)}`;
  mkdirSync(tmp, { recursive: true });
  try {
    const chunk = 64;
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const ids = Array.from({ length: Math.min(chunk, n - i0) }, (_, k) => i0 + k);
      const bufs: Buffer[] = await Promise.all(
        ids.map((i) => sharp(Buffer.from(faceSvg(i, seed)), { density: 72 }).resize(FACE_SIZE, FACE_SIZE).flatten({ background: '#ffffff' }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer()),
      );
      ids.forEach((i, k) => writeFileSync(join(tmp, faceFileName(i)), bufs[k]));
      opts.onProgress?.(Math.min(n, i0 + chunk), n);
    }
    const manifest: FacesManifest = { kind: 'ganforge-faces', version: FACES_VERSION, n, seed, quality, size: FACE_SIZE, complete: true };
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    if (existsSync(out) && readdirSync(out).length === 0) rmSync(out, { recursive: true, force: true });
    mkdirSync(dirname(out), { recursive: true });
    try {
      renameSync(tmp, out);
    } catch (e) {
      // Another process finished the same set first: keep theirs (same bytes).
      const other = readFacesManifest(out);
      if (!(other && other.n === n && other.seed === seed && other.quality === quality && other.version === FACES_VERSION)) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return out;
}

export function defaultCacheRoot(): string {
  if (process.env.GANFORGE_CACHE) return resolve(process.env.GANFORGE_CACHE);
  // dist/node/index.js or src/platform/faces.ts -> the repository root
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', '.cache');
}

// Temp folders `<dir>.tmp-<pid>-<stamp>` left by a process that was killed mid-way.
function removeDeadTemps(dir: string): void {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.tmp-`;
  let names: string[] = [];
  try {
    names = readdirSync(parent).filter((f) => f.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** `faces-<n>-v<version>` for the default seed 1, `faces-<n>-s<seed>-v<version>` otherwise. */
export function facesCacheName(n: number, seed = 1): string {
  return seed === 1 ? `faces-${n}-v${FACES_VERSION}` : `faces-${n}-s${seed}-v${FACES_VERSION}`;
}

/** The default dataset, made once into the cache (`$GANFORGE_CACHE` or `<repo>/.cache`) and reused afterwards. */
export async function ensureDefaultFaces(opts: { n: number; seed?: number; cacheDir?: string; onProgress?: (done: number, total: number) => void; log?: (m: string) => void }): Promise<string> {
  const seed = opts.seed ?? 1;
  const dir = join(opts.cacheDir ?? defaultCacheRoot(), facesCacheName(opts.n, seed));
  if (readFacesManifest(dir)) return dir;
  removeDeadTemps(dir);
  opts.log?.(`making the embedded face dataset (${opts.n} images, once) in ${dir}`);
  return makeFaces({ n: opts.n, out: dir, seed, onProgress: opts.onProgress });
}
