#!/usr/bin/env node
// Draw samples from a training run's checkpoint. `node scripts/sample.js --help` lists the flags.
import { loadDist } from './lib/load-dist.js';

const { runSampleCli } = await loadDist();
process.exitCode = await runSampleCli(process.argv.slice(2));
