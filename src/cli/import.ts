// `node scripts/import.js FILE [FILE2] --out RUN_DIR`: a PyTorch state_dict of
// the course seed's DCGAN (torch.save zip .pth/.pt, or .safetensors) as a
// ganforge run directory: config.json, checkpoints/step-000000/ (optimizer
// state fresh, recorded in state.json's extra.imported) and samples/step-000000.png.
// Exit codes: 0 done, 2 bad usage or a file that is not the seed's state_dict
// (one line on stderr).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { quietCommand, parseArgs, intFlag, CliArgError } from './args';
import { NodeStore, nodePlatform } from '../platform/node';
import { initBackend, BackendError } from '../backend/select';
import { CHECKPOINT_DIR, CheckpointError, stepDirName } from '../train/checkpoint';
import { ConfigError, parsePartial, type TrainConfig } from '../train/config';
import { encodePng, tileGrid } from '../train/grid';
import { fixedNoise } from '../train/trainer';
import { BridgeError } from '../bridge/errors';
import { importCheckpoint, readStateDict, type NetChoice } from '../bridge/run';
import { tf } from '../tf';

export async function runImportCli(argv: string[]): Promise<number> {
  // tfjs's console banners ("install tfjs-node") are noise for a CLI user, as in train.ts
  tf.env().set('PROD', true);
  const cmd = quietCommand('import.js')
    .description("Import the course seed's DCGAN weights from PyTorch (a torch.save .pth/.pt of a state_dict, or .safetensors) as a ganforge run directory.")
    .argument('<FILE...>', "one file with G's and/or D's state_dict (also {'G': ..., 'D': ...} or DDP's module.* names), or two files")
    .requiredOption('--out <RUN_DIR>', 'the run directory to create')
    .option('--net <NET>', 'g, d or both (default: every network found)')
    .option('--size <S>', 'image size 32 or 64 (default: inferred from the shapes)')
    .option('--ngf <N>', 'generator width (default: inferred)')
    .option('--ndf <N>', 'discriminator width (default: inferred)')
    .option('--config <FILE.json>', "the run's training settings (as train.js --config: data, batch, loss, ...); the architecture comes from the file")
    .option('--loss <L>', 'the loss the run will train with (default bce); a discriminator without BatchNorm imports with wgan-gp')
    .option('--backend <B>', 'tfjs backend for the sample grid: auto, wasm, webgl or cpu', 'auto');
  cmd.addHelpText('after', '\nThe network not imported starts from fresh random weights; the optimizer state starts empty.\nContinue with: node scripts/train.js --resume RUN_DIR --steps N');
  const exit = parseArgs(cmd, argv, 'import');
  if (exit !== null) return exit;
  const o = cmd.opts();
  try {
    if (cmd.args.length > 2) throw new CliArgError(`at most two files (a generator and a discriminator), got ${cmd.args.length}`);
    if (o.net !== undefined && !['g', 'd', 'both'].includes(o.net)) throw new CliArgError(`--net must be g, d or both, got ${JSON.stringify(o.net)}`);
    if (o.size !== undefined && !['32', '64'].includes(o.size)) throw new CliArgError(`--size must be 32 or 64, got ${JSON.stringify(o.size)}`);
    if (!['auto', 'wasm', 'webgl', 'cpu'].includes(o.backend)) throw new CliArgError(`--backend must be auto, wasm, webgl or cpu, got ${JSON.stringify(o.backend)}`);
    const ngf = o.ngf === undefined ? undefined : intFlag(o.ngf, '--ngf', 1, 4096);
    const ndf = o.ndf === undefined ? undefined : intFlag(o.ndf, '--ndf', 1, 4096);
    const out = resolve(o.out);
    if (existsSync(join(out, 'config.json'))) throw new CliArgError(`--out ${out} already holds a run; choose another --out`);
    const inputs = [];
    for (const f of cmd.args) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(f));
      } catch (e) {
        throw new CliArgError(`${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      inputs.push({ file: f, sd: readStateDict(bytes, f) });
    }
    await initBackend(o.backend, nodePlatform(), () => {});
    let settings: Partial<TrainConfig> = {};
    if (o.config !== undefined) {
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(o.config, 'utf8'));
      } catch (e) {
        throw new CliArgError(`--config ${o.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      settings = parsePartial(raw, o.config);
    }
    const loss = o.loss === undefined ? {} : parsePartial({ loss: o.loss }, 'import');
    const r = await importCheckpoint({ inputs, net: o.net as NetChoice | undefined, size: o.size === undefined ? undefined : (Number(o.size) as 32 | 64), ngf, ndf, config: { ...settings, ...loss, out } });
    try {
      const store = new NodeStore(out);
      await store.writeAtomic('config.json', JSON.stringify({ ...r.cfg, out, imported: { from: cmd.args.map((f) => resolve(f)), nets: r.nets } }, null, 2) + '\n');
      await store.writeDirAtomic(`${CHECKPOINT_DIR}/${stepDirName(0)}`, r.files);
      await store.writeAtomic(`${CHECKPOINT_DIR}/latest.json`, JSON.stringify({ step: 0, dir: stepDirName(0) }) + '\n');
      const imgs = r.trainer.generate(fixedNoise(r.cfg.seed, 64, r.cfg.zDim));
      await store.writeAtomic(`samples/${stepDirName(0)}.png`, encodePng(tileGrid(imgs, 64, r.cfg.size)));
      const c = r.cfg;
      const nets = r.nets.map((n) => (n === 'g' ? `G (z ${c.zDim}, ngf ${c.ngf})` : `D (ndf ${c.ndf})`)).join(' and ');
      const fresh = r.nets.length < 2 ? `; ${r.nets[0] === 'g' ? 'D' : 'G'} starts from fresh weights` : '';
      process.stdout.write(`imported ${nets} at ${c.size}x${c.size} -> ${out} (optimizer state fresh${fresh}); samples/${stepDirName(0)}.png drawn\n`);
    } finally {
      r.trainer.dispose();
      tf.disposeVariables();
    }
    return 0;
  } catch (e) {
    if (e instanceof BridgeError || e instanceof CliArgError || e instanceof CheckpointError || e instanceof ConfigError || e instanceof BackendError) {
      process.stderr.write(`import: error: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    throw e;
  }
}
