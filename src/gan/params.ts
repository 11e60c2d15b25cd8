// A flat, named parameter store: the whole state of a network is a list of
// named variables (trainable weights plus non-trainable buffers such as
// BatchNorm running statistics and spectral-norm u vectors). Names are stable
// across runs, so checkpoints are plain name -> tensor maps.
import { tf, type Tensor, type Variable } from '../tf';
import type { Rng } from '../util/rng';

export class ParamStore {
  readonly vars = new Map<string, Variable>();
  private readonly trainableNames: string[] = [];

  constructor(readonly prefix: string) {}

  add(name: string, value: Tensor, trainable = true): Variable {
    const full = `${this.prefix}/${name}`;
    if (this.vars.has(full)) throw new Error(`duplicate parameter ${full}`);
    const v = tf.variable(value, trainable, full);
    value.dispose();
    this.vars.set(full, v);
    if (trainable) this.trainableNames.push(full);
    return v;
  }

  get(name: string): Variable {
    const v = this.vars.get(`${this.prefix}/${name}`);
    if (!v) throw new Error(`no parameter ${this.prefix}/${name}`);
    return v;
  }

  trainable(): Variable[] {
    return this.trainableNames.map((n) => this.vars.get(n)!);
  }

  /** Number of trainable scalars (what papers and PyTorch report). */
  countTrainable(): number {
    return this.trainable().reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** N(mean, std^2) initial values from the run's own PRNG (restorable). */
export function normalInit(rng: Rng, shape: number[], mean = 0, std = 0.02): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillNormal(new Float32Array(n), mean, std), shape);
}
