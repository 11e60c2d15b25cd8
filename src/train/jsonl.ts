// metrics.jsonl: one JSON record per line, appended as training goes.

/** The records of a metrics.jsonl text (blank and torn lines dropped). */
export function parseJsonl(text: string): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A torn last line (killed mid-append) is dropped, never half-read.
    }
  }
  return out;
}

/** The records of `text` up to `step`, as metrics.jsonl text (later ones would be replayed twice on resume). */
export function jsonlUpTo(text: string, step: number): string {
  return parseJsonl(text).filter((r) => r.step <= step).map((r) => JSON.stringify(r) + '\n').join('');
}
