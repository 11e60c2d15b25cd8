// Our fused training kernels for tfjs-backend-wasm that have no stock tfjs
// kernel name (registered under ganforge's own names, used through
// tf.customGrad in src/gan/): BatchNorm's training forward with batch
// statistics and its backward for x, gamma and beta, on the nn pool
// (src/kernels/batchnorm.ts), with the ReLU / LeakyReLU that follows it
// fused in (attrs activation, leakyreluAlpha); the LeakyRelu / Relu gradient in one pass
// (src/gan/activation_grads.ts); the Adam / RMSprop update of a whole network
// in one kernel call (src/gan/optimizer_fused.ts; per variable one nn-pool job,
// src/kernels/optimizer.ts: ~1.6x faster than tfjs's op chain, copies
// included, bit-exact). Registered by wasm_kernels.ts with the others.
//
// The activation gradient is one nn-pool job (src/kernels/eltwise.ts: f32x4
// on every thread, its inputs copied in and its output out once).
import { tf } from '../tf';
import type { NnPool } from '../nn/pool';
import { bnTrainForward, bnTrainBackward, type BnAct } from '../kernels/batchnorm';
import { adamStep, rmspropStep } from '../kernels/optimizer';
import { eltwise } from '../kernels/eltwise';
import { BN_TRAIN_KERNEL, BN_TRAIN_GRAD_KERNEL } from '../gan/batchnorm';
import { ACT_GRAD_KERNEL } from '../gan/activation_grads';
import { ADAM_KERNEL, RMSPROP_KERNEL } from '../gan/optimizer_fused';

type KernelArgs = { inputs: Record<string, any>; backend: any; attrs: Record<string, any> };

function f32In(backend: any, t: any): Float32Array {
  const d = backend.dataIdMap.get(t.dataId);
  return new Float32Array(backend.wasm.HEAPU8.buffer, d.memoryOffset, tf.util.sizeFromShape(t.shape));
}

function rowsCols(shape: number[]): [number, number] {
  const C = shape[shape.length - 1];
  return [tf.util.sizeFromShape(shape) / C, C];
}

/** The activation of the fused BatchNorm kernels from their attrs (activation: linear | relu | leakyrelu, leakyreluAlpha). */
function bnAct(name: string, attrs: Record<string, any>): BnAct {
  const a = attrs.activation ?? 'linear';
  if (a === 'linear' || a === 'relu') return { kind: a };
  if (a === 'leakyrelu' && attrs.leakyreluAlpha > 0) return { kind: 'leakyRelu', alpha: attrs.leakyreluAlpha };
  throw new Error(`wasm ${name}: activation ${JSON.stringify(a)} (alpha ${attrs.leakyreluAlpha}) is not one of linear, relu, leakyrelu with alpha > 0`);
}

function need(cond: boolean, msg: string) {
  if (!cond) throw new Error(`${msg}`);
}

/**
 * The optimizer update (src/gan/optimizer_fused.ts): one nn-pool job per variable
 * (src/kernels/optimizer.ts: f32x4, tfjs's float32 ops in tfjs's order).
 */
function optimizerKernel(name: string, getPool: () => NnPool | null, counted: (name: string) => void) {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const n = attrs.n as number;
    for (let i = 0; i < n; i++) {
      const x = inputs[`x${i}`];
      need(!!x && x.dtype === 'float32' && ['g', 'a', 'b'].every((k) => inputs[`${k}${i}`] && tf.util.arraysEqual(inputs[`${k}${i}`].shape, x.shape) && inputs[`${k}${i}`].dtype === 'float32'),
        `wasm ${name}: inputs of variable ${i} missing, not float32 or of different shapes`);
    }
    const pool = getPool();
    if (!pool) throw new Error(`wasm ${name}: the nn kernels are not started`);
    const outs: any[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) outs.push(backend.makeOutput(inputs[`x${i}`].shape, 'float32'));
    counted(name);
    // views after every makeOutput: the heap may have grown
    for (let i = 0; i < n; i++) {
      const args8 = [f32In(backend, inputs[`x${i}`]), f32In(backend, inputs[`g${i}`]), f32In(backend, inputs[`a${i}`]), f32In(backend, inputs[`b${i}`]),
        backend.typedArrayFromHeap(outs[3 * i]), backend.typedArrayFromHeap(outs[3 * i + 1]), backend.typedArrayFromHeap(outs[3 * i + 2])] as const;
      if (name === ADAM_KERNEL) adamStep(pool, attrs as any, ...args8);
      else rmspropStep(pool, attrs as any, ...args8);
    }
    return outs;
  };
}

