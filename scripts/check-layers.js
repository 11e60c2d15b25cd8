#!/usr/bin/env node
// The layering check (npm test runs it through test/layers.test.ts; or
// `node scripts/check-layers.js`). It fails on:
//   1. a cycle between folders of src/ (the folder-level import graph,
//      type-only imports included: they tie folders together as much);
//   2. an import that runs up (or sideways across) LAYERS below;
//   3. a Node module (node:*, a Node builtin, or a Node-only package) that
//      esbuild reaches from a browser entry (src/web/main.ts, src/web/worker.ts);
//   4. a Node module imported outside NODE_UNITS: Node-only code lives in
//      src/platform/ (and the command-line programs in src/cli/).
// README.md ("How the code is laid out") states the same order.
import * as esbuild from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Lowest first. A folder may import only folders of a lower layer (and
 * itself). `tf` is src/tf.ts, `entry` is src/index.ts and src/node.ts.
 */
export const LAYERS = [
  ['util', 'tf'],
  ['wasm'],
  ['nn'],
  ['kernels'],
  ['image'],
  ['data', 'gan'],
  ['metrics', 'backend'],
  ['train'],
  ['platform', 'bridge'],
  ['experiments'],
  ['cli', 'web'],
  ['entry'],
];
/** Files directly in src/ and the unit each belongs to. */
const ROOT_FILES = { tf: 'tf', index: 'entry', node: 'entry' };
export const BROWSER_ENTRIES = ['web/main.ts', 'web/worker.ts'];
/** The folders that may import Node modules. */
export const NODE_UNITS = ['platform', 'cli'];
/** npm packages that only run in Node (besides the builtins). */
export const NODE_ONLY_PACKAGES = ['gl', 'sharp', 'cli-progress', 'commander', 'pngjs', 'playwright-core', 'esbuild', 'vitest'];

const rank = new Map(LAYERS.flatMap((units, i) => units.map((u) => [u, i])));

function sourceFiles(srcDir) {
  return readdirSync(srcDir, { recursive: true })
    .map((f) => String(f).split(sep).join('/'))
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts'));
}

/** The import specifiers of a file: static, re-exports, side-effect, type-only and literal dynamic imports. */
export function importSpecifiers(text) {
  const out = [];
  const res = [
    /^[ \t]*(?:import|export)\s+(?:type\s+)?[^;{}'"]*(?:\{[^}]*\})?[^;{}'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^[ \t]*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*(?:\/\*[\s\S]*?\*\/\s*)?['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of res) for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

/** 'kernels' for src/kernels/png.ts, 'tf' for src/tf.ts; null for an unknown root file. */
function unitOf(rel) {
  const parts = rel.split('/');
  if (parts.length > 1) return parts[0];
  return ROOT_FILES[parts[0].replace(/\.[^.]+$/, '')] ?? null;
}

/** Folder-level edges: Map 'a -> b' => [example 'src/a/x.ts imports ../b/y']. */
export function folderEdges(srcDir) {
  const edges = new Map();
  const problems = [];
  for (const f of sourceFiles(srcDir)) {
    const from = unitOf(f);
    if (from === null) problems.push(`src/${f}: a file directly in src/ that the layer check does not know (add it to ROOT_FILES in scripts/check-layers.js)`);
    for (const spec of importSpecifiers(readFileSync(join(srcDir, f), 'utf8'))) {
      if (!spec.startsWith('.')) {
        if (isNodeModule(spec) && !NODE_UNITS.includes(from)) problems.push(`src/${f} imports the Node module '${spec}': Node-only code lives in src/${NODE_UNITS.join('/ or src/')}/`);
        continue;
      }
      const target = relative(srcDir, resolve(srcDir, dirname(f), spec)).split(sep).join('/');
      if (target.startsWith('..')) {
        problems.push(`src/${f} imports ${spec}, outside src/`);
        continue;
      }
      const to = unitOf(target);
      if (from === null || to === null || from === to) continue;
      const key = `${from} -> ${to}`;
      if (!edges.has(key)) edges.set(key, []);
      edges.get(key).push(`src/${f} imports '${spec}'`);
    }
  }
  return { edges, problems };
}

/** Strongly connected components of more than one folder (Tarjan). */
function cycles(edges) {
  const adj = new Map();
  for (const k of edges.keys()) {
    const [a, b] = k.split(' -> ');
    if (!adj.has(a)) adj.set(a, []);
    if (!adj.has(b)) adj.set(b, []);
    adj.get(a).push(b);
  }
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), sccs = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of adj.get(v)) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) sccs.push(scc.sort());
    }
  };
  for (const v of [...adj.keys()].sort()) if (!idx.has(v)) visit(v);
  return sccs;
}

function isNodeModule(spec) {
  if (spec.startsWith('node:')) return true;
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  return builtinModules.includes(pkg) || NODE_ONLY_PACKAGES.includes(pkg);
}

/** Node modules esbuild reaches from the browser entries, each with the import chain that reaches it. */
export async function browserNodeImports(srcDir, entries = BROWSER_ENTRIES) {
  const present = entries.map((e) => join(srcDir, e)).filter((p) => existsSync(p));
  if (!present.length) return [];
  const r = await esbuild.build({
    entryPoints: present, bundle: true, write: false, metafile: true, packages: 'external',
    platform: 'browser', format: 'esm', splitting: true, outdir: join(srcDir, '.layers-out'), logLevel: 'silent',
    absWorkingDir: dirname(srcDir),
  });
  const inputs = r.metafile.inputs;
  // Breadth-first from the entries, remembering who first reached each file.
  const parent = new Map();
  const queue = present.map((p) => relative(dirname(srcDir), p).split(sep).join('/'));
  for (const q of queue) parent.set(q, null);
  const found = [];
  while (queue.length) {
    const f = queue.shift();
    for (const im of inputs[f]?.imports ?? []) {
      if (im.external) {
        if (isNodeModule(im.path)) {
          const chain = [f];
          for (let p = parent.get(f); p; p = parent.get(p)) chain.unshift(p);
          found.push(`'${im.path}' (${im.kind}) reached from the browser: ${chain.join(' -> ')}`);
        }
      } else if (!parent.has(im.path)) {
        parent.set(im.path, f);
        queue.push(im.path);
      }
    }
  }
  return found;
}

/** Every layering problem under srcDir (empty when the code is clean). */
export async function checkLayers(srcDir) {
  const { edges, problems } = folderEdges(srcDir);
  for (const scc of cycles(edges)) {
    const inside = [...edges].filter(([k]) => k.split(' -> ').every((u) => scc.includes(u)));
    problems.push(`cycle between folders {${scc.join(', ')}}: ${inside.map(([k, ex]) => `${k} (${ex[0]})`).join('; ')}`);
  }
  for (const [k, ex] of [...edges].sort()) {
    const [a, b] = k.split(' -> ');
    if (!rank.has(a) || !rank.has(b)) {
      problems.push(`${k}: folder ${rank.has(a) ? b : a} has no layer (add it to LAYERS in scripts/check-layers.js and to README.md)`);
    } else if (rank.get(b) >= rank.get(a)) {
      problems.push(`${k} runs ${rank.get(b) > rank.get(a) ? 'up' : 'sideways across'} the layers: ${ex.join(', ')}`);
    }
  }
  problems.push(...(await browserNodeImports(srcDir)));
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = await checkLayers(join(root, 'src'));
  if (problems.length) {
    console.error(`layer check: ${problems.length} problem${problems.length > 1 ? 's' : ''}\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`layer check: ok (${LAYERS.map((l) => l.join('/')).join(' < ')})`);
}
