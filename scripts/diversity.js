#!/usr/bin/env node
// Mode-collapse diversity score of a folder / grid image / .npy (docs/diversity.md).
// `node scripts/diversity.js --help` lists every flag.
import { loadDist } from './lib/load-dist.js';

const { runDiversityCli } = await loadDist();
process.exitCode = await runDiversityCli(process.argv.slice(2));
