// `node scripts/sample.js RUN_DIR`: draw samples from a run's newest
// checkpoint (or a given step) — its EMA generator when it has one, or the
// raw G with `--generator raw` — and write them as a uint8 NHWC .npy, a folder
// of PNGs, or one grid PNG, e.g. to score them with scripts/diversity.js.
// `--z Z.npy` draws given latents (float32 [N, zDim]); `--raw` writes the
// generator's float32 NHWC output in [-1, 1], to compare number for number
// with another framework (the PyTorch seed: see test/reference/seed_dcgan.py).
// Exit codes: 0 done, 2 bad usage or an unreadable run (one line on stderr).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quietCommand, parseArgs, intFlag, CliArgError } from './args';
import { NodeStore, nodePlatform, writeFileAtomic } from '../platform/node';
import { initBackend, BackendError } from '../backend/select';
import { CheckpointError, listCheckpointDirs, loadLatestCheckpoint, readCheckpointDir, restoreCheckpoint, stepDirName, CHECKPOINT_DIR, type CheckpointFiles } from '../train/checkpoint';
import { GanTrainer } from '../train/trainer';
import { resolveConfig, parseSavedConfig, ConfigError } from '../train/config';
import { encodePng, tileGrid, toByte } from '../train/grid';
import { encodeNpy, readNpyHeader, SampleError } from '../metrics/samples';
import { Rng } from '../util/rng';
import { tf } from '../tf';

class SampleCliError extends Error {}

async function checkpointAt(store: NodeStore, step: number | null): Promise<{ dir: string; files: CheckpointFiles }> {
  if (step === null) {
    const ck = await loadLatestCheckpoint(store);
    if (!ck) throw new SampleCliError(`${store.root} has no complete checkpoint`);
    return ck;
  }
  const path = `${CHECKPOINT_DIR}/${stepDirName(step)}`;
  if (!(await store.exists(`${path}/state.json`))) {
    const have = await listCheckpointDirs(store);
    throw new SampleCliError(`${store.root} has no checkpoint at step ${step} (it has: ${have.join(', ') || 'none'})`);
  }
  return readCheckpointDir(store, path);
}

/** The latents of `--z FILE`: a float32 .npy of shape [N, zDim], C order, finite. */
function readLatents(path: string, zDim: number): { z: Float32Array; n: number } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SampleCliError(`--z ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let h: ReturnType<typeof readNpyHeader>;
  try {
    h = readNpyHeader(bytes);
  } catch (e) {
    if (e instanceof SampleError) throw new SampleCliError(`--z ${path}: ${e.message.replace(/^\.npy: /, '')}`);
    throw e;
  }
  if (h.descr !== '<f4' && h.descr !== '=f4') throw new SampleCliError(`--z ${path}: dtype ${h.descr}, expected float32 ('<f4'; numpy: z.astype(np.float32))`);
  if (h.fortranOrder) throw new SampleCliError(`--z ${path}: fortran_order arrays are not supported (save with C order)`);
  if (h.shape.length !== 2 || h.shape[0] < 1) throw new SampleCliError(`--z ${path}: shape (${h.shape.join(', ')}), expected (N, ${zDim}) with N >= 1`);
  const [n, d] = h.shape;
  if (d !== zDim) throw new SampleCliError(`--z ${path}: latents of size ${d}, this run's generator takes ${zDim} (shape (N, ${zDim}))`);
  if (n > 100_000) throw new SampleCliError(`--z ${path}: ${n} latents, at most 100000`);
  const have = bytes.length - h.offset;
  if (have < n * d * 4) throw new SampleCliError(`--z ${path}: truncated data (${have} bytes for ${n} x ${d} float32)`);
  const z = new Float32Array(bytes.buffer.slice(bytes.byteOffset + h.offset, bytes.byteOffset + h.offset + n * d * 4));
  const bad = z.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new SampleCliError(`--z ${path}: value ${z[bad]} at [${Math.floor(bad / d)}, ${bad % d}] (latents must be finite)`);
  return { z, n };
}

