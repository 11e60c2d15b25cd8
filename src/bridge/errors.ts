// The one error type of the PyTorch bridge: a file that cannot be read as (or
// mapped to) a state_dict. `code` says why; the message names the file.
export type BridgeErrorCode =
  | 'TRUNCATED' // the file ends early
  | 'CORRUPT' // bytes that are not what the format says
  | 'LEGACY' // torch.save's pre-1.6 format
  | 'FORBIDDEN' // a pickle opcode or global outside the allowed set
  | 'DTYPE' // a tensor type that cannot be converted to float32
  | 'ARCHITECTURE' // a state_dict of another model
  | 'UNSUPPORTED'; // a valid file this bridge does not handle (e.g. a BN-less D to the seed's names)

export class BridgeError extends Error {
  constructor(readonly code: BridgeErrorCode, message: string, readonly file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'BridgeError';
  }
}

/** A tensor read from (or written to) a checkpoint, row-major (PyTorch's contiguous order). */
export type RawTensor =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'int64'; shape: number[]; data: BigInt64Array };

/** A flat state_dict: name -> tensor, in file order. */
export type StateDict = Map<string, RawTensor>;

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** IEEE half -> float32. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Little-endian element bytes of `dtype` (PyTorch/safetensors names) to a
 * RawTensor: float types become float32, integer types int64; anything else
 * is a DTYPE error naming `what`.
 */
export function decodeElements(dtype: string, bytes: Uint8Array, shape: number[], what: string): RawTensor {
  const n = numel(shape);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (size: number) => {
    if (bytes.byteLength < n * size) throw new BridgeError('TRUNCATED', `${what}: ${n} ${dtype} elements need ${n * size} bytes, the file has ${bytes.byteLength}`);
  };
  switch (dtype) {
    case 'float32': {
      need(4);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return { dtype: 'float32', shape, data: out };
    }
    case 'float64': case 'float16': case 'bfloat16': {
      const size = dtype === 'float64' ? 8 : 2;
      need(size);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dtype === 'float64' ? dv.getFloat64(8 * i, true)
          : dtype === 'float16' ? halfToFloat(dv.getUint16(2 * i, true))
            : new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0];
      }
      return { dtype: 'float32', shape, data: out };
    }
    case 'int64': case 'int32': case 'int16': case 'int8': case 'uint8': {
      const size = { int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1 }[dtype];
      need(size);
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dtype === 'int64' ? dv.getBigInt64(8 * i, true)
          : BigInt(dtype === 'int32' ? dv.getInt32(4 * i, true) : dtype === 'int16' ? dv.getInt16(2 * i, true) : dtype === 'int8' ? dv.getInt8(i) : dv.getUint8(i));
      }
      return { dtype: 'int64', shape, data: out };
    }
    default:
      throw new BridgeError('DTYPE', `${what}: tensors of type ${dtype} cannot be converted to float32`);
  }
}

/** A RawTensor's little-endian bytes (float32 or int64). */
export function encodeElements(t: RawTensor): Uint8Array {
  const out = new Uint8Array(t.data.length * (t.dtype === 'float32' ? 4 : 8));
  const dv = new DataView(out.buffer);
  if (t.dtype === 'float32') for (let i = 0; i < t.data.length; i++) dv.setFloat32(4 * i, t.data[i], true);
  else for (let i = 0; i < t.data.length; i++) dv.setBigInt64(8 * i, t.data[i], true);
  return out;
}
