// loss.svg: the run's curves drawn from metrics.jsonl, one panel per series
// group, no dependencies (an SVG line chart is a few dozen lines; a plotting
// library would add megabytes to the browser bundle for this one picture).

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** [min, max] of one coordinate over the finite points, by a loop (a spread into Math.min/max throws past ~125k values). */
function extent(series: Series[], k: 0 | 1): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) continue;
      const v = p[k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * The vertices to draw for `good` (finite points). Up to 2 points per pixel
 * column everything is drawn; longer series keep, per pixel column, the
 * lowest and the highest point (in their order), so the path is bounded by the
 * width, not the run's length, and a one-step spike stays a vertex at its y.
 */
function downsample(good: [number, number][], sx: (x: number) => number, left: number, columns: number): [number, number][] {
  if (good.length <= 2 * columns) return good;
  let pts = good;
  for (let i = 1; i < pts.length; i++) {
    if (pts[i][0] < pts[i - 1][0]) { pts = good.slice().sort((a, b) => a[0] - b[0]); break; }
  }
  const out: [number, number][] = [];
  const col = (x: number) => Math.min(columns - 1, Math.max(0, Math.floor(sx(x) - left)));
  let start = 0;
  while (start < pts.length) {
    const c = col(pts[start][0]);
    let end = start + 1, iMin = start, iMax = start;
    for (; end < pts.length && col(pts[end][0]) === c; end++) {
      if (pts[end][1] < pts[iMin][1]) iMin = end;
      if (pts[end][1] > pts[iMax][1]) iMax = end;
    }
    out.push(pts[Math.min(iMin, iMax)]);
    if (iMin !== iMax) out.push(pts[Math.max(iMin, iMax)]);
    start = end;
  }
  return out;
}

/** One chart: x = step, several y series, with axes and a legend. */
export function lineChartSvg(title: string, series: Series[], width = 640, height = 280): string {
  const m = { l: 56, r: 12, t: 28, b: 32 };
  let [x0, x1] = extent(series, 0) ?? [0, 1];
  let [y0, y1] = extent(series, 1) ?? [0, 1];
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (width - m.l - m.r);
  const sy = (y: number) => height - m.b - ((y - y0) / (y1 - y0)) * (height - m.t - m.b);
  const out: string[] = [];
  out.push(`<g><text x="${m.l}" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`);
  out.push(`<rect x="${m.l}" y="${m.t}" width="${width - m.l - m.r}" height="${height - m.t - m.b}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    out.push(`<line x1="${m.l}" x2="${width - m.r}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/><text x="${m.l - 4}" y="${sy(y) + 4}" font-size="10" text-anchor="end">${fmt(y)}</text>`);
    const x = x0 + ((x1 - x0) * i) / 4;
    out.push(`<text x="${sx(x)}" y="${height - m.b + 14}" font-size="10" text-anchor="middle">${fmt(Math.round(x))}</text>`);
  }
  out.push(`<text x="${(width + m.l) / 2}" y="${height - 4}" font-size="10" text-anchor="middle">step</text>`);
  const columns = Math.max(1, Math.round(width - m.l - m.r));
  series.forEach((s, i) => {
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (good.length) {
      const d = downsample(good, sx, m.l, columns).map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.2"/>`);
    }
    out.push(`<rect x="${m.l + 8 + i * 110}" y="${m.t + 6}" width="10" height="3" fill="${s.color}"/><text x="${m.l + 22 + i * 110}" y="${m.t + 11}" font-size="10">${esc(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('');
}

/** Stacks charts vertically into one standalone SVG document. */
export function stackSvg(charts: string[], width = 640, height = 280): string {
  const body = charts.map((c, i) => `<g transform="translate(0,${i * height})">${c}</g>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height * charts.length}" viewBox="0 0 ${width} ${height * charts.length}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${body}</svg>\n`;
}

/** The run's loss.svg from its metrics records. */
export function lossPlotSvg(records: Record<string, number>[]): string {
  const s = (key: string, name: string, color: string): Series => ({ name, color, points: records.filter((r) => typeof r[key] === 'number').map((r) => [r.step, r[key]]) });
  const charts = [lineChartSvg('Losses', [s('lossD', 'loss D', '#d62728'), s('lossG', 'loss G', '#1f77b4')]), lineChartSvg('Discriminator outputs', [s('dReal', 'D(x)', '#2ca02c'), s('dFake', 'D(G(z))', '#ff7f0e')])];
  if (records.some((r) => typeof r.wasserstein === 'number')) charts.push(lineChartSvg('Wasserstein estimate / GP', [s('wasserstein', 'W estimate', '#9467bd'), s('gp', 'GP term', '#8c564b')]));
  if (records.some((r) => typeof r.msssim === 'number')) charts.push(lineChartSvg('Diversity (fixed z)', [s('msssim', 'mean MS-SSIM', '#17becf'), s('vendi_norm', 'Vendi / n', '#bcbd22')]));
  if (records.some((r) => typeof r.swd === 'number')) charts.push(lineChartSvg('SWD x1e3 to held-out reals (lower = closer)', swdSeries(records)));
  return stackSvg(charts);
}

const SWD_COLORS = ['#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The SWD panel's series: the average, then each level (swd64, swd32, swd16: finest first). */
export function swdSeries(records: Record<string, number>[]): Series[] {
  const levels = new Set<number>();
  for (const r of records) for (const k of Object.keys(r)) if (/^swd\d+$/.test(k) && typeof r[k] === 'number') levels.add(Number(k.slice(3)));
  const pts = (key: string): [number, number][] => records.filter((r) => typeof r[key] === 'number').map((r) => [r.step, r[key]]);
  return [
    { name: 'SWD avg', color: '#000000', points: pts('swd') },
    ...[...levels].sort((a, b) => b - a).map((l, i) => ({ name: `SWD ${l}px`, color: SWD_COLORS[i % SWD_COLORS.length], points: pts(`swd${l}`) })),
  ];
}
