// Export then import gives bit-identical weights (pth and safetensors, G, its
// EMA and D, with and without D's BatchNorm); the seed layouts are checked
// element by element against a direct index formula; the runs that have no
// seed counterpart are refused with the reason.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf } from '../../src/tf';
import { exportStateDict, importCheckpoint, trainerFromCheckpoint } from '../../src/bridge/run';
import { readTorchZip, writeTorchZip } from '../../src/bridge/torch_zip';
import { readSafetensors, writeSafetensors } from '../../src/bridge/safetensors';
import { BridgeError } from '../../src/bridge/errors';
import { smallTrainer, varsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const formats = {
  pth: (sd: any) => readTorchZip(writeTorchZip(sd), 'x.pth'),
  safetensors: (sd: any) => readSafetensors(writeSafetensors(sd), 'x.safetensors').tensors,
};

function expectBitEqual(a: Map<string, Float32Array>, b: Map<string, Float32Array>) {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [n, v] of a) expect(Buffer.compare(Buffer.from(v.buffer), Buffer.from(b.get(n)!.buffer)), n).toBe(0);
}

describe('export -> import round trip', () => {
  for (const fmt of ['pth', 'safetensors'] as const) {
    for (const over of [{}, { size: 64 as const, ngf: 4, ndf: 3, zDim: 5 }, { loss: 'wgan-gp' as const }]) {
      it(`${fmt}, ${JSON.stringify(over)}: G and D bit-identical; the imported checkpoint restores them too`, async () => {
        // tf variable names are global: one trainer at a time
        const src = smallTrainer(over);
        src.step = 42;
        const g = exportStateDict(src, 'g', false), d = exportStateDict(src, 'd', false);
        const want = { g: varsOf(src, 'g'), d: varsOf(src, 'd'), cfg: src.cfg };
        src.dispose();
        expect(g.sd.get('l1.1.num_batches_tracked')!.data[0]).toBe(42n);
        const r = await importCheckpoint({
          inputs: [{ file: 'g', sd: formats[fmt](g.sd) }, { file: 'd', sd: formats[fmt](d.sd) }],
          config: { loss: want.cfg.loss },
        });
        let files;
        try {
          expect(r.nets).toEqual(['g', 'd']);
          expect([r.cfg.size, r.cfg.zDim, r.cfg.ngf, r.cfg.ndf]).toEqual([want.cfg.size, want.cfg.zDim, want.cfg.ngf, want.cfg.ndf]);
          expectBitEqual(want.g, varsOf(r.trainer, 'g'));
          expectBitEqual(want.d, varsOf(r.trainer, 'd'));
          files = r.files;
        } finally {
          r.trainer.dispose();
        }
        // the checkpoint files it wrote load into a fresh trainer with the same bits, the EMA = the imported G
        const back = await trainerFromCheckpoint(files, 'imported');
        try {
          expectBitEqual(want.g, varsOf(back.trainer, 'g'));
          expectBitEqual(want.d, varsOf(back.trainer, 'd'));
          expectBitEqual(want.g, new Map([...varsOf(back.trainer, 'ema')]));
          expect(back.trainer.emaFromCheckpoint).toBe(true);
          expect((back.state.extra as any).imported.optimizer).toMatch(/^fresh/);
          expect(back.state.step).toBe(0);
        } finally {
          back.trainer.dispose();
        }
      });
    }
  }

  it('--ema exports the average, not the raw G', async () => {
    const src = smallTrainer({}, 9);
    const raw = exportStateDict(src, 'g', false).sd, ema = exportStateDict(src, 'g', true).sd;
    const want = varsOf(src, 'ema');
    src.dispose();
    expect(raw.get('l1.0.weight')!.data).not.toEqual(ema.get('l1.0.weight')!.data);
    const r = await importCheckpoint({ inputs: [{ file: 'e', sd: formats.pth(ema) }] });
    try {
      expectBitEqual(want, varsOf(r.trainer, 'g'));
    } finally {
      r.trainer.dispose();
    }
  });

  it("the seed layouts, element by element: Linear rows NCHW, ConvTranspose (in, out, kh, kw), Conv2d (out, in, kh, kw)", () => {
    const tr = smallTrainer();
    try {
      const sd = exportStateDict(tr, 'g', false).sd;
      const dd = exportStateDict(tr, 'd', false).sd;
      const c0 = 16, z = 8;
      const fc = tr.G.params.get('fc/kernel').dataSync();
      const l1 = sd.get('l1.0.weight')!;
      expect(l1.shape).toEqual([16 * c0, z]);
      for (const [c, y, x, i] of [[0, 0, 0, 0], [5, 1, 2, 3], [15, 3, 3, 7], [9, 2, 0, 1]]) {
        expect(l1.data[(c * 16 + y * 4 + x) * z + i]).toBe(fc[i * 16 * c0 + (y * 4 + x) * c0 + c]);
      }
      const bnm = tr.G.params.get('fc/bn/running_mean').dataSync();
      expect(sd.get('l1.1.running_mean')!.data[7 * 16 + 2 * 4 + 1]).toBe(bnm[(2 * 4 + 1) * c0 + 7]);
      const up = tr.G.params.get('up1/kernel'); // [5, 5, out 8, in 16]
      const w = sd.get('l2_5.0.0.weight')!; // (in 16, out 8, 5, 5)
      expect(w.shape).toEqual([16, 8, 5, 5]);
      const u = up.dataSync();
      for (const [i, o, ky, kx] of [[0, 0, 0, 0], [15, 7, 4, 4], [3, 5, 1, 2]]) expect(w.data[((i * 8 + o) * 5 + ky) * 5 + kx]).toBe(u[((ky * 5 + kx) * 8 + o) * 16 + i]);
      const conv = tr.D.params.get('conv1/kernel').dataSync(); // [5, 5, in 4, out 8]
      const cw = dd.get('ls.2.0.weight')!; // (out 8, in 4, 5, 5)
      for (const [o, i, ky, kx] of [[0, 0, 0, 0], [7, 3, 4, 4], [2, 1, 3, 0]]) expect(cw.data[((o * 4 + i) * 5 + ky) * 5 + kx]).toBe(conv[((ky * 5 + kx) * 4 + i) * 8 + o]);
      expect(dd.get('ls.4.weight')!.shape).toEqual([1, 16, 4, 4]);
    } finally {
      tr.dispose();
    }
  });

  it('a BN-less critic (wgan-gp) exports as the seed D without BatchNorm; --sn and tfjs-same runs are refused', async () => {
    const gp = smallTrainer({ loss: 'wgan-gp' });
    const keys = [...exportStateDict(gp, 'd', false).sd.keys()];
    expect(keys).toEqual(['ls.0.weight', 'ls.0.bias', 'ls.2.0.weight', 'ls.2.0.bias', 'ls.3.0.weight', 'ls.3.0.bias', 'ls.4.weight', 'ls.4.bias']);
    const d = formats.pth(exportStateDict(gp, 'd', false).sd);
    const want = varsOf(gp, 'd');
    gp.dispose();
    const sn = smallTrainer({ sn: true, loss: 'hinge' });
    expect(() => exportStateDict(sn, 'd', false)).toThrow(/spectrally normalised/);
    expect(exportStateDict(sn, 'g', false).sd.size).toBe(20);
    sn.dispose();
    const old = smallTrainer({ layers: 'tfjs-same' });
    expect(() => exportStateDict(old, 'g', false)).toThrow(/tfjs 'same' padding/);
    old.dispose();
    const bn = smallTrainer();
    const seedD = formats.pth(exportStateDict(bn, 'd', false).sd);
    bn.dispose();
    // the BN-less critic imports only into a wgan-gp run, the seed's D only into a run with BN
    await expect(importCheckpoint({ inputs: [{ file: 'critic.pth', sd: d }] })).rejects.toThrow(/critic\.pth: the state_dict has no "ls\.2\.1\.weight": a discriminator without BatchNorm/);
    await expect(importCheckpoint({ inputs: [{ file: 'd.pth', sd: seedD }], config: { loss: 'wgan-gp' } })).rejects.toThrow(/"ls\.2\.1\.weight" is not a key of the seed's discriminator/);
    const r = await importCheckpoint({ inputs: [{ file: 'critic.pth', sd: d }], config: { loss: 'wgan-gp' } });
    expectBitEqual(want, varsOf(r.trainer, 'd'));
    r.trainer.dispose();
  });

  it('another architecture: the first missing or mismatched key with its shape', async () => {
    const tr = smallTrainer();
    const sd = formats.pth(exportStateDict(tr, 'g', false).sd);
    tr.dispose();
    const missing = new Map(sd);
    missing.delete('l2_5.1.1.running_var');
    await expect(importCheckpoint({ inputs: [{ file: 'm.pth', sd: missing }] })).rejects.toThrow(/^m\.pth: the state_dict has no "l2_5\.1\.1\.running_var" \(shape \(4\)\)/);
    await expect(importCheckpoint({ inputs: [{ file: 'w.pth', sd }], ngf: 8 })).rejects.toThrow(/^w\.pth: "l1\.0\.weight" has shape \(256, 8\), the seed's model with these widths needs \(512, 8\)/);
    const extra = new Map(sd);
    extra.set('l3.weight', sd.get('l2_5.2.bias')!);
    await expect(importCheckpoint({ inputs: [{ file: 'x.pth', sd: extra }] })).rejects.toThrow(/"l3\.weight" is not a key of the seed's generator/);
    await expect(importCheckpoint({ inputs: [{ file: 'n.pth', sd: new Map([['fc.weight', sd.get('l2_5.2.bias')!]]) }] })).rejects.toThrow(BridgeError);
  });
});
