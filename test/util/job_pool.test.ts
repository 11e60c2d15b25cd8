// The shared job pool (src/util/job_pool.ts) on fake in-process workers:
// every job answered once, the in-flight limit, the calling thread stealing
// work, fatal replies, failing workers and failing sends.
import { describe, expect, it } from 'vitest';
import { runJobs, type WorkerLike } from '../../src/util/job_pool';

interface Fake extends WorkerLike { held: number; maxHeld: number; got: number[]; fail(e: Error): void }

/** A worker answering each job after `delay` ms with { id, value: id * 10 } (or what `answer` says). */
function fake(delay: number, answer: (id: number) => unknown = (id) => ({ id, value: id * 10 })): Fake {
  let onMsg: (m: any) => void = () => {};
  let onErr: (e: Error) => void = () => {};
  let dead = false;
  const f: Fake = {
    held: 0, maxHeld: 0, got: [],
    postMessage(m: any) {
      if (dead) return;
      f.got.push(m.id);
      f.held++;
      f.maxHeld = Math.max(f.maxHeld, f.held);
      setTimeout(() => { if (dead) return; f.held--; onMsg(answer(m.id)); }, delay);
    },
    onMessage(cb) { onMsg = cb; },
    onError(cb) { onErr = cb; },
    terminate() { dead = true; },
    fail(e) { onErr(e); },
  };
  return f;
}

type Reply = { id: number; value?: number; error?: string };
const base = (jobs: number[], out: Map<number, number>) => ({
  jobs,
  send: (w: WorkerLike, id: number) => w.postMessage({ id }),
  receive: (m: Reply) => (m.error ? new Error(m.error) : m.id),
  onDone: (id: number, m: Reply | null) => {
    expect(out.has(id)).toBe(false); // once per job
    out.set(id, m!.value!);
  },
});

describe('runJobs', () => {
  it('answers every job once, over all workers, never more in flight per worker than asked', async () => {
    const ws = [fake(2), fake(3), fake(1)];
    const out = new Map<number, number>();
    const jobs = Array.from({ length: 40 }, (_, i) => i * 2);
    expect(await runJobs(ws, { ...base(jobs, out), inFlight: 3 })).toBeNull();
    expect([...out.keys()].sort((a, b) => a - b)).toEqual(jobs);
    for (const id of jobs) expect(out.get(id)).toBe(id * 10);
    for (const w of ws) expect(w.maxHeld).toBeLessThanOrEqual(3);
    expect(ws.every((w) => w.got.length > 0)).toBe(true);
    expect(await runJobs(ws, base([], new Map()))).toBeNull();
  });

  it('the calling thread takes jobs too, and redoes ones a slow worker holds: first answer wins', async () => {
    const slow = fake(200);
    const out = new Map<number, number>();
    const local: number[] = [];
    const t0 = Date.now();
    const r = await runJobs([slow], {
      ...base([0, 1, 2, 3, 4, 5], out), inFlight: 2,
      local: (id) => { local.push(id); out.set(id, -id); },
    });
    expect(r).toBeNull();
    expect(Date.now() - t0).toBeLessThan(150); // did not wait for the slow worker
    expect(out.size).toBe(6);
    expect(local.length).toBe(6); // every job, the two the worker held included
    expect(slow.got).toEqual([0, 1]);
  });

  it('a fatal reply rejects; an exception in onDone rejects', async () => {
    await expect(runJobs([fake(1, (id) => (id === 3 ? { id, error: 'msssim_pairs failed with code -2' } : { id, value: 1 }))], base([1, 2, 3, 4], new Map())))
      .rejects.toThrow('msssim_pairs failed with code -2');
    await expect(runJobs([fake(1)], { ...base([1, 2], new Map()), onDone: () => { throw new Error('strict: bad.png'); } }))
      .rejects.toThrow('strict: bad.png');
  });

  it('a failing worker rejects, or resolves early with the reason leaving the rest to the caller', async () => {
    const w1 = fake(5);
    const p = runJobs([w1], base([1, 2, 3], new Map()));
    w1.fail(new Error('boom'));
    await expect(p).rejects.toThrow('boom');
    const w2 = fake(1000);
    const out = new Map<number, number>();
    const q = runJobs([w2], { ...base([1, 2, 3], out), onWorkerError: 'resolve' });
    w2.fail(new Error('exited with code 1'));
    expect(await q).toBe('worker failed: exited with code 1');
    expect(out.size).toBe(0);
  });

  it('a send that throws answers its job through onSendError (or rejects without one)', async () => {
    const out = new Map<number, number>();
    const errs: number[] = [];
    const r = await runJobs([fake(1)], {
      ...base([1, 2, 3], out),
      send: async (w, id) => { if (id === 2) throw new Error('unreadable'); w.postMessage({ id }); },
      onSendError: (id) => errs.push(id),
    });
    expect(r).toBeNull();
    expect(errs).toEqual([2]);
    expect([...out.keys()].sort()).toEqual([1, 3]);
    await expect(runJobs([fake(1)], { ...base([1], new Map()), send: () => { throw new Error('no'); } })).rejects.toThrow('no');
  });

  it('pick chooses which job a worker gets next (here: each worker its own parity); a bad index rejects', async () => {
    const ws = [fake(2), fake(3)], out = new Map<number, number>();
    const jobs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    await runJobs(ws, { ...base(jobs, out), pick: (k, left) => Math.max(0, left.findIndex((id) => id % 2 === k)) });
    expect([...out.keys()].sort((x, y) => x - y)).toEqual(jobs);
    // each worker took its own parity while there was one left, then the other's
    for (const [k, w] of ws.entries()) {
      const own = w.got.filter((id) => id % 2 === k).length;
      expect(w.got.slice(0, own).every((id) => id % 2 === k)).toBe(true);
    }
    expect(ws[0].got.length + ws[1].got.length).toBe(10);
    await expect(runJobs([fake(1)], { ...base([1, 2], new Map()), pick: () => 5 })).rejects.toThrow(/pick returned 5 for 2 jobs/);
  });
});
