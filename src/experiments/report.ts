// report.md / report.html of a study: configuration table, final sample grid
// and curves per run, the diversity score of every run over training on one
// chart, final scores and verdicts, and a discussion generated from the numbers.
import { lineChartSvg, stackSvg, type Series } from '../train/plot';
import type { Plan, RunSpec } from './plan';

export interface RunResult {
  spec: RunSpec;
  dir: string;
  exitCode: number;
  config: Record<string, any> | null;
  summary: Record<string, any> | null;
  records: Record<string, any>[];
  /** Path of the last sample grid, relative to the study folder. */
  grid: string | null;
  seconds: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#d62728', '#2ca02c', '#9467bd', '#8c564b'];
const f = (v: unknown, d = 3) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(d)).toString() : '–');

export function finalScores(r: RunResult): Record<string, any> | null {
  const scored = r.records.filter((x) => typeof x.verdict === 'string');
  return scored.length ? scored[scored.length - 1] : null;
}

export function firstCollapse(r: RunResult): number | null {
  const hit = r.records.find((x) => x.verdict === 'collapsed');
  return hit ? hit.step : null;
}

export function diversityChartSvg(results: RunResult[]): string {
  const series = (key: string): Series[] =>
    results.map((r, i) => ({ name: r.spec.name, color: COLORS[i % COLORS.length], points: r.records.filter((x) => typeof x[key] === 'number').map((x) => [x.step, x[key]] as [number, number]) }));
  return stackSvg([lineChartSvg('Mean MS-SSIM of the fixed-z samples (higher = less diverse)', series('msssim'), 640, 280), lineChartSvg('Vendi score / n (1 = all distinct, 1/n = one image)', series('vendi_norm'), 640, 280)]);
}

export function discussion(results: RunResult[]): string[] {
  const out: string[] = [];
  const by = (role: string) => results.filter((r) => r.spec.role === role);
  const fin = (r: RunResult) => finalScores(r);
  for (const r of results.filter((x) => x.exitCode !== 0)) out.push(`Run ${r.spec.name} failed (exit code ${r.exitCode}); its numbers are missing or partial.`);
  const collapsedRuns = results.filter((r) => fin(r)?.verdict === 'collapsed' || firstCollapse(r) !== null);
  if (collapsedRuns.length === 0) out.push('No run was judged collapsed by the diversity score at any scored step.');
  for (const r of collapsedRuns) {
    const at = firstCollapse(r);
    out.push(`${r.spec.name} (${r.spec.title}) was judged collapsed${at !== null ? ` first at step ${at}` : ''}; its final verdict is ${fin(r)?.verdict ?? 'unknown'} (mean MS-SSIM ${f(fin(r)?.msssim)}, Vendi/n ${f(fin(r)?.vendi_norm)}).`);
  }
  const target = by('collapse')[0];
  if (target) {
    const t = fin(target);
    if (t && t.verdict !== 'collapsed' && firstCollapse(target) === null) {
      out.push(`The setting meant to collapse (${target.spec.title}) did not collapse at this scale (final verdict ${t.verdict}, mean MS-SSIM ${f(t.msssim)}): a longer run (--scale full) or a larger clip is needed here.`);
    }
    for (const m of [...by('mitigation'), ...by('wgan')]) {
      const s = fin(m);
      if (!t || !s) continue;
      const d = s.msssim - t.msssim;
      const better = d < 0;
      out.push(
        `${m.spec.name} vs ${target.spec.name}: mean MS-SSIM ${f(s.msssim)} vs ${f(t.msssim)} (${better ? 'more diverse' : 'not more diverse'}, ${f(Math.abs(d))} ${better ? 'lower' : 'higher or equal'}; ${t.msssim > 0 ? `${f((100 * Math.abs(d)) / t.msssim, 1)}%` : ''}), Vendi/n ${f(s.vendi_norm)} vs ${f(t.vendi_norm)}, verdict ${s.verdict} vs ${t.verdict}.`,
      );
    }
  }
  const base = by('baseline')[0];
  if (base && fin(base)) out.push(`The DCGAN baseline ends ${fin(base)!.verdict} (mean MS-SSIM ${f(fin(base)!.msssim)}; the real images score ${f(fin(base)!.ref_msssim)}).`);
  return out;
}

