#!/usr/bin/env node
// Mode-collapse diversity score of a folder / grid image / .npy (docs/diversity.md).
// `node scripts/diversity.js --help` lists every flag.
import { loadDist } from './lib/load-dist.js';

const { runDiversityCli, runMain } = await loadDist();
// runMain exits when the command is done and stops every child it started
// (a private Xvfb) on exit, on an error and on Ctrl-C (src/platform/lifetime.ts).
await runMain(() => runDiversityCli(process.argv.slice(2)));