export async function runSampleCli(argv: string[]): Promise<number> {
  const cmd = quietCommand('sample.js')
    .description('Draw samples from a training run: RUN_DIR is a run directory of scripts/train.js.')
    .argument('<RUN_DIR>', 'the run directory')
    .option('--n <N>', 'number of samples', '256')
    .option('--seed <S>', 'seed of the latent vectors', '1')
    .option('--z <Z.npy>', 'draw these latents instead: a float32 .npy of shape [N, zDim] (then no --n / --seed)')
    .option('--raw', "write the generator's float32 NHWC output in [-1, 1] (--out FILE.npy) instead of uint8 images")
    .option('--generator <G>', 'which weights draw: auto (the EMA generator when the checkpoint has one, else the raw G), ema or raw', 'auto')
    .option('--step <STEP>', 'use the checkpoint of this step (default: the newest)')
    .requiredOption('--out <PATH>', 'FILE.npy (uint8, N x H x W x 3; float32 with --raw), FILE.png (one grid, 8 per row) or a folder (one PNG per sample)')
    .option('--backend <B>', 'tfjs backend: auto, wasm, webgl or cpu', 'auto');
  const exit = parseArgs(cmd, argv, 'sample');
  if (exit !== null) return exit;
  const o = cmd.opts();
  const fail = (msg: string) => {
    process.stderr.write(`sample: error: ${msg}\n`);
    return 2;
  };
  try {
    const runDir = resolve(cmd.args[0]);
    if (!existsSync(join(runDir, CHECKPOINT_DIR))) throw new SampleCliError(`${runDir} is not a run directory with checkpoints (no ${CHECKPOINT_DIR}/ folder)`);
    let n = intFlag(o.n, '--n', 1, 100_000);
    const seed = intFlag(o.seed, '--seed', 0, 4294967295);
    if (o.z !== undefined) {
      for (const f of ['n', 'seed']) if (cmd.getOptionValueSource(f) === 'cli') throw new SampleCliError(`--z gives the latents: drop --${f}`);
    }
    if (o.raw && !o.out.toLowerCase().endsWith('.npy')) throw new SampleCliError(`--raw writes float32 values to a .npy: --out must end in .npy, got ${o.out}`);
    if (!['auto', 'ema', 'raw'].includes(o.generator)) throw new SampleCliError(`--generator must be auto, ema or raw, got ${JSON.stringify(o.generator)}`);
    const step = o.step === undefined ? null : intFlag(o.step, '--step', 0, 1e9);
    if (!['auto', 'wasm', 'webgl', 'cpu'].includes(o.backend)) throw new SampleCliError(`--backend must be auto, wasm, webgl or cpu, got ${JSON.stringify(o.backend)}`);
    const out = resolve(o.out);
    const store = new NodeStore(runDir);
    const ck = await checkpointAt(store, step);
    let stateCfg: unknown;
    try {
      stateCfg = JSON.parse(new TextDecoder().decode(ck.files['state.json'] as Uint8Array)).config;
    } catch {
      throw new SampleCliError(`${join(runDir, ck.dir)}/state.json is not valid JSON`);
    }
    const cfg = resolveConfig(parseSavedConfig(stateCfg, join(runDir, ck.dir, 'state.json')));
    // the latents before the backend: a bad file is reported with nothing started
    const given = o.z !== undefined ? readLatents(resolve(o.z), cfg.zDim) : null;
    if (given) n = given.n;
    await initBackend(o.backend, nodePlatform(), () => {});
    const tr = new GanTrainer(cfg);
    try {
      await restoreCheckpoint(tr, ck.files, join(runDir, ck.dir));
      // the EMA generator when the checkpoint holds one, else the raw G (--ema 0, or a run from before EMA)
      const hasEma = !!tr.ema && tr.emaFromCheckpoint;
      if (o.generator === 'ema' && !hasEma) throw new SampleCliError(`--generator ema: ${join(runDir, ck.dir)} has no EMA weights (the run used --ema 0, or is from before --ema)`);
      const useEma = hasEma && o.generator !== 'raw';
      const z = given ? given.z : new Rng((seed ^ 0x5a3c1e77) >>> 0).fillNormal(new Float32Array(n * cfg.zDim));
      const imgs = tr.generate(z, 64, { raw: !useEma });
      const s = cfg.size;
      if (o.raw) {
        await writeFileAtomic(out, encodeNpy(imgs, [n, s, s, 3]));
      } else if (out.toLowerCase().endsWith('.npy')) {
        const u8 = new Uint8Array(imgs.length);
        for (let i = 0; i < imgs.length; i++) u8[i] = toByte(imgs[i]);
        await writeFileAtomic(out, encodeNpy(u8, [n, s, s, 3]));
      } else if (out.toLowerCase().endsWith('.png')) {
        await writeFileAtomic(out, encodePng(tileGrid(imgs, n, s, Math.min(8, n))));
      } else {
        const px = s * s * 3;
        const width = String(n - 1).length;
        for (let i = 0; i < n; i++) await writeFileAtomic(join(out, `${String(i).padStart(width, '0')}.png`), encodePng(tileGrid(imgs.subarray(i * px, (i + 1) * px), 1, s, 1, 0)));
      }
      const which = useEma
        ? `the EMA generator (beta ${cfg.ema})`
        : hasEma ? 'the raw generator (--generator raw; the checkpoint also has EMA weights)' : 'the raw generator: this checkpoint has no EMA weights (--ema 0, or a run from before --ema)';
      const legacy = cfg.layers === 'tfjs-same' ? ", legacy tfjs 'same' padding (a run from before the PyTorch bridge)" : '';
      const what = `${o.raw ? 'float32 [-1, 1] ' : ''}samples of ${s}x${s}${o.z !== undefined ? ` for the latents of ${o.z}` : ''}`;
      process.stdout.write(`${n} ${what} from ${ck.dir} (step ${tr.step}), ${which}${legacy} -> ${out}\n`);
    } finally {
      tr.dispose();
      tf.disposeVariables();
    }
    return 0;
  } catch (e) {
    if (e instanceof SampleCliError || e instanceof CliArgError || e instanceof CheckpointError || e instanceof ConfigError || e instanceof BackendError) return fail(e.message);
    throw e;
  }
}
