import { defineConfig } from 'vitest/config';

// tfjs must be one copy with its gradients registered: resolve its ESM
// sources ("module" field) and let vite transform them instead of Node's CJS
// bundles, which do not register gradients.
export default defineConfig({
  resolve: { mainFields: ['module', 'jsnext:main', 'jsnext', 'main'] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One temporary folder per run, removed at the end (test/global_tmp.ts).
    globalSetup: ['test/global_tmp.ts'],
    server: { deps: { inline: [/@tensorflow/] } },
  },
});
