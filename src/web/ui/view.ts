// Drawing the run on the page: the sample grid (canvas), the status line,
// the curves (the CLI's loss.svg code), the diversity line and its verdicts
// over time, the log.
import { tileGrid, type RgbImage } from '../../train/grid';
import { CollapseWatch } from '../../train/collapse';
import { lossPlotSvg } from '../../train/plot';
import type { ProgressInfo } from '../../train/loop';
import { outputLabels, formatSecPerStep, formatImagesPerSec } from '../../train/progress_text';
import type { LossName } from '../../gan/losses';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Draws a tiled RGB grid on the canvas (resized to fit it). */
export function drawGrid(canvas: HTMLCanvasElement, grid: RgbImage): void {
  canvas.width = grid.width;
  canvas.height = grid.height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(grid.width, grid.height);
  const d = img.data;
  for (let i = 0, j = 0; i < grid.data.length; i += 3, j += 4) {
    d[j] = grid.data[i];
    d[j + 1] = grid.data[i + 1];
    d[j + 2] = grid.data[i + 2];
    d[j + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

export function drawSamples(canvas: HTMLCanvasElement, images: Float32Array, n: number, size: number): void {
  drawGrid(canvas, tileGrid(images, n, size));
}

export function clearCanvas(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')!.clearRect(0, 0, canvas.width, canvas.height);
}

const f = (v: number | undefined, d = 4) => (v === undefined ? '—' : Number.isFinite(v) ? v.toFixed(d) : String(v));

export function fmtTime(sec: number): string {
  if (!Number.isFinite(sec)) return '—';
  if (sec < 90) return `${sec.toFixed(0)} s`;
  if (sec < 5400) return `${(sec / 60).toFixed(1)} min`;
  return `${(sec / 3600).toFixed(1)} h`;
}

/** The one-line status the e2e test reads (data-* attributes carry the raw numbers). */
export function showProgress(el: HTMLElement, p: ProgressInfo, backend: string, loss: LossName): void {
  const m = p.metrics;
  el.dataset.state = 'running';
  el.dataset.step = String(p.step);
  el.dataset.lossd = String(m.lossD);
  el.dataset.lossg = String(m.lossG);
  el.dataset.ips = String(p.imagesPerSec);
  const extra = m.wasserstein !== undefined ? ` · W ${f(m.wasserstein)}` : '';
  // The CLI's terms (src/train/progress_text.ts): critic(x) for the Wasserstein losses, s/step, generated img/s.
  const l = outputLabels(loss);
  el.textContent = `step ${p.step}/${p.total} · lossD ${f(m.lossD)} · lossG ${f(m.lossG)} · ${l.real} ${f(m.dReal, 3)} · ${l.fake} ${f(m.dFake, 3)}${extra} · ${formatSecPerStep(p.secPerStep)} · ${formatImagesPerSec(p.imagesPerSec)} · ETA ${fmtTime(p.etaSec)} · ${backend}`;
}

export function showState(el: HTMLElement, state: string, text: string): void {
  el.dataset.state = state;
  el.textContent = text;
}

let lastChart = 0;
/** Redraws the curves at most every 300 ms (force: now). */
export function drawCharts(el: HTMLElement, records: Record<string, number>[], force = false): void {
  const now = performance.now();
  if (!force && now - lastChart < 300) return;
  lastChart = now;
  el.innerHTML = records.length ? lossPlotSvg(records) : '';
}

export interface DiversityShown {
  verdict: string;
  msssim?: number;
  vendi?: number;
  vendi_norm?: number;
  vendi_msssim?: number | null;
  ref_msssim?: number | null;
  ref_vendi_msssim?: number | null;
  dup_rate?: number;
  reasons?: unknown;
}

/**
 * How the page shows a scored step: the metric's verdict read with the CLI's
 * collapse rule (src/train/collapse.ts, CollapseWatch.observe's answer).
 * "collapsed" before the samples ever diversified is where every fresh
 * generator starts: 'warming-up', not a collapse. "collapsed" after they had
 * diversified (or from --collapse-after on) is 'collapse'. Any other verdict
 * (healthy, suspicious, too-few-samples ...) is shown as it is.
 */
export function diversityState(verdict: string, seen: 'collapse' | 'initial' | null): string {
  if (seen === 'collapse') return 'collapse';
  if (seen === 'initial') return 'warming-up';
  return verdict;
}

export interface VerdictPoint {
  step: number;
  verdict: string;
  /** diversityState of the verdict at its step. */
  state: string;
}

/** Scored verdicts (in step order) with the state each had when it came: one CollapseWatch fed in order. */
export function verdictStates(scored: readonly { step: number; verdict: string }[], collapseAfter = 0): VerdictPoint[] {
  const watch = new CollapseWatch([], collapseAfter);
  return scored.map((r) => ({ ...r, state: diversityState(r.verdict, watch.observe(r.verdict, r.step)) }));
}

/** The (step, verdict) pairs a metrics.jsonl's records scored, up to step `upTo`. */
export function scoredVerdicts(records: readonly Record<string, unknown>[], upTo = Infinity): { step: number; verdict: string }[] {
  return records
    .filter((r) => typeof r.step === 'number' && typeof r.verdict === 'string' && r.step <= upTo)
    .map((r) => ({ step: r.step as number, verdict: r.verdict as string }));
}

const STATE_LABEL: Record<string, string> = { 'warming-up': 'warming up', collapse: 'MODE COLLAPSE', 'too-few-samples': 'too few samples' };
export const stateLabel = (state: string) => STATE_LABEL[state] ?? state;

/** Consecutive scored steps in the same state, as runs: the verdict over time. */
export function verdictRuns(points: readonly VerdictPoint[]): { state: string; from: number; to: number; count: number }[] {
  const runs: { state: string; from: number; to: number; count: number }[] = [];
  for (const p of points) {
    const last = runs[runs.length - 1];
    if (last && last.state === p.state) {
      last.to = p.step;
      last.count++;
    } else {
      runs.push({ state: p.state, from: p.step, to: p.step, count: 1 });
    }
  }
  return runs;
}

/** One line: "warming up (steps 2–10) → healthy (12–40) → MODE COLLAPSE (42)". */
export function verdictHistoryText(points: readonly VerdictPoint[]): string {
  return verdictRuns(points).map((r, i) => `${stateLabel(r.state)} (${i ? '' : r.from === r.to ? 'step ' : 'steps '}${r.from === r.to ? r.from : `${r.from}–${r.to}`})`).join(' → ');
}

/** The verdicts over time, one coloured chip per run of equal states (data-state as on the diversity line). */
export function showVerdictHistory(el: HTMLElement, points: readonly VerdictPoint[]): void {
  el.textContent = '';
  el.hidden = !points.length;
  if (!points.length) return;
  el.title = verdictHistoryText(points);
  el.append('over time: ');
  verdictRuns(points).forEach((r, i) => {
    if (i) el.append(' → ');
    const chip = document.createElement('span');
    chip.className = 'verdict-run';
    chip.dataset.state = r.state;
    chip.textContent = `${stateLabel(r.state)} ${r.from === r.to ? r.from : `${r.from}–${r.to}`}`;
    el.append(chip);
  });
}

export function showDiversity(el: HTMLElement, valueEl: HTMLElement, step: number, d: DiversityShown, state: string = d.verdict): void {
  el.dataset.verdict = d.verdict;
  el.dataset.state = state;
  el.dataset.msssim = String(d.msssim);
  el.dataset.vendi = String(d.vendi);
  el.dataset.step = String(step);
  const why = Array.isArray(d.reasons) && d.reasons.length ? ` — ${d.reasons.join('; ')}` : '';
  const real = (v: number | null | undefined, dg = 3) => (typeof v === 'number' ? ` (real images ${f(v, dg)})` : '');
  const vendi = typeof d.vendi_msssim === 'number'
    ? `Vendi (MS-SSIM) ${f(d.vendi_msssim, 1)}${real(d.ref_vendi_msssim, 1)}`
    : `Vendi ${f(d.vendi, 1)} (${f(d.vendi_norm, 2)} of n)`;
  const head = state === 'warming-up'
    ? 'warming up: the samples still show one mode, as every fresh generator does (not a collapse: a collapse is a loss of diversity the run had)'
    : state === 'collapse'
      ? `${d.verdict} (MODE COLLAPSE)`
      : stateLabel(state);
  // the metric's reasons explain a verdict; during warm-up they would read as a collapse diagnosis
  valueEl.textContent = `step ${step}: ${head} · mean MS-SSIM ${f(d.msssim, 3)}${real(d.ref_msssim)} (lower = more varied) · ${vendi} (higher = more varied) · near-duplicates ${f((d.dup_rate ?? 0) * 100, 1)}%${state === 'warming-up' ? '' : why}`;
}

export function logLine(el: HTMLElement, msg: string): void {
  const t = new Date().toLocaleTimeString();
  el.textContent += `[${t}] ${msg}\n`;
  el.scrollTop = el.scrollHeight;
}

export function banner(el: HTMLElement, msg: string | null, bad = false): void {
  el.hidden = !msg;
  el.textContent = msg ?? '';
  el.classList.toggle('bad', bad);
}
