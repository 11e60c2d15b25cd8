// restoreCheckpoint must leave no tensors behind (it runs at every --resume and page restore).
import { describe, it, expect, afterEach } from 'vitest';
import { tf } from '../../src/tf';
import { restoreCheckpoint, checkpointFiles } from '../../src/train/checkpoint';
import { GanTrainer } from '../../src/train/trainer';
import { BatchSampler } from '../../src/data/sampler';
import { tinyConfig, randomDataset } from './helpers';

describe('restoreCheckpoint', () => {
  afterEach(() => tf.disposeVariables());

  for (const loss of ['bce', 'wgan'] as const) {
    it(`leaks no tensors on the cpu backend (${loss}: ${loss === 'bce' ? 'Adam, with its beta powers' : 'RMSprop'})`, async () => {
      await tf.setBackend('cpu');
      const cfg = tinyConfig({ loss, steps: 1 });
      const src = new GanTrainer(cfg);
      src.trainStep(new BatchSampler(randomDataset(), cfg.batch, 1));
      const files = await checkpointFiles(src, {});
      src.dispose();

      const before = tf.memory().numTensors;
      const tr = new GanTrainer(cfg);
      const state = await restoreCheckpoint(tr, files);
      expect(state.step).toBe(1);
      // the restored optimizer state is really there (not just disposed)
      if (loss === 'bce') expect((tr.optG as any).accBeta1.dataSync()[0]).toBeCloseTo(0.5 ** 2, 6);
      tr.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
