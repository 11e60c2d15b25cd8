// The course seed's state_dict names and layouts <-> our parameter names.
//
//   G  l1.0.weight (16*C0, z)            generator/fc/kernel [z, 16*C0]  (NCHW rows <-> NHWC columns)
//      l1.1.{weight,bias,running_*}      generator/fc/bn/{gamma,beta,running_*}  (same feature order change)
//      l2_5.{i-1}.0.weight (C, C/2, 5, 5) generator/up{i}/kernel [5, 5, C/2, C]    i = 1 .. stages-1
//      l2_5.{i-1}.1.*                     generator/up{i}/bn/*
//      l2_5.{stages-1}.{weight,bias}      generator/out/{kernel,bias}      (Tanh at l2_5.{stages})
//   D  ls.0.{weight,bias}                 discriminator/conv0/{kernel,bias}  (LeakyReLU at ls.1)
//      ls.{i+1}.0.{weight,bias}          discriminator/conv{i}/{kernel,bias}   i = 1 .. stages-1
//      ls.{i+1}.1.*                       discriminator/conv{i}/bn/*
//      ls.{stages+1}.{weight,bias}        discriminator/out/{kernel,bias}  (Sigmoid at ls.{stages+2})
//
// stages = 4 at 64x64, 3 at 32x32 (one block fewer, indices shift down).
// BatchNorm's num_batches_tracked is exported as the run's step (ours does
// not count batches; PyTorch reads it only with momentum=None) and ignored on
// import. A discriminator without BatchNorm (--loss wgan-gp) maps to the seed's
// D without its BatchNorm layers (test/reference/seed_dcgan.py, d_bn=False:
// each hidden stage is Sequential(Conv2d, LeakyReLU), so the conv keeps its
// name ls.{i+1}.0 and there is no ls.{i+1}.1); importing one needs
// --loss wgan-gp. A spectrally normalised D (--sn) has no seed counterpart
// and is neither exported nor imported.
import {
  conv2dFromTorch, conv2dToTorch, convTransposeFromTorch, convTransposeToTorch,
  featuresNchwToNhwc, featuresNhwcToNchw, linearFromTorch, linearToTorch,
} from '../gan/torch_layout';
import { BridgeError, type RawTensor, type StateDict } from './errors';

export interface Weight { shape: number[]; data: Float32Array }
/** Our parameters by full name ('generator/fc/kernel'). */
export type OurWeights = Map<string, Weight>;
export interface GShape { size: 32 | 64; zDim: number; ngf: number }
export interface DShape { size: 32 | 64; ndf: number; /** BatchNorm in the hidden stages (the seed's D; false = --loss wgan-gp) */ bn: boolean }

type Kind = 'linear' | 'features' | 'convT' | 'conv' | 'plain';
interface Entry { seed: string; ours: string | null; seedShape: number[]; kind: Kind; c0?: number }

const stagesOf = (size: number) => (size === 64 ? 4 : 3);

function bn(seedPrefix: string, ours: string, n: number, kind: Kind, c0?: number): Entry[] {
  return [
    ...(['weight', 'bias', 'running_mean', 'running_var'] as const).map((s) => ({
      seed: `${seedPrefix}.${s}`, ours: `${ours}/${{ weight: 'gamma', bias: 'beta', running_mean: 'running_mean', running_var: 'running_var' }[s]}`, seedShape: [n], kind, c0,
    })),
    { seed: `${seedPrefix}.num_batches_tracked`, ours: null, seedShape: [], kind: 'plain' },
  ];
}

