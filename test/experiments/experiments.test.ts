// The study driver at tiny scale: every run, every report section, every image it references.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { planFor } from '../../src/experiments/plan';
import { discussion, firstCollapse, reportMarkdown, diversityChartSvg, swdLevelsOf, type RunResult } from '../../src/experiments/report';

const root = resolve(__dirname, '../..');

function makeData(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'gf-exp-data-'));
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(36 * 36 * 3);
    for (let j = 0; j < data.length; j++) data[j] = (i * 53 + j * 7) & 255;
    writeFileSync(join(dir, `im${i}.png`), encode({ width: 36, height: 36, data, channels: 3 }));
  }
  return dir;
}

describe('experiments.js', () => {
  it('runs the tiny study and writes a complete report; a second call skips finished runs', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gf-exp-')), 'study');
    const args = [join(root, 'scripts/experiments.js'), '--scale', 'tiny', '--out', out, '--train-args', `--backend cpu --data ${makeData(24)} --batch 8 --ngf 4 --ndf 4 --z-dim 8`];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 170_000 });
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.status).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const h of ['## Runs and configurations', '## Final scores', '## Discussion', '## Diversity over training', '## Samples and curves']) expect(md).toContain(h);
    for (const run of planFor('tiny').runs) {
      expect(md).toContain(`| ${run.name} |`);
      expect(existsSync(join(out, run.name, 'config.json'))).toBe(true);
    }
    for (const m of md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) expect(existsSync(join(out, m[1])), m[1]).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<table>');
    expect(readFileSync(join(out, 'diversity.svg'), 'utf8')).toMatch(/^<svg/);
    // SWD is scored with the diversity: a column of the final scores and a chart over training
    expect(md).toMatch(/\| SWD x1e3 avg \(32 \/ 16 px\) \|/);
    expect(md).toMatch(/\| \d+(\.\d)? \(\d+(\.\d)? \/ \d+(\.\d)?\) \|/);
    expect(readFileSync(join(out, 'diversity.svg'), 'utf8')).toContain('SWD x1e3 to the held-out real images');
    const again = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
    expect(again.status).toBe(0);
    expect(again.stdout.match(/already done, skipped/g)).toHaveLength(planFor('tiny').runs.length);
  }, 240_000);

  it('a bad --scale is a one-line error, exit 2', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts/experiments.js'), '--scale', 'huge'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^experiments: error: --scale must be quick, full or tiny/);
  });
});

describe('the generated discussion', () => {
  const spec = (name: string, role: any) => ({ name, title: name, role, args: [] });
  const rec = (step: number, verdict: string, msssim: number) => ({ step, verdict, msssim, vendi_norm: 1 - msssim });
  const res = (name: string, role: any, records: any[]): RunResult => ({ spec: spec(name, role), dir: name, exitCode: 0, config: null, summary: null, records, grid: null, seconds: 1 });

  it('names the collapsed run, when it collapsed, and how much the mitigation helped', () => {
    const collapse = res('clip0.1', 'collapse', [rec(10, 'collapsed', 0.95), rec(20, 'healthy', 0.3), rec(30, 'collapsed', 0.8), rec(40, 'collapsed', 0.9)]);
    const fix = res('gp', 'mitigation', [rec(10, 'collapsed', 0.95), rec(20, 'healthy', 0.3), rec(40, 'healthy', 0.3)]);
    expect(firstCollapse(collapse)).toBe(30);
    expect(firstCollapse(fix)).toBeNull();
    const text = discussion([collapse, fix]).join('\n');
    expect(text).toMatch(/clip0.1 diversified by step 20 and then collapsed: the score first said "collapsed" at step 30; final verdict collapsed/);
    expect(text).toMatch(/The setting meant to collapse \(clip0.1\) collapsed, and the score says so/);
    expect(text).toMatch(/gp vs clip0.1: healthier — verdict healthy vs collapsed; mean MS-SSIM 0.3 vs 0.9 \(0.6 lower, 66.7% less self-similar\)/);
  });

  it('the final-scores table has an SWD column (average and per level) and diversity.svg an SWD-over-training chart', () => {
    const swdRec = (step: number, swd: number) => ({ ...rec(step, 'healthy', 0.3), swd, swd32: swd + 10, swd16: swd - 10 });
    const a = res('base', 'baseline', [swdRec(10, 120), swdRec(20, 60.25)]);
    const b = res('ema', 'mitigation', [swdRec(10, 110), swdRec(20, 40)]);
    expect(swdLevelsOf([a, b])).toEqual([32, 16]);
    const plan = { scale: 'tiny', common: [], runs: [a.spec, b.spec], note: 'test' } as any;
    const md = reportMarkdown(plan, [a, b], 60);
    const head = md.split('\n').find((l) => l.startsWith('| run | verdict'))!;
    expect(head).toContain('| SWD x1e3 avg (32 / 16 px) |');
    const cols = head.split('|').length;
    // the last scored step's values, in the column under the header
    const row = md.split('\n').find((l) => l.startsWith('| base | healthy'))!;
    expect(row.split('|').length).toBe(cols);
    expect(row).toContain('| 60.3 (70.3 / 50.3) |');
    expect(md.split('\n').find((l) => l.startsWith('| ema | healthy'))).toContain('| 40 (50 / 30) |');
    const svg = diversityChartSvg([a, b]);
    expect(svg).toContain('SWD x1e3 to the held-out real images');
    // one path per run in the SWD chart
    expect(svg.split('SWD x1e3 to the held-out real images')[1].match(/<path /g)!.length).toBe(2);
    // records without SWD (older studies): no column, no chart
    const old = res('old', 'baseline', [rec(10, 'healthy', 0.3)]);
    expect(reportMarkdown(plan, [old], 60)).not.toContain('SWD');
    expect(diversityChartSvg([old])).not.toContain('SWD');
  });

  it('a run that never left the start state is said to be so, not "collapsed at step 10"', () => {
    const stuck = res('stuck', 'collapse', [rec(10, 'collapsed', 0.95), rec(20, 'collapsed', 0.9)]);
    expect(firstCollapse(stuck)).toBeNull();
    const text = discussion([stuck]).join('\n');
    expect(text).toMatch(/stuck was judged collapsed at every scored step: its samples never diversified/);
    expect(text).not.toMatch(/first said "collapsed"/);
  });

  it('says so when the run meant to collapse did not, and when a mitigation is not healthier', () => {
    const text = discussion([res('clip0.1', 'collapse', [rec(10, 'healthy', 0.3)]), res('fix', 'mitigation', [rec(10, 'suspicious', 0.4)])]).join('\n');
    expect(text).toMatch(/No run was judged collapsed/);
    expect(text).toMatch(/did not collapse at this scale/);
    expect(text).toMatch(/fix vs clip0.1: not healthier/);
  });
});
