// Training on the wasm and webgl backends, initialised exactly as train.js does.
import { describe, it, expect, afterAll } from 'vitest';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/select';
import { nodePlatform, createNodeGl, stopDisplay } from '../../src/platform/node';
import { GanTrainer } from '../../src/train/trainer';
import { BatchSampler } from '../../src/data/sampler';
import { tinyConfig, randomDataset, checkResumeEquality } from './helpers';
import { required } from '../env';

async function glAvailable(): Promise<string | null> {
  try {
    const ctx = await createNodeGl();
    ctx.dispose();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function twoSteps(loss: 'bce' | 'wgan-gp') {
  const cfg = tinyConfig({ loss, nCritic: 1 });
  const tr = new GanTrainer(cfg);
  const sampler = new BatchSampler(randomDataset(), cfg.batch, 1);
  const before = [...tr.variables()].map(([n, v]) => [n, v.dataSync().slice()] as const);
  for (let i = 0; i < 2; i++) {
    const m = tr.trainStep(sampler);
    for (const v of [m.lossD, m.lossG, m.dReal, m.dFake]) expect(Number.isFinite(v)).toBe(true);
  }
  const vars = tr.variables();
  const changed = before.filter(([n, a]) => {
    const b = vars.get(n)!.dataSync();
    return a.some((x, i) => x !== b[i]);
  }).map(([n]) => n);
  expect(changed.some((n) => n.startsWith('generator/'))).toBe(true);
  expect(changed.some((n) => n.startsWith('discriminator/'))).toBe(true);
  tr.dispose();
}

afterAll(() => stopDisplay());

describe('wasm backend', () => {
  it('two steps (bce and wgan-gp) give finite losses and change the weights', async () => {
    const info = await initBackend('wasm', nodePlatform());
    expect(tf.getBackend()).toBe('wasm');
    expect(info.name).toBe('wasm');
    twoSteps('bce');
    twoSteps('wgan-gp');
  });

  it('4 steps straight and 2 + resume 2 give identical weights', async () => {
    await initBackend('wasm', nodePlatform());
    await checkResumeEquality('wasm', 'bce');
  });

  it('and with RMSprop and the weight clip (wgan), through the fused optimizer update', async () => {
    await initBackend('wasm', nodePlatform());
    await checkResumeEquality('wasm', 'wgan', { nCritic: 2 });
  });
});

describe('webgl backend (headless-gl)', async () => {
  const why = await glAvailable();
  required(why === null, 'headless-gl (webgl in Node)', `${why}: install the optional gl package and run Xvfb`);
  it.skipIf(why !== null)(`two steps give finite losses and change the weights${why ? ` (skipped: ${why})` : ''}`, async () => {
    const logs: string[] = [];
    const info = await initBackend('webgl', nodePlatform(), (m) => logs.push(m));
    expect(tf.getBackend()).toBe('webgl');
    expect(info.renderer).toBeTruthy();
    expect(info.webglVersion).toBe(1); // headless-gl is WebGL 1
    expect(logs.join('\n')).toMatch(/backend: webgl .*renderer.*; WebGL 1/);
    twoSteps('bce');
    twoSteps('wgan-gp');
  });
});

describe('auto backend', () => {
  it('picks wasm on a machine whose WebGL is a software rasteriser (or absent), and says why', async () => {
    const logs: string[] = [];
    const hooks = { ...nodePlatform(), createGl: async () => ({ gl: {} as WebGLRenderingContext, version: 1 as const, renderer: 'llvmpipe (LLVM 15.0.6, 256 bits)', software: true, dispose() {} }) };
    const info = await initBackend('auto', hooks, (m) => logs.push(m));
    expect(info.name).toBe('wasm');
    expect(logs[0]).toMatch(/backend: wasm \(auto: WebGL renderer ".+" is a software rasteriser/);
  });
});
