// report.md / report.html of a study: configuration table, final sample grid
// and curves per run, the diversity score of every run over training on one
// chart, final scores and verdicts, and a discussion generated from the numbers.
import { lineChartSvg, stackSvg, type Series } from '../train/plot';
import type { Plan, RunSpec } from './plan';
import { collapseOnset, diversifiedAt } from '../train/collapse';

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

/** First "collapsed" verdict after the samples had diversified (src/train/collapse.ts). */
export function firstCollapse(r: RunResult): number | null {
  return collapseOnset(r.records as { step: number; verdict?: unknown }[]);
}

export function firstDiversified(r: RunResult): number | null {
  return diversifiedAt(r.records as { step: number; verdict?: unknown }[]);
}

const RANK: Record<string, number> = { healthy: 0, suspicious: 1, collapsed: 2 };

export function diversityChartSvg(results: RunResult[]): string {
  const series = (key: string, refKey: string): Series[] => {
    const out: Series[] = results.map((r, i) => ({ name: r.spec.name, color: COLORS[i % COLORS.length], points: r.records.filter((x) => typeof x[key] === 'number').map((x) => [x.step, x[key]] as [number, number]) }));
    // the held-out real images' own score, as a flat grey line over the longest run
    const steps = results.flatMap((r) => r.records.filter((x) => typeof x[refKey] === 'number'));
    if (steps.length) {
      const ref = steps[0][refKey] as number;
      // a loop, not Math.min(...steps): a spread throws past ~125k records
      let lo = Infinity, hi = -Infinity;
      for (const x of steps) { if (x.step < lo) lo = x.step; if (x.step > hi) hi = x.step; }
      out.push({ name: 'real images', color: '#999999', points: [[lo, ref], [hi, ref]] });
    }
    return out;
  };
  const charts = [
    lineChartSvg('Mean MS-SSIM of the fixed-z samples (higher = less diverse)', series('msssim', 'ref_msssim'), 780, 280),
    lineChartSvg('MS-SSIM Vendi: effective number of distinct samples (higher = more diverse)', series('vendi_msssim', 'ref_vendi_msssim'), 780, 280),
  ];
  if (results.some((r) => r.records.some((x) => typeof x.swd === 'number'))) charts.push(lineChartSvg('SWD x1e3 to the held-out real images, average of the levels (lower = closer to real)', series('swd', ''), 780, 280));
  return stackSvg(charts, 780, 280);
}

/** The SWD levels (sides, finest first) that any run logged, e.g. [32, 16]. */
export function swdLevelsOf(results: RunResult[]): number[] {
  const levels = new Set<number>();
  for (const r of results) for (const x of r.records) for (const k of Object.keys(x)) if (/^swd\d+$/.test(k) && typeof x[k] === 'number') levels.add(Number(k.slice(3)));
  return [...levels].sort((a, b) => b - a);
}

