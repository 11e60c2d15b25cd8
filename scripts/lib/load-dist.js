// Imports the built Node bundle, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entry = join(root, 'dist', 'node', 'index.js');

export async function loadDist() {
  if (!existsSync(entry)) {
    process.stderr.write(`ganforge is not built: ${entry} is missing. Run \`npm install\` (or \`npm run build\`) in ${root} first.\n`);
    process.exit(2);
  }
  return import(pathToFileURL(entry).href);
}
