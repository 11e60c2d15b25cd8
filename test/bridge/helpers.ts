// Shared by the bridge tests: a small trainer with non-trivial weights and
// BatchNorm statistics (so a wrong layout or a lost buffer shows).
import { tf } from '../../src/tf';
import { GanTrainer } from '../../src/train/trainer';
import { resolveConfig, type TrainConfig } from '../../src/train/config';
import { Rng } from '../../src/util/rng';

export function smallTrainer(over: Partial<TrainConfig> = {}, seed = 5): GanTrainer {
  const tr = new GanTrainer(resolveConfig({ size: 32, ngf: 4, ndf: 4, zDim: 8, backend: 'cpu', ...over }));
  const rng = new Rng(seed);
  const all = [...tr.G.params.vars, ...tr.D.params.vars, ...(tr.ema ?? [])];
  for (const [name, v] of all) {
    const a = rng.fillNormal(new Float32Array(v.size), 0, 1);
    let scale = 1 / Math.sqrt(Math.max(1, v.shape.length === 4 ? v.shape[0] * v.shape[1] * v.shape[2] : v.shape.length === 2 ? v.shape[0] : 1));
    if (/running_var$/.test(name)) for (let i = 0; i < a.length; i++) a[i] = 0.5 + Math.abs(a[i]);
    else if (/gamma$/.test(name)) for (let i = 0; i < a.length; i++) a[i] = 1 + 0.3 * a[i];
    else if (/bias|beta|running_mean/.test(name)) scale = 0.3;
    if (!/running_var$|gamma$/.test(name)) for (let i = 0; i < a.length; i++) a[i] *= scale;
    const t = tf.tensor(a, v.shape);
    v.assign(t);
    t.dispose();
  }
  return tr;
}

export function varsOf(tr: GanTrainer, net: 'g' | 'd' | 'ema'): Map<string, Float32Array> {
  const src = net === 'g' ? tr.G.params.vars : net === 'd' ? tr.D.params.vars : tr.ema!;
  return new Map([...src].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
}
