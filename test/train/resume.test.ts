import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { runTraining, type RunHooks } from '../../src/train/loop';
import { MemoryStore } from '../../src/train/store';
import { restoreCheckpoint, loadLatestCheckpoint, checkpointFiles } from '../../src/train/checkpoint';
import { GanTrainer } from '../../src/train/trainer';
import { BatchSampler } from '../../src/data/sampler';
import { tinyConfig, randomDataset, run, finalWeights, checkResumeEquality, info } from './helpers';
import type { TrainConfig } from '../../src/train/config';


describe('resume', () => {
  afterEach(() => tf.disposeVariables());

  it('4 steps straight and 2 + resume 2 give bit-identical weights on cpu (bce, Adam)', async () => {
    await checkResumeEquality('cpu', 'bce');
  });

  it('and with RMSprop, clipping and dropout (wgan)', async () => {
    await checkResumeEquality('cpu', 'wgan', { dDropout: 0.3, nCritic: 2 });
  });

  it('and with spectral norm and the gradient penalty', async () => {
    await checkResumeEquality('cpu', 'wgan-gp', { sn: true, nCritic: 1 });
  });

  it('the generator EMA continues bit for bit too (a fast average, so every step shows), and --ema 0 resumes without one', async () => {
    await checkResumeEquality('cpu', 'bce', { ema: 0.6 });
    tf.disposeVariables();
    await checkResumeEquality('cpu', 'bce', { ema: 0 });
  });

  it('says so when a resume continues on another backend or kernel build than the run was trained on, and not when it matches', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 2, checkpointEvery: 2 });
    const store = new MemoryStore();
    const go = async (backend: Record<string, unknown>, steps: number, resume: boolean) => {
      const logs: string[] = [];
      const ds = randomDataset();
      const hooks: RunHooks = { store, log: (m: string) => logs.push(m) };
      const s = await runTraining({ ...cfg, steps }, new BatchSampler(ds, cfg.batch, cfg.seed, { flip: cfg.flip }), ds.n, hooks, { ...info, backend }, resume);
      expect(s.status).toBe('done');
      return logs.filter((l) => l.startsWith('note: this run was trained on'));
    };
    expect(await go({ name: 'wasm', simd: 'relaxed', threads: 2 }, 2, false)).toEqual([]);
    // same backend and build, other thread count: the kernels are bit-identical across threads, no note
    expect(await go({ name: 'wasm', simd: 'relaxed', threads: 1 }, 3, true)).toEqual([]);
    const notes = await go({ name: 'wasm', simd: 'plain', threads: 2 }, 4, true);
    expect(notes).toEqual(['note: this run was trained on wasm (relaxed-SIMD FMA kernels) and continues on wasm (plain-SIMD kernels): it continues correctly, but its numbers will not be bit-for-bit those of an uninterrupted run']);
    expect(await go({ name: 'webgl' }, 5, true)).toEqual([expect.stringMatching(/trained on wasm \(plain-SIMD kernels\) and continues on webgl:/)]);
  });

  it('writes the run directory: config, metrics, samples, checkpoints, loss plot, summary', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const cfg = tinyConfig({ steps: 3, sampleEvery: 2, checkpointEvery: 2, keepCheckpoints: 1 });
    await run(cfg, store, false);
    for (const f of ['config.json', 'metrics.jsonl', 'loss.svg', 'summary.json', 'samples/step-000002.png', 'samples/step-000003.png', 'checkpoints/latest.json', 'checkpoints/step-000003/state.json', 'checkpoints/step-000003/generator.json', 'checkpoints/step-000003/generator.weights.bin', 'checkpoints/step-000003/generator-ema.json', 'checkpoints/step-000003/generator-ema.weights.bin']) {
      expect(await store.exists(f), f).toBe(true);
    }
    // keepCheckpoints: 1 removed step 2
    expect(await store.exists('checkpoints/step-000002/state.json')).toBe(false);
    const m = JSON.parse((await store.readText('metrics.jsonl')).split('\n')[0]);
    for (const k of ['step', 'epoch', 'lossD', 'lossG', 'dReal', 'dFake', 'imagesPerSec']) expect(m).toHaveProperty(k);
    const png = await store.readBytes('samples/step-000003.png');
    expect(Array.from(png.slice(1, 4))).toEqual([80, 78, 71]);
    expect(await store.readText('loss.svg')).toMatch(/^<svg/);
  });

  it('serialising a checkpoint leaks no tensors', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 1 });
    const tr = new GanTrainer(cfg);
    tr.trainStep(new BatchSampler(randomDataset(), cfg.batch, 1));
    await checkpointFiles(tr, {});
    const n0 = tf.memory().numTensors;
    await checkpointFiles(tr, {});
    await checkpointFiles(tr, {});
    expect(tf.memory().numTensors).toBe(n0);
    tr.dispose();
  });

  it('rejects a checkpoint from a different architecture with a clear error', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const cfg = tinyConfig({ steps: 1 });
    await run(cfg, store, false);
    const ck = (await loadLatestCheckpoint(store))!;
    const other = new GanTrainer({ ...cfg, ngf: 8 });
    await expect(restoreCheckpoint(other, ck.files, 'ck')).rejects.toThrow(/different architecture/);
    other.dispose();
  });
});

