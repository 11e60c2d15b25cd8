// The one pool for message-passing jobs (the metrics workers, the image
// decoders in Node and in the page). Platform-free: a worker is anything with
// postMessage / onMessage / onError / terminate (src/platform/ makes them from
// worker_threads or Web Workers). runJobs hands out jobs from one queue, a
// few in flight per worker, and settles when every job is answered:
//   - a reply answers one job (the first answer wins: a job may be redone);
//   - a reply can be fatal (the job's own error when the caller says so):
//     the run rejects;
//   - a worker that errors or exits either rejects the run, or (onWorkerError
//     'resolve') resolves early with the reason, the unanswered jobs left for
//     the caller to finish itself;
//   - `local`, when given, runs jobs on the calling thread between messages,
//     and once the queue is empty redoes jobs still in a worker, so a slow or
//     starved worker never holds up the end.
// An exception thrown by onDone or local stops the run and rejects (a strict
// caller's "this file is bad"). nn/pool.ts (Atomics over shared memory) is a
// different kind of pool and stays separate.

export interface WorkerLike {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  onMessage(cb: (msg: any) => void): void;
  onError(cb: (err: Error) => void): void;
  terminate(): void;
}
/**
 * Starts a worker running `source` (a classic script, no imports). The
 * factory puts two functions in front of it, the only platform-specific part:
 * `__gfPost(msg, transfer)` sends to the parent, `__gfListen(fn)` receives.
 */
export type WorkerFactory = (source: string) => WorkerLike;

export interface JobRun<M> {
  /** The job ids, in the order they are handed out. */
  jobs: readonly number[];
  /** Jobs a worker holds at once (default 1). */
  inFlight?: number;
  /** Posts job `id` to `w` (may be async, e.g. reading a file first). A throw answers the job through onSendError. */
  send(w: WorkerLike, id: number): void | Promise<void>;
  /** The job a reply answers, or an Error that ends the run (rejects). */
  receive(msg: M): number | Error;
  /** A job's answer (called once per job). */
  onDone(id: number, msg: M | null): void;
  /** A job whose send threw: answer it (e.g. as unreadable); default: the run rejects. */
  onSendError?(id: number, err: unknown): void;
  /** A worker failed: 'reject' (default) or 'resolve' early with the reason. */
  onWorkerError?: 'reject' | 'resolve';
  /** Runs job `id` on the calling thread (it calls onDone itself). */
  local?(id: number): void;
  /**
   * Which job worker `k` gets next: an index into `left` (the jobs not handed
   * out yet, in `jobs` order); default 0, the first. Lets a caller keep a
   * worker on jobs that share its cached state.
   */
  pick?(k: number, left: readonly number[]): number;
}

/** Runs the jobs on `workers`; resolves null when all are answered, or the reason a worker failed (onWorkerError 'resolve'). */
export function runJobs<M>(workers: readonly WorkerLike[], run: JobRun<M>): Promise<string | null> {
  const todo = run.jobs;
  if (!todo.length) return Promise.resolve(null);
  const inFlight = Math.max(1, run.inFlight ?? 1);
  return new Promise<string | null>((resolve, reject) => {
    const left = todo.slice(); // not handed out yet
    const take = (k: number): number => {
      const i = run.pick ? run.pick(k, left) : 0;
      if (!(Number.isInteger(i) && i >= 0 && i < left.length)) throw new Error(`runJobs: pick returned ${i} for ${left.length} jobs left`);
      return left.splice(i, 1)[0];
    };
    let remaining = todo.length;
    let finished = false;
    const answered = new Set<number>();
    const pending = new Set<number>(); // sent to a worker, not answered yet
    const finish = (err?: unknown, stopped: string | null = null) => {
      if (finished) return;
      finished = true;
      if (err !== undefined) reject(err);
      else resolve(stopped);
    };
    /** Records job id's answer; false when it was answered already. */
    const answer = (id: number, fn: () => void): boolean => {
      if (answered.has(id)) return false;
      answered.add(id);
      pending.delete(id);
      try {
        fn();
      } catch (e) {
        finish(e);
        return true;
      }
      if (--remaining === 0) finish();
      return true;
    };
    const counts = workers.map(() => 0);
    const feed = async (k: number) => {
      const w = workers[k];
      while (!finished && counts[k] < inFlight && left.length > 0) {
        let id: number;
        try { id = take(k); } catch (e) { finish(e); return; }
        counts[k]++;
        pending.add(id);
        try {
          await run.send(w, id);
        } catch (e) {
          counts[k]--;
          if (run.onSendError) answer(id, () => run.onSendError!(id, e));
          else finish(e);
        }
      }
    };
    workers.forEach((w, k) => {
      w.onMessage((msg: M) => {
        if (finished) return;
        const id = run.receive(msg);
        if (id instanceof Error) { finish(id); return; }
        counts[k]--;
        answer(id, () => run.onDone(id, msg));
        void feed(k);
      });
      w.onError((e) => {
        if (run.onWorkerError === 'resolve') finish(undefined, `worker failed: ${e.message}`);
        else finish(e);
      });
      void feed(k);
    });
    if (run.local) {
      const local = run.local;
      const tick = typeof setImmediate === 'function' ? (f: () => void) => setImmediate(f) : (f: () => void) => setTimeout(f, 0);
      const step = () => {
        if (finished) return;
        let id = -1;
        if (left.length > 0) id = left.shift()!;
        else for (const j of pending) { id = j; break; }
        if (id < 0) return;
        if (!answered.has(id)) {
          answered.add(id);
          pending.delete(id);
          try {
            local(id);
          } catch (e) {
            finish(e);
            return;
          }
          if (--remaining === 0) { finish(); return; }
        }
        tick(step);
      };
      tick(step);
    }
  });
}
