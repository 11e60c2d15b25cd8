// A restricted unpickler and a minimal pickler for PyTorch state_dicts.
//
// Reading: a stack machine over the pickle opcodes a `torch.save`d state_dict
// uses (protocol 2; the framing and STACK_GLOBAL of protocol 4 too). The only
// globals it resolves are collections.OrderedDict, torch._utils.
// _rebuild_tensor_v2 and the torch.*Storage types, and it never calls or
// imports anything: REDUCE of those two callables builds plain JS values. Any
// other opcode or global is a FORBIDDEN BridgeError naming it. Every opcode
// consumes at least one byte and nothing recurses, so any input ends (with a
// value or a typed error) after at most one pass.
//
// Writing: an OrderedDict of tensors, as torch.save writes it, which
// torch.load(weights_only=True) accepts.
import { BridgeError } from './errors';

export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
}
export interface StorageRef { kind: 'storage'; dtype: string; key: string; location: string; numel: number }
export interface TensorRef { kind: 'tensor'; storage: StorageRef; offset: number; size: number[]; stride: number[] }
/** A Python dict or OrderedDict; `attrs` holds what BUILD set on it (a state_dict's _metadata). */
export class PyDict extends Map<unknown, unknown> {
  attrs?: unknown;
}

export const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', ComplexFloatStorage: 'complex64', ComplexDoubleStorage: 'complex128',
};
const ALLOWED = 'collections.OrderedDict, torch._utils._rebuild_tensor_v2 and the torch.*Storage types';

function allowedGlobal(module: string, name: string): boolean {
  return (module === 'collections' && name === 'OrderedDict')
    || (module === 'torch._utils' && name === '_rebuild_tensor_v2')
    || (module === 'torch' && name in STORAGE_DTYPES);
}

/** Names of the opcodes this reader refuses, for the message. */
const OTHER_OPCODES: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x50: 'PERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x53: 'STRING', 0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x56: 'UNICODE', 0x67: 'GET', 0x70: 'PUT', 0x8b: 'LONG4',
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

const MARK = Symbol('mark');

