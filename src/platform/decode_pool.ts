// A small worker_threads pool that decodes files into cache rows. Each worker
// keeps a few requests in flight so it never waits on the main thread, and
// the calling thread takes files from the same queue between messages, so a
// small folder is mostly done before the workers have even started. When the
// queue is empty the calling thread also redoes files still in flight in a
// worker (first answer wins), so a slow or starved worker never holds up the end.
// Node only (imported by folder.ts, never by the browser bundle).
import { Worker } from 'node:worker_threads';
import { runJobs, type WorkerLike } from '../util/job_pool';

export type RowResult = (i: number, data: Uint8Array | null, error: string | null) => void;

const IN_FLIGHT = 4;

/** A worker_threads decoder as the job pool's WorkerLike (an exit counts as an error). */
function decoderWorker(url: URL | string, cfg: object): WorkerLike {
  const w = new Worker(url, { workerData: cfg });
  return {
    postMessage: (m, t) => w.postMessage(m, t as any),
    onMessage: (cb) => { w.removeAllListeners('message'); w.on('message', cb); },
    onError: (cb) => {
      w.removeAllListeners('error');
      w.removeAllListeners('exit');
      w.on('error', cb);
      w.on('exit', (code) => cb(new Error(`exited with code ${code}`)));
    },
    terminate: () => { void w.terminate(); },
  };
}

/**
 * Decodes files[i] for every i with !done[i], calling onResult as results
 * arrive (any order), on the shared job pool (src/util/job_pool.ts).
 * `local(i)`, when given, decodes file i on the calling thread (it must call
 * onResult itself); it is run one file at a time between worker messages.
 * Resolves with null when all are done; if a worker cannot start or dies,
 * resolves early with the reason, leaving the rest !done (the caller finishes
 * them on its own thread). An exception thrown by onResult or local (strict
 * mode) stops the pool and rejects.
 */
export async function decodeWithWorkers(
  workerUrl: URL | string, files: string[], done: Uint8Array, workers: number,
  cfg: { size: number; crop: boolean; maxPixels?: number }, onResult: RowResult, local?: (i: number) => void,
): Promise<string | null> {
  const todo: number[] = [];
  for (let i = 0; i < files.length; i++) if (!done[i]) todo.push(i);
  if (!todo.length) return null;
  const n = Math.max(1, Math.min(workers, Math.ceil(todo.length / IN_FLIGHT)));
  const pool: WorkerLike[] = [];
  try {
    for (let k = 0; k < n; k++) pool.push(decoderWorker(workerUrl, cfg));
  } catch (e) {
    pool.forEach((w) => w.terminate());
    return `cannot start worker: ${(e as Error).message}`;
  }
  try {
    return await runJobs<{ id: number; ok: boolean; data?: Uint8Array; error?: string }>(pool, {
      jobs: todo,
      inFlight: IN_FLIGHT,
      send: (w, id) => w.postMessage({ id, file: files[id] }),
      receive: (m) => m.id,
      onDone: (id, m) => onResult(id, m!.ok ? m!.data! : null, m!.ok ? null : m!.error ?? 'unknown error'),
      // A dead worker ends the pool early; files not done fall back to the caller.
      onWorkerError: 'resolve',
      local,
    });
  } finally {
    pool.forEach((w) => w.terminate());
  }
}
