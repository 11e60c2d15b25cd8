// The page's built-in faces, kept in IndexedDB once drawn: rasterising 2,048
// DiceBear SVGs in the page takes the better part of a minute on a 2-core
// machine, reading them back a fraction of a second. One record per set,
// keyed by what decides its bytes: the count, the image size, the seed, the
// face generator's version (FACES_VERSION, src/data/faces.ts), the page's
// drawing version (FACES_DRAW_VERSION below) and the browser (its user agent:
// another rasteriser may draw other pixels). A record is used only if it is
// whole: the key fields match, the byte length is n * size * size * 3 and the
// checksum taken when it was written matches; anything else is deleted and
// the faces are drawn again. The cache lives in its own database
// ("ganforge-faces"), apart from the saved run (src/web/autosave.ts), and keeps
// the newest MAX_SETS sets. Browser-only at run time; the record checks are
// pure (test/e2e/web_units.test.ts runs them in Node).
import { FACES_VERSION } from '../data/faces';
import { openDatabase, request } from './idb';

/** Bumped whenever the page draws the faces differently (rasterising, resizing). */
export const FACES_DRAW_VERSION = 1;
/** The version a cached set must carry: the generator's and the page's drawing. */
export const FACES_CACHE_VERSION = `${FACES_VERSION}.${FACES_DRAW_VERSION}`;
/** How many face sets (count x size x seed) the cache keeps; older ones are deleted. */
export const MAX_SETS = 2;

const DB_NAME = 'ganforge-faces';
const SETS = 'sets';
const META = 'meta';

/** What the bytes of a face set depend on. */
export interface FacesKey {
  n: number;
  size: number;
  seed: number;
  /** FACES_CACHE_VERSION when drawn. */
  version: string;
  /** navigator.userAgent of the browser that drew them. */
  agent: string;
}

export interface FacesRecord extends FacesKey {
  /** n * size * size * 3 bytes, RGB8, as ImageDataset.images. */
  images: Uint8Array;
  checksum: number;
  savedAt: string;
}

export function facesCacheKey(k: FacesKey): string {
  return `faces-n${k.n}-s${k.size}-seed${k.seed}-v${k.version}`;
}

/** 32-bit FNV-1a over the bytes (as 32-bit words while 4 bytes remain): catches truncated or altered sets. */
export function facesChecksum(b: Uint8Array): number {
  let h = 0x811c9dc5;
  const words = b.byteLength >>> 2;
  if ((b.byteOffset & 3) === 0) {
    const u = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let i = 0; i < words; i++) h = Math.imul(h ^ u[i], 0x01000193);
  } else {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < words; i++) h = Math.imul(h ^ v.getUint32(i * 4, true), 0x01000193);
  }
  for (let i = words * 4; i < b.byteLength; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return (h ^ b.byteLength) >>> 0;
}

/** The record to store for a freshly drawn set. */
export function facesRecord(key: FacesKey, images: Uint8Array, savedAt = new Date().toISOString()): FacesRecord {
  return { ...key, images, checksum: facesChecksum(images), savedAt };
}

/**
 * The images of a stored record if it is the set `want` and whole, else the
 * reason it is not used (never trusted: the caller draws the faces again).
 */
export function checkFacesRecord(r: unknown, want: FacesKey): { images: Uint8Array } | { reason: string } {
  if (!r || typeof r !== 'object') return { reason: 'not a face set record' };
  const rec = r as Partial<FacesRecord>;
  for (const k of ['n', 'size', 'seed', 'version', 'agent'] as const) {
    if (rec[k] !== want[k]) return { reason: `${k} is ${JSON.stringify(rec[k])}, not ${JSON.stringify(want[k])}` };
  }
  const images = rec.images;
  if (!(images instanceof Uint8Array)) return { reason: 'no image bytes' };
  const expected = want.n * want.size * want.size * 3;
  if (images.byteLength !== expected) return { reason: `${images.byteLength} bytes, not ${expected} (${want.n} x ${want.size}x${want.size}x3)` };
  if (typeof rec.checksum !== 'number' || facesChecksum(images) !== rec.checksum) return { reason: 'the checksum does not match (corrupt bytes)' };
  return { images };
}

// ---- IndexedDB ----------------------------------------------------------------
const openDb = () => openDatabase(DB_NAME, [SETS, META]);

/** Settles when the transaction commits (or fails); made right after the transaction, before its requests. */
function done(tx: IDBTransaction): Promise<void> {
  const p = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
  p.catch(() => {}); // awaited by the caller; a request's own error may come first
  return p;
}

async function deleteKey(key: string): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([SETS, META], 'readwrite');
  const finished = done(tx);
  tx.objectStore(SETS).delete(key);
  tx.objectStore(META).delete(key);
  await finished;
}

/**
 * The cached set `want`: its images, null when there is none, or the reason
 * a record found was not used (the record is deleted then).
 */
export async function loadCachedFaces(want: FacesKey): Promise<{ images: Uint8Array } | { reason: string } | null> {
  const key = facesCacheKey(want);
  const db = await openDb();
  const tx = db.transaction(SETS, 'readonly');
  const finished = done(tx);
  const rec = await request(tx.objectStore(SETS).get(key));
  await finished;
  if (rec === undefined) return null;
  const checked = checkFacesRecord(rec, want);
  if ('reason' in checked) await deleteKey(key).catch(() => {});
  return checked;
}

/** Stores a drawn set (one transaction) and deletes all but the newest MAX_SETS sets. */
export async function saveCachedFaces(key: FacesKey, images: Uint8Array): Promise<void> {
  const id = facesCacheKey(key);
  const rec = facesRecord(key, images);
  const db = await openDb();
  const tx = db.transaction([SETS, META], 'readwrite');
  const finished = done(tx);
  const sets = tx.objectStore(SETS);
  const meta = tx.objectStore(META);
  sets.put(rec, id);
  meta.put({ savedAt: rec.savedAt, bytes: images.byteLength }, id);
  const ids = (await request(meta.getAllKeys())) as string[];
  const metas = (await request(meta.getAll())) as { savedAt?: string }[];
  const old = ids.map((k, i) => ({ k, t: String(metas[i]?.savedAt ?? '') })).filter((x) => x.k !== id).sort((a, b) => (a.t < b.t ? 1 : a.t > b.t ? -1 : 0));
  for (const { k } of old.slice(MAX_SETS - 1)) {
    sets.delete(k);
    meta.delete(k);
  }
  await finished;
}

/** Deletes every cached face set. */
export async function clearCachedFaces(): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([SETS, META], 'readwrite');
  const finished = done(tx);
  tx.objectStore(SETS).clear();
  tx.objectStore(META).clear();
  await finished;
}
