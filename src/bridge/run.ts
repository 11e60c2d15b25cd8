// Between a seed state_dict file and a ganforge checkpoint, platform-free (the
// CLIs and the page both use it).
//   import: file bytes -> the state_dicts' architecture -> a trainer with
//           those weights (the other net, when absent, freshly initialised) ->
//           checkpoint files with fresh optimizer state, recorded as such.
//   export: checkpoint files -> the seed's state_dict (G, its EMA, or D).
import { tf, type Tensor } from '../tf';
import { GanTrainer, modelConfigOf } from '../train/trainer';
import { checkpointFiles, restoreCheckpoint, type CheckpointFiles, type CheckpointState } from '../train/checkpoint';
import { parseSavedConfig, resolveConfig, type TrainConfig } from '../train/config';
import { BridgeError, type StateDict } from './errors';
import { readTorchZip } from './torch_zip';
import { looksLikeSafetensors, readSafetensors } from './safetensors';
import {
  discriminatorEntries, exportSeed, findPrefix, generatorEntries, importSeed, inferDiscriminator, inferGenerator,
  unexpectedKeys, type DShape, type GShape, type OurWeights,
} from './seed_map';

export type NetChoice = 'g' | 'd' | 'both';

/** A .pth/.pt (torch.save zip) or .safetensors file's flat state_dict. */
export function readStateDict(bytes: Uint8Array, file: string): StateDict {
  if (bytes.length === 0) throw new BridgeError('TRUNCATED', 'an empty file', file);
  if (looksLikeSafetensors(bytes) || /\.safetensors$/i.test(file)) return readSafetensors(bytes, file).tensors;
  return readTorchZip(bytes, file);
}

export interface ImportRequest {
  /** Each file's state_dict; G and D may be in one file (under prefixes) or in two. */
  inputs: { file: string; sd: StateDict }[];
  /** Which nets to import; undefined = every net found. */
  net?: NetChoice;
  size?: 32 | 64;
  ngf?: number;
  ndf?: number;
  /** Further settings for the run (loss, batch, ...); the architecture comes from the files. */
  config?: Partial<TrainConfig>;
}

export interface ImportResult {
  cfg: TrainConfig;
  files: CheckpointFiles;
  nets: ('g' | 'd')[];
  trainer: GanTrainer;
}

function locate(inputs: ImportRequest['inputs'], marker: string) {
  const found = inputs.flatMap(({ file, sd }) => {
    const prefix = findPrefix(sd, marker, file);
    return prefix === null ? [] : [{ file, sd, prefix }];
  });
  if (found.length > 1) throw new BridgeError('ARCHITECTURE', `both ${found[0].file} and ${found[1].file} hold "${marker}": give one generator and one discriminator`);
  return found[0] ?? null;
}

/** Builds a trainer holding the imported weights, and its checkpoint files. The caller disposes `trainer`. */
export async function importCheckpoint(req: ImportRequest): Promise<ImportResult> {
  const g = locate(req.inputs, 'l1.0.weight');
  const d = locate(req.inputs, 'ls.0.weight');
  const names = req.inputs.map((i) => i.file).join(', ');
  const want = req.net ?? (g && d ? 'both' : g ? 'g' : d ? 'd' : null);
  if (want === null) {
    const first = req.inputs[0]?.sd.keys().next().value;
    throw new BridgeError('ARCHITECTURE', `neither the seed's generator ("l1.0.weight") nor its discriminator ("ls.0.weight") is in ${names}${first ? ` (its first key is "${first}")` : ' (no tensors)'}`);
  }
  if ((want === 'g' || want === 'both') && !g) throw new BridgeError('ARCHITECTURE', `no generator in ${names}: the state_dict has no "l1.0.weight"`);
  if ((want === 'd' || want === 'both') && !d) throw new BridgeError('ARCHITECTURE', `no discriminator in ${names}: the state_dict has no "ls.0.weight"`);
  const useG = want !== 'd', useD = want !== 'g';
  const gi: GShape | null = useG ? inferGenerator(g!.sd, g!.prefix, g!.file) : null;
  const di: DShape | null = useD ? inferDiscriminator(d!.sd, d!.prefix, d!.file) : null;
  const c = req.config ?? {};
  const size = req.size ?? c.size ?? gi?.size ?? di!.size;
  const gs: GShape | null = gi && { size, zDim: gi.zDim, ngf: req.ngf ?? c.ngf ?? gi.ngf };
  const ds: DShape | null = di && { size, ndf: req.ndf ?? c.ndf ?? di.ndf, bn: di.bn };
  const bnLessRun = req.config?.loss === 'wgan-gp' || !!req.config?.sn;
  if (ds && !ds.bn && !bnLessRun) {
    throw new BridgeError('ARCHITECTURE', `the state_dict has no "${d!.prefix}ls.2.1.weight": a discriminator without BatchNorm, which the seed's is not (a WGAN-GP critic imports with --loss wgan-gp)`, d!.file);
  }
  if (ds && bnLessRun) ds.bn = false; // a BN state_dict then fails on its first BN key, named
  const ours: OurWeights = new Map();
  if (gs) {
    const entries = generatorEntries(gs);
    for (const [k, v] of importSeed(entries, g!.sd, g!.file, g!.prefix)) ours.set(k, v);
    const extra = unexpectedKeys(entries, g!.sd, g!.prefix, ['ls.']);
    if (extra.length) throw new BridgeError('ARCHITECTURE', `"${extra[0]}" is not a key of the seed's generator${extra.length > 1 ? ` (nor ${extra.length - 1} more)` : ''}`, g!.file);
  }
  if (ds) {
    const entries = discriminatorEntries(ds);
    for (const [k, v] of importSeed(entries, d!.sd, d!.file, d!.prefix)) ours.set(k, v);
    const extra = unexpectedKeys(entries, d!.sd, d!.prefix, ['l1.', 'l2_5.']);
    if (extra.length) throw new BridgeError('ARCHITECTURE', `"${extra[0]}" is not a key of the seed's discriminator${extra.length > 1 ? ` (nor ${extra.length - 1} more)` : ''}`, d!.file);
  }
  const arch: Partial<TrainConfig> = { size, ...(gs ? { zDim: gs.zDim, ngf: gs.ngf } : {}), ...(ds ? { ndf: ds.ndf } : {}) };
  for (const [k, v] of Object.entries(arch)) {
    const asked = (req.config as Record<string, unknown> | undefined)?.[k];
    if (asked !== undefined && asked !== v) throw new BridgeError('ARCHITECTURE', `the settings ask for ${k} ${asked}, the state_dict in ${names} has ${k} ${v}`);
  }
  const cfg = resolveConfig({ ...(req.config ?? {}), ...arch });
  const trainer = new GanTrainer(cfg);
  try {
    if (cfg.sn && useD) throw new BridgeError('UNSUPPORTED', 'a spectrally normalised discriminator (--sn) has no seed counterpart to import into');
    const nets: ('g' | 'd')[] = [];
    for (const [net, params] of [['g', trainer.G.params], ['d', trainer.D.params]] as const) {
      if (net === 'g' ? !useG : !useD) continue;
      nets.push(net);
      for (const [name, v] of params.vars) {
        const w = ours.get(name);
        if (!w) throw new BridgeError('ARCHITECTURE', `internal: no imported value for ${name}`);
        const t = tf.tensor(w.data, w.shape);
        v.assign(t);
        t.dispose();
      }
    }
    // the generator average starts as the imported G, and is saved as the checkpoint's EMA
    if (trainer.ema) {
      trainer.resetEmaToRaw();
      trainer.emaFromCheckpoint = true;
    }
    const files = await checkpointFiles(trainer, null, {
      imported: {
        from: req.inputs.map((i) => i.file),
        nets,
        optimizer: 'fresh: the optimizer state starts empty (a state_dict holds none)',
        freshNets: (['g', 'd'] as const).filter((n) => !nets.includes(n)),
      },
    });
    return { cfg, files, nets, trainer };
  } catch (e) {
    trainer.dispose();
    throw e;
  }
}

