// Drawing the run on the page: the sample grid (canvas), the status line,
// the curves (the CLI's loss.svg code), the diversity line, the log.
import { tileGrid, type RgbImage } from '../../train/grid';
import { lossPlotSvg } from '../../train/plot';
import type { ProgressInfo } from '../../train/loop';

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
export function showProgress(el: HTMLElement, p: ProgressInfo, backend: string): void {
  const m = p.metrics;
  el.dataset.state = 'running';
  el.dataset.step = String(p.step);
  el.dataset.lossd = String(m.lossD);
  el.dataset.lossg = String(m.lossG);
  el.dataset.ips = String(p.imagesPerSec);
  const extra = m.wasserstein !== undefined ? ` · W ${f(m.wasserstein)}` : '';
  el.textContent = `step ${p.step}/${p.total} · lossD ${f(m.lossD)} · lossG ${f(m.lossG)} · D(x) ${f(m.dReal, 3)} · D(G(z)) ${f(m.dFake, 3)}${extra} · ${p.imagesPerSec.toFixed(1)} img/s · ETA ${fmtTime(p.etaSec)} · ${backend}`;
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

export function showDiversity(el: HTMLElement, valueEl: HTMLElement, step: number, d: DiversityShown): void {
  el.dataset.verdict = d.verdict;
  el.dataset.msssim = String(d.msssim);
  el.dataset.vendi = String(d.vendi);
  el.dataset.step = String(step);
  const why = Array.isArray(d.reasons) && d.reasons.length ? ` — ${d.reasons.join('; ')}` : '';
  const real = (v: number | null | undefined, dg = 3) => (typeof v === 'number' ? ` (real images ${f(v, dg)})` : '');
  const vendi = typeof d.vendi_msssim === 'number'
    ? `Vendi (MS-SSIM) ${f(d.vendi_msssim, 1)}${real(d.ref_vendi_msssim, 1)}`
    : `Vendi ${f(d.vendi, 1)} (${f(d.vendi_norm, 2)} of n)`;
  valueEl.textContent = `step ${step}: ${d.verdict}${d.verdict === 'collapsed' ? ' (MODE COLLAPSE)' : ''} · mean MS-SSIM ${f(d.msssim, 3)}${real(d.ref_msssim)} (lower = more varied) · ${vendi} (higher = more varied) · near-duplicates ${f((d.dup_rate ?? 0) * 100, 1)}%${why}`;
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
