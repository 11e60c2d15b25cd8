// Generator EMA (--ema): the average's math against a plain reference, the
// warm-up, BN running statistics, generate() using it, checkpoints holding it.
import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { GanTrainer, emaBeta, fixedNoise } from '../../src/train/trainer';
import { checkpointFiles, restoreCheckpoint } from '../../src/train/checkpoint';
import { BatchSampler } from '../../src/data/sampler';
import { tinyConfig, randomDataset } from './helpers';

const snapshot = (m: Map<string, tf.Variable>): Map<string, Float32Array> => new Map([...m].map(([n, v]) => [n, Float32Array.from(v.dataSync() as Float32Array)]));

describe('generator EMA', () => {
  afterEach(() => tf.disposeVariables());

  it('warm-up: beta_t = min(BETA, (1 + t) / (10 + t))', () => {
    expect(emaBeta(0.999, 0)).toBeCloseTo(0.1, 12);
    expect(emaBeta(0.999, 8)).toBeCloseTo(0.5, 12);
    expect(emaBeta(0.999, 90)).toBeCloseTo(0.91, 12);
    // reaches BETA at t = (10 BETA - 1) / (1 - BETA) = 8990 for 0.999
    expect(emaBeta(0.999, 8989)).toBeLessThan(0.999);
    expect(emaBeta(0.999, 8991)).toBe(0.999);
    expect(emaBeta(0.999, 1e6)).toBe(0.999);
    expect(emaBeta(0.5, 100)).toBe(0.5);
  });

  it('after each step the average is beta_t * previous + (1 - beta_t) * G, for weights and BN running statistics', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ ema: 0.9 });
    const tr = new GanTrainer(cfg);
    expect(tr.ema).not.toBeNull();
    const names = [...tr.G.params.vars.keys()];
    expect([...tr.ema!.keys()]).toEqual(names);
    const trainable = new Set(tr.G.params.trainable().map((v) => v.name));
    // non-trainable G variables (BN running mean/var) are averaged too
    const buffers = names.filter((n) => !trainable.has(n));
    expect(buffers.length).toBeGreaterThan(0);
    // starts as a copy of the initial G
    let ref = snapshot(tr.G.params.vars);
    for (const [n, v] of snapshot(tr.ema!)) expect(Array.from(v)).toEqual(Array.from(ref.get(n)!));
    const src = new BatchSampler(randomDataset(), cfg.batch, cfg.seed);
    for (let t = 0; t < 12; t++) {
      tr.trainStep(src);
      const g = snapshot(tr.G.params.vars);
      const b = Math.min(0.9, (1 + t) / (10 + t));
      const next = new Map<string, Float32Array>();
      for (const [n, e] of ref) next.set(n, Float32Array.from(e, (x, i) => b * x + (1 - b) * g.get(n)![i]));
      ref = next;
      const got = snapshot(tr.ema!);
      for (const [n, e] of ref) {
        const a = got.get(n)!;
        let worst = 0;
        for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / (1e-3 + Math.abs(e[i])));
        expect(worst, `${n} at step ${t + 1}`).toBeLessThan(1e-5);
      }
    }
    // the BN running statistics moved, and the average follows them, lagging behind
    const bn = buffers[0];
    const [g0, e0] = [snapshot(tr.G.params.vars).get(bn)!, snapshot(tr.ema!).get(bn)!];
    expect(g0.some((v, i) => v !== e0[i])).toBe(true);
    tr.dispose();
  });

  it('generate() uses the EMA weights (equal to a generator holding them), raw: true the trained G; G is left untouched', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ ema: 0.999 });
    const tr = new GanTrainer(cfg);
    const src = new BatchSampler(randomDataset(), cfg.batch, cfg.seed);
    for (let t = 0; t < 4; t++) tr.trainStep(src);
    const z = fixedNoise(cfg.seed, 6, cfg.zDim);
    const before = snapshot(tr.G.params.vars);
    const n0 = tf.memory().numTensors;
    const ema = tr.generate(z);
    const raw = tr.generate(z, 64, { raw: true });
    expect(tf.memory().numTensors).toBe(n0);
    expect(ema.some((v, i) => v !== raw[i])).toBe(true);
    // G's own variables are in place again after generate()
    for (const [n, v] of snapshot(tr.G.params.vars)) expect(Array.from(v)).toEqual(Array.from(before.get(n)!));
    expect(Array.from(tr.generate(z, 64, { raw: true }))).toEqual(Array.from(raw));
    const avg = snapshot(tr.ema!);
    tr.dispose();
    tf.disposeVariables();
    // a plain (EMA-off) trainer given the averaged weights draws exactly what generate() drew
    const plain = new GanTrainer({ ...cfg, ema: 0 });
    expect(plain.ema).toBeNull();
    for (const [n, v] of plain.G.params.vars) v.assign(tf.tensor(avg.get(n)!, v.shape));
    expect(Array.from(plain.generate(z))).toEqual(Array.from(ema));
    plain.dispose();
  });

  it('the update leaks no tensors; --ema 0 keeps no average', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ ema: 0.99 });
    const tr = new GanTrainer(cfg);
    const n0 = tf.memory().numTensors;
    tr.updateEma(0);
    tr.updateEma(1);
    expect(tf.memory().numTensors).toBe(n0);
    tr.dispose();
    tf.disposeVariables();
    const off = new GanTrainer({ ...cfg, ema: 0 });
    expect(off.ema).toBeNull();
    expect(off.emaVariables().size).toBe(0);
    off.dispose();
  });

  it('checkpoints hold both weight sets; one without EMA weights still loads and the average starts from the raw G', async () => {
    await tf.setBackend('cpu');
    const cfg = tinyConfig({ ema: 0.999 });
    const src = new BatchSampler(randomDataset(), cfg.batch, cfg.seed);
    const tr = new GanTrainer(cfg);
    for (let t = 0; t < 3; t++) tr.trainStep(src);
    const files = await checkpointFiles(tr, {});
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['generator.json', 'generator.weights.bin', 'generator-ema.json', 'generator-ema.weights.bin']));
    const ema = snapshot(tr.ema!);
    tr.dispose();
    tf.disposeVariables();

    const back = new GanTrainer(cfg);
    await restoreCheckpoint(back, files, 'ck');
    expect(back.emaFromCheckpoint).toBe(true);
    for (const [n, v] of snapshot(back.ema!)) expect(Array.from(v), n).toEqual(Array.from(ema.get(n)!));
    back.dispose();
    tf.disposeVariables();

    // an --ema 0 checkpoint (as every run before --ema wrote) has no average ...
    const off = new GanTrainer({ ...cfg, ema: 0 });
    off.trainStep(new BatchSampler(randomDataset(), cfg.batch, cfg.seed));
    const offFiles = await checkpointFiles(off, {});
    expect(offFiles['generator-ema.json']).toBeUndefined();
    off.dispose();
    tf.disposeVariables();
    // ... and loads into an EMA trainer: the average is then the raw G
    const on = new GanTrainer(cfg);
    await restoreCheckpoint(on, offFiles, 'ck');
    expect(on.emaFromCheckpoint).toBe(false);
    const raw = snapshot(on.G.params.vars);
    for (const [n, v] of snapshot(on.ema!)) expect(Array.from(v), n).toEqual(Array.from(raw.get(n)!));
    on.dispose();
  });
});
