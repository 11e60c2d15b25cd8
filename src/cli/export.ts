// `node scripts/export.js RUN_DIR --format safetensors|pth|onnx --out FILE`:
// a run's generator (or discriminator) under the course seed's state_dict
// names and layouts, which the seed's PyTorch module loads with strict=True,
// or the generator as an ONNX graph. Exit codes: 0 done, 2 bad usage or a run
// that cannot be exported (one line on stderr).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quietCommand, parseArgs, intFlag, CliArgError } from './args';
import { NodeStore, writeFileAtomic } from '../platform/node';
import { initBackend, BackendError } from '../backend/select';
import { nodePlatform } from '../platform/node';
import { CHECKPOINT_DIR, CheckpointError, loadLatestCheckpoint, readCheckpointDir, stepDirName } from '../train/checkpoint';
import { ConfigError } from '../train/config';
import { BridgeError } from '../bridge/errors';
import { exportStateDict, trainerFromCheckpoint } from '../bridge/run';
import { writeTorchZip } from '../bridge/torch_zip';
import { writeSafetensors } from '../bridge/safetensors';
import { generatorOnnx } from '../bridge/onnx';
import { tf } from '../tf';

export async function runExportCli(argv: string[]): Promise<number> {
  // tfjs's console banners ("install tfjs-node") are noise for a CLI user, as in train.ts
  tf.env().set('PROD', true);
  const cmd = quietCommand('export.js')
    .description("Export a run's weights for PyTorch (the course seed's state_dict names and layouts) or ONNX.")
    .argument('<RUN_DIR>', 'a run directory of scripts/train.js or scripts/import.js')
    .requiredOption('--format <F>', 'safetensors, pth (torch.save zip, loads with torch.load(weights_only=True)) or onnx (the generator, opset 13)')
    .requiredOption('--out <FILE>', 'the file to write')
    .option('--net <NET>', 'g or d', 'g')
    .option('--ema', "the generator's moving average instead of its raw weights")
    .option('--step <STEP>', 'the checkpoint of this step (default: the newest)');
  const exit = parseArgs(cmd, argv, 'export');
  if (exit !== null) return exit;
  const o = cmd.opts();
  try {
    if (!['safetensors', 'pth', 'onnx'].includes(o.format)) throw new CliArgError(`--format must be safetensors, pth or onnx, got ${JSON.stringify(o.format)}`);
    if (!['g', 'd'].includes(o.net)) throw new CliArgError(`--net must be g or d, got ${JSON.stringify(o.net)}`);
    if (o.format === 'onnx' && o.net !== 'g') throw new CliArgError('--format onnx exports the generator only (--net g)');
    const runDir = resolve(cmd.args[0]);
    if (!existsSync(join(runDir, CHECKPOINT_DIR))) throw new CliArgError(`${runDir} is not a run directory with checkpoints (no ${CHECKPOINT_DIR}/ folder)`);
    const store = new NodeStore(runDir);
    let ck;
    if (o.step === undefined) {
      ck = await loadLatestCheckpoint(store);
      if (!ck) throw new CliArgError(`${runDir} has no complete checkpoint`);
    } else {
      const dir = `${CHECKPOINT_DIR}/${stepDirName(intFlag(o.step, '--step', 0, 1e9))}`;
      if (!(await store.exists(`${dir}/state.json`))) throw new CliArgError(`${runDir} has no checkpoint at step ${o.step}`);
      ck = await readCheckpointDir(store, dir);
    }
    await initBackend('cpu', nodePlatform(), () => {});
    const { trainer } = await trainerFromCheckpoint(ck.files, join(runDir, ck.dir));
    try {
      const r = exportStateDict(trainer, o.net, !!o.ema);
      const out = resolve(o.out);
      const c = trainer.cfg;
      let bytes: Uint8Array;
      if (o.format === 'onnx') bytes = generatorOnnx(r.sd, r.g!);
      else if (o.format === 'pth') bytes = writeTorchZip(r.sd, 'archive');
      else {
        const meta = { net: o.net, size: c.size, ...(o.net === 'g' ? { zDim: c.zDim, ngf: c.ngf } : { ndf: c.ndf }), step: trainer.step, ema: !!o.ema };
        bytes = writeSafetensors(r.sd, { format: 'pt', ganforge: JSON.stringify(meta) });
      }
      await writeFileAtomic(out, bytes);
      const what = o.net === 'g' ? `generator${o.ema ? ' (EMA)' : ''}, ${c.size}x${c.size}, z ${c.zDim}, ngf ${c.ngf}` : `discriminator, ${c.size}x${c.size}, ndf ${c.ndf}`;
      process.stdout.write(`exported the ${what} of ${ck.dir} (step ${trainer.step}) as ${o.format} -> ${out}\n`);
    } finally {
      trainer.dispose();
      tf.disposeVariables();
    }
    return 0;
  } catch (e) {
    if (e instanceof BridgeError || e instanceof CliArgError || e instanceof CheckpointError || e instanceof ConfigError || e instanceof BackendError) {
      process.stderr.write(`export: error: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    throw e;
  }
}
