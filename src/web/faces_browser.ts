// The built-in face dataset, made in the page with the generator the CLI's
// make-faces uses (faceSvg in src/data/faces.ts): the SVGs are rasterised by
// the browser, 64 at a time as one atlas SVG (each face a nested 96x96 <svg>,
// its ids made unique) drawn on a canvas, and each face's RGBA pixels go
// through our resize pipeline (resizeToSquare, as datasetFromImages does for
// decoded files). One <img> per face costs the browser an SVG document each:
// 2,048 faces took the better part of a minute on a 2-core machine, the atlas
// about a fifth of that. A face the atlas rewrite does not cover is drawn on
// its own. A drawn set is kept in IndexedDB (src/web/faces_cache.ts) and read
// back, checked, the next time.
import { FACE_SIZE, faceSvg } from '../data/faces';
import { type ImageDataset } from '../data/dataset';
import { resizeToSquare } from '../kernels/resize';
import { initPipelineWasm } from '../wasm/pipeline';
import { FACES_CACHE_VERSION, loadCachedFaces, saveCachedFaces, type FacesKey } from './faces_cache';

/** The rasterised size, as the files make-faces writes. */
export const FACE_PX = FACE_SIZE;
/** make-faces' default seed: the same faces as the CLI's default dataset. */
export const FACE_SEED = 1;
/** Faces per atlas, and its columns. */
const ATLAS = 64;
const ATLAS_COLS = 8;

