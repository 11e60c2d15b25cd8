// The page's Load checkpoint also takes the course seed's PyTorch weights: a
// torch.save .pth/.pt of a state_dict or a .safetensors file (G, D or both,
// as scripts/import.js reads them), turned into checkpoint files that the
// page then adopts like any other (checked by drawing the fixed-z grid).
import { importCheckpoint, readStateDict } from '../bridge/run';
import { BridgeError } from '../bridge/errors';
import { CheckpointError, stepDirName, type CheckpointFiles } from '../train/checkpoint';
import type { TrainConfig } from '../train/config';

export const TORCH_FILE = /\.(pth|pt|safetensors)$/i;

/**
 * null when no picked file is a PyTorch file; else the imported checkpoint:
 * `dir` is its folder in a run (step-NNNNNN, the imported step), `label`
 * names the files it came from.
 * `ensureBackend` starts tfjs before the model is built. Errors come as
 * CheckpointError with the importer's message (naming the file).
 */
export async function torchCheckpointPicks(
  picked: ArrayLike<File>,
  ensureBackend: (name: TrainConfig['backend']) => Promise<unknown>,
): Promise<{ dir: string; files: CheckpointFiles; label: string } | null> {
  const torch = Array.from(picked).filter((f) => TORCH_FILE.test(f.name));
  if (!torch.length) return null;
  try {
    const inputs = [];
    for (const f of torch) inputs.push({ file: f.name, sd: readStateDict(new Uint8Array(await f.arrayBuffer()), f.name) });
    await ensureBackend('auto');
    const r = await importCheckpoint({ inputs });
    r.trainer.dispose();
    const raw = r.files['state.json'];
    const step = Number(JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)).step) || 0;
    return { dir: stepDirName(step), files: r.files, label: `imported ${torch.map((f) => f.name).join(' + ')}` };
  } catch (e) {
    if (e instanceof BridgeError) throw new CheckpointError(e.message);
    throw e;
  }
}
