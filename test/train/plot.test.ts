// loss.svg on long runs: no spread-argument limits, bounded size, spikes kept.
import { describe, it, expect } from 'vitest';
import { lineChartSvg, lossPlotSvg } from '../../src/train/plot';
import { diversityChartSvg, type RunResult } from '../../src/experiments/report';

/** Vertices of every <path d="M..L.."> in the chart. */
function vertices(svg: string): [number, number][][] {
  return [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => [...m[1].matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((v) => [Number(v[1]), Number(v[2])] as [number, number]));
}

describe('lineChartSvg on long series', () => {
  const N = 1_000_000;
  const spikeAt = 500_123;

  it('draws 1,000,000 points without throwing, in a size bounded by the width, and keeps a single spike', () => {
    const points: [number, number][] = new Array(N);
    for (let i = 0; i < N; i++) points[i] = [i + 1, 1 + 0.1 * Math.sin(i / 1000)];
    points[spikeAt] = [spikeAt + 1, 50];
    const width = 640, height = 280;
    const svg = lineChartSvg('Losses', [{ name: 'loss D', color: '#d62728', points }], width, height);
    // bounded by the pixel width: a few vertices per pixel column, ~15 bytes each
    expect(svg.length).toBeLessThan(30_000);
    const [path] = vertices(svg);
    expect(path.length).toBeGreaterThan(200);
    expect(path.length).toBeLessThanOrEqual(2 * width);
    // the y axis spans the spike: its top label says 50
    expect(svg).toContain('>50</text>');
    // the spike's y (the top of the plot area, t = 28) is a vertex, at the spike's x column
    const top = Math.min(...path.map((p) => p[1]));
    expect(top).toBeCloseTo(28, 0);
    const m = { l: 56, r: 12 };
    const spikeX = m.l + ((spikeAt + 1 - 1) / (N - 1)) * (width - m.l - m.r);
    const atTop = path.filter((p) => Math.abs(p[1] - 28) < 0.11);
    expect(atTop.length).toBeGreaterThan(0);
    for (const p of atTop) expect(Math.abs(p[0] - spikeX)).toBeLessThan(1.5);
    // and the low end of the data is drawn too (min per column): y of 0.9 near the bottom
    const bottom = Math.max(...path.map((p) => p[1]));
    const sy = (y: number) => height - 32 - ((y - 0.9) / (50 - 0.9)) * (height - 28 - 32);
    expect(bottom).toBeCloseTo(sy(0.9), 0);
    // x runs left to right without going backwards
    for (let i = 1; i < path.length; i++) expect(path[i][0]).toBeGreaterThanOrEqual(path[i - 1][0]);
  });

  it('a downward spike is kept as well', () => {
    const points: [number, number][] = Array.from({ length: 300_000 }, (_, i) => [i, 5]);
    points[123_457] = [123_457, -20];
    const [path] = vertices(lineChartSvg('x', [{ name: 'a', color: '#000', points }]));
    const low = path.filter((p) => Math.abs(p[1] - (280 - 32)) < 0.11);
    expect(low.length).toBeGreaterThan(0);
  });

  it('short series are drawn point by point, as before', () => {
    const pts: [number, number][] = [[1, 1], [2, 3], [3, 2], [4, 5]];
    const [path] = vertices(lineChartSvg('x', [{ name: 'a', color: '#000', points: pts }]));
    expect(path.length).toBe(4);
  });

  it('lossPlotSvg on 200,000 metrics records (a --log-every 1 run) does not throw', () => {
    const records = Array.from({ length: 200_000 }, (_, i) => ({ step: i + 1, lossD: 1 + Math.sin(i), lossG: 2, dReal: 0.6, dFake: 0.4 }));
    const svg = lossPlotSvg(records);
    expect(svg).toMatch(/^<svg/);
    expect(svg.length).toBeLessThan(200_000);
  });

  it('the study report chart takes 200,000 scored records', () => {
    const records = Array.from({ length: 200_000 }, (_, i) => ({ step: i + 1, msssim: 0.2, ref_msssim: 0.1, vendi_msssim: 3, ref_vendi_msssim: 5 }));
    const r = { spec: { name: 'a' }, records } as unknown as RunResult;
    const svg = diversityChartSvg([r]);
    expect(svg).toMatch(/^<svg/);
    // the grey reference line spans the steps 1..200,000
    const grey = [...svg.matchAll(/<path d="([^"]*)" fill="none" stroke="#999999"/g)].map((m) => m[1]);
    expect(grey).toHaveLength(2);
    expect(grey[0]).toMatch(/^M56\.0,[\d.]+L768\.0,[\d.]+$/);
  });
});

describe('loss.svg SWD panel', () => {
  const base = (step: number) => ({ step, lossD: 1, lossG: 2, dReal: 0.6, dFake: 0.4 });

  it('adds an "SWD x1e3" panel with the average and each level when records have swd', () => {
    const records = [base(1), { ...base(2), msssim: 0.4, vendi_norm: 0.5, swd: 80, swd32: 90, swd16: 70 }, base(3), { ...base(4), msssim: 0.3, vendi_norm: 0.6, swd: 40, swd32: 50, swd16: 30 }];
    const svg = lossPlotSvg(records);
    expect(svg).toContain('SWD x1e3');
    for (const name of ['SWD avg', 'SWD 32px', 'SWD 16px']) expect(svg).toContain(`>${name}</text>`);
    // four panels stacked: losses, D outputs, diversity, SWD
    expect(svg).toMatch(/height="1120"/);
    // the SWD panel's average path goes through (2, 80) and (4, 40): two vertices, falling
    const paths = vertices(svg);
    const avg = paths[paths.length - 3];
    expect(avg).toHaveLength(2);
    expect(avg[1][1]).toBeGreaterThan(avg[0][1]);
  });

  it('has no SWD panel without swd records', () => {
    const svg = lossPlotSvg([base(1), { ...base(2), msssim: 0.4, vendi_norm: 0.5 }]);
    expect(svg).not.toContain('SWD');
    expect(svg).toMatch(/height="840"/);
  });
});
