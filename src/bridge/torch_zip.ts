// torch.save's zip format (the default since PyTorch 1.6): <root>/data.pkl (a
// pickle whose tensors point at storages by persistent id), <root>/data/<key>
// (each storage's raw little-endian bytes) and <root>/version. The root
// folder's name varies ('archive', or the file's stem). The older formats
// (a bare pickle stream, or a tar) are recognised and named, not read.
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { BridgeError, decodeElements, encodeElements, numel, type RawTensor, type StateDict } from './errors';
import { PyDict, pickleStateDict, unpickle, type TensorRef } from './pickle';

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** A LEGACY error when `b` is one of torch.save's pre-1.6 formats, else nothing. */
export function checkLegacy(b: Uint8Array, file: string): void {
  const tar = b.length > 262 && new TextDecoder().decode(b.subarray(257, 262)) === 'ustar';
  if (LEGACY_MAGIC.every((x, i) => b[i] === x) || tar) {
    throw new BridgeError('LEGACY', `the legacy PyTorch format (torch.save before 1.6, or _use_new_zipfile_serialization=False${tar ? ', tar variant' : ''}), which is not read; re-save it with PyTorch >= 1.6: torch.save(torch.load(OLD), NEW)`, file);
  }
}

/** Flattens nested dicts of tensors to 'a.b.c' names (e.g. {'G': G.state_dict(), 'D': ...}). */
function flatten(obj: unknown, prefix: string, out: Map<string, TensorRef>, file: string, depth = 0): void {
  // a pickle can make a dict contain itself (through the memo): nesting is bounded
  if (depth > 8) throw new BridgeError('CORRUPT', `dicts nested more than 8 deep at "${prefix.slice(0, 80)}", not a state_dict`, file);
  if (!(obj instanceof PyDict)) throw new BridgeError('ARCHITECTURE', `the pickle holds ${Array.isArray(obj) ? 'a list or tuple' : typeof obj}${prefix ? ` at "${prefix}"` : ''}, not a state_dict (a dict of tensors)`, file);
  for (const [k, v] of obj) {
    const name = prefix ? `${prefix}.${String(k)}` : String(k);
    if (v && typeof v === 'object' && (v as TensorRef).kind === 'tensor') out.set(name, v as TensorRef);
    else if (v instanceof PyDict) flatten(v, name, out, file, depth + 1);
    // other values (epoch numbers, option strings saved next to the weights) are not weights: skipped
  }
}

/** The row-major elements of a possibly strided view of a storage. */
function gather(t: TensorRef, storage: RawTensor, name: string, file: string): RawTensor {
  const n = numel(t.size);
  const contiguous = t.stride.every((s, d) => t.size[d] === 1 || s === numel(t.size.slice(d + 1)));
  let maxIndex = t.offset;
  for (let d = 0; d < t.size.length; d++) if (t.size[d] > 0) maxIndex += (t.size[d] - 1) * t.stride[d];
  if (n > storage.data.length) throw new BridgeError('CORRUPT', `tensor "${name}" of size (${t.size}) has more elements than its storage (${storage.data.length}): an expanded view, not a state_dict entry`, file);
  if (n > 0 && maxIndex >= storage.data.length) throw new BridgeError('CORRUPT', `tensor "${name}" of size (${t.size}) reads past its storage of ${storage.data.length} elements`, file);
  if (contiguous) {
    const data = storage.data.slice(t.offset, t.offset + n);
    return { dtype: storage.dtype, shape: t.size, data } as RawTensor;
  }
  const data = storage.dtype === 'float32' ? new Float32Array(n) : new BigInt64Array(n);
  const idx = new Array(t.size.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = t.offset;
    for (let d = 0; d < idx.length; d++) off += idx[d] * t.stride[d];
    (data as Float32Array)[i] = (storage.data as Float32Array)[off];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.size[d]) break;
      idx[d] = 0;
    }
  }
  return { dtype: storage.dtype, shape: t.size, data } as RawTensor;
}

