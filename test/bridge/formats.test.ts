// The bridge's file formats against files written by PyTorch 1.13 itself
// (test/fixtures/bridge/, made by make_fixtures.py there; every value is a
// formula of its key and index, checked here without PyTorch), and our
// writers against our readers.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, unzipSync } from 'fflate';
import { readTorchZip, writeTorchZip, zipDataOffsets } from '../../src/bridge/torch_zip';
import { readSafetensors, writeSafetensors } from '../../src/bridge/safetensors';
import { BridgeError, type StateDict } from '../../src/bridge/errors';
import { unpickle } from '../../src/bridge/pickle';

const FIX = join(__dirname, '../fixtures/bridge');
const load = (name: string) => new Uint8Array(readFileSync(join(FIX, name)));
const val = (key: string, i: number) => ((i * 7 + key.length) % 23 - 11) / 16;

/** The shapes make_fixtures.py gives the 32x32 generator with z 4, ngf 1. */
function gShapes(): [string, number[]][] {
  const s: [string, number[]][] = [['l1.0.weight', [64, 4]]];
  for (const n of ['weight', 'bias', 'running_mean', 'running_var']) s.push([`l1.1.${n}`, [64]]);
  s.push(['l1.1.num_batches_tracked', []]);
  let c = 4;
  for (let i = 0; i < 2; i++) {
    s.push([`l2_5.${i}.0.weight`, [c, c / 2, 5, 5]]);
    for (const n of ['weight', 'bias', 'running_mean', 'running_var']) s.push([`l2_5.${i}.1.${n}`, [c / 2]]);
    s.push([`l2_5.${i}.1.num_batches_tracked`, []]);
    c /= 2;
  }
  s.push(['l2_5.2.weight', [1, 3, 5, 5]], ['l2_5.2.bias', [3]]);
  return s;
}

function expectFixtureValues(sd: StateDict, prefix = '', transposedLinear = false) {
  const shapes = gShapes();
  expect([...sd.keys()]).toEqual(shapes.map(([k]) => prefix + k));
  for (const [k, shape] of shapes) {
    const t = sd.get(prefix + k)!;
    expect(t.shape, k).toEqual(shape);
    if (k.endsWith('num_batches_tracked')) {
      expect(t.dtype).toBe('int64');
      expect(t.data[0]).toBe(7n);
    } else {
      expect(t.dtype).toBe('float32');
      // strided.pth stores l1.0.weight as the transpose of a (4, 64) tensor: element (r, c) is value c * 64 + r
      const at = (i: number) => (transposedLinear && k === 'l1.0.weight' ? (i % 4) * 64 + Math.floor(i / 4) : i);
      const want = Float32Array.from({ length: t.data.length }, (_, i) => val(k, at(i)));
      expect(t.data, k).toEqual(want);
    }
  }
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BridgeError);
    return { code: (e as BridgeError).code, message: (e as Error).message };
  }
  throw new Error('expected a BridgeError');
};

