#!/usr/bin/env node
// Train a GAN headless. `node scripts/train.js --help` lists every flag.
import { loadDist } from './lib/load-dist.js';

const { runTrainCli } = await loadDist();
process.exitCode = await runTrainCli(process.argv.slice(2));