export function reportMarkdown(plan: Plan, results: RunResult[], totalSeconds: number): string {
  const L: string[] = [];
  L.push(`# GAN course experiments (${plan.scale})`, '');
  L.push(`Scale: ${plan.note}. Total time ${(totalSeconds / 60).toFixed(1)} min. Every run is a normal run directory; re-running the same command skips finished runs and resumes a partial one.`, '');
  L.push('## Runs and configurations', '');
  L.push('| run | what | loss | opt | lr G / D | clip | gp | n-critic | D dropout | size | ngf/ndf | batch | steps | status | time |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const c = r.config ?? {};
    L.push(`| ${r.spec.name} | ${r.spec.title} | ${c.loss ?? '–'}${c.sn ? '+sn' : ''} | ${c.opt ?? '–'} | ${c.lr ?? '–'} / ${c.lrD ?? '–'} | ${c.clip ?? '–'} | ${c.gp ?? '–'} | ${c.nCritic ?? '–'} | ${c.dDropout ?? '–'} | ${c.size ?? '–'} | ${c.ngf ?? '–'}/${c.ndf ?? '–'} | ${c.batch ?? '–'} | ${r.summary?.step ?? '–'}/${c.totalSteps ?? '–'} | ${r.summary?.status ?? `exit ${r.exitCode}`} | ${(r.seconds / 60).toFixed(1)} min |`);
  }
  L.push('', '## Final scores', '');
  L.push('| run | verdict | mean MS-SSIM | MS-SSIM std | Vendi | Vendi / n | duplicate rate | NDB/K | real images MS-SSIM | first "collapsed" step |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const s = finalScores(r) ?? {};
    L.push(`| ${r.spec.name} | ${s.verdict ?? '–'} | ${f(s.msssim)} | ${f(s.msssim_std)} | ${f(s.vendi, 2)} | ${f(s.vendi_norm)} | ${f(s.dup_rate)} | ${f(s.ndb_k)} | ${f(s.ref_msssim)} | ${firstCollapse(r) ?? '–'} |`);
  }
  L.push('', '## Discussion', '', ...discussion(results).map((x) => `- ${x}`), '');
  L.push('## Diversity over training', '', '![diversity over training](diversity.svg)', '');
  L.push('## Samples and curves', '');
  for (const r of results) {
    L.push(`### ${r.spec.name}: ${r.spec.title}`, '');
    L.push(r.grid ? `![${r.spec.name} samples](${r.grid})` : '(no sample grid)', '');
    L.push(`Curves: [${r.spec.name}/loss.svg](${r.spec.name}/loss.svg)`, '');
  }
  return L.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** A plain HTML rendering of the markdown report (tables, lists, headings, images, links). */
export function markdownToHtml(md: string, title: string): string {
  const out: string[] = [];
  const lines = md.split('\n');
  const inline = (s: string) =>
    esc(s)
      .replace(/!\[([^\]]*)\]\(([^)]+)\)/g, '<img alt="$1" src="$2">')
      .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) rows.push(lines[i++].split('|').slice(1, -1).map((c) => c.trim()));
      i--;
      const body = rows.filter((r) => !r.every((c) => /^-+$/.test(c)));
      out.push('<table>' + body.map((r, k) => `<tr>${r.map((c) => (k === 0 ? `<th>${inline(c)}</th>` : `<td>${inline(c)}</td>`)).join('')}</tr>`).join('') + '</table>');
    } else if (/^#{1,3} /.test(l)) {
      const n = l.indexOf(' ');
      out.push(`<h${n}>${inline(l.slice(n + 1))}</h${n}>`);
    } else if (l.startsWith('- ')) out.push(`<li>${inline(l.slice(2))}</li>`);
    else if (l.trim()) out.push(`<p>${inline(l)}</p>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}img{max-width:100%}</style></head><body>${out.join('\n')}</body></html>\n`;
}
