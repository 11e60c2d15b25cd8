// The single schema of a training run: CLI flags, the browser form and
// config.json all come from FIELDS below (defaults, types, help, validation).
// A run is a pure function of its resolved config.
import { LOSSES, type LossName } from '../gan/losses';
import { AUGMENTS, type AugmentName } from '../gan/diffaugment';
import { LAYER_CONVENTIONS, type LayerConvention } from '../gan/models';

export type BackendName = 'auto' | 'webgl' | 'wasm' | 'cpu';

export interface TrainConfig {
  data: string | null;
  faces: number;
  out: string | null;
  preset: string | null;
  loss: LossName;
  sn: boolean;
  clip: number;
  gp: number;
  nCritic: number;
  opt: 'adam' | 'rmsprop';
  lr: number;
  lrD: number;
  beta1: number;
  beta2: number;
  batch: number;
  steps: number;
  /** null/NaN: use steps. */
  epochs: number;
  size: 32 | 64;
  ngf: number;
  ndf: number;
  zDim: number;
  /**
   * Padding of the 5x5 stride-2 layers: 'torch' = the PyTorch seed's
   * padding=2 (every new run); 'tfjs-same' = runs from before it (a saved
   * config without this field; see savedLayers()).
   */
  layers: LayerConvention;
  dDropout: number;
  /** Generator EMA decay (0 = off); see trainer.ts emaBeta. */
  ema: number;
  /**
   * DiffAugment policy: 'none', or a comma list of color, translation, cutout
   * in the order they are applied (canonical: no spaces, no repeats); see
   * augmentOps() and src/gan/diffaugment.ts.
   */
  augment: string;
  flip: boolean;
  seed: number;
  backend: BackendName;
  threads: number;
  sampleEvery: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  logEvery: number;
  diversityEvery: number;
  diversitySamples: number;
  stopOnCollapse: boolean;
  collapseAfter: number;
  strict: boolean;
}

/** 'list': a comma list of `choices` (or 'none'), stored as its canonical string. */
type Kind = 'int' | 'number' | 'string' | 'boolean' | 'enum' | 'list';

export interface Field {
  key: keyof TrainConfig;
  flag: string;
  kind: Kind;
  help: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Strictly greater than min. */
  exclusiveMin?: boolean;
  /** Allowed to differ from the saved config when resuming. */
  resumable?: boolean;
  /** Shown in the browser form. */
  web?: boolean;
  nullable?: boolean;
  metavar?: string;
}