export function unpickle(bytes: Uint8Array, where = 'pickle'): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const fail = (code: 'TRUNCATED' | 'CORRUPT' | 'FORBIDDEN', msg: string): never => {
    throw new BridgeError(code, `${msg} (byte ${pos})`, where);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length) fail('TRUNCATED', `the pickle ends early: ${n} more bytes needed at byte ${pos} of ${bytes.length}`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), pos += 2, dv.getUint16(pos - 2, true));
  const i32 = () => (need(4), pos += 4, dv.getInt32(pos - 4, true));
  const u32 = () => (need(4), pos += 4, dv.getUint32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail('TRUNCATED', `a length of ${v} bytes runs past the end`);
    return Number(v);
  };
  const take = (n: number) => (need(n), pos += n, bytes.subarray(pos - n, pos));
  const utf8 = (b: Uint8Array) => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return fail('CORRUPT', 'a string that is not UTF-8');
    }
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('TRUNCATED', 'a GLOBAL name without its newline');
    const s = utf8(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (!stack.length || stack[stack.length - 1] === MARK) fail('CORRUPT', 'the pickle stack is empty');
    return stack.pop();
  };
  const top = () => {
    if (!stack.length || stack[stack.length - 1] === MARK) fail('CORRUPT', 'the pickle stack is empty');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('CORRUPT', 'no MARK on the pickle stack');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const global = (module: string, name: string) => {
    if (!allowedGlobal(module, name)) fail('FORBIDDEN', `the pickle asks for ${module}.${name}; only ${ALLOWED} are allowed`);
    return new PyGlobal(module, name);
  };
  const dictOf = (v: unknown, op: string): PyDict => (v instanceof PyDict ? v : fail('CORRUPT', `${op} on something that is not a dict`));
  const intArg = (v: unknown, what: string): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail('CORRUPT', `${what} is not a non-negative integer`));
  const intTuple = (v: unknown, what: string): number[] => (Array.isArray(v) ? v.map((x) => intArg(x, what)) : fail('CORRUPT', `${what} is not a tuple`));

  const reduce = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof PyGlobal)) return fail('FORBIDDEN', 'REDUCE of something that is not an allowed callable');
    if (!Array.isArray(args)) return fail('CORRUPT', 'REDUCE without an argument tuple');
    if (fn.module === 'collections') {
      const d = new PyDict();
      if (args.length > 0) {
        if (!Array.isArray(args[0])) fail('CORRUPT', 'OrderedDict() of something that is not a list of pairs');
        for (const kv of args[0] as unknown[]) {
          if (!Array.isArray(kv) || kv.length !== 2) fail('CORRUPT', 'OrderedDict() of something that is not a list of pairs');
          d.set((kv as unknown[])[0], (kv as unknown[])[1]);
        }
      }
      return d;
    }
    if (fn.name === '_rebuild_tensor_v2') {
      if (args.length < 6) fail('CORRUPT', `_rebuild_tensor_v2 with ${args.length} arguments (6 or 7 expected)`);
      const storage = args[0] as StorageRef;
      if (storage?.kind !== 'storage') fail('CORRUPT', '_rebuild_tensor_v2 of something that is not a storage');
      const t: TensorRef = { kind: 'tensor', storage, offset: intArg(args[1], 'the storage offset'), size: intTuple(args[2], 'the size'), stride: intTuple(args[3], 'the stride') };
      if (t.size.length !== t.stride.length) fail('CORRUPT', `a tensor of size (${t.size}) with stride (${t.stride})`);
      return t;
    }
    return fail('FORBIDDEN', `REDUCE of ${fn.module}.${fn.name}, which is not callable here`);
  };

  while (true) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('CORRUPT', 'an unknown pickle protocol');
        break;
      case 0x95: // FRAME (protocol 4): only a length hint
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail('CORRUPT', `STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: stack.push(MARK); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof name !== 'string' || typeof module !== 'string') fail('CORRUPT', 'STACK_GLOBAL of non-strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail('CORRUPT', `memo entry ${k} was never stored`);
        stack.push(memo.get(k));
        break;
      }
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(Object.freeze(popMark())); break; // TUPLE
      case 0x85: case 0x86: case 0x87: { // TUPLE1..3
        const n = op - 0x84;
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(Object.freeze(items));
        break;
      }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) fail('CORRUPT', 'APPEND to something that is not a list');
        (l as unknown[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l) || Object.isFrozen(l)) fail('CORRUPT', 'APPENDS to something that is not a list');
        for (const it of items) (l as unknown[]).push(it);
        break;
      }
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) fail('CORRUPT', 'DICT with an odd number of items');
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        dictOf(top(), 'SETITEM').set(k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('CORRUPT', 'SETITEMS with an odd number of items');
        const d = dictOf(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: { // LONG1
        const n = u8();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: { // BINFLOAT
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x58: stack.push(utf8(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(take(u64()))); break; // BINUNICODE8
      case 0x54: { // BINSTRING (Python 2 str)
        const n = i32();
        if (n < 0) fail('CORRUPT', 'a negative string length');
        stack.push(utf8(take(n)));
        break;
      }
      case 0x55: stack.push(utf8(take(u8()))); break; // SHORT_BINSTRING
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) fail('FORBIDDEN', 'a persistent id that is not a (\'storage\', type, key, location, numel) tuple');
        const [, type, key, location, n] = pid as unknown[];
        if (!(type instanceof PyGlobal) || type.module !== 'torch' || !(type.name in STORAGE_DTYPES)) fail('FORBIDDEN', 'a storage whose type is not a torch.*Storage');
        if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key)) fail('CORRUPT', `a storage key ${JSON.stringify(key)}`);
        const ref: StorageRef = { kind: 'storage', dtype: STORAGE_DTYPES[(type as PyGlobal).name], key: key as string, location: String(location), numel: intArg(n, 'a storage size') };
        stack.push(ref);
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(reduce(fn, args));
        break;
      }
      case 0x62: { // BUILD: only a dict's instance attributes (a state_dict's _metadata)
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict) || !(state instanceof PyDict || state === null)) fail('FORBIDDEN', 'BUILD on something other than an OrderedDict');
        (obj as PyDict).attrs = state;
        break;
      }
      default: {
        pos = at;
        const name = OTHER_OPCODES[op];
        fail(name ? 'FORBIDDEN' : 'CORRUPT', name ? `the pickle uses opcode ${name} (0x${op.toString(16)}), which a state_dict does not need` : `an unknown pickle opcode 0x${op.toString(16)}`);
      }
    }
  }
}

/** Writes a pickle (protocol 2) of an OrderedDict name -> tensor, each in its own storage, as torch.save does. */
export function pickleStateDict(entries: { name: string; dtype: 'float32' | 'int64'; shape: number[]; key: string }[]): Uint8Array {
  const out: number[] = [];
  const byte = (...b: number[]) => out.push(...b);
  const str = (s: string) => {
    const b = new TextEncoder().encode(s);
    byte(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24);
    for (const x of b) out.push(x);
  };
  const int = (v: number) => {
    if (v >= 0 && v < 256) byte(0x4b, v);
    else if (v >= -(2 ** 31) && v < 2 ** 31) byte(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
    else {
      const b: number[] = [];
      let x = BigInt(v);
      for (let i = 0; i < 8; i++, x >>= 8n) b.push(Number(x & 0xffn));
      byte(0x8a, 8, ...b);
    }
  };
  const glob = (m: string, n: string) => {
    byte(0x63);
    for (const x of new TextEncoder().encode(`${m}\n${n}\n`)) out.push(x);
  };
  const tuple = (vs: number[]) => {
    byte(0x28);
    vs.forEach(int);
    byte(0x74);
  };
  byte(0x80, 2);
  glob('collections', 'OrderedDict');
  byte(0x29, 0x52); // () REDUCE
  for (let i = 0; i < entries.length; i += 1000) {
    byte(0x28); // MARK
    for (const e of entries.slice(i, i + 1000)) {
      const n = e.shape.reduce((a, b) => a * b, 1);
      const stride = e.shape.map((_, d) => e.shape.slice(d + 1).reduce((a, b) => a * b, 1));
      str(e.name);
      glob('torch._utils', '_rebuild_tensor_v2');
      byte(0x28); // args MARK
      byte(0x28);
      str('storage');
      glob('torch', e.dtype === 'float32' ? 'FloatStorage' : 'LongStorage');
      str(e.key);
      str('cpu');
      int(n);
      byte(0x74, 0x51); // TUPLE BINPERSID
      int(0);
      tuple(e.shape);
      tuple(stride);
      byte(0x89); // requires_grad False
      glob('collections', 'OrderedDict');
      byte(0x29, 0x52); // backward hooks: OrderedDict()
      byte(0x74, 0x52); // TUPLE REDUCE
    }
    byte(0x75); // SETITEMS
  }
  byte(0x2e);
  return new Uint8Array(out);
}
