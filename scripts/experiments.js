#!/usr/bin/env node
// The course experiments: node scripts/experiments.js [--scale quick|full|tiny] [--out DIR]
import { loadDist } from './lib/load-dist.js';

const { runExperimentsCli, runMain } = await loadDist();
// runMain exits when the command is done and stops every child it started
// (a private Xvfb) on exit, on an error and on Ctrl-C (src/platform/lifetime.ts).
await runMain(() => runExperimentsCli(process.argv.slice(2)));