function loadSvg(svg: string, w = FACE_PX, h = FACE_PX): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  const img = new Image(w, h);
  return new Promise<HTMLImageElement>((resolve, reject) => {
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the browser could not rasterise a face SVG'));
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

/**
 * A face's SVG as a nested <svg> at (x, y) of an atlas, its ids (DiceBear
 * draws one mask, "viewboxMask") prefixed so that faces do not share them;
 * null when the SVG has anything the rewrite does not cover (styles, href
 * references, nested <svg>, no 96x96 size): that face is drawn on its own.
 */
export function atlasEntry(svg: string, x: number, y: number, prefix: string): string | null {
  if (!svg.startsWith('<svg ') || svg.indexOf('<svg', 1) !== -1 || /<style|href\s*=/.test(svg)) return null;
  // its own 96x96 viewport, which the atlas places (without it the face would fill the atlas)
  const open = svg.slice(0, svg.indexOf('>') + 1);
  if (!open.includes(` width="${FACE_PX}"`) || !open.includes(` height="${FACE_PX}"`)) return null;
  const ids = [...svg.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
  const refs = [...svg.matchAll(/url\(#([^)]*)\)/g)].map((m) => m[1]);
  if (refs.some((r) => !ids.includes(r)) || /\bid='|url\(['"]/.test(svg)) return null;
  const out = svg
    .replace(/(\s)id="([^"]*)"/g, (_, sp: string, id: string) => `${sp}id="${prefix}${id}"`)
    .replace(/url\(#([^)]*)\)/g, (_, id: string) => `url(#${prefix}${id})`);
  return `<svg x="${x}" y="${y}" ${out.slice(5)}`;
}

/** One SVG of cols x rows faces holding `entries` (atlasEntry's output); transparent: the caller fills white first. */
export function atlasSvg(entries: readonly string[], cols: number, rows: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * FACE_PX}" height="${rows * FACE_PX}">${entries.join('')}</svg>`;
}

function faceNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `face-${String(i).padStart(6, '0')}`);
}

function datasetOf(n: number, size: number, images: Uint8Array): ImageDataset {
  return { n, size, images, files: faceNames(n), skipped: { count: 0, examples: [] } };
}

/** n faces drawn now as size x size RGB8 rows; onProgress(done, n) as they are drawn. */
export async function makeFaceDataset(n: number, size: number, onProgress?: (done: number, total: number) => void, seed = FACE_SEED): Promise<ImageDataset> {
  await initPipelineWasm();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = FACE_PX;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const rows = Math.ceil(ATLAS / ATLAS_COLS);
  const sheet = document.createElement('canvas');
  sheet.width = ATLAS_COLS * FACE_PX;
  sheet.height = rows * FACE_PX;
  const sctx = sheet.getContext('2d', { willReadFrequently: true })!;
  const row = size * size * 3;
  const out = new Uint8Array(n * row);
  // each face straight into its row (the same resize, crop included, as datasetFromImages)
  const put = (c: CanvasRenderingContext2D, x: number, y: number, index: number) => {
    const px = c.getImageData(x, y, FACE_PX, FACE_PX).data;
    resizeToSquare({ width: FACE_PX, height: FACE_PX, data: new Uint8Array(px.buffer, px.byteOffset, px.byteLength) }, size, true, out.subarray(index * row, (index + 1) * row));
  };
  onProgress?.(0, n);
  for (let i = 0; i < n; i += ATLAS) {
    const m = Math.min(ATLAS, n - i);
    const at = (k: number) => [(k % ATLAS_COLS) * FACE_PX, Math.floor(k / ATLAS_COLS) * FACE_PX] as const;
    const svgs = Array.from({ length: m }, (_, k) => faceSvg(i + k, seed));
    const entries = svgs.map((svg, k) => atlasEntry(svg, ...at(k), `f${k}-`));
    const inAtlas = entries.filter((e): e is string => e !== null);
    if (inAtlas.length) {
      const img = await loadSvg(atlasSvg(inAtlas, ATLAS_COLS, rows), sheet.width, sheet.height);
      sctx.fillStyle = '#fff';
      sctx.fillRect(0, 0, sheet.width, sheet.height);
      sctx.drawImage(img, 0, 0, sheet.width, sheet.height);
    }
    for (let k = 0; k < m; k++) {
      if (entries[k] !== null) {
        put(sctx, ...at(k), i + k);
        continue;
      }
      const img = await loadSvg(svgs[k]);
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, FACE_PX, FACE_PX);
      ctx.drawImage(img, 0, 0, FACE_PX, FACE_PX);
      put(ctx, 0, 0, i + k);
    }
    onProgress?.(i + m, n);
  }
  return datasetOf(n, size, out);
}

export interface FaceLoad {
  ds: ImageDataset;
  /** 'cache': read back from this browser's IndexedDB; 'drawn': rasterised now. */
  from: 'cache' | 'drawn';
  /** Why a cached set was not used or could not be read (absent when there simply was none). */
  cacheMiss?: string;
  /** After a draw: settles when the set is stored for next time (rejects with why not). */
  saved?: Promise<void>;
}

/** The key of the set (n, size, seed) drawn by this page in this browser. */
export function faceKey(n: number, size: number, seed = FACE_SEED): FacesKey {
  return { n, size, seed, version: FACES_CACHE_VERSION, agent: typeof navigator === 'undefined' ? '' : navigator.userAgent };
}

/**
 * The built-in faces: from this browser's cache when a whole, matching set is
 * there, else drawn (onProgress as they are) and stored for next time. A set
 * that fails its checks is deleted and drawn again, never used.
 */
export async function loadFaceDataset(n: number, size: number, onProgress?: (done: number, total: number) => void, seed = FACE_SEED): Promise<FaceLoad> {
  const key = faceKey(n, size, seed);
  let cacheMiss: string | undefined;
  try {
    const hit = await loadCachedFaces(key);
    if (hit && 'images' in hit) return { ds: datasetOf(n, size, hit.images), from: 'cache' };
    if (hit) cacheMiss = `the faces kept in this browser were not used (${hit.reason})`;
  } catch (e) {
    cacheMiss = `the faces kept in this browser could not be read (${(e as Error).message})`;
  }
  const ds = await makeFaceDataset(n, size, onProgress, seed);
  const saved = saveCachedFaces(key, ds.images);
  saved.catch(() => {}); // the caller reports it
  return { ds, from: 'drawn', cacheMiss, saved };
}