/** Restores a checkpoint into a trainer of its own config. The caller disposes it. */
export async function trainerFromCheckpoint(files: CheckpointFiles, where: string): Promise<{ trainer: GanTrainer; state: CheckpointState }> {
  let raw: CheckpointState;
  try {
    raw = JSON.parse(new TextDecoder().decode(typeof files['state.json'] === 'string' ? new TextEncoder().encode(files['state.json']) : files['state.json']));
  } catch {
    throw new BridgeError('CORRUPT', `${where}/state.json is missing or not valid JSON`);
  }
  const cfg = resolveConfig(parseSavedConfig(raw.config, `${where}/state.json`));
  const trainer = new GanTrainer(cfg);
  try {
    const state = await restoreCheckpoint(trainer, files, where);
    return { trainer, state };
  } catch (e) {
    trainer.dispose();
    throw e;
  }
}

function weightsOf(vars: Iterable<[string, Tensor]>, rename: (n: string) => string = (n) => n): OurWeights {
  const out: OurWeights = new Map();
  for (const [n, v] of vars) out.set(rename(n), { shape: v.shape.slice(), data: (v.dataSync() as Float32Array).slice() });
  return out;
}

export interface ExportResult { sd: StateDict; g?: GShape; d?: DShape }

/** A trainer's G (its EMA with `ema`) or D as the seed's state_dict. */
export function exportStateDict(tr: GanTrainer, net: 'g' | 'd', ema: boolean): ExportResult {
  const c = tr.cfg;
  if (c.layers !== 'torch') {
    throw new BridgeError('UNSUPPORTED', "this run was trained with tfjs 'same' padding (layers tfjs-same, from before the PyTorch bridge): in the seed's modules (padding=2) its weights would draw shifted images");
  }
  if (net === 'g') {
    if (ema && !tr.ema) throw new BridgeError('UNSUPPORTED', 'this run keeps no generator average (--ema 0): export without --ema');
    if (ema && !tr.emaFromCheckpoint) throw new BridgeError('UNSUPPORTED', 'this checkpoint has no EMA weights (written with --ema 0 or before --ema): export without --ema');
    const g: GShape = { size: c.size, zDim: c.zDim, ngf: c.ngf };
    const vars = ema ? tr.ema! : tr.G.params.vars;
    return { sd: exportSeed(generatorEntries(g), weightsOf(vars), tr.step), g };
  }
  if (ema) throw new BridgeError('UNSUPPORTED', '--ema applies to the generator only');
  if (c.sn) {
    throw new BridgeError('UNSUPPORTED', "this run's discriminator is spectrally normalised (--sn), which the seed's module has no counterpart for (export the generator with --net g)");
  }
  const d: DShape = { size: c.size, ndf: c.ndf, bn: modelConfigOf(c).dBatchNorm };
  return { sd: exportSeed(discriminatorEntries(d), weightsOf(tr.D.params.vars), tr.step), d };
}