describe('torch.save zip (files written by PyTorch 1.13)', () => {
  it('reads a state_dict: names in order, shapes, float32 values and the int64 num_batches_tracked', () => {
    expectFixtureValues(readTorchZip(load('g32_z4_ngf1.pth'), 'g.pth'));
  });
  it('reads a DDP state_dict (module.*), a nested {G: ..., epoch: 3} dict, float16 and a non-contiguous view', () => {
    expectFixtureValues(readTorchZip(load('ddp.pth')), 'module.');
    expectFixtureValues(readTorchZip(load('nested.pth')), 'G.');
    expectFixtureValues(readTorchZip(load('half.pth')));
    expectFixtureValues(readTorchZip(load('strided.pth')), '', true);
  });
  it('names the legacy (pre-1.6) format', () => {
    const e = code(() => readTorchZip(load('legacy.pth'), 'legacy.pth'));
    expect(e.code).toBe('LEGACY');
    expect(e.message).toMatch(/^legacy\.pth: the legacy PyTorch format \(torch\.save before 1\.6/);
  });
  it('truncated or corrupt zips are CORRUPT errors naming the file', () => {
    const b = load('g32_z4_ngf1.pth');
    for (const n of [10, 100, b.length / 2, b.length - 30]) {
      const e = code(() => readTorchZip(b.subarray(0, Math.floor(n)), 'cut.pth'));
      expect(e.code).toBe('CORRUPT');
      expect(e.message).toMatch(/^cut\.pth: a truncated or corrupt zip/);
    }
    expect(code(() => readTorchZip(new TextEncoder().encode('hello world'), 'x.pth')).message).toMatch(/not a PyTorch checkpoint/);
  });
  it('a zip without data.pkl, or a storage missing from the zip', () => {
    expect(code(() => readTorchZip(zipSync({ 'a/b.txt': new Uint8Array(3) }))).message).toMatch(/no <root>\/data\.pkl/);
    const entries = unzipSync(load('g32_z4_ngf1.pth'));
    const root = Object.keys(entries)[0].split('/')[0];
    delete entries[`${root}/data/0`];
    expect(code(() => readTorchZip(zipSync(entries))).message).toMatch(/points at storage 0, which the zip lacks/);
  });
  it('the root folder name does not matter', () => {
    const entries = unzipSync(load('g32_z4_ngf1.pth'));
    const renamed = Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.replace(/^[^/]+/, 'my_model'), v]));
    expectFixtureValues(readTorchZip(zipSync(renamed)));
  });
  it('our writer: read back equal, under any root name; the pickle is a plain OrderedDict of tensors', () => {
    const sd = readTorchZip(load('g32_z4_ngf1.pth'));
    for (const root of ['archive', 'g_export']) {
      const z = writeTorchZip(sd, root);
      expect(Object.keys(unzipSync(z))).toContain(`${root}/data.pkl`);
      expectFixtureValues(readTorchZip(z));
    }
    // every entry's data 64-byte aligned, as torch.save writes them; the offsets agree with the zip's contents
    const z = writeTorchZip(sd, 'a_longer_root_name');
    const offsets = zipDataOffsets(z);
    const contents = unzipSync(z);
    expect([...offsets.keys()].sort()).toEqual(Object.keys(contents).sort());
    for (const [name, off] of offsets) {
      expect(off % 64, name).toBe(0);
      expect(Buffer.from(z.subarray(off, off + contents[name].length)).equals(Buffer.from(contents[name])), name).toBe(true);
    }
    const pkl = unzipSync(writeTorchZip(sd))['archive/data.pkl'];
    expect(unpickle(pkl)).toBeInstanceOf(Map);
  });
});

describe('safetensors', () => {
  it('round trip: names, shapes, float32 and int64 values, metadata; data 8-byte aligned', () => {
    const sd = readTorchZip(load('g32_z4_ngf1.pth'));
    const b = writeSafetensors(sd, { format: 'pt' });
    const n = Number(new DataView(b.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const r = readSafetensors(b);
    expect(r.metadata).toEqual({ format: 'pt' });
    expectFixtureValues(r.tensors);
  });
  it('reads the other float types by the spec (F16, BF16, F64)', () => {
    const enc = new TextEncoder();
    const header = JSON.stringify({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, b: { dtype: 'BF16', shape: [1], data_offsets: [4, 6] }, c: { dtype: 'F64', shape: [1], data_offsets: [6, 14] } });
    const h = enc.encode(header);
    const buf = new Uint8Array(8 + h.length + 14);
    const dv = new DataView(buf.buffer);
    dv.setBigUint64(0, BigInt(h.length), true);
    buf.set(h, 8);
    const o = 8 + h.length;
    dv.setUint16(o, 0x3c00, true); // 1.0
    dv.setUint16(o + 2, 0xc500, true); // -5.0
    dv.setUint16(o + 4, 0x4049, true); // bf16 3.140625
    dv.setFloat64(o + 6, 0.1, true);
    const r = readSafetensors(buf).tensors;
    expect(Array.from(r.get('a')!.data as Float32Array)).toEqual([1, -5]);
    expect(r.get('b')!.data[0]).toBe(3.140625);
    expect(r.get('c')!.data[0]).toBe(Math.fround(0.1));
  });
  it('bad files: typed errors', () => {
    const good = writeSafetensors(readTorchZip(load('g32_z4_ngf1.pth')));
    expect(code(() => readSafetensors(good.subarray(0, 5), 's')).code).toBe('TRUNCATED');
    expect(code(() => readSafetensors(good.subarray(0, 40), 's')).code).toBe('TRUNCATED');
    expect(code(() => readSafetensors(good.subarray(0, good.length - 1), 's')).code).toBe('TRUNCATED');
    const bad = good.slice();
    bad[9] = 0x01;
    expect(code(() => readSafetensors(bad, 's')).code).toBe('CORRUPT');
    const h = new TextEncoder().encode(JSON.stringify({ x: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }));
    const c64 = new Uint8Array(8 + h.length + 8);
    new DataView(c64.buffer).setBigUint64(0, BigInt(h.length), true);
    c64.set(h, 8);
    const e = code(() => readSafetensors(c64, 'c.safetensors'));
    expect(e.code).toBe('DTYPE');
    expect(e.message).toMatch(/"x" has dtype "C64"/);
  });
});
