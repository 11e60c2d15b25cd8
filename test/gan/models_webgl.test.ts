// The seed-exact layers (pad 2 convolutions and transposed convolutions) on
// webgl (headless-gl) agree with tfjs cpu: forward in train and eval mode and
// the gradients of every weight. (wasm with our kernels: test/backend/wasm_kernels.test.ts.)
import { describe, it, expect, afterAll } from 'vitest';
import { tf, type Tensor2D, type Tensor4D } from '../../src/tf';
import { Generator, Discriminator, type ModelConfig } from '../../src/gan/models';
import { initBackend } from '../../src/backend/select';
import { createNodeGl, nodePlatform, stopDisplay } from '../../src/platform/node';
import { Rng } from '../../src/util/rng';
import { required } from '../env';
import { onBackend, randArray, relErr } from '../reference/backends';

afterAll(() => stopDisplay());
describe('seed-exact layers on webgl (headless-gl) vs cpu', async () => {
  let why: string | null = null;
  try {
    (await createNodeGl()).dispose();
  } catch (e) {
    why = (e as Error).message;
  }
  required(why === null, 'headless-gl (webgl in Node)', `${why}: install the optional gl package and run Xvfb`);
  for (const size of [32, 64] as const) {
    it.skipIf(why !== null)(`${size}x${size}: G and D outputs (train, eval) and every weight's gradient within 1e-4 (relative to each tensor's max)`, async () => {
      await initBackend('webgl', nodePlatform());
      await tf.setBackend('cpu');
      const cfg: ModelConfig = { size, layers: 'torch', zDim: 8, ngf: 4, ndf: 4, sn: false, dBatchNorm: true, dDropout: 0 };
      const G = new Generator(cfg, new Rng(3));
      const D = new Discriminator(cfg, new Rng(4));
      // weights at a working scale (fresh ones draw near-zero images in eval mode, where relative errors say little)
      let k = 100;
      for (const net of [G, D]) for (const [name, v] of net.params.vars) {
        const u = randArray(v.size, k++);
        const fanIn = v.size / v.shape[v.shape.length - 1];
        const a = name.endsWith('/kernel') ? u.map((t) => t * Math.sqrt(3 / fanIn)) : name.endsWith('/gamma') ? u.map((t) => 1 + 0.3 * t)
          : name.endsWith('/running_var') ? u.map((t) => 0.5 + Math.abs(t)) : u.map((t) => 0.2 * t);
        v.assign(tf.tensor(a, v.shape));
      }
      const z = randArray(3 * 8, 5), x = randArray(3 * size * size * 3, 6);
      const vars = [...G.params.trainable(), ...D.params.trainable()];
      const fn = () => {
        const zt = tf.tensor2d(z, [3, 8]) as Tensor2D, xt = tf.tensor4d(x, [3, size, size, 3]) as Tensor4D;
        const { value, grads } = tf.variableGrads(() => {
          const fake = G.apply(zt, { training: true });
          return tf.add(tf.mean(tf.softplus(D.apply(fake, { training: true }))), tf.mean(tf.softplus(tf.neg(D.apply(xt, { training: true }))))) as tf.Scalar;
        }, vars);
        return [value, G.apply(zt, { training: false }), D.apply(xt, { training: false }), G.apply(zt, { training: true }), ...vars.map((v) => grads[v.name])];
      };
      const ref = await onBackend('cpu', fn);
      const got = await onBackend('webgl', fn);
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) {
        const name = i < 4 ? ['loss', 'G eval', 'D eval', 'G train'][i] : vars[i - 4].name;
        // a conv bias before BatchNorm has gradient 0 in exact arithmetic: only rounding noise on both
        if (/conv[1-9]\/bias$/.test(name)) continue;
        expect(relErr(got[i], ref[i]), name).toBeLessThan(1e-4);
      }
      G.params.dispose();
      D.params.dispose();
    });
  }
});
