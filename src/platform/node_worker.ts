// worker_threads entry (bundled to dist/node/worker.js): decodes files into
// size x size RGB8 rows for the loader's pool (src/platform/decode_pool.ts).
//   workerData: { size, crop, maxPixels? }
//   in:  { id, file }
//   out: { id, ok: true, data: Uint8Array } (buffer transferred) | { id, ok: false, error }
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { decodeToRow } from '../data/decode_resize';

const { size, crop, maxPixels } = workerData as { size: number; crop: boolean; maxPixels?: number };
const row = size * size * 3;

parentPort!.on('message', (msg: { id: number; file: string }) => {
  try {
    const data = decodeToRow(readFileSync(msg.file), msg.file, size, crop, new Uint8Array(row), maxPixels);
    parentPort!.postMessage({ id: msg.id, ok: true, data }, [data.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
