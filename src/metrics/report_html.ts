// A self-contained HTML report: the scores, the verdict, and the closest
// pairs side by side as embedded PNG data URLs (fast-png, pure JS).
import { encode } from 'fast-png';
import type { DiversityReport } from './diversity';
import type { SampleSet } from './samples';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function base64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

/** Sample i of s as a PNG data URL. */
export function sampleDataUrl(s: SampleSet, i: number): string {
  const sz = s.height * s.width * 3;
  const out = new Uint8Array(sz);
  for (let t = 0; t < sz; t++) {
    const v = s.data[i * sz + t];
    out[t] = s.data instanceof Uint8Array ? v : Math.max(0, Math.min(255, Math.round(v * 255)));
  }
  return `data:image/png;base64,${base64(encode({ width: s.width, height: s.height, data: out, channels: 3, depth: 8 }))}`;
}

const f = (v: number | null | undefined, d = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

export function renderReportHtml(r: DiversityReport, samples: SampleSet, title = 'Diversity report', maxPairs = 16): string {
  const rows: [string, string, string][] = [
    ['samples', String(r.n), r.ref ? String(r.ref.n) : ''],
    ['mean MS-SSIM (higher = less diverse)', `${f(r.msssim.mean)} ± ${f(r.msssim.std)}`, r.ref ? `${f(r.ref.msssim.mean)} ± ${f(r.ref.msssim.std)}` : ''],
    ['MS-SSIM pairs', String(r.msssim.pairs), r.ref ? String(r.ref.msssim.pairs) : ''],
    ['Vendi (cosine, 32x32 pixels)', f(r.vendi, 2), r.ref ? f(r.ref.vendi, 2) : ''],
    ['Vendi (MS-SSIM kernel)', f(r.vendi_msssim, 2), r.ref ? f(r.ref.vendi_msssim, 2) : ''],
    ['near-duplicate rate', `${f(r.duplicates.rate * 100, 1)}%`, r.ref ? `${f(r.ref.duplicates.rate * 100, 1)}%` : ''],
    ['NN distance median (RMS)', f(r.nn.median, 4), r.ref ? f(r.ref.nn.median, 4) : ''],
    ['support estimate (birthday)', r.support.estimate === null ? `> ${Math.round(r.support.lower_bound)}` : String(Math.round(r.support.estimate)), ''],
  ];
  if (r.swd) rows.push([`SWD ×1e3 to the reference (${r.swd.resolutions.join('/')} px)`, `${r.swd.per_level.map((v) => f(v, 1)).join(' / ')}, avg ${f(r.swd.avg, 1)}`, '']);
  if (r.ndb) rows.push([`NDB/K (K=${r.ndb.k})`, `${f(r.ndb.ndb_k)} (${r.ndb.different} bins)`, ''], ['JS divergence of bins', f(r.ndb.js, 4), '']);
  const pairs = r.duplicates.pairs.slice(0, maxPairs).map(([i, j, d]) =>
    `<figure><img src="${sampleDataUrl(samples, i)}"><img src="${sampleDataUrl(samples, j)}"><figcaption>#${i} – #${j}: ${f(d, 4)}${d < r.duplicates.threshold ? ' (duplicate)' : ''}</figcaption></figure>`).join('\n');
  const colour = r.verdict === 'collapsed' ? '#c0392b' : r.verdict === 'suspicious' ? '#d68910' : r.verdict === 'too-few-samples' ? '#7f8c8d' : '#1e8449';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}
.verdict{font-size:1.6em;font-weight:bold;color:${colour}}figure{display:inline-block;margin:.4em;text-align:center}figure img{width:96px;height:96px;image-rendering:pixelated;margin:1px}figcaption{font-size:12px}
</style></head><body><h1>${esc(title)}</h1>
<p class="verdict">${esc(r.verdict)}</p><ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('') || '<li>no threshold crossed</li>'}</ul>
<table><tr><th>score</th><th>samples</th><th>reference</th></tr>${rows.map(([a, b, c]) => `<tr><td>${esc(a)}</td><td>${esc(b)}</td><td>${esc(c)}</td></tr>`).join('')}</table>
<h2>Closest pairs (threshold ${f(r.duplicates.threshold, 4)}, ${esc(r.duplicates.threshold_source)})</h2>${pairs}
<h2>Notes</h2><ul>${r.notes.map((x) => `<li>${esc(x)}</li>`).join('')}</ul><p>${f(r.seconds, 1)} s</p></body></html>`;
}
