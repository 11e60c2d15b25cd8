#!/usr/bin/env node
// Make the embedded face dataset: node scripts/make-faces.js --n 20000 --out DIR [--seed S]
import { loadDist } from './lib/load-dist.js';

const { runMakeFacesCli } = await loadDist();
process.exitCode = await runMakeFacesCli(process.argv.slice(2));
