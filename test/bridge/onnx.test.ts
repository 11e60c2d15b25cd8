// The ONNX generator in onnxruntime-node and in onnxruntime-web (both
// devDependencies) against our tfjs cpu generator in eval mode: the same
// images within 1e-4, at 32 and 64, from a trained-looking G with non-trivial
// BatchNorm statistics. onnxruntime-web runs here in Node on its wasm backend,
// single-threaded, loading its .wasm/.mjs from the package's own dist folder
// (no network).
import { describe, it, expect, beforeAll } from 'vitest';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tf } from '../../src/tf';
import { exportStateDict } from '../../src/bridge/run';
import { generatorOnnx, ONNX_OPSET } from '../../src/bridge/onnx';
import { nhwcToNchw } from '../../src/gan/torch_layout';
import { Rng } from '../../src/util/rng';
import { smallTrainer } from './helpers';

const req = createRequire(import.meta.url);
const ortNode = req('onnxruntime-node');
const ortWeb = req('onnxruntime-web');
/** onnxruntime-web's dist folder (the .wasm and its .mjs loader), as a file URL prefix. */
const ORT_WEB_DIST = pathToFileURL(join(dirname(req.resolve('onnxruntime-web')), '/')).href;
ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.proxy = false;
ortWeb.env.wasm.wasmPaths = ORT_WEB_DIST;

const RUNTIMES = [
  { name: 'onnxruntime-node', ort: ortNode, options: {} },
  { name: 'onnxruntime-web', ort: ortWeb, options: { executionProviders: ['wasm'] } },
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ONNX export', () => {
  for (const over of [{}, { size: 64 as const, ngf: 4, zDim: 12 }]) {
    for (const { name, ort, options } of RUNTIMES) {
      it(`${name} draws our tfjs images within 1e-4 (${JSON.stringify(over)})`, async () => {
        const tr = smallTrainer(over, 21);
        const c = tr.cfg;
        const n = 5;
        const z = new Rng(3).fillNormal(new Float32Array(n * c.zDim));
        let ours: Float32Array, model: Uint8Array;
        try {
          ours = tr.generate(z, 64, { raw: true }); // eval mode: BatchNorm uses its running statistics
          model = generatorOnnx(exportStateDict(tr, 'g', false).sd, { size: c.size, zDim: c.zDim, ngf: c.ngf });
        } finally {
          tr.dispose();
        }
        const session = await ort.InferenceSession.create(model, options);
        try {
          expect(session.inputNames).toEqual(['z']);
          expect(session.outputNames).toEqual(['images']);
          const out = await session.run({ z: new ort.Tensor('float32', z, [n, c.zDim]) });
          const img = out.images;
          expect(img.type).toBe('float32');
          expect(img.dims).toEqual([n, 3, c.size, c.size]);
          const want = nhwcToNchw(ours, n, c.size, c.size, 3);
          expect(img.data.length).toBe(want.length);
          let max = 0, spread = 0;
          for (let i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i] - img.data[i]));
            spread = Math.max(spread, Math.abs(want[i]));
          }
          expect(spread).toBeGreaterThan(0.1); // the images are not a constant the comparison would pass trivially
          expect(max).toBeLessThan(1e-4);
        } finally {
          await session.release();
        }
      }, 60_000);
    }
  }

  it(`declares opset ${ONNX_OPSET} and the ops the issue names`, () => {
    const tr = smallTrainer();
    try {
      const bytes = generatorOnnx(exportStateDict(tr, 'g', false).sd, { size: 32, zDim: 8, ngf: 4 });
      const text = Buffer.from(bytes).toString('latin1');
      for (const op of ['Gemm', 'BatchNormalization', 'ConvTranspose', 'Relu', 'Tanh', 'Reshape']) expect(text).toContain(op);
      expect(ONNX_OPSET).toBeGreaterThanOrEqual(13);
    } finally {
      tr.dispose();
    }
  });
});
