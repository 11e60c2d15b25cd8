// The page's IndexedDB plumbing, shared by the kept run (autosave.ts) and the
// built-in faces cache (faces_cache.ts): a request as a promise, and one
// database connection per name, opened once (a failed open is retried next time).

function idb(): IDBFactory {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) throw new Error('this browser gives the page no IndexedDB (private window or storage disabled)');
  return f;
}

/** An IDBRequest as a promise of its result. */
export function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

const open = new Map<string, Promise<IDBDatabase>>();

/** The database `name` at version 1, its object `stores` created on first open. */
export function openDatabase(name: string, stores: readonly string[]): Promise<IDBDatabase> {
  let p = open.get(name);
  if (!p) {
    p = new Promise<IDBDatabase>((resolve, reject) => {
      const r = idb().open(name, 1);
      r.onupgradeneeded = () => {
        for (const s of stores) r.result.createObjectStore(s);
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('cannot open IndexedDB'));
      r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page'));
    }).catch((e) => {
      open.delete(name);
      throw e;
    });
    open.set(name, p);
  }
  return p;
}
