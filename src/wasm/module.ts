// Loads one of our AssemblyScript modules (build/<name>.wasm, embedded as
// base64 in src/wasm/generated/<name>.ts) and keeps typed views over its
// memory, rebuilt only when the memory grows.
//
// Every module is built with the stub runtime: `alloc(bytes)` bumps a heap
// pointer and `reset()` drops everything allocated since the module started.
// A wrapper resets at the start of each top-level call (one call per image or
// per batch), so memory never grows across calls beyond the largest input.

export interface WasmModuleOptions {
  shared: boolean;
  importMemory: boolean;
  initialMemory: number;
  maximumMemory: number;
}

/** Thrown (in JS) when a module calls abort(): an internal invariant failed. */
export class WasmAbortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmAbortError';
  }
}

/** The bytes of a base64 string (Buffer in Node, atob in a browser). */
export function base64ToBytes(b64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * A check of whether this engine accepts a build (WebAssembly.validate of its
 * bytes). A true answer is kept; a false one is asked again on the next call,
 * so a V8 flag set later (platform/node.ts enables relaxed SIMD) is seen.
 */
export function engineAccepts(b64: string): () => boolean {
  let ok = false;
  return () => {
    if (ok) return true;
    try {
      ok = WebAssembly.validate(base64ToBytes(b64) as BufferSource);
    } catch {
      ok = false;
    }
    return ok;
  };
}

export class WasmModule<E extends Record<string, unknown> = Record<string, any>> {
  readonly exports: E & { memory: WebAssembly.Memory; alloc(n: number): number; reset(): void };
  readonly memory: WebAssembly.Memory;
  private buf: ArrayBuffer | SharedArrayBuffer | null = null;
  private _u8!: Uint8Array;
  private _f32!: Float32Array;
  private _i32!: Int32Array;
  private _f64!: Float64Array;

  constructor(readonly name: string, instance: WebAssembly.Instance, memory: WebAssembly.Memory) {
    this.exports = instance.exports as any;
    this.memory = memory;
  }

  private refresh(): void {
    const b = this.memory.buffer;
    if (b !== this.buf) {
      this.buf = b;
      this._u8 = new Uint8Array(b);
      this._f32 = new Float32Array(b);
      this._i32 = new Int32Array(b);
      this._f64 = new Float64Array(b);
    }
  }
  get u8(): Uint8Array { this.refresh(); return this._u8; }
  get f32(): Float32Array { this.refresh(); return this._f32; }
  get i32(): Int32Array { this.refresh(); return this._i32; }
  get f64(): Float64Array { this.refresh(); return this._f64; }

  /** Copies `src` into freshly allocated module memory; returns the pointer. */
  put(src: ArrayBufferView): number {
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    const ptr = this.exports.alloc(bytes.length) >>> 0; // usize comes back as a signed i32: unsigned above 2 GiB
    this.u8.set(bytes, ptr);
    return ptr;
  }
}

function makeImports(name: string, memory: WebAssembly.Memory | undefined) {
  const env: Record<string, unknown> = {
    abort(msgPtr: number, filePtr: number, line: number, col: number) {
      throw new WasmAbortError(`${name}.wasm aborted at line ${line}:${col}`);
    },
    seed: () => 0x9e3779b9,
  };
  if (memory) env.memory = memory;
  return { env } as WebAssembly.Imports;
}

function memoryFor(opts: WasmModuleOptions): WebAssembly.Memory | undefined {
  if (!opts.importMemory) return undefined;
  return new WebAssembly.Memory({ initial: opts.initialMemory, maximum: opts.maximumMemory, shared: opts.shared } as WebAssembly.MemoryDescriptor);
}

const compiled = new Map<string, WebAssembly.Module>();

function compileSync(name: string, b64: string): WebAssembly.Module {
  let m = compiled.get(name);
  if (!m) { m = new WebAssembly.Module(base64ToBytes(b64) as BufferSource); compiled.set(name, m); }
  return m;
}

/** Synchronous load: fine in Node and in workers (browsers limit it on the main thread). */
export function instantiateSync<E extends Record<string, unknown>>(name: string, b64: string, opts: WasmModuleOptions, memory?: WebAssembly.Memory): WasmModule<E> {
  const mem = memory ?? memoryFor(opts);
  const inst = new WebAssembly.Instance(compileSync(name, b64), makeImports(name, mem));
  return new WasmModule<E>(name, inst, mem ?? (inst.exports.memory as WebAssembly.Memory));
}

/** Asynchronous compile, for the browser main thread; afterwards instantiateSync is free. */
export async function precompile(name: string, b64: string): Promise<WebAssembly.Module> {
  let m = compiled.get(name);
  if (!m) { m = await WebAssembly.compile(base64ToBytes(b64) as BufferSource); compiled.set(name, m); }
  return m;
}

export function compiledModule(name: string): WebAssembly.Module | undefined {
  return compiled.get(name);
}