/** The kernels, over the pool `getPool()` returns (null: not started, an error). */
export function trainKernels(getPool: () => NnPool | null, counted: (name: string) => void) {
  const poolOrThrow = (name: string) => {
    const p = getPool();
    if (!p) throw new Error(`wasm ${name}: the nn kernels are not started`);
    return p;
  };
  return {
    [ADAM_KERNEL]: optimizerKernel(ADAM_KERNEL, getPool, counted),
    [RMSPROP_KERNEL]: optimizerKernel(RMSPROP_KERNEL, getPool, counted),
    [ACT_GRAD_KERNEL]: (args: KernelArgs) => {
      const { inputs: { dy, x }, backend, attrs } = args;
      need(tf.util.arraysEqual(dy.shape, x.shape) && dy.dtype === 'float32' && x.dtype === 'float32', `wasm ${ACT_GRAD_KERNEL}: dy ${dy.shape} (${dy.dtype}), x ${x.shape} (${x.dtype})`);
      const pool = poolOrThrow(ACT_GRAD_KERNEL);
      const out = backend.makeOutput(x.shape, 'float32');
      counted(ACT_GRAD_KERNEL);
      // x > 0 ? dy : dy * alpha with the f32 alpha, as tfjs's where(x > 0, dy, mul(dy, alpha)): bit for bit
      eltwise(pool, 'actGrad', f32In(backend, x), f32In(backend, dy), Math.fround(attrs.alpha ?? 0), backend.typedArrayFromHeap(out));
      return out;
    },
    [BN_TRAIN_KERNEL]: (args: KernelArgs) => {
      const { inputs: { x, gamma, beta }, backend, attrs } = args;
      const [R, C] = rowsCols(x.shape);
      need(x.dtype === 'float32' && gamma.size === C && beta.size === C && R > 0, `wasm ${BN_TRAIN_KERNEL}: x ${x.shape} (${x.dtype}), gamma ${gamma.shape}, beta ${beta.shape}`);
      const act = bnAct(BN_TRAIN_KERNEL, attrs);
      const pool = poolOrThrow(BN_TRAIN_KERNEL);
      const y = backend.makeOutput(x.shape, 'float32');
      const mean = backend.makeOutput([C], 'float32'), variance = backend.makeOutput([C], 'float32');
      counted(BN_TRAIN_KERNEL);
      const r = bnTrainForward(pool, f32In(backend, x), R, C, f32In(backend, gamma).slice(), f32In(backend, beta).slice(), attrs.varianceEpsilon, backend.typedArrayFromHeap(y), act);
      backend.typedArrayFromHeap(mean).set(r.mean);
      backend.typedArrayFromHeap(variance).set(r.variance);
      return [y, mean, variance];
    },
    [BN_TRAIN_GRAD_KERNEL]: (args: KernelArgs) => {
      const { inputs: { dy, x, mean, variance, gamma, y }, backend, attrs } = args;
      const [R, C] = rowsCols(x.shape);
      const act = bnAct(BN_TRAIN_GRAD_KERNEL, attrs);
      need(tf.util.arraysEqual(dy.shape, x.shape) && mean.size === C && variance.size === C && gamma.size === C, `wasm ${BN_TRAIN_GRAD_KERNEL}: dy ${dy.shape}, x ${x.shape}, mean ${mean.shape}, variance ${variance.shape}, gamma ${gamma.shape}`);
      need(act.kind === 'linear' || (!!y && tf.util.arraysEqual(y.shape, x.shape) && y.dtype === 'float32'), `wasm ${BN_TRAIN_GRAD_KERNEL}: activation ${act.kind} needs the forward output y of x's shape, got ${y?.shape}`);
      const pool = poolOrThrow(BN_TRAIN_GRAD_KERNEL);
      const dx = backend.makeOutput(x.shape, 'float32');
      const dgamma = backend.makeOutput([C], 'float32'), dbeta = backend.makeOutput([C], 'float32');
      counted(BN_TRAIN_GRAD_KERNEL);
      const r = bnTrainBackward(pool, f32In(backend, dy), f32In(backend, x), R, C, f32In(backend, mean).slice(), f32In(backend, variance).slice(),
        f32In(backend, gamma).slice(), attrs.varianceEpsilon, backend.typedArrayFromHeap(dx), act, act.kind === 'linear' ? undefined : f32In(backend, y));
      backend.typedArrayFromHeap(dgamma).set(r.dgamma);
      backend.typedArrayFromHeap(dbeta).set(r.dbeta);
      return [dx, dgamma, dbeta];
    },
  };
}
