// A small worker_threads pool that decodes files into cache rows. Each worker
// keeps a few requests in flight so it never waits on the main thread, and
// the calling thread takes files from the same queue between messages, so a
// small folder is mostly done before the workers have even started. When the
// queue is empty the calling thread also redoes files still in flight in a
// worker (first answer wins), so a slow or starved worker never holds up the end.
// Node only (imported by folder.ts, never by the browser bundle).
import { Worker } from 'node:worker_threads';

export type RowResult = (i: number, data: Uint8Array | null, error: string | null) => void;

const IN_FLIGHT = 4;

/**
 * Decodes files[i] for every i with !done[i], calling onResult as results
 * arrive (any order). `local(i)`, when given, decodes file i on the calling
 * thread (it must call onResult itself); it is run one file at a time between
 * worker messages. Resolves with null when all are done; if a worker cannot
 * start or dies, resolves early with the reason, leaving the rest !done (the
 * caller finishes them on its own thread). An exception thrown by onResult or
 * local (strict mode) stops the pool and rejects.
 */
export function decodeWithWorkers(
  workerUrl: URL | string, files: string[], done: Uint8Array, workers: number,
  cfg: { size: number; crop: boolean; maxPixels?: number }, onResult: RowResult, local?: (i: number) => void,
): Promise<string | null> {
  const todo: number[] = [];
  for (let i = 0; i < files.length; i++) if (!done[i]) todo.push(i);
  if (!todo.length) return Promise.resolve(null);
  const n = Math.max(1, Math.min(workers, Math.ceil(todo.length / IN_FLIGHT)));
  return new Promise<string | null>((resolve, reject) => {
    const pool: { w: Worker; inflight: number }[] = [];
    let next = 0;
    let remaining = todo.length;
    let finished = false;
    const answered = new Uint8Array(files.length);
    const pending = new Set<number>(); // sent to a worker, not answered yet
    const complete = (i: number) => {
      answered[i] = 1;
      pending.delete(i);
      return --remaining === 0;
    };
    const finish = (err?: unknown, stopped: string | null = null) => {
      if (finished) return;
      finished = true;
      for (const x of pool) void x.w.terminate();
      if (err) reject(err); else resolve(stopped);
    };
    const feed = (x: { w: Worker; inflight: number }) => {
      while (x.inflight < IN_FLIGHT && next < todo.length) {
        const i = todo[next++];
        x.inflight++;
        pending.add(i);
        x.w.postMessage({ id: i, file: files[i] });
      }
    };
    for (let k = 0; k < n; k++) {
      let w: Worker;
      try {
        w = new Worker(workerUrl, { workerData: cfg });
      } catch (e) {
        finish(undefined, `cannot start worker: ${(e as Error).message}`);
        return;
      }
      const x = { w, inflight: 0 };
      pool.push(x);
      w.on('message', (m: { id: number; ok: boolean; data?: Uint8Array; error?: string }) => {
        if (finished) return;
        x.inflight--;
        if (!answered[m.id]) {
          try {
            onResult(m.id, m.ok ? m.data! : null, m.ok ? null : m.error ?? 'unknown error');
          } catch (e) {
            finish(e);
            return;
          }
          if (complete(m.id)) { finish(); return; }
        }
        feed(x);
      });
      // A dead worker ends the pool early; files not done fall back to the caller.
      w.on('error', (e: Error) => finish(undefined, `worker failed: ${e.message}`));
      w.on('exit', (code) => finish(undefined, `worker exited with code ${code}`));
      feed(x);
    }
    if (local) {
      // The calling thread takes the next file whenever the event loop is free.
      const step = () => {
        if (finished) return;
        let i = -1;
        if (next < todo.length) i = todo[next++];
        else for (const j of pending) { i = j; break; }
        if (i < 0) return;
        try {
          local(i);
        } catch (e) {
          finish(e);
          return;
        }
        if (complete(i)) finish();
        else setImmediate(step);
      };
      setImmediate(step);
    }
  });
}
