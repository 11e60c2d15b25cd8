#!/usr/bin/env node
// Bundles the TypeScript sources with esbuild:
//   dist/node/index.js   ESM bundle for Node (the package entry and the scripts)
//   dist/node/worker.js  worker_threads entry (image decoding pool)
//   dist/web/            the static browser page (see src/web/)
// tfjs is resolved through its "module" field so core, gradients and backends
// are one copy with every gradient registered.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { common, webBuildOptions } from './build-options.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// tfjs-backend-wasm's emscripten glue reads __dirname/require in Node.
const nodeBanner = [
  "import { createRequire as __gfCreateRequire } from 'node:module';",
  "import { fileURLToPath as __gfToPath } from 'node:url';",
  "import { dirname as __gfDirname } from 'node:path';",
  'const require = __gfCreateRequire(import.meta.url);',
  'const __filename = __gfToPath(import.meta.url);',
  'const __dirname = __gfDirname(__filename);',
].join('\n');

const nodeEntries = ['src/node.ts', 'src/platform/node_worker.ts'].filter((f) => existsSync(join(root, f)));
const builds = [];
if (nodeEntries.length) {
  builds.push(esbuild.build({
    ...common,
    entryPoints: Object.fromEntries(nodeEntries.map((f) => [f === 'src/node.ts' ? 'index' : 'worker', join(root, f)])),
    outdir: join(root, 'dist/node'),
    platform: 'node',
    format: 'esm',
    splitting: false,
    external: ['gl', 'sharp', 'jpeg-js', 'pngjs', 'fast-png', 'commander', 'cli-progress', '@dicebear/*'],
    banner: { js: nodeBanner },
  }));
}
const webEntry = join(root, 'src/web/main.ts');
if (existsSync(webEntry)) {
  builds.push(esbuild.build(
    webBuildOptions(root, { ganforge: webEntry, ...(existsSync(join(root, 'src/web/worker.ts')) ? { worker: join(root, 'src/web/worker.ts') } : {}) }),
  ).then(() => {
    for (const f of ['index.html', 'style.css']) {
      const src = join(root, 'src/web', f);
      if (existsSync(src)) copyFileSync(src, join(root, 'dist/web', f));
    }
    const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
    for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(root, 'dist/web', f));
  }));
}
mkdirSync(join(root, 'dist'), { recursive: true });
await Promise.all(builds);
console.log(`build-js: ${nodeEntries.length ? 'dist/node ' : ''}${existsSync(webEntry) ? 'dist/web' : ''}`.trim() || 'build-js: nothing to bundle yet');