export function discussion(results: RunResult[]): string[] {
  const out: string[] = [];
  const by = (role: string) => results.filter((r) => r.spec.role === role);
  const fin = (r: RunResult) => finalScores(r);
  const scores = (x: Record<string, any> | null) => `mean MS-SSIM ${f(x?.msssim)}, MS-SSIM Vendi ${f(x?.vendi_msssim, 1)}, duplicate rate ${f(x?.dup_rate, 2)}`;
  for (const r of results.filter((x) => x.exitCode !== 0)) out.push(`Run ${r.spec.name} failed (exit code ${r.exitCode}); its numbers are missing or partial.`);
  for (const r of results) {
    const s = fin(r);
    if (!s) continue;
    const div = firstDiversified(r), at = firstCollapse(r);
    if (div === null && s.verdict === 'collapsed') out.push(`${r.spec.name} was judged collapsed at every scored step: its samples never diversified (final: ${scores(s)}).`);
    else if (at !== null) out.push(`${r.spec.name} diversified by step ${div} and then collapsed: the score first said "collapsed" at step ${at}; final verdict ${s.verdict} (${scores(s)}).`);
  }
  if (!results.some((r) => fin(r)?.verdict === 'collapsed' || firstCollapse(r) !== null)) out.push('No run was judged collapsed by the diversity score after its samples had diversified, and none ends collapsed.');
  const target = by('collapse')[0];
  for (const p of by('probe')) {
    const s = fin(p);
    if (!s) continue;
    const collapsed = s.verdict === 'collapsed' || firstCollapse(p) !== null;
    out.push(`${p.spec.name}, the course reports' way to collapse a model, ${collapsed ? 'collapsed here too' : `did not collapse at this scale: it ends ${s.verdict}`} (${scores(s)})${!collapsed && target ? `; the study collapses ${target.spec.name} instead` : ''}.`);
  }
  const t = target ? fin(target) : null;
  if (target && t) {
    if (t.verdict === 'collapsed') out.push(`The setting meant to collapse (${target.spec.title}) collapsed, and the score says so: final verdict collapsed (${scores(t)}; the real images: mean MS-SSIM ${f(t.ref_msssim)}, MS-SSIM Vendi ${f(t.ref_vendi_msssim, 1)}).`);
    else out.push(`The setting meant to collapse (${target.spec.title}) did not collapse at this scale (final verdict ${t.verdict}, ${scores(t)}): a longer run (--scale full) or a harsher setting is needed here.`);
    for (const m of by('mitigation')) {
      const s = fin(m);
      if (!s) continue;
      const d = s.msssim - t.msssim;
      const healthier = RANK[s.verdict] < RANK[t.verdict] || (RANK[s.verdict] === RANK[t.verdict] && d < 0);
      out.push(
        `${m.spec.name} vs ${target.spec.name}: ${healthier ? 'healthier' : 'not healthier'} — verdict ${s.verdict} vs ${t.verdict}; mean MS-SSIM ${f(s.msssim)} vs ${f(t.msssim)} (${d < 0 ? `${f(-d)} lower, ${t.msssim > 0 ? f((100 * -d) / t.msssim, 1) : '–'}% less self-similar` : `${f(d)} higher or equal`}); MS-SSIM Vendi ${f(s.vendi_msssim, 1)} vs ${f(t.vendi_msssim, 1)}; duplicate rate ${f(s.dup_rate, 2)} vs ${f(t.dup_rate, 2)}.`,
      );
    }
  }
  for (const r of [...by('baseline'), ...by('wgan')]) {
    const s = fin(r);
    if (s) out.push(`${r.spec.name} (${r.spec.title}) ends ${s.verdict} (${scores(s)}; the real images score ${f(s.ref_msssim)} mean MS-SSIM).`);
  }
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
  L.push('At the last scored step, against the same number of held-out real images. A run "collapses" when its verdict turns collapsed after its samples had diversified (every generator starts as one blob).', '');
  const levels = swdLevelsOf(results);
  if (levels.length) L.push(`SWD: sliced Wasserstein distance x1e3 to the held-out real images (lower = closer to real), the average of the levels and per level (${levels.map((l) => `${l} px`).join(', ')}).`, '');
  const swdHead = levels.length ? ` SWD x1e3 avg (${levels.join(' / ')} px) |` : '';
  L.push(`| run | verdict | mean MS-SSIM | MS-SSIM std | MS-SSIM Vendi | Vendi (cosine) | duplicate rate | NDB/K | real: MS-SSIM / MS-SSIM Vendi |${swdHead} diversified at | collapsed at |`, `|---|---|---|---|---|---|---|---|---|${levels.length ? '---|' : ''}---|---|`);
  for (const r of results) {
    const s = finalScores(r) ?? {};
    const div = firstDiversified(r);
    const swd = levels.length ? ` ${f(s.swd, 1)}${typeof s.swd === 'number' ? ` (${levels.map((l) => f(s[`swd${l}`], 1)).join(' / ')})` : ''} |` : '';
    L.push(`| ${r.spec.name} | ${s.verdict ?? '–'} | ${f(s.msssim)} | ${f(s.msssim_std)} | ${f(s.vendi_msssim, 1)} | ${f(s.vendi, 2)} | ${f(s.dup_rate, 2)} | ${f(s.ndb_k, 2)} | ${f(s.ref_msssim)} / ${f(s.ref_vendi_msssim, 1)} |${swd} ${div ?? (s.verdict ? 'never' : '–')} | ${firstCollapse(r) ?? '–'} |`);
  }
  L.push('', '## Discussion', '', ...discussion(results).map((x) => `- ${x}`), '');
  L.push('## Diversity over training', '', levels.length ? 'Mean MS-SSIM, MS-SSIM Vendi and SWD (sample quality) of every run at each scored step.' : '', '![diversity over training](diversity.svg)', '');
  L.push('## Samples and curves', '');
  for (const r of results) {
    L.push(`### ${r.spec.name}: ${r.spec.title}`, '');
    L.push(r.grid ? `![${r.spec.name} samples](${r.grid})` : '(no sample grid)', '');
    L.push(`![${r.spec.name} loss curves](${r.spec.name}/loss.svg)`, '');
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