describe('layer conventions in checkpoints', () => {
  afterEach(() => tf.disposeVariables());

  /** A checkpoint's files as an older ganforge wrote them: no `layers` in state.json's config. */
  const withoutLayers = (files: Record<string, Uint8Array | string>) => {
    const st = JSON.parse(typeof files['state.json'] === 'string' ? files['state.json'] : new TextDecoder().decode(files['state.json']));
    delete st.config.layers;
    return { ...files, 'state.json': JSON.stringify(st) };
  };

  it("a checkpoint from before `layers` loads only into a tfjs-same model (drawing what it drew), is refused by a torch one; and the reverse", async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const cfg = tinyConfig({ steps: 1, layers: 'tfjs-same' });
    await run(cfg, store, false);
    const files = withoutLayers((await loadLatestCheckpoint(store))!.files);
    const z = new Float32Array(3 * cfg.zDim).map((_, i) => Math.sin(i));
    const same = new GanTrainer(cfg);
    await restoreCheckpoint(same, files, 'old');
    const want = same.generate(z).slice();
    same.dispose();
    const torch = new GanTrainer({ ...cfg, layers: 'torch' });
    await expect(restoreCheckpoint(torch, files, 'old')).rejects.toThrow(/old: the checkpoint was trained with tfjs 'same' padding \(layers tfjs-same, a run from before the PyTorch bridge\) but this model uses PyTorch's padding=2 \(layers torch\); build the model with layers tfjs-same/);
    torch.dispose();
    // the same weights under the torch convention would draw other images: the refusal is not cosmetic
    const shifted = new GanTrainer({ ...cfg, layers: 'torch' });
    const ck = JSON.parse(files['state.json'] as string);
    ck.config.layers = 'torch';
    await restoreCheckpoint(shifted, { ...files, 'state.json': JSON.stringify(ck) }, 'forced');
    const got = shifted.generate(z);
    expect(Math.max(...got.map((v, i) => Math.abs(v - want[i])))).toBeGreaterThan(1e-4);
    shifted.dispose();

    const store2 = new MemoryStore();
    await run(tinyConfig({ steps: 1 }), store2, false);
    const old = new GanTrainer(cfg);
    await expect(restoreCheckpoint(old, (await loadLatestCheckpoint(store2))!.files, 'new')).rejects.toThrow(/new: the checkpoint was trained with PyTorch's padding=2 \(layers torch\) but this model uses tfjs 'same'/);
    old.dispose();
  });

  it('a tfjs-same run still resumes bit for bit', async () => {
    await checkResumeEquality('cpu', 'bce', { layers: 'tfjs-same' });
  });
});

describe('faults', () => {
  afterEach(() => tf.disposeVariables());

  it('a NaN loss stops the run, names the step and the loss, and keeps the last good checkpoint', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ steps: 6, checkpointEvery: 2 });
    const ds = randomDataset();
    const real = new BatchSampler(ds, cfg.batch, cfg.seed);
    let calls = 0;
    // Poison the 4th real batch: D(x) and every loss become NaN at step 4.
    const poisoned = {
      next: () => {
        const b = real.next();
        if (++calls === 4) b.fill(NaN);
        return b;
      },
      get epoch() {
        return real.epoch;
      },
      state: () => real.state(),
      restore: (s: object) => real.restore(s),
    };
    const store = new MemoryStore();
    const warnings: string[] = [];
    const s = await runTraining(cfg, poisoned, ds.n, { store, log: () => {}, warn: (m) => warnings.push(m) }, info, false);
    expect(s.status).toBe('non-finite');
    expect(s.message).toMatch(/lossD became NaN at step 4/);
    expect(warnings.join('\n')).toMatch(/step 4/);
    expect(JSON.parse(await store.readText('checkpoints/latest.json')).step).toBe(2);
    expect(await store.exists('checkpoints/step-000004')).toBe(false);
  });
});
