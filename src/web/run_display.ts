// What the page shows of its run, without the DOM (tested in Node:
// test/web/run_display.test.ts): the curves' records, the step, the last
// sample grid, the last diversity score and the verdicts over time, read with
// the CLI's collapse rule (src/train/collapse.ts) as they came. main.ts feeds
// it the training loop's reports and draws what it holds (ui/view.ts).
import { CollapseWatch, diversifiedAt } from '../train/collapse';
import { parseJsonl, type ProgressInfo } from '../train/loop';
import { loadLatestCheckpoint, stepOfDir } from '../train/checkpoint';
import type { RunStore } from '../train/store';
import { diversityState, scoredVerdicts, verdictStates, type VerdictPoint } from './ui/view';

export class RunDisplay {
  /** The curves: one record per step (losses, img/s, and the diversity scored at that step). */
  records: Record<string, number>[] = [];
  /** The last step trained (or the step of the checkpoint the page's run is at). */
  step = 0;
  /** The last fixed-z grid drawn, as a PNG (Save PNG). */
  grid: { step: number; png: Uint8Array } | null = null;
  /** The last diversity score. */
  diversity: Record<string, unknown> | null = null;
  /** The run's scored verdicts and how each was shown (warming-up, collapse, healthy ...). */
  verdicts: VerdictPoint[] = [];
  /** Seeded like the training loop's own CollapseWatch, fed every score. */
  private watch: CollapseWatch | null = null;
  /** A score taken before the step it belongs to is reported. */
  private pending: { step: number; d: Record<string, unknown> } | null = null;
  /** Whether the banner shows a collapse warning (cleared by the next score that is not collapsed). */
  private collapseShown = false;

  /** No score and no verdicts (a new run, Reset, a loaded checkpoint). */
  clearScores(): void {
    this.diversity = null;
    this.watch = null;
    this.verdicts = [];
  }

  /** A new run: no curves, step 0, no scores. */
  fresh(): void {
    this.records = [];
    this.step = 0;
    this.clearScores();
  }

  /** Reset: no run, so no curves, grid nor scores. */
  reset(): void {
    this.records = [];
    this.grid = null;
    this.clearScores();
  }

  /** A checkpoint became the page's run: its step and grid, no curves yet. */
  adopted(step: number, grid: { step: number; png: Uint8Array }): void {
    this.grid = grid;
    this.records = [];
    this.step = step;
    this.clearScores();
  }

  /** Keeps the curves up to `step` (a resume from the checkpoint there, or after a lost WebGL context). */
  truncate(step: number): void {
    this.records = this.records.filter((r) => r.step <= step);
  }

  /**
   * Seeds the collapse rule for a pass about to start, as runTraining seeds its
   * own: a resumed run's scored verdicts up to its checkpoint; a fresh run none.
   */
  seed(prior: readonly { step: number; verdict: string }[], collapseAfter: number): void {
    this.watch = new CollapseWatch([...prior], collapseAfter);
    this.verdicts = verdictStates(prior, collapseAfter);
  }

  /**
   * A pass of the run in `store` is about to start: a new run's clean slate,
   * or a resumed run's curves up to its checkpoint; the collapse rule seeded
   * as runTraining seeds its own (a resumed run's scored verdicts from
   * metrics.jsonl up to that checkpoint).
   */
  async starting(store: RunStore, resume: boolean, collapseAfter: number): Promise<void> {
    let prior: { step: number; verdict: string }[] = [];
    if (!resume) {
      this.fresh();
    } else {
      const ck = await loadLatestCheckpoint(store);
      const at = ck ? stepOfDir(ck.dir) : 0;
      this.truncate(at);
      if (ck && (await store.exists('metrics.jsonl'))) prior = scoredVerdicts(parseJsonl(await store.readText('metrics.jsonl')), at);
    }
    this.seed(prior, collapseAfter);
  }

  /** A progress report: the record the curves get (with the diversity scored at its step). */
  progress(p: Pick<ProgressInfo, 'step' | 'metrics' | 'imagesPerSec'> & { stepMs?: number }): Record<string, number> {
    this.step = p.step;
    const rec: Record<string, number> = { step: p.step };
    for (const [k, v] of Object.entries(p.metrics)) if (typeof v === 'number') rec[k] = v;
    rec.imagesPerSec = p.imagesPerSec;
    // the step's own time (trainStep alone): bench:page reads it through the page's test hook
    if (p.stepMs !== undefined) rec.stepMs = p.stepMs;
    if (this.pending?.step === p.step) for (const [k, v] of Object.entries(this.pending.d)) if (typeof v === 'number') rec[k] = v;
    this.pending = null;
    this.records.push(rec);
    return rec;
  }

  /**
   * A diversity score of the step being trained (the one after `step`): its
   * point on the verdict history. `clearBanner`: the collapse warning shown
   * was about an earlier score, and this one is not collapsed.
   */
  scored(d: Record<string, unknown> & { verdict: string }): VerdictPoint & { clearBanner: boolean } {
    const clearBanner = this.collapseShown && d.verdict !== 'collapsed';
    if (clearBanner) this.collapseShown = false;
    const step = this.step + 1;
    this.pending = { step, d };
    this.diversity = d;
    // the training loop's rule, on the same verdicts: "collapsed" before the samples ever diversified is the start
    const state = diversityState(d.verdict, this.watch ? this.watch.observe(d.verdict, step) : null);
    const point = { step, verdict: d.verdict, state };
    this.verdicts.push(point);
    return { ...point, clearBanner };
  }

  /** The banner for a warning of the training loop: a mode collapse in the page's words, any other as it is. */
  warning(m: string, collapseAfter: number): string {
    const collapse = /^mode collapse at step (\d+)/.exec(m);
    this.collapseShown = !!collapse;
    if (!collapse) return m;
    const had = diversifiedAt(this.verdicts);
    const how = had !== null ? `had diversified (step ${had}) and look alike again` : `still look alike at or after collapse-after ${collapseAfter}`;
    return `Mode collapse at step ${collapse[1]}: the fixed-z samples ${how} (see the diversity line; the numbers are in the log). Try another loss (wgan-gp, hinge), sn, d-dropout or a lower lr.`;
  }

  /**
   * A restored run's curves and verdicts up to its checkpoint at `upTo`, from
   * its metrics.jsonl records. Returns the last scored record and its state (null: none).
   */
  restored(metrics: readonly Record<string, unknown>[], upTo: number, collapseAfter: number): { step: number; record: Record<string, unknown>; state: string } | null {
    for (const m of metrics) {
      const rec: Record<string, number> = {};
      for (const [k, v] of Object.entries(m)) if (typeof v === 'number') rec[k] = v;
      if (typeof rec.step === 'number' && rec.step <= upTo) this.records.push(rec);
    }
    this.verdicts = verdictStates(scoredVerdicts(metrics, upTo), collapseAfter);
    const last = this.verdicts[this.verdicts.length - 1];
    if (!last) return null;
    return { step: last.step, record: metrics.find((r) => r.step === last.step)!, state: last.state };
  }
}
