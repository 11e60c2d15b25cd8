#!/usr/bin/env node
// Make the embedded face dataset: node scripts/make-faces.js --n 20000 --out DIR [--seed S]
import { loadDist } from './lib/load-dist.js';

const { runMakeFacesCli, runMain } = await loadDist();
// runMain exits when the command is done and stops every child it started
// (a private Xvfb) on exit, on an error and on Ctrl-C (src/platform/lifetime.ts).
await runMain(() => runMakeFacesCli(process.argv.slice(2)));
