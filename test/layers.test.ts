// The layering check (scripts/check-layers.js) on the real src/, and on small
// made-up trees that break each rule, so a check that passes everything fails here.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error plain JS module without declarations
import { checkLayers, importSpecifiers, LAYERS } from '../scripts/check-layers.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', f)), { recursive: true });
    writeFileSync(join(root, 'src', f), text);
  }
  return root;
}

async function problemsOf(files: Record<string, string>): Promise<string[]> {
  const root = tree(files);
  try {
    return await checkLayers(join(root, 'src'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// A clean little tree: each case below adds one violation to it.
const clean = {
  'util/rng.ts': 'export const seed = 1;\n',
  'kernels/png.ts': "import { seed } from '../util/rng';\nexport const png = seed;\n",
  'train/loop.ts': "import { png } from '../kernels/png';\nexport const loop = png;\n",
  'web/main.ts': "import { loop } from '../train/loop';\nconsole.log(loop);\n",
  'web/worker.ts': "import { png } from '../kernels/png';\nconsole.log(png);\n",
};

describe('layer check', () => {
  it('src/ has no folder cycle, no upward import and no Node module in the browser bundle', async () => {
    expect(await checkLayers(join(__dirname, '..', 'src'))).toEqual([]);
  });

  it('the layers name every folder of src/ once', () => {
    const units = (LAYERS as string[][]).flat();
    expect(new Set(units).size).toBe(units.length);
    for (const f of ['util', 'wasm', 'nn', 'kernels', 'image', 'data', 'gan', 'metrics', 'backend', 'train', 'platform', 'experiments', 'cli', 'web']) expect(units).toContain(f);
  });

  it('the README states the same order', () => {
    const order = (LAYERS as string[][]).map((l) => l.join(', ')).join(' < ');
    expect(readFileSync(join(__dirname, '..', 'README.md'), 'utf8')).toContain(`**${order}**`);
  });

  it('reads every kind of import: multi-line, type-only, re-export, side effect, dynamic', () => {
    const text = [
      "import {\n  a,\n  b,\n} from './one';",
      "import type { T } from '../two';",
      "export * from './three';",
      "export { x, type Y } from './four';",
      "import './five';",
      "const m = await import(/* @vite-ignore */ './six');",
      "export function f() { return 1; }",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(expect.arrayContaining(['./one', '../two', './three', './four', './five', './six']));
  });

  it('passes the clean tree', async () => {
    expect(await problemsOf(clean)).toEqual([]);
  });

  it('fails on an import up the layers, naming the file', async () => {
    const p = await problemsOf({ ...clean, 'kernels/png.ts': "import { loop } from '../train/loop';\nexport const png = 1;\n" });
    expect(p.join('\n')).toMatch(/kernels -> train runs up the layers: src\/kernels\/png.ts imports '..\/train\/loop'/);
  });

  it('fails on a type-only import up the layers too', async () => {
    const p = await problemsOf({ ...clean, 'util/rng.ts': "import type { X } from '../kernels/png';\nexport const seed = 1;\n" });
    expect(p.join('\n')).toMatch(/util -> kernels runs up/);
  });

  it('fails on a cycle between folders', async () => {
    const p = await problemsOf({ ...clean, 'util/rng.ts': "import { png } from '../kernels/png';\nexport const seed = 1;\n" });
    expect(p.join('\n')).toMatch(/cycle between folders \{kernels, util\}/);
  });

  it('fails on a folder with no layer', async () => {
    const p = await problemsOf({ ...clean, 'misc/x.ts': "import { seed } from '../util/rng';\nexport const x = seed;\n" });
    expect(p.join('\n')).toMatch(/folder misc has no layer/);
  });

  it('fails on a Node module reached from the browser entry, with the chain', async () => {
    const p = await problemsOf({ ...clean, 'kernels/png.ts': "import { readFileSync } from 'node:fs';\nexport const png = readFileSync;\n" });
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/src\/kernels\/png.ts imports the Node module 'node:fs'/);
    expect(p[1]).toMatch(/'node:fs' .* reached from the browser: src\/web\/(main|worker).ts -> .*src\/kernels\/png.ts/);
  });

  it('fails on a bare builtin, a Node-only package and a literal dynamic import from the worker', async () => {
    const p = await problemsOf({
      ...clean,
      'web/worker.ts': "import { png } from '../kernels/png';\nimport sharp from 'sharp';\nimport os from 'os';\nconst cp = await import('child_process');\nconsole.log(png, sharp, os, cp);\n",
    });
    expect(p.join('\n')).toMatch(/'sharp'/);
    expect(p.join('\n')).toMatch(/'os'/);
    expect(p.join('\n')).toMatch(/'child_process' \(dynamic-import\)/);
  });

  it('fails on a Node module outside src/platform/ and src/cli/, even out of the browser graph', async () => {
    const p = await problemsOf({ ...clean, 'train/files.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n" });
    expect(p).toEqual(["src/train/files.ts imports the Node module 'node:fs': Node-only code lives in src/platform/ or src/cli/"]);
  });

  it('allows a Node module in src/platform/ and src/cli/ outside the browser graph', async () => {
    expect(await problemsOf({
      ...clean,
      'platform/files.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      'cli/run.ts': "import { r } from '../platform/files';\nimport os from 'node:os';\nexport const x = [r, os];\n",
    })).toEqual([]);
  });
});