export const FIELDS: readonly Field[] = [
  { key: 'data', flag: 'data', kind: 'string', nullable: true, metavar: 'DIR', help: 'folder of JPEG/PNG images, searched recursively (default: the embedded face dataset)' },
  { key: 'faces', flag: 'faces', kind: 'int', min: 64, metavar: 'N', help: 'size of the embedded face dataset made when --data is not given' },
  { key: 'out', flag: 'out', kind: 'string', nullable: true, metavar: 'DIR', help: 'run directory (default: runs/<date>-<loss>)' },
  { key: 'preset', flag: 'preset', kind: 'string', nullable: true, metavar: 'NAME', help: `named setup; flags given with it override it (${'hw11'}: the course seed, DCGAN-64 + BCE, Adam 1e-4 (0.5, 0.999), batch 64)` },
  { key: 'loss', flag: 'loss', kind: 'enum', choices: LOSSES, web: true, help: 'objective: bce (DCGAN), lsgan, wgan (weight clipping), wgan-gp (gradient penalty), hinge' },
  { key: 'sn', flag: 'sn', kind: 'boolean', web: true, help: 'spectral norm on every discriminator kernel (SNGAN); drops D BatchNorm' },
  { key: 'clip', flag: 'clip', kind: 'number', min: 0, metavar: 'C', web: true, help: 'WGAN weight clipping: clamp every D parameter to [-C, C] after each D step (default 0.01 for wgan, off otherwise)' },
  { key: 'gp', flag: 'gp', kind: 'number', min: 0, metavar: 'LAMBDA', web: true, help: 'gradient-penalty weight (default 10 for wgan-gp, off otherwise)' },
  { key: 'nCritic', flag: 'n-critic', kind: 'int', min: 1, metavar: 'N', web: true, help: 'D updates per G update (default 5 for wgan/wgan-gp, 1 otherwise)' },
  { key: 'opt', flag: 'opt', kind: 'enum', choices: ['adam', 'rmsprop'], web: true, help: 'optimizer for both networks (default rmsprop for wgan, adam otherwise)' },
  { key: 'lr', flag: 'lr', kind: 'number', min: 0, exclusiveMin: true, web: true, help: 'generator learning rate (default 2e-4; 1e-4 for wgan-gp, 5e-5 for wgan)' },
  { key: 'lrD', flag: 'lr-d', kind: 'number', min: 0, exclusiveMin: true, web: true, help: 'discriminator learning rate (default: --lr)' },
  { key: 'beta1', flag: 'beta1', kind: 'number', min: 0, max: 0.9999, web: true, help: 'Adam beta1 (default 0.5; 0 for wgan-gp)' },
  { key: 'beta2', flag: 'beta2', kind: 'number', min: 0, max: 0.99999, web: true, help: 'Adam beta2 (default 0.999; 0.9 for wgan-gp)' },
  { key: 'batch', flag: 'batch', kind: 'int', min: 1, max: 4096, web: true, help: 'batch size' },
  { key: 'steps', flag: 'steps', kind: 'int', min: 0, resumable: true, web: true, help: 'total generator updates of the run (with --resume: continue until this step)' },
  { key: 'epochs', flag: 'epochs', kind: 'number', min: 0, nullable: true, resumable: true, help: 'alternative to --steps: passes over the dataset (steps = ceil(epochs * N / (batch * n-critic)))' },
  { key: 'size', flag: 'size', kind: 'enum', choices: ['32', '64'], web: true, help: 'image size (32 or 64)' },
  { key: 'ngf', flag: 'ngf', kind: 'int', min: 1, max: 1024, web: true, help: 'generator width (channels of its last hidden layer)' },
  { key: 'ndf', flag: 'ndf', kind: 'int', min: 1, max: 1024, web: true, help: 'discriminator width (channels of its first layer)' },
  { key: 'zDim', flag: 'z-dim', kind: 'int', min: 1, max: 4096, web: true, help: 'latent size' },
  { key: 'layers', flag: 'layers', kind: 'enum', choices: LAYER_CONVENTIONS, help: "padding of the 5x5 stride-2 layers: torch = the PyTorch seed's padding=2, number for number (new runs); tfjs-same = tfjs 'same' padding, one pixel shifted, as in runs made before the PyTorch bridge (their checkpoints keep it)" },
  { key: 'dDropout', flag: 'd-dropout', kind: 'number', min: 0, max: 0.95, web: true, help: 'dropout rate after each hidden D layer (a mode-collapse mitigation; 0 = off)' },
  { key: 'ema', flag: 'ema', kind: 'number', min: 0, max: 0.99999, metavar: 'BETA', web: true, help: 'exponential moving average of the generator weights (and BN statistics) with decay BETA, warmed up as min(BETA, (1+t)/(10+t)); sample grids, diversity/SWD scores, sample.js and exports use the average (0 = off: the raw generator)' },
  { key: 'augment', flag: 'augment', kind: 'list', choices: AUGMENTS, metavar: 'POLICY', web: true, help: `DiffAugment: a comma list of ${AUGMENTS.join(', ')} (random brightness/saturation/contrast, shifts by up to 1/8 of the image, a zeroed square of half its side), applied to every image D sees, real and fake, in D and G steps; helps on small datasets (none = off)` },
  { key: 'flip', flag: 'flip', kind: 'boolean', web: true, help: 'random horizontal flips of real images' },
  { key: 'seed', flag: 'seed', kind: 'int', min: 0, max: 4294967295, web: true, help: 'seed of every random number in the run' },
  { key: 'backend', flag: 'backend', kind: 'enum', choices: ['auto', 'webgl', 'wasm', 'cpu'], resumable: true, web: true, help: 'tfjs backend: auto = webgl on a hardware GPU, else wasm' },
  { key: 'threads', flag: 'threads', kind: 'int', min: 0, max: 256, resumable: true, help: 'threads for the wasm kernels and image decoding (0 = all cores)' },
  { key: 'sampleEvery', flag: 'sample-every', kind: 'int', min: 0, resumable: true, web: true, help: 'write an 8x8 sample grid from a fixed z every N steps (0 = only at the end)' },
  { key: 'checkpointEvery', flag: 'checkpoint-every', kind: 'int', min: 0, resumable: true, help: 'write a checkpoint every N steps (0 = only at the end)' },
  { key: 'keepCheckpoints', flag: 'keep-checkpoints', kind: 'int', min: 1, resumable: true, help: 'how many of the newest checkpoints to keep' },
  { key: 'logEvery', flag: 'log-every', kind: 'int', min: 1, resumable: true, help: 'append a metrics.jsonl line every N steps' },
  { key: 'diversityEvery', flag: 'diversity-every', kind: 'int', min: 0, resumable: true, web: true, help: 'score the fixed-z samples for mode collapse every N steps (0 = off)' },
  { key: 'diversitySamples', flag: 'diversity-samples', kind: 'int', min: 2, max: 4096, help: 'number of fixed-z samples the diversity score uses (below 16 the score gives no verdict: too-few-samples)' },
  { key: 'stopOnCollapse', flag: 'stop-on-collapse', kind: 'boolean', resumable: true, help: 'end the run (after saving) when the diversity verdict turns "collapsed" after the samples had diversified (every fresh generator starts as one blob, which does not count)' },
  { key: 'collapseAfter', flag: 'collapse-after', kind: 'int', min: 0, resumable: true, metavar: 'STEP', help: 'from this step on, a "collapsed" verdict counts as a collapse (warning, --stop-on-collapse) even if the samples never diversified, e.g. a generator that learned one face and stayed there (0 = only after they diversified)' },
  { key: 'strict', flag: 'strict', kind: 'boolean', help: 'a corrupt or unsupported image in --data is fatal instead of skipped' },
];

