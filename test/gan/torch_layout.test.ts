// The layout permutations against tfjs cpu's transpose/reshape (an independent
// implementation of the same index maps) and round trips.
import { describe, it, expect, beforeAll } from 'vitest';
import { tf } from '../../src/tf';
import { randArray } from '../reference/backends';
import {
  conv2dToTorch, conv2dFromTorch, convTransposeToTorch, convTransposeFromTorch,
  featuresNhwcToNchw, featuresNchwToNhwc, linearToTorch, linearFromTorch, nhwcToNchw, nchwToNhwc,
} from '../../src/gan/torch_layout';

const tr = (a: Float32Array, shape: number[], perm: number[]) =>
  Float32Array.from(tf.tidy(() => tf.transpose(tf.tensor(a, shape), perm)).dataSync());

describe('torch_layout', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('conv filters [kh,kw,in,out] <-> (out,in,kh,kw) and [kh,kw,out,in] <-> (in,out,kh,kw)', () => {
    const shape = [5, 4, 3, 2];
    const f = randArray(5 * 4 * 3 * 2, 1);
    const t = conv2dToTorch(f, shape);
    expect(t).toEqual(tr(f, shape, [3, 2, 0, 1]));
    // element check by hand: ours[kh=1,kw=2,in=0,out=1] == torch[out=1,in=0,kh=1,kw=2]
    expect(t[((1 * 3 + 0) * 5 + 1) * 4 + 2]).toBe(f[((1 * 4 + 2) * 3 + 0) * 2 + 1]);
    expect(conv2dFromTorch(t, [2, 3, 5, 4])).toEqual(f);
    const ct = convTransposeToTorch(f, shape); // ours [kh,kw,out=3,in=2] -> (in=2,out=3,kh,kw)
    expect(ct).toEqual(t);
    expect(convTransposeFromTorch(ct, [2, 3, 5, 4])).toEqual(f);
    expect(() => conv2dToTorch(f.subarray(1), shape)).toThrow(RangeError);
  });

  it('Linear columns NHWC <-> torch rows NCHW, as reshape [z,4,4,c] -> transpose -> [z, c*16] -> transpose', () => {
    const z = 3, c = 5;
    const k = randArray(z * 16 * c, 2);
    const ref = Float32Array.from(tf.tidy(() =>
      tf.transpose(tf.reshape(tf.transpose(tf.reshape(tf.tensor(k, [z, 16 * c]), [z, 4, 4, c]), [0, 3, 1, 2]), [z, 16 * c]))).dataSync());
    const t = linearToTorch(k, z, c);
    expect(t).toEqual(ref);
    expect(linearFromTorch(t, z, c)).toEqual(k);
    const v = randArray(16 * c, 3);
    const vref = Float32Array.from(tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(tf.tensor(v), [4, 4, c]), [2, 0, 1]), [-1])).dataSync());
    expect(featuresNhwcToNchw(v, c)).toEqual(vref);
    expect(featuresNchwToNhwc(vref, c)).toEqual(v);
    // the same permutation as the Linear's output: (z @ ours) permuted == torch_weight @ z
    const x = randArray(z, 4);
    const ours = new Float32Array(16 * c);
    for (let j = 0; j < 16 * c; j++) for (let i = 0; i < z; i++) ours[j] += x[i] * k[i * 16 * c + j];
    const theirs = new Float32Array(16 * c);
    for (let r = 0; r < 16 * c; r++) for (let i = 0; i < z; i++) theirs[r] += t[r * z + i] * x[i];
    expect(featuresNhwcToNchw(ours, c)).toEqual(theirs);
  });

  it('images NHWC <-> NCHW', () => {
    const a = randArray(2 * 3 * 4 * 5, 5);
    const b = nhwcToNchw(a, 2, 3, 4, 5);
    expect(b).toEqual(tr(a, [2, 3, 4, 5], [0, 3, 1, 2]));
    expect(nchwToNhwc(b, 2, 5, 3, 4)).toEqual(a);
  });
});
