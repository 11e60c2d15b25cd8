#!/usr/bin/env node
// Import the course seed's PyTorch weights into a run directory. `node scripts/import.js --help` lists the flags.
import { loadDist } from './lib/load-dist.js';

const { runImportCli, runMain } = await loadDist();
await runMain(() => runImportCli(process.argv.slice(2)));
