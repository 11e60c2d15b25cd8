// safetensors: an 8-byte little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}),
// then the tensors' bytes, little-endian, row-major.
import { BridgeError, decodeElements, encodeElements, numel, type StateDict } from './errors';

const DTYPES: Record<string, string> = { F32: 'float32', F64: 'float64', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8' };

export function looksLikeSafetensors(b: Uint8Array): boolean {
  if (b.length < 10) return false;
  const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  return n > 1 && n <= b.length - 8 && b[8] === 0x7b; // '{'
}

export function readSafetensors(bytes: Uint8Array, file = 'checkpoint'): { tensors: StateDict; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new BridgeError('TRUNCATED', `${bytes.length} bytes: too short for a safetensors header`, file);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new BridgeError('TRUNCATED', `the safetensors header says ${n} bytes of JSON, the file has ${bytes.length - 8} after the length`, file);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(n))));
  } catch (e) {
    throw new BridgeError('CORRUPT', `the safetensors header is not valid JSON (${(e as Error).message})`, file);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new BridgeError('CORRUPT', 'the safetensors header is not a JSON object', file);
  const data = bytes.subarray(8 + Number(n));
  const tensors: StateDict = new Map();
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = DTYPES[h?.dtype];
    if (!dtype) throw new BridgeError('DTYPE', `tensor "${name}" has dtype ${JSON.stringify(h?.dtype)}, which cannot be converted to float32`, file);
    const shape = h.shape, off = h.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0) || !Array.isArray(off) || off.length !== 2 || !off.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0) || off[1] < off[0]) {
      throw new BridgeError('CORRUPT', `tensor "${name}" has a malformed shape or data_offsets in the header`, file);
    }
    if (off[1] > data.length) throw new BridgeError('TRUNCATED', `tensor "${name}" ends at byte ${off[1]} of the data, which has ${data.length}`, file);
    const size = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1 }[dtype]!;
    if (off[1] - off[0] !== numel(shape) * size) throw new BridgeError('CORRUPT', `tensor "${name}" of shape [${shape}] ${h.dtype} spans ${off[1] - off[0]} bytes, not ${numel(shape) * size}`, file);
    tensors.set(name, decodeElements(dtype, data.slice(off[0], off[1]), shape, `${file}: tensor "${name}"`));
  }
  const metadata = header.__metadata__ && typeof header.__metadata__ === 'object' ? header.__metadata__ : {};
  return { tensors, metadata };
}

export function writeSafetensors(sd: StateDict, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let off = 0;
  for (const [name, t] of sd) {
    const b = encodeElements(t);
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'I64', shape: t.shape, data_offsets: [off, off + b.length] };
    blobs.push(b);
    off += b.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const hb = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20); // data 8-byte aligned, as the reference writer does
  hb.set(json);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const b of blobs) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}
