// The restricted unpickler against hostile input: every failure is a
// BridgeError (never another exception, a crash or a hang), and nothing
// outside the allowed globals is ever resolved.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { unpickle, PyDict } from '../../src/bridge/pickle';
import { readTorchZip } from '../../src/bridge/torch_zip';
import { readSafetensors, writeSafetensors } from '../../src/bridge/safetensors';
import { BridgeError } from '../../src/bridge/errors';
import { Rng } from '../../src/util/rng';

const pth = new Uint8Array(readFileSync(join(__dirname, '../fixtures/bridge/g32_z4_ngf1.pth')));
const entries = unzipSync(pth);
const pkl = entries[Object.keys(entries).find((k) => k.endsWith('/data.pkl'))!];
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** 'ok' or the BridgeError code; anything else fails the test. */
function outcome(b: Uint8Array): string {
  try {
    unpickle(b, 'fuzz');
    return 'ok';
  } catch (e) {
    if (!(e instanceof BridgeError)) throw new Error(`not a BridgeError: ${(e as Error)?.stack ?? e}`);
    expect(e.message).toMatch(/^fuzz: .+\(byte \d+\)$/s);
    return e.code;
  }
}

describe('restricted unpickler', () => {
  it('reads the PyTorch 1.13 pickle of a state_dict (the baseline the mutations start from)', () => {
    const v = unpickle(pkl) as PyDict;
    expect(v).toBeInstanceOf(PyDict);
    expect(v.size).toBe(20);
    expect((v.get('l1.0.weight') as any).size).toEqual([64, 4]);
  });

  it('refuses a pickle that names os.system (protocol 0 and 2, GLOBAL and STACK_GLOBAL), before anything runs', () => {
    const p0 = bytes("cos\nsystem\n(S'touch /tmp/pwned'\ntR.");
    const p2 = bytes('\x80\x02cposix\nsystem\nq\x00X\x0a\x00\x00\x00echo hello\x85R.');
    const p4 = bytes('\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.');
    for (const [b, name] of [[p0, 'os.system'], [p2, 'posix.system'], [p4, 'os.system']] as const) {
      let err: unknown;
      try {
        unpickle(b, 'evil.pkl');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BridgeError);
      expect((err as BridgeError).code).toBe('FORBIDDEN');
      expect((err as Error).message).toContain(`asks for ${name}`);
    }
  });

  it('refuses other callables and foreign opcodes by name', () => {
    const cases: [string, RegExp][] = [
      ['\x80\x02cbuiltins\neval\n.', /builtins\.eval/],
      ['\x80\x02ctorch\nload\n.', /torch\.load/],
      ['\x80\x02ccollections\nOrderedDict\n)\x81.', /NEWOBJ/],
      ['\x80\x02(ios\nsystem\n.', /INST/],
      ['\x80\x02(ccollections\nOrderedDict\no.', /OBJ/],
      ['\x80\x02Pfoo\n.', /PERSID/],
      ['\x80\x02I1\n.', /opcode INT/],
      ['\x80\x02\x82\x01.', /EXT1/],
      ['\x80\x02X\x07\x00\x00\x00storage\x85Q.', /persistent id/],
      ['\x80\x02ctorch\nFloatStorage\n)R.', /not callable/],
      ['\x80\x02K\x01)b.', /BUILD on something other than an OrderedDict/],
    ];
    for (const [p, re] of cases) {
      expect(outcome(bytes(p)), p).toBe('FORBIDDEN');
      expect(() => unpickle(bytes(p))).toThrow(re);
    }
  });

  it('every truncation of the real pickle is a typed error', () => {
    const codes = new Set<string>();
    for (let n = 0; n < pkl.length; n++) codes.add(outcome(pkl.subarray(0, n)));
    expect(codes.has('ok')).toBe(false);
    expect([...codes].every((c) => c === 'TRUNCATED' || c === 'CORRUPT')).toBe(true);
  });

  it('20,000 random mutations (byte flips, inserted opcodes, spliced ranges) end in a value or a typed error, quickly', () => {
    const rng = new Rng(13);
    const opcodes = [0x63, 0x52, 0x62, 0x81, 0x69, 0x6f, 0x51, 0x50, 0x28, 0x74, 0x75, 0x73, 0x61, 0x65, 0x68, 0x6a, 0x71, 0x72, 0x58, 0x8a, 0x93, 0x95, 0x32, 0x30, 0x31, 0x2e];
    const seen = new Map<string, number>();
    const t0 = Date.now();
    for (let k = 0; k < 20_000; k++) {
      const b = pkl.slice();
      const edits = 1 + Math.floor(rng.next() * 4);
      let m: Uint8Array = b;
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rng.next() * m.length);
        const r = rng.next();
        if (r < 0.5) m[at] = Math.floor(rng.next() * 256);
        else if (r < 0.8) m[at] = opcodes[Math.floor(rng.next() * opcodes.length)];
        else {
          const len = Math.floor(rng.next() * 64);
          const from = Math.floor(rng.next() * m.length);
          const c = new Uint8Array(m.length + len);
          c.set(m.subarray(0, at));
          c.set(m.subarray(from, from + len), at);
          c.set(m.subarray(at), at + Math.min(len, m.length - from));
          m = c.subarray(0, m.length + Math.min(len, m.length - from));
        }
      }
      const o = outcome(m);
      seen.set(o, (seen.get(o) ?? 0) + 1);
    }
    // mutations reach every kind of failure, and each input is one linear pass (a hang would blow this budget)
    expect(seen.get('CORRUPT')).toBeGreaterThan(100);
    expect(seen.get('FORBIDDEN')).toBeGreaterThan(10);
    expect(seen.get('TRUNCATED')).toBeGreaterThan(10);
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 90_000);

  it('whole files: 3,000 mutated .pth zips and safetensors files each end in a state_dict or a BridgeError', () => {
    const rng = new Rng(7);
    const st = writeSafetensors(readTorchZip(pth));
    const kinds = new Set<string>();
    for (let k = 0; k < 3000; k++) {
      const src = k % 2 ? pth : st;
      const m = src.slice(0, rng.next() < 0.2 ? Math.floor(rng.next() * src.length) : src.length);
      for (let e = 0; e < 1 + Math.floor(rng.next() * 3); e++) {
        // flips concentrated in the headers, where the structure is
        const at = Math.floor(rng.next() ** 3 * m.length);
        m[at] = Math.floor(rng.next() * 256);
      }
      try {
        if (k % 2) readTorchZip(m, 'f');
        else readSafetensors(m, 'f');
        kinds.add('ok');
      } catch (e) {
        if (!(e instanceof BridgeError)) throw new Error(`not a BridgeError: ${(e as Error)?.stack ?? e}`);
        kinds.add(e.code);
      }
    }
    expect(kinds.has('CORRUPT')).toBe(true);
    expect(kinds.has('TRUNCATED')).toBe(true);
  }, 90_000);

  it('a dict that contains itself, and a tensor view larger than its storage, are CORRUPT (no stack overflow, no huge allocation)', async () => {
    const { zipSync } = await import('fflate');
    const zip = (p: string, data: Record<string, Uint8Array> = {}) => zipSync({ 'a/data.pkl': bytes(p), ...data });
    // d = OrderedDict(); d['x'] = d
    const selfRef = '\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00xh\x01s.';
    expect(() => readTorchZip(zip(selfRef), 'loop.pth')).toThrow(/nested more than 8 deep/);
    // a 1-element storage viewed as (1000000000,) with stride (0,)
    const expanded = '\x80\x02ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00J\x00\xca\x9a;\x85K\x00\x85\x89ccollections\nOrderedDict\n)RtRu.';
    let err: unknown;
    try {
      readTorchZip(zip(expanded, { 'a/data/0': new Uint8Array(4) }), 'big.pth');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as Error).message).toMatch(/more elements than its storage/);
  });

  it('huge declared lengths and deep MARK/APPENDS stacks are typed errors, not RangeErrors', () => {
    expect(outcome(bytes('\x80\x02X\xff\xff\xff\x7f'))).toBe('TRUNCATED');
    expect(outcome(bytes('\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f'))).toBe('TRUNCATED');
    const n = 299_999;
    const many = new Uint8Array(4 + 2 * n + 2);
    many.set([0x80, 0x02, 0x5d, 0x28]);
    for (let i = 0; i < n; i++) many.set([0x4b, 1], 4 + 2 * i);
    many.set([0x65, 0x2e], many.length - 2);
    expect(outcome(many)).toBe('ok'); // a list of 299,999 ones: no call-stack overflow
  });
});
