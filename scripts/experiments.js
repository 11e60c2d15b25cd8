#!/usr/bin/env node
// The course experiments: node scripts/experiments.js [--scale quick|full|tiny] [--out DIR]
import { loadDist } from './lib/load-dist.js';

const { runExperimentsCli } = await loadDist();
process.exitCode = await runExperimentsCli(process.argv.slice(2));
