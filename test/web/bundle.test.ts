// The page bundle holds no Node code: built here with the same esbuild options
// as dist/web (scripts/build-options.js), then its text is searched for any
// import or require of a Node module. The one allowed place is tfjs-backend-
// wasm's emscripten pthread worker, a string the bundle carries to start Web
// Workers with: its require('worker_threads') / require('fs') run only when
// that string is evaluated under Node (ENVIRONMENT_IS_NODE), never in a page.
import { describe, expect, it } from 'vitest';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
// @ts-expect-error plain JS module without declarations
import { webBuildOptions } from '../../scripts/build-options.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The bundle's text without tfjs-backend-wasm's pthread worker source (a template literal). */
function withoutEmscriptenWorker(js: string): { rest: string; removed: number } {
  let rest = js, removed = 0;
  for (;;) {
    const start = rest.indexOf('wasmWorkerContents=`');
    if (start < 0) return { rest, removed };
    const body = start + 'wasmWorkerContents=`'.length;
    expect(rest.slice(body, body + 60)).toContain('var ENVIRONMENT_IS_NODE'); // it is the emscripten worker, nothing else
    let end = body;
    while (rest[end] !== '`' || rest[end - 1] === '\\') end++;
    rest = rest.slice(0, start) + rest.slice(end + 1);
    removed++;
  }
}

/** Every Node module the text imports or requires: import ... from 'x', import('x'), require('x'), and any 'node:' specifier. */
function nodeImports(js: string): string[] {
  const found: string[] = [];
  const res = [/\bfrom\s*["'`]([^"'`]+)["'`]/g, /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g, /\brequire\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g, /\bimport\s*["'`]([^"'`]+)["'`]/g];
  for (const re of res) for (const m of js.matchAll(re)) if (BUILTINS.has(m[1])) found.push(m[1]);
  for (const m of js.matchAll(/["'`](node:[a-z_/]+)["'`]/g)) found.push(m[1]);
  return [...new Set(found)];
}

describe('browser bundle', () => {
  it('the search finds Node imports in each form it looks for', () => {
    expect(nodeImports('import{readFileSync as a}from"node:fs";')).toEqual(['node:fs']);
    expect(nodeImports('const w=require("worker_threads")')).toEqual(['worker_threads']);
    expect(nodeImports('await import("os")')).toEqual(['os']);
    expect(nodeImports('const n="node:os";await import(n)')).toEqual(['node:os']);
    expect(nodeImports('const s="from the path";require("./x")')).toEqual([]);
  });

  it('dist/web (page and decode worker) imports no Node module', async () => {
    const out = await esbuild.build({ ...webBuildOptions(root), write: false, sourcemap: false, metafile: true, logLevel: 'silent' });
    const js = out.outputFiles!.filter((f) => f.path.endsWith('.js'));
    expect(js.map((f) => f.path.split('/').pop()).sort()).toEqual(['ganforge.js', 'worker.js']);
    // esbuild's own view: no input file from a Node-only place
    const inputs = Object.keys(out.metafile!.inputs);
    expect(inputs.filter((f) => /^src\/platform\/(node|node_worker|lifetime)\.ts$|^src\/cli\//.test(f))).toEqual([]);
    let workers = 0;
    for (const f of js) {
      const { rest, removed } = withoutEmscriptenWorker(f.text);
      workers += removed;
      expect(nodeImports(rest), f.path).toEqual([]);
    }
    expect(workers).toBeGreaterThan(0); // the allowance above is used (tfjs-backend-wasm is in the page)
  }, 120_000);
});
