#!/usr/bin/env node
// Draw samples from a training run's checkpoint. `node scripts/sample.js --help` lists the flags.
import { loadDist } from './lib/load-dist.js';

const { runSampleCli, runMain } = await loadDist();
// runMain exits when the command is done and stops every child it started
// (a private Xvfb) on exit, on an error and on Ctrl-C (src/platform/lifetime.ts).
await runMain(() => runSampleCli(process.argv.slice(2)));
