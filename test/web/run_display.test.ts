// What the page shows of its run (src/web/run_display.ts), without a browser:
// the curves' records, the verdicts read with the collapse rule, a resumed
// run's curves cut at its checkpoint, a restored run's curves and last score.
import { describe, expect, it } from 'vitest';
import { RunDisplay } from '../../src/web/run_display';
import { MemoryStore } from '../../src/train/store';
import { putCheckpoint } from '../../src/train/checkpoint';

const p = (step: number, lossD = 1) => ({ step, metrics: { lossD, lossG: 2 * lossD }, imagesPerSec: 10 * step });

describe('RunDisplay', () => {
  it('records each reported step, with the diversity scored during it', () => {
    const d = new RunDisplay();
    d.fresh();
    expect(d.progress(p(1, 0.5) as never)).toEqual({ step: 1, lossD: 0.5, lossG: 1, imagesPerSec: 10 });
    // a score is taken during step 2, before step 2 is reported
    const pt = d.scored({ verdict: 'healthy', msssim: 0.25, label: 'text is not a number' });
    expect(pt.step).toBe(2);
    expect(d.progress(p(2) as never)).toEqual({ step: 2, lossD: 1, lossG: 2, imagesPerSec: 20, msssim: 0.25 });
    // ... and only into that step's record
    expect(d.progress(p(3) as never)).not.toHaveProperty('msssim');
    // the step's own time, when the loop reports it (bench:page reads it from the records)
    expect(d.progress({ ...p(4), stepMs: 12.5 } as never)).toEqual({ step: 4, lossD: 1, lossG: 2, imagesPerSec: 40, stepMs: 12.5 });
    expect(d.records.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(d.step).toBe(4);
    expect(d.diversity).toMatchObject({ verdict: 'healthy' });
  });

  it('reads the verdicts with the collapse rule: collapsed before the samples diversified is warming up, after it a collapse', () => {
    const d = new RunDisplay();
    d.seed([], 0);
    const states: string[] = [];
    for (const [step, verdict] of [[2, 'collapsed'], [4, 'collapsed'], [6, 'healthy'], [8, 'suspicious'], [10, 'collapsed']] as const) {
      d.step = step - 1;
      states.push(d.scored({ verdict }).state);
    }
    expect(states).toEqual(['warming-up', 'warming-up', 'healthy', 'suspicious', 'collapse']);
    expect(d.verdicts.map((v) => [v.step, v.verdict, v.state])).toEqual([[2, 'collapsed', 'warming-up'], [4, 'collapsed', 'warming-up'], [6, 'healthy', 'healthy'], [8, 'suspicious', 'suspicious'], [10, 'collapsed', 'collapse']]);
    // collapse-after: collapsed at or after it is a collapse even if never diversified
    const late = new RunDisplay();
    late.seed([], 5);
    late.step = 3;
    expect(late.scored({ verdict: 'collapsed' }).state).toBe('warming-up');
    late.step = 5;
    expect(late.scored({ verdict: 'collapsed' }).state).toBe('collapse');
  });

  it('words a collapse warning and clears it at the next score that is not collapsed', () => {
    const d = new RunDisplay();
    d.seed([{ step: 2, verdict: 'healthy' }], 0);
    d.verdicts.push({ step: 2, verdict: 'healthy', state: 'healthy' });
    expect(d.warning('lr is high', 0)).toBe('lr is high');
    const text = d.warning('mode collapse at step 12: the samples look alike', 0);
    expect(text).toMatch(/^Mode collapse at step 12: the fixed-z samples had diversified \(step 2\) and look alike again/);
    d.step = 13;
    expect(d.scored({ verdict: 'collapsed' }).clearBanner).toBe(false);
    d.step = 15;
    expect(d.scored({ verdict: 'healthy' }).clearBanner).toBe(true);
    // once cleared, not again
    d.step = 17;
    expect(d.scored({ verdict: 'healthy' }).clearBanner).toBe(false);
    const never = new RunDisplay();
    never.seed([], 40);
    expect(never.warning('mode collapse at step 40', 40)).toMatch(/still look alike at or after collapse-after 40/);
  });

  it('a resumed pass keeps the curves up to its checkpoint and seeds the verdicts from metrics.jsonl; a fresh pass starts clean', async () => {
    const store = new MemoryStore('t:');
    await putCheckpoint(store, 'step-000004', { 'state.json': JSON.stringify({ step: 4, config: {} }) });
    const lines = [{ step: 2, lossD: 1, verdict: 'healthy' }, { step: 4, lossD: 1, verdict: 'collapsed' }, { step: 6, lossD: 1, verdict: 'healthy' }];
    await store.writeAtomic('metrics.jsonl', lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const d = new RunDisplay();
    for (let s = 1; s <= 6; s++) d.progress(p(s) as never);
    await d.starting(store, true, 0);
    expect(d.records.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    // step 6's verdict was after the checkpoint: not part of the resumed run; step 4's collapse came after step 2 diversified
    expect(d.verdicts).toEqual([{ step: 2, verdict: 'healthy', state: 'healthy' }, { step: 4, verdict: 'collapsed', state: 'collapse' }]);
    d.step = 4;
    expect(d.scored({ verdict: 'collapsed' }).state).toBe('collapse');
    await d.starting(store, false, 0);
    expect(d.records).toEqual([]);
    expect(d.step).toBe(0);
    expect(d.verdicts).toEqual([]);
    expect(d.diversity).toBeNull();
    d.step = 0;
    expect(d.scored({ verdict: 'collapsed' }).state).toBe('warming-up');
  });

  it('a restored run: its numeric curves up to the checkpoint and its last scored step', () => {
    const d = new RunDisplay();
    d.adopted(6, { step: 6, png: new Uint8Array([1]) });
    const metrics = [{ step: 1, lossD: 0.5, note: 'x' }, { step: 2, lossD: 0.4, verdict: 'collapsed', msssim: 0.9 }, { step: 4, lossD: 0.3, verdict: 'healthy', msssim: 0.2 }, { step: 8, lossD: 0.1, verdict: 'collapsed' }];
    const last = d.restored(metrics, 6, 0);
    expect(d.records).toEqual([{ step: 1, lossD: 0.5 }, { step: 2, lossD: 0.4, msssim: 0.9 }, { step: 4, lossD: 0.3, msssim: 0.2 }]);
    expect(d.verdicts.map((v) => v.state)).toEqual(['warming-up', 'healthy']);
    expect(last).toEqual({ step: 4, record: metrics[2], state: 'healthy' });
    expect(new RunDisplay().restored([{ step: 1, lossD: 1 }], 6, 0)).toBeNull();
    d.reset();
    expect([d.records, d.grid, d.verdicts]).toEqual([[], null, []]);
  });
});