/** Defaults of `node scripts/train.js` with no flags (see README for timing). */
export const DEFAULTS: TrainConfig = {
  data: null,
  faces: 20000,
  out: null,
  preset: null,
  loss: 'bce',
  sn: false,
  clip: NaN,
  gp: NaN,
  nCritic: NaN,
  opt: 'adam',
  lr: NaN,
  lrD: NaN,
  beta1: NaN,
  beta2: NaN,
  batch: 64,
  // 32x32 at width 32: the seed architecture scaled so the default run shows
  // faces in about 10 minutes on a 2-core CPU (see README); --preset hw11 is 64x64, width 64.
  steps: 2000,
  epochs: NaN,
  size: 32,
  ngf: 32,
  ndf: 32,
  zDim: 100,
  layers: 'torch',
  dDropout: 0,
  ema: 0.999,
  augment: 'none',
  flip: false,
  seed: 1,
  backend: 'auto',
  threads: 0,
  sampleEvery: 250,
  checkpointEvery: 250,
  keepCheckpoints: 3,
  logEvery: 1,
  diversityEvery: 0,
  diversitySamples: 256,
  stopOnCollapse: false,
  collapseAfter: 0,
  strict: false,
};

export const PRESETS: Record<string, Partial<TrainConfig>> = {
  // The course seed (ML2022 HW: anime faces): DCGAN-64, BCE, Adam 1e-4, betas (0.5, 0.999), batch 64, z 100.
  hw11: { loss: 'bce', sn: false, opt: 'adam', lr: 1e-4, lrD: 1e-4, beta1: 0.5, beta2: 0.999, batch: 64, zDim: 100, size: 64, ngf: 64, ndf: 64 },
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const fieldByKey = new Map(FIELDS.map((f) => [f.key, f] as const));
export const fieldByFlag = new Map(FIELDS.map((f) => [f.flag, f] as const));

/** Parses one raw value (a CLI string or a JSON value) for a field, or throws ConfigError. */
export function coerce(field: Field, raw: unknown, where = `--${field.flag}`): unknown {
  if (raw === null && field.nullable) return field.kind === 'number' ? NaN : null;
  switch (field.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(raw)}`);
    }
    case 'string':
      if (typeof raw !== 'string' || raw === '') throw new ConfigError(`${where} needs a non-empty string`);
      return raw;
    case 'enum': {
      const s = String(raw);
      if (!field.choices!.includes(s)) throw new ConfigError(`${where} must be one of ${field.choices!.join(', ')}, got ${JSON.stringify(raw)}`);
      return field.key === 'size' ? Number(s) : s;
    }
    case 'list':
      return parseList(field, raw, where);
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw new ConfigError(`${where} must be a number, got ${JSON.stringify(raw)}`);
      if (field.kind === 'int' && !Number.isInteger(n)) throw new ConfigError(`${where} must be an integer, got ${raw}`);
      if (field.min !== undefined && (n < field.min || (field.exclusiveMin && n === field.min))) {
        throw new ConfigError(`${where} must be ${field.exclusiveMin ? '>' : '>='} ${field.min}, got ${raw}`);
      }
      if (field.max !== undefined && n > field.max) throw new ConfigError(`${where} must be <= ${field.max}, got ${raw}`);
      return n;
    }
  }
}

/**
 * A list field's canonical string: 'none', or its names joined by commas in the
 * given order without spaces or repeats. Accepts a string ("color, cutout") or
 * an array of names (a JSON config).
 */
function parseList(field: Field, raw: unknown, where: string): string {
  const expected = `expected ${field.choices!.join(', ')}`;
  const names = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : null;
  if (!names) throw new ConfigError(`${where} must be a comma list of ${field.choices!.join(', ')}, or none; got ${JSON.stringify(raw)}`);
  const trimmed = names.map((s) => s.trim());
  if (trimmed.length === 1 && trimmed[0] === 'none') return 'none';
  if (Array.isArray(raw) && raw.length === 0) return 'none';
  const out: string[] = [];
  for (const s of trimmed) {
    if (s === '') throw new ConfigError(`${where}: empty name in ${JSON.stringify(raw)} (${expected}, or none)`);
    if (s === 'none') throw new ConfigError(`${where}: 'none' cannot be combined with other names`);
    if (!field.choices!.includes(s)) throw new ConfigError(`${where}: unknown ${field.key === 'augment' ? 'augmentation' : 'name'} '${s}' (${expected})`);
    if (!out.includes(s)) out.push(s);
  }
  return out.join(',');
}

/** The DiffAugment ops of a config, in order ([] for 'none', and for a config from before --augment). */
export function augmentOps(c: Pick<TrainConfig, 'augment'>): AugmentName[] {
  const a = c.augment as string | undefined | null;
  if (a === undefined || a === null || a === 'none') return [];
  const p = parseList(fieldByKey.get('augment')!, a, '--augment');
  return p === 'none' ? [] : (p.split(',') as AugmentName[]);
}

/** Validates a partial config from JSON (config file or config.json): unknown keys and bad values are errors. */
export function parsePartial(obj: unknown, where: string): Partial<TrainConfig> {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new ConfigError(`${where}: expected a JSON object`);
  const out: Partial<TrainConfig> = {};
  for (const [k, v] of Object.entries(obj)) {
    const f = fieldByKey.get(k as keyof TrainConfig) ?? fieldByFlag.get(k);
    if (!f) throw new ConfigError(`${where}: unknown setting "${k}"`);
    (out as any)[f.key] = coerce(f, v, `${where}: "${k}"`);
  }
  return out;
}

/**
 * The layer convention of a saved config (a run's config.json, a checkpoint's
 * state.json): one written before the field existed was trained with tfjs
 * 'same' padding, and must keep it, or its weights draw shifted images.
 */
export function savedLayers(saved: unknown): LayerConvention {
  const v = saved && typeof saved === 'object' ? (saved as Record<string, unknown>).layers : undefined;
  return v === undefined || v === null ? 'tfjs-same' : (coerce(fieldByKey.get('layers')!, v, 'saved config: "layers"') as LayerConvention);
}

/** parsePartial for a saved config (config.json, state.json): a missing `layers` is the old 'tfjs-same'. */
export function parseSavedConfig(obj: unknown, where: string): Partial<TrainConfig> {
  const out = parsePartial(obj, where);
  if (out.layers === undefined) out.layers = 'tfjs-same';
  return out;
}

/**
 * The run config of a checkpoint's state.json `config` (the page's Load
 * checkpoint and saved run): its architecture and optimisation settings over
 * `base`, then `now` (settings the loader chooses: backend ...). Where, which
 * data and threads are the loader's, not the checkpoint's. A config from
 * before `layers` keeps tfjs 'same' padding. Bad values are ConfigErrors.
 */
export function configFromSaved(saved: unknown, base: Partial<TrainConfig> = {}, now: Partial<TrainConfig> = {}): TrainConfig {
  const s = (saved && typeof saved === 'object' ? saved : {}) as Record<string, unknown>;
  const explicit: Partial<TrainConfig> = {};
  for (const f of FIELDS) {
    if (f.key === 'data' || f.key === 'out' || f.key === 'preset' || f.key === 'backend' || f.key === 'threads') continue;
    const v = s[f.key];
    if (v === null || v === undefined) continue;
    (explicit as Record<string, unknown>)[f.key] = coerce(f, v, `state.json: config.${f.key}`);
  }
  explicit.layers = savedLayers(s);
  return resolveConfig({ ...base, ...explicit, ...now });
}

/**
 * Layers: DEFAULTS < preset < config file < explicit settings; then the
 * loss-dependent defaults fill whatever is still unset (NaN), and cross-field
 * rules are checked.
 */
export function resolveConfig(explicit: Partial<TrainConfig>, file: Partial<TrainConfig> = {}): TrainConfig {
  const presetName = explicit.preset ?? file.preset ?? null;
  let preset: Partial<TrainConfig> = {};
  if (presetName !== null) {
    if (!(presetName in PRESETS)) throw new ConfigError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got "${presetName}"`);
    preset = PRESETS[presetName];
  }
  const c: TrainConfig = { ...DEFAULTS, ...preset, ...file, ...explicit, preset: presetName };
  const wgan = c.loss === 'wgan';
  const gpLoss = c.loss === 'wgan-gp';
  const given = (k: keyof TrainConfig) => k in explicit || k in file || k in preset;
  if (!given('opt')) c.opt = wgan ? 'rmsprop' : 'adam';
  if (Number.isNaN(c.lr)) c.lr = wgan ? 5e-5 : gpLoss ? 1e-4 : 2e-4;
  if (Number.isNaN(c.lrD)) c.lrD = c.lr;
  if (Number.isNaN(c.beta1)) c.beta1 = gpLoss ? 0 : 0.5;
  if (Number.isNaN(c.beta2)) c.beta2 = gpLoss ? 0.9 : 0.999;
  if (Number.isNaN(c.clip)) c.clip = wgan ? 0.01 : 0;
  if (Number.isNaN(c.gp)) c.gp = gpLoss ? 10 : 0;
  if (Number.isNaN(c.nCritic)) c.nCritic = wgan || gpLoss ? 5 : 1;
  if (c.loss === 'wgan' && c.clip <= 0 && !c.sn && !(c.gp > 0)) {
    throw new ConfigError('--loss wgan needs a Lipschitz constraint: --clip C > 0 (default 0.01), --gp, or --sn');
  }
  if (c.ngf < 4 && c.size === 64) throw new ConfigError('--ngf must be >= 4 at --size 64');
  return c;
}

export function describeConfig(c: TrainConfig): string {
  const parts = [`${c.loss}${c.sn ? '+sn' : ''}`, `${c.size}x${c.size}`, `batch ${c.batch}`, `${c.opt} lr ${c.lr}${c.lrD !== c.lr ? `/${c.lrD}` : ''}`];
  if (c.opt === 'adam') parts.push(`betas (${c.beta1}, ${c.beta2})`);
  if (c.clip > 0) parts.push(`clip ${c.clip}`);
  if (c.gp > 0) parts.push(`gp ${c.gp}`);
  if (c.nCritic > 1) parts.push(`n-critic ${c.nCritic}`);
  if (c.dDropout > 0) parts.push(`D dropout ${c.dDropout}`);
  if (c.ema > 0) parts.push(`G EMA ${c.ema}`);
  if (augmentOps(c).length > 0) parts.push(`DiffAugment ${c.augment}`);
  if (c.layers === 'tfjs-same') parts.push("legacy tfjs 'same' padding");
  return parts.join(', ');
}
