// Where a run directory lives: the file system in Node (platform/node.ts),
// memory or downloads in the browser. Paths are '/'-separated and relative to
// the run directory. writeAtomic never leaves a half-written file behind;
// writeDirAtomic makes a whole folder appear at once.
export interface RunStore {
  readonly root: string;
  exists(path: string): Promise<boolean>;
  readBytes(path: string): Promise<Uint8Array>;
  readText(path: string): Promise<string>;
  writeAtomic(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * Writes every file into a temporary folder, then renames it to `dir`. An
   * existing `dir` is replaced, and stays whole until the new one is in place:
   * a failure at any point leaves either the old folder or the new one.
   */
  writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>): Promise<void>;
  appendText(path: string, text: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  removeDir(dir: string): Promise<void>;
}

/** An in-memory store (the browser page and tests). */
export class MemoryStore implements RunStore {
  readonly files = new Map<string, Uint8Array>();
  constructor(readonly root = 'memory:') {}
  async exists(p: string) {
    return this.files.has(p) || [...this.files.keys()].some((k) => k.startsWith(p + '/'));
  }
  async readBytes(p: string) {
    const f = this.files.get(p);
    if (!f) throw new Error(`${this.root}/${p}: no such file`);
    return f;
  }
  async readText(p: string) {
    return new TextDecoder().decode(await this.readBytes(p));
  }
  async writeAtomic(p: string, data: Uint8Array | string) {
    this.files.set(p, typeof data === 'string' ? new TextEncoder().encode(data) : data.slice());
  }
  async writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>) {
    // built aside, then swapped in one synchronous step: never half old, half new
    const next = new Map<string, Uint8Array>();
    for (const [name, data] of Object.entries(files)) next.set(`${dir}/${name}`, typeof data === 'string' ? new TextEncoder().encode(data) : data.slice());
    for (const k of [...this.files.keys()]) if (k.startsWith(dir + '/')) this.files.delete(k);
    for (const [k, v] of next) this.files.set(k, v);
  }
  async appendText(p: string, text: string) {
    const old = this.files.get(p) ?? new Uint8Array(0);
    const add = new TextEncoder().encode(text);
    const out = new Uint8Array(old.length + add.length);
    out.set(old);
    out.set(add, old.length);
    this.files.set(p, out);
  }
  async list(dir: string) {
    const names = new Set<string>();
    for (const k of this.files.keys()) if (k.startsWith(dir + '/')) names.add(k.slice(dir.length + 1).split('/')[0]);
    return [...names].sort();
  }
  async removeDir(dir: string) {
    for (const k of [...this.files.keys()]) if (k.startsWith(dir + '/')) this.files.delete(k);
  }
}
