// esbuild options shared by scripts/build-js.js and the tests that build a
// bundle themselves (test/web/bundle.test.ts checks the page bundle holds no
// Node code), so both build the very same thing.
import { join } from 'node:path';

export const common = {
  bundle: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  target: 'es2022',
};

/** The page bundle: dist/web/ganforge.js (src/web/main.ts) and dist/web/worker.js (src/web/worker.ts). */
export function webBuildOptions(root, entries = { ganforge: join(root, 'src/web/main.ts'), worker: join(root, 'src/web/worker.ts') }) {
  return {
    ...common,
    entryPoints: entries,
    outdir: join(root, 'dist/web'),
    platform: 'browser',
    format: 'esm',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
  };
}
