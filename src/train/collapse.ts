// When does a run count as collapsed? A freshly initialised generator draws
// one blob for every z, which the diversity verdict rightly calls
// "collapsed". That is where every run starts, not a mode collapse. A run
// collapses when its samples had diversified (a verdict other than
// "collapsed" at some scored step) and then lose it again. The training loop
// warns, and --stop-on-collapse acts, only on that; the experiment report
// states the onset the same way.

interface Scored {
  step: number;
  verdict?: unknown;
}

// "too-few-samples" (fewer than 16 samples) judges nothing: neither diversified nor collapsed.
const scored = (records: readonly Scored[]) => records.filter((r) => typeof r.verdict === 'string' && r.verdict !== 'too-few-samples');

/** Step of the first scored verdict other than "collapsed", or null if the samples never diversified. */
export function diversifiedAt(records: readonly Scored[]): number | null {
  const hit = scored(records).find((r) => r.verdict !== 'collapsed');
  return hit ? hit.step : null;
}

/** Step of the first "collapsed" verdict after the samples had diversified, or null. */
export function collapseOnset(records: readonly Scored[]): number | null {
  let diversified = false;
  for (const r of scored(records)) {
    if (r.verdict !== 'collapsed') diversified = true;
    else if (diversified) return r.step;
  }
  return null;
}

/**
 * The same rule, fed one verdict at a time (seeded with a resumed run's
 * records). With `after` > 0, a "collapsed" verdict at or after that step is a
 * collapse even if the samples never diversified (--collapse-after).
 */
export class CollapseWatch {
  private diversified: boolean;
  constructor(previous: readonly Scored[] = [], private readonly after = 0) {
    this.diversified = diversifiedAt(previous) !== null;
  }
  /**
   * 'collapse': "collapsed" after the samples had diversified (a real mode
   * collapse), or at/after `after`; 'initial': "collapsed" before either (the
   * start state); null: not collapsed.
   */
  observe(verdict: string, step = 0): 'collapse' | 'initial' | null {
    if (verdict === 'too-few-samples') return null;
    if (verdict !== 'collapsed') {
      this.diversified = true;
      return null;
    }
    return this.diversified || (this.after > 0 && step >= this.after) ? 'collapse' : 'initial';
  }
}
