// The page's Load checkpoint path for PyTorch files (src/web/torch_import.ts),
// with the browser's File objects: a .pth becomes checkpoint files holding
// its weights; a bad file is a CheckpointError naming it (the page shows it
// as "checkpoint: ..."); other files are left to the usual reader.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/tf';
import { torchCheckpointPicks } from '../../src/web/torch_import';
import { trainerFromCheckpoint } from '../../src/bridge/run';
import { CheckpointError, stepDirName } from '../../src/train/checkpoint';

const FIX = join(__dirname, '../fixtures/bridge');
const file = (name: string) => new File([readFileSync(join(FIX, name))], name);
const cpu = async () => tf.setBackend('cpu');

describe('page: Load checkpoint with a PyTorch file', () => {
  it('a .pth becomes a checkpoint of its weights (l1.0.weight in our NHWC layout)', async () => {
    const r = await torchCheckpointPicks([file('g32_z4_ngf1.pth')], cpu);
    expect(r!.label).toBe('imported g32_z4_ngf1.pth');
    // a checkpoint folder name, as putCheckpoint (the page's Load checkpoint) requires
    expect(r!.dir).toMatch(/^step-\d{6}$/);
    const raw = r!.files['state.json'];
    expect(r!.dir).toBe(stepDirName(JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw)).step));
    const { trainer } = await trainerFromCheckpoint(r!.files, 'page');
    try {
      expect([trainer.cfg.size, trainer.cfg.zDim, trainer.cfg.ngf]).toEqual([32, 4, 1]);
      // torch (64, 4) row c*16 + y*4 + x, column i  ->  ours [4, 64] at (i, (y*4 + x)*4 + c)
      const k = trainer.G.params.get('fc/kernel').dataSync();
      const val = (i: number) => ((i * 7 + 'l1.0.weight'.length) % 23 - 11) / 16;
      for (const [c, y, x, i] of [[0, 0, 0, 0], [3, 2, 1, 3], [1, 3, 3, 2]]) expect(k[i * 64 + (y * 4 + x) * 4 + c]).toBe(val((c * 16 + y * 4 + x) * 4 + i));
    } finally {
      trainer.dispose();
    }
  });
  it("DDP's module.* names and a {'G': ..., 'epoch': 3} dict import the same weights", async () => {
    const weights = async (name: string) => {
      const r = await torchCheckpointPicks([file(name)], cpu);
      const { trainer } = await trainerFromCheckpoint(r!.files, name);
      try {
        return [...trainer.G.params.vars.values()].map((v) => Array.from(v.dataSync()));
      } finally {
        trainer.dispose();
      }
    };
    const plain = await weights('g32_z4_ngf1.pth');
    expect(await weights('ddp.pth')).toEqual(plain);
    expect(await weights('nested.pth')).toEqual(plain);
  });
  it('a bad file is a CheckpointError naming it; non-PyTorch picks are not ours', async () => {
    await expect(torchCheckpointPicks([file('legacy.pth')], cpu)).rejects.toThrow(CheckpointError);
    await expect(torchCheckpointPicks([file('legacy.pth')], cpu)).rejects.toThrow(/^legacy\.pth: the legacy PyTorch format/);
    expect(await torchCheckpointPicks([new File(['{}'], 'state.json')], cpu)).toBeNull();
  });
});
