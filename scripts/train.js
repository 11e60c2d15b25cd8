#!/usr/bin/env node
// Train a GAN headless. `node scripts/train.js --help` lists every flag.
import { loadDist } from './lib/load-dist.js';

const { runTrainCli, runMain } = await loadDist();
// runMain exits when the command is done and stops every child it started
// (a private Xvfb) on exit, on an error and on Ctrl-C (src/platform/lifetime.ts).
await runMain(() => runTrainCli(process.argv.slice(2)));