export function generatorEntries({ size, zDim, ngf }: GShape): Entry[] {
  const st = stagesOf(size);
  const c0 = ngf * 2 ** (st - 1);
  const e: Entry[] = [
    { seed: 'l1.0.weight', ours: 'generator/fc/kernel', seedShape: [16 * c0, zDim], kind: 'linear', c0 },
    ...bn('l1.1', 'generator/fc/bn', 16 * c0, 'features', c0),
  ];
  let c = c0;
  for (let i = 1; i < st; i++) {
    e.push({ seed: `l2_5.${i - 1}.0.weight`, ours: `generator/up${i}/kernel`, seedShape: [c, c / 2, 5, 5], kind: 'convT' });
    e.push(...bn(`l2_5.${i - 1}.1`, `generator/up${i}/bn`, c / 2, 'plain'));
    c /= 2;
  }
  e.push({ seed: `l2_5.${st - 1}.weight`, ours: 'generator/out/kernel', seedShape: [c, 3, 5, 5], kind: 'convT' });
  e.push({ seed: `l2_5.${st - 1}.bias`, ours: 'generator/out/bias', seedShape: [3], kind: 'plain' });
  return e;
}

export function discriminatorEntries({ size, ndf, bn: withBn }: DShape): Entry[] {
  const st = stagesOf(size);
  const e: Entry[] = [
    { seed: 'ls.0.weight', ours: 'discriminator/conv0/kernel', seedShape: [ndf, 3, 5, 5], kind: 'conv' },
    { seed: 'ls.0.bias', ours: 'discriminator/conv0/bias', seedShape: [ndf], kind: 'plain' },
  ];
  let c = ndf;
  for (let i = 1; i < st; i++) {
    e.push({ seed: `ls.${i + 1}.0.weight`, ours: `discriminator/conv${i}/kernel`, seedShape: [2 * c, c, 5, 5], kind: 'conv' });
    e.push({ seed: `ls.${i + 1}.0.bias`, ours: `discriminator/conv${i}/bias`, seedShape: [2 * c], kind: 'plain' });
    if (withBn) e.push(...bn(`ls.${i + 1}.1`, `discriminator/conv${i}/bn`, 2 * c, 'plain'));
    c *= 2;
  }
  e.push({ seed: `ls.${st + 1}.weight`, ours: 'discriminator/out/kernel', seedShape: [1, c, 4, 4], kind: 'conv' });
  e.push({ seed: `ls.${st + 1}.bias`, ours: 'discriminator/out/bias', seedShape: [1], kind: 'plain' });
  return e;
}

function ourShape(e: Entry): number[] {
  const s = e.seedShape;
  switch (e.kind) {
    case 'linear': return [s[1], s[0]];
    case 'conv': case 'convT': return [s[2], s[3], s[1], s[0]];
    default: return s;
  }
}

function toSeed(e: Entry, w: Weight): Float32Array {
  switch (e.kind) {
    case 'linear': return linearToTorch(w.data, e.seedShape[1], e.c0!);
    case 'features': return featuresNhwcToNchw(w.data, e.c0!);
    case 'conv': return conv2dToTorch(w.data, w.shape);
    case 'convT': return convTransposeToTorch(w.data, w.shape);
    default: return w.data.slice();
  }
}

function fromSeed(e: Entry, data: Float32Array): Float32Array {
  switch (e.kind) {
    case 'linear': return linearFromTorch(data, e.seedShape[1], e.c0!);
    case 'features': return featuresNchwToNhwc(data, e.c0!);
    case 'conv': return conv2dFromTorch(data, e.seedShape);
    case 'convT': return convTransposeFromTorch(data, e.seedShape);
    default: return data.slice();
  }
}

/** Our weights -> the seed's state_dict (entries in the seed's order). */
export function exportSeed(entries: Entry[], ours: OurWeights, step: number): StateDict {
  const sd: StateDict = new Map();
  for (const e of entries) {
    if (e.ours === null) {
      sd.set(e.seed, { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(step)) });
      continue;
    }
    const w = ours.get(e.ours);
    if (!w) throw new BridgeError('UNSUPPORTED', `this run has no ${e.ours}, which the seed's ${e.seed} needs`);
    const want = ourShape(e);
    if (w.shape.join('x') !== want.join('x')) throw new BridgeError('ARCHITECTURE', `${e.ours} has shape [${w.shape}], the seed's ${e.seed} needs [${want}] here`);
    sd.set(e.seed, { dtype: 'float32', shape: e.seedShape.slice(), data: toSeed(e, w) });
  }
  return sd;
}

const fmt = (s: number[]) => `(${s.join(', ')})`;

