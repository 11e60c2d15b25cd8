#!/usr/bin/env node
// Export a run's weights for PyTorch (the course seed's state_dict) or ONNX. `node scripts/export.js --help` lists the flags.
import { loadDist } from './lib/load-dist.js';

const { runExportCli, runMain } = await loadDist();
await runMain(() => runExportCli(process.argv.slice(2)));
