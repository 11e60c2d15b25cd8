// Batches for training: each epoch visits every image once in a seeded random
// order (the last partial batch is dropped), each slot optionally mirrored.
// One assembleBatch wasm call per batch.
import { Rng } from '../util/rng';
import { assembleBatch } from '../kernels/assemble';
import type { ImageDataset } from './dataset';

export interface SamplerState { v: 1; n: number; batch: number; epoch: number; pos: number; epochRng: { s: number; spare: number | null } }

export class BatchSampler {
  private readonly rng: Rng;
  private readonly flip: boolean;
  private order: Int32Array;
  private flips: Uint8Array;
  private epochRng: { s: number; spare: number | null };
  private pos = 0;
  private _epoch = 0;

  constructor(private readonly ds: ImageDataset, readonly batch: number, seed: number, opts: { flip?: boolean } = {}) {
    if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    if (batch > ds.n) throw new RangeError(`batch ${batch} is larger than the dataset (${ds.n} images)`);
    this.rng = new Rng(seed);
    this.flip = !!opts.flip;
    this.order = new Int32Array(ds.n);
    this.flips = new Uint8Array(ds.n);
    this.epochRng = this.rng.state();
    this.shuffle();
  }

  /** Index of the epoch the last returned batch came from (0 until the first full pass ends). */
  get epoch(): number {
    return this._epoch;
  }

  /** The image indices and flip flags of the next batch, without assembling it. */
  nextIndices(): { indices: Int32Array; flips: Uint8Array } {
    if (this.pos + this.batch > this.ds.n) {
      this._epoch++;
      this.epochRng = this.rng.state();
      this.shuffle();
      this.pos = 0;
    }
    const a = this.pos;
    this.pos += this.batch;
    return { indices: this.order.subarray(a, a + this.batch), flips: this.flips.subarray(a, a + this.batch) };
  }

  /** The next batch: Float32Array [batch, size, size, 3] in [-1, 1]. */
  next(out?: Float32Array): Float32Array {
    const { indices, flips } = this.nextIndices();
    return assembleBatch(this.ds.images, this.ds.size, indices, this.flip ? flips : undefined, out);
  }

  /** A JSON-serialisable snapshot; restore() continues with the same batches. */
  state(): SamplerState {
    return { v: 1, n: this.ds.n, batch: this.batch, epoch: this._epoch, pos: this.pos, epochRng: { ...this.epochRng } };
  }

  restore(state: object): void {
    const s = state as SamplerState;
    if (!s || s.v !== 1 || typeof s.epochRng?.s !== 'number') throw new Error('BatchSampler.restore: not a sampler state');
    if (s.n !== this.ds.n || s.batch !== this.batch) throw new Error(`BatchSampler.restore: state is for ${s.n} images / batch ${s.batch}, this sampler has ${this.ds.n} / ${this.batch}`);
    this.rng.restore(s.epochRng);
    this.epochRng = this.rng.state();
    this.shuffle();
    this._epoch = s.epoch;
    this.pos = s.pos;
  }

  // Draws this epoch's order and flips from the rng (so both follow from epochRng).
  private shuffle(): void {
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
    this.rng.shuffle(this.order);
    for (let i = 0; i < this.flips.length; i++) this.flips[i] = this.rng.nextU32() >>> 31;
  }
}