/** Reads a torch.save zip into a flat state_dict (nested dicts become 'a.b' names). */
export function readTorchZip(bytes: Uint8Array, file = 'checkpoint'): StateDict {
  checkLegacy(bytes, file);
  if (!isZip(bytes)) {
    if (bytes[0] === 0x80) throw new BridgeError('LEGACY', 'a bare pickle stream, not a torch.save zip: this is the legacy PyTorch format (before 1.6) or a plain pickle, which is not read', file);
    throw new BridgeError('CORRUPT', 'not a PyTorch checkpoint: neither a zip (torch.save since 1.6) nor a safetensors file', file);
  }
  let entries: Record<string, Uint8Array>;
  const names: string[] = [];
  let tooBig: string | null = null;
  try {
    // only the pickle and the storages are extracted; a compressed entry may not claim more than 2 GiB
    entries = unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        const wanted = /^[^/]+\/(data\.pkl|data\/[^/]+)$/.test(f.name);
        if (wanted && f.compression !== 0 && f.originalSize > 2 ** 31) tooBig ??= f.name;
        return wanted && tooBig === null;
      },
    });
  } catch (e) {
    throw new BridgeError('CORRUPT', `a truncated or corrupt zip (${(e as Error).message})`, file);
  }
  if (tooBig !== null) throw new BridgeError('CORRUPT', `zip entry ${tooBig} claims more than 2 GiB uncompressed`, file);
  const pkl = Object.keys(entries).filter((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (pkl.length !== 1) throw new BridgeError('CORRUPT', `a zip that is not a torch.save checkpoint: ${pkl.length ? 'several' : 'no'} <root>/data.pkl entries (it has ${names.slice(0, 5).join(', ') || 'nothing'})`, file);
  const root = pkl[0].slice(0, -'/data.pkl'.length);
  const refs = new Map<string, TensorRef>();
  flatten(unpickle(entries[pkl[0]], `${file}:${pkl[0]}`), '', refs, file);
  const storages = new Map<string, RawTensor>();
  const out: StateDict = new Map();
  for (const [name, t] of refs) {
    const s = t.storage;
    let st = storages.get(s.key);
    if (!st) {
      const raw = entries[`${root}/data/${s.key}`];
      if (!raw) throw new BridgeError('CORRUPT', `tensor "${name}" points at storage ${s.key}, which the zip lacks (${root}/data/${s.key})`, file);
      st = decodeElements(s.dtype, raw, [s.numel], `tensor "${name}"`);
      storages.set(s.key, st);
    }
    out.set(name, gather(t, st, name, file));
  }
  return out;
}

/**
 * A torch.save-compatible zip of a flat state_dict (one storage per tensor),
 * stored uncompressed with every storage's data at a multiple of 64 bytes, as
 * torch.save aligns them (a padding extra field; torch.load(mmap=True) maps them).
 */
export function writeTorchZip(sd: StateDict, root = 'archive'): Uint8Array {
  const list = [...sd].map(([name, t], i) => ({ name, dtype: t.dtype, shape: t.shape, key: String(i) }));
  const entries: [string, Uint8Array][] = [[`${root}/data.pkl`, pickleStateDict(list)]];
  for (const [i, [, t]] of [...sd].entries()) entries.push([`${root}/data/${i}`, encodeElements(t)]);
  entries.push([`${root}/version`, new TextEncoder().encode('3\n')]);
  const files: Zippable = {};
  let offset = 0;
  for (const [name, data] of entries) {
    const start = offset + 30 + new TextEncoder().encode(name).length; // after the local header and the name
    const pad = (64 - ((start + 4) % 64)) % 64;
    files[name] = [data, { level: 0, extra: { 0x4246: new Uint8Array(pad) } }];
    offset = start + 4 + pad + data.length;
  }
  return zipSync(files, { level: 0 });
}

/** Where each entry's data starts in a zip (from its local headers), for checks. */
export function zipDataOffsets(b: Uint8Array): Map<string, number> {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Map<string, number>();
  let p = 0;
  while (p + 30 <= b.length && dv.getUint32(p, true) === 0x04034b50) {
    const size = dv.getUint32(p + 18, true), n = dv.getUint16(p + 26, true), x = dv.getUint16(p + 28, true);
    out.set(new TextDecoder().decode(b.subarray(p + 30, p + 30 + n)), p + 30 + n + x);
    p += 30 + n + x + size;
  }
  return out;
}