/** The seed's state_dict -> our weights; ARCHITECTURE errors name the first missing, mismatched or unexpected key. */
export function importSeed(entries: Entry[], sd: StateDict, file: string, prefix = ''): OurWeights {
  const out: OurWeights = new Map();
  for (const e of entries) {
    const key = prefix + e.seed;
    const t: RawTensor | undefined = sd.get(key);
    if (!t) {
      if (e.ours === null) continue; // num_batches_tracked: optional (state_dicts from before PyTorch 0.4.1 lack it)
      throw new BridgeError('ARCHITECTURE', `the state_dict has no "${key}" (shape ${fmt(e.seedShape)}): it is not the seed's ${entries[0].seed.startsWith('l1') ? 'generator' : 'discriminator'} of this size`, file);
    }
    if (t.shape.join('x') !== e.seedShape.join('x')) {
      throw new BridgeError('ARCHITECTURE', `"${key}" has shape ${fmt(t.shape)}, the seed's model with these widths needs ${fmt(e.seedShape)}`, file);
    }
    if (e.ours === null) continue;
    if (t.dtype !== 'float32') throw new BridgeError('DTYPE', `"${key}" holds ${t.dtype} values, not floating point`, file);
    out.set(e.ours, { shape: ourShape(e), data: fromSeed(e, t.data) });
  }
  return out;
}

/** The key prefix under which `marker` appears ('' for a bare state_dict, 'module.' after DDP, 'G.' in {'G': ..., 'D': ...}). */
export function findPrefix(sd: StateDict, marker: string, file: string): string | null {
  const hits = [...sd.keys()].filter((k) => k === marker || k.endsWith('.' + marker)).map((k) => k.slice(0, k.length - marker.length));
  if (hits.length > 1) throw new BridgeError('ARCHITECTURE', `several networks in one file (${hits.map((h) => `"${h}${marker}"`).join(', ')}): pick one with --net or save them separately`, file);
  return hits[0] ?? null;
}

/** The architecture a generator state_dict implies. */
export function inferGenerator(sd: StateDict, prefix: string, file: string): GShape {
  const w = sd.get(`${prefix}l1.0.weight`)!;
  if (w.shape.length !== 2) throw new BridgeError('ARCHITECTURE', `"${prefix}l1.0.weight" has shape ${fmt(w.shape)}, the seed's Linear needs (16*C0, z)`, file);
  const size = sd.has(`${prefix}l2_5.3.weight`) ? 64 : 32;
  const st = stagesOf(size);
  const c0 = w.shape[0] / 16;
  const ngf = c0 / 2 ** (st - 1);
  if (!Number.isInteger(ngf) || ngf < 1) throw new BridgeError('ARCHITECTURE', `"${prefix}l1.0.weight" has ${w.shape[0]} outputs, not 16 * ngf * ${2 ** (st - 1)} for a ${size}x${size} generator`, file);
  return { size, zDim: w.shape[1], ngf };
}

export function inferDiscriminator(sd: StateDict, prefix: string, file: string): DShape {
  const w = sd.get(`${prefix}ls.0.weight`)!;
  if (w.shape.length !== 4) throw new BridgeError('ARCHITECTURE', `"${prefix}ls.0.weight" has shape ${fmt(w.shape)}, the seed's first Conv2d needs (ndf, 3, 5, 5)`, file);
  const size = sd.get(`${prefix}ls.5.weight`)?.shape.length === 4 && sd.get(`${prefix}ls.5.weight`)!.shape[0] === 1 ? 64 : 32;
  return { size, ndf: w.shape[0], bn: !sd.has(`${prefix}ls.2.0.weight`) || sd.has(`${prefix}ls.2.1.weight`) };
}

/** Names of the state_dict's keys under `prefix` that `entries` does not know (strict loading). */
export function unexpectedKeys(entries: Entry[], sd: StateDict, prefix: string, otherNet: string[]): string[] {
  const known = new Set(entries.map((e) => prefix + e.seed));
  return [...sd.keys()].filter((k) => k.startsWith(prefix) && !known.has(k) && !otherNet.some((o) => k.slice(prefix.length).startsWith(o)));
}
