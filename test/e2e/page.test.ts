// The browser page in a real Chromium (Debian's, SwiftShader for WebGL),
// served by scripts/serve.js: trains on webgl and on wasm, pauses, survives a
// lost WebGL context, and exchanges checkpoints with the CLI in both
// directions (generator output compared with the Node cpu backend).
// Needs `npm run build` (dist/web, dist/node); skips with a notice when no
// Chromium is installed, except under CI=1.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore pngjs ships no types
import { PNG } from 'pngjs';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { tf } from '../../src/tf';
import { GanTrainer } from '../../src/train/trainer';
import { restoreCheckpoint, type CheckpointFiles } from '../../src/train/checkpoint';
import { DEFAULTS, savedLayers, type TrainConfig } from '../../src/train/config';
import { Rng } from '../../src/util/rng';
import { importCheckpoint, readStateDict } from '../../src/bridge/run';

const root = join(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const OUT = join(root, 'test-output/e2e');
const ARGS = [
  '--headless', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-sandbox',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];
// Small and fast under SwiftShader; diversity scored every 2 steps on 16 samples.
const SMALL = 'size=32&ngf=8&ndf=8&z-dim=16&batch=8&faces=64&steps=400&sample-every=1&diversity-every=2&diversity-samples=16&checkpoint-every=2';

if (!haveChromium) {
  if (process.env.CI) throw new Error(`e2e: ${CHROMIUM} not found, and CI is set: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  console.warn(`NOTICE test/e2e/page.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

interface PageState { phase: string; step: number; errors: string[]; backend: { name: string; webglVersion?: number } | null }

function pngOf(w: number, h: number, f: (x: number, y: number, c: number) => number): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) png.data[(y * w + x) * 4 + c] = c === 3 ? 255 : f(x, y, c);
  return PNG.sync.write(png);
}

function filesOf(dir: string): CheckpointFiles {
  const out: CheckpointFiles = {};
  for (const n of readdirSync(dir)) out[n] = new Uint8Array(readFileSync(join(dir, n)));
  return out;
}

/** Generator output on the cpu backend for a checkpoint's files. */
async function nodeGenerate(files: CheckpointFiles, z: Float32Array): Promise<Float32Array> {
  const raw = files['state.json'];
  const state = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
  // a state.json without `layers` is a run from before the PyTorch bridge: tfjs 'same' padding
  const cfg = { ...DEFAULTS, ...state.config, layers: savedLayers(state.config) } as TrainConfig;
  await tf.setBackend('cpu');
  const tr = new GanTrainer(cfg);
  try {
    await restoreCheckpoint(tr, files);
    return tr.generate(z);
  } finally {
    tr.dispose();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.skipIf(!haveChromium)('browser page (Chromium + SwiftShader)', () => {
  let browser: Browser;
  let server: { close(): void };
  let url = '';
  let tmp = '';
  let ckDir = '';
  let runDir = '';
  let dataDir = '';
  const consoleErrors: string[] = [];
  const z = new Rng(7).fillNormal(new Float32Array(4 * 16));

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/web/index.html')) || !existsSync(join(root, 'dist/node/index.js'))) {
      const b = spawnSync(process.execPath, [join(root, 'scripts/build-js.js')], { cwd: root, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`build-js failed: ${b.stderr}`);
    }
    mkdirSync(OUT, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'ganforge-e2e-'));
    // A CLI run on a folder of generated PNGs: its checkpoint is loaded by the page.
    const data = (dataDir = join(tmp, 'data'));
    mkdirSync(data);
    for (let i = 0; i < 8; i++) writeFileSync(join(data, `img-${i}.png`), pngOf(40, 40, (x, y, c) => (x * (3 + i) + y * (5 + c) * (i + 1)) & 255));
    const run = join(tmp, 'run');
    const r = spawnSync(process.execPath, [join(root, 'scripts/train.js'), '--backend', 'cpu', '--size', '32', '--ngf', '8', '--ndf', '8', '--z-dim', '16', '--steps', '2', '--batch', '4', '--data', data, '--out', run], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`scripts/train.js failed (${r.status}): ${r.stderr}\n${r.stdout}`);
    runDir = run;
    ckDir = join(run, 'checkpoints/step-000002');
    expect(existsSync(join(ckDir, 'state.json'))).toBe(true);

    const { serve } = await import('../../scripts/serve.js' as string);
    const s = await serve({ port: 0, quiet: true });
    server = s.server;
    url = s.url;
    const { chromium } = await import('playwright-core');
    // Playwright gives every launch a fresh, temporary user-data-dir.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS.filter((a) => a !== '--headless'), headless: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function open(query: string): Promise<Page> {
    const page = await browser.newPage({ acceptDownloads: true });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    await page.goto(`${url}?${query}`);
    return page;
  }

  const state = (page: Page) => page.evaluate(() => {
    const g = (window as any).ganforge;
    return { phase: g.phase, step: g.step, errors: g.errors, backend: g.backend } as PageState;
  });

  async function waitSteps(page: Page, n: number): Promise<void> {
    await page.waitForFunction((k) => (window as any).ganforge.step >= k || (window as any).ganforge.errors.length > 0, n, { timeout: 120_000, polling: 250 });
    expect((await state(page)).errors).toEqual([]);
  }

  async function pause(page: Page): Promise<void> {
    await page.click('#pause');
    await page.waitForFunction(() => ['paused', 'finished'].includes((window as any).ganforge.phase), null, { timeout: 60_000 });
  }

  /** Training shows finite losses, a drawn sample grid and a diversity score. */
  async function checkTraining(page: Page, backend: string): Promise<void> {
    await waitSteps(page, 3);
    const s = await state(page);
    expect(s.backend?.name).toBe(backend);
    const status = await page.$eval('#status', (el) => ({ ...(el as HTMLElement).dataset, text: el.textContent }) as Record<string, string | undefined>);
    expect(Number(status.step)).toBeGreaterThanOrEqual(3);
    expect(Number.isFinite(Number(status.lossd))).toBe(true);
    expect(Number.isFinite(Number(status.lossg))).toBe(true);
    expect(status.text).toMatch(/lossD \d/);
    expect(status.text).toMatch(/img\/s/);
    // The 8x8 grid of 32x32 samples with a 2-pixel border, drawn from the generator.
    const grid = await page.$eval('#samples', (c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      const seen = new Set<number>();
      let sum = 0;
      let sq = 0;
      let n = 0;
      for (let ty = 0; ty < 8; ty++) for (let tx = 0; tx < 8; tx++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
        const i = ((2 + ty * 34 + y) * cv.width + 2 + tx * 34 + x) * 4;
        for (let c2 = 0; c2 < 3; c2++) {
          seen.add(d[i + c2]);
          sum += d[i + c2];
          sq += d[i + c2] * d[i + c2];
          n++;
        }
      }
      return { w: cv.width, h: cv.height, alpha: d[((2 * cv.width) + 2) * 4 + 3], distinct: seen.size, mean: sum / n, std: Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2)) };
    });
    expect(grid.w).toBe(8 * 32 + 9 * 2);
    expect(grid.h).toBe(grid.w);
    // Drawn (opaque), not the white border colour nor black; an early generator is near-uniform grey, so only some variation.
    expect(grid.alpha).toBe(255);
    expect(grid.mean).toBeGreaterThan(5);
    expect(grid.mean).toBeLessThan(250);
    expect(grid.distinct).toBeGreaterThan(1);
    expect(grid.std).toBeGreaterThan(0);
    await page.waitForFunction(() => !!document.getElementById('diversity')!.dataset.verdict, null, { timeout: 60_000 });
    const div = await page.$eval('#diversity', (el) => ({ ...(el as HTMLElement).dataset, text: el.textContent }) as Record<string, string | undefined>);
    expect(['healthy', 'suspicious', 'collapsed']).toContain(div.verdict);
    expect(Number(div.msssim)).toBeGreaterThanOrEqual(0);
    expect(Number(div.msssim)).toBeLessThanOrEqual(1);
    expect(div.text).toMatch(/MS-SSIM \d/);
    const charts = await page.$$eval('#charts svg path', (p) => p.length);
    expect(charts).toBeGreaterThan(0);
  }

  /** Loads the CLI's checkpoint and compares the page's generator output with Node's (cpu). */
  async function checkCliCheckpoint(page: Page): Promise<void> {
    const names = readdirSync(ckDir).map((n) => join(ckDir, n));
    await page.setInputFiles('#load-ckpt', names);
    await page.waitForFunction(() => /loaded checkpoint step-000002/.test(document.getElementById('status')!.textContent ?? '') || (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    expect((await state(page)).errors).toEqual([]);
    const web = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    const node = await nodeGenerate(filesOf(ckDir), z);
    expect(web.length).toBe(4 * 32 * 32 * 3);
    expect(maxDiff(web, node)).toBeLessThan(1e-3);
  }

  it('trains on webgl, loads a CLI checkpoint (same samples as Node), survives a lost WebGL context by resuming on wasm, then goes back to webgl without a reload', async () => {
    const page = await open(`${SMALL}&backend=webgl&autostart=1`);
    await checkTraining(page, 'webgl');
    // SwiftShader has WebGL 2 with EXT_color_buffer_float: the page prefers it, as tfjs does
    expect((await state(page)).backend?.webglVersion).toBe(2);
    expect(await page.$eval('#env', (el) => el.textContent)).toMatch(/backend webgl · WebGL 2 · /);
    await page.screenshot({ path: join(OUT, 'webgl-training.png'), fullPage: true });
    await pause(page);
    expect((await state(page)).phase).toBe('paused');

    await checkCliCheckpoint(page);
    expect((await state(page)).backend?.name).toBe('webgl');

    // Continue the CLI run here, then lose the context mid-run.
    await page.fill('#f-steps', '400');
    await page.click('#resume');
    await waitSteps(page, 6);
    expect(await page.evaluate(() => (window as any).ganforge.loseContext())).toBe(true);
    await page.waitForFunction(() => (window as any).ganforge.phase === 'paused', null, { timeout: 60_000 });
    const banner = await page.$eval('#banner', (el) => el.textContent ?? '');
    expect(banner).toMatch(/WebGL context was lost/);
    expect(await page.$eval('#f-backend', (el) => (el as HTMLSelectElement).value)).toBe('wasm');
    const at = (await state(page)).step;
    await page.click('#resume');
    await page.waitForFunction(() => (window as any).ganforge.backend?.name === 'wasm' && (window as any).ganforge.phase === 'running', null, { timeout: 60_000 });
    await waitSteps(page, at + 2);
    await page.screenshot({ path: join(OUT, 'webgl-lost-resumed-on-wasm.png'), fullPage: true });
    await pause(page);
    expect((await state(page)).errors).toEqual([]);

    // Back to webgl without a reload: a new context on a fresh canvas, the run goes on from its checkpoint.
    const onWasm = (await state(page)).step;
    await page.selectOption('#f-backend', 'webgl');
    await page.click('#resume');
    await page.waitForFunction(() => (window as any).ganforge.backend?.name === 'webgl' && (window as any).ganforge.phase === 'running', null, { timeout: 60_000 });
    await waitSteps(page, onWasm + 2);
    expect((await state(page)).backend?.webglVersion).toBe(2);
    await pause(page);
    const after = await state(page);
    expect(after.errors).toEqual([]);
    expect(after.step).toBeGreaterThanOrEqual(onWasm + 2);
    expect(await page.$eval('#status', (el) => (el as HTMLElement).dataset.lossd)).toMatch(/^-?\d/);
    // the new context computes what Node's cpu backend computes
    await checkCliCheckpoint(page);
    expect((await state(page)).backend?.name).toBe('webgl');
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('?webgl=1 trains on WebGL 1 and gives the same samples as Node; a bad ?webgl is named', async () => {
    const page = await open(`${SMALL}&backend=webgl&webgl=1&autostart=1`);
    await checkTraining(page, 'webgl');
    expect((await state(page)).backend?.webglVersion).toBe(1);
    expect(await page.$eval('#env', (el) => el.textContent)).toMatch(/backend webgl · WebGL 1 · /);
    await pause(page);
    await checkCliCheckpoint(page);
    await page.close();
    const bad = await open(`${SMALL}&webgl=3`);
    await bad.waitForFunction(() => (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    expect((await state(bad)).errors.join('\n')).toMatch(/\?webgl must be 1 or 2, got "3"/);
    await bad.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('--augment in the form: an unknown name gets the CLI message; color,translation,cutout (DiffAugment) trains on webgl', async () => {
    const bad = await open(`${SMALL}&backend=webgl`);
    await bad.fill('#f-augment', 'blur');
    await bad.click('#train');
    await bad.waitForFunction(() => (window as any).ganforge.errors.length > 0, null, { timeout: 10_000 });
    expect(await bad.$eval('#form-error', (el) => el.textContent)).toBe("augment: unknown augmentation 'blur' (expected color, translation, cutout)");
    expect((await state(bad)).phase).toBe('idle');
    await bad.evaluate(() => (window as any).ganforge.errors.splice(0));
    await bad.close();
    const page = await open(`${SMALL}&backend=webgl&augment=color,translation,cutout&autostart=1`);
    expect(await page.$eval('#f-augment', (el) => (el as HTMLInputElement).value)).toBe('color,translation,cutout');
    await checkTraining(page, 'webgl');
    await pause(page);
    expect((await state(page)).errors).toEqual([]);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('trains on wasm, saves a checkpoint zip that Node restores to the same samples, rejects a different architecture', async () => {
    const page = await open(`${SMALL}&backend=wasm&autostart=1`);
    await checkTraining(page, 'wasm');
    await page.screenshot({ path: join(OUT, 'wasm-training.png'), fullPage: true });
    await pause(page);

    // Browser -> Node: the saved .zip restores in Node to the same generator.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#save-ckpt')]);
    expect(dl.suggestedFilename()).toMatch(/^ganforge-run-step-\d{6}\.zip$/);
    const zipPath = join(tmp, dl.suggestedFilename());
    await dl.saveAs(zipPath);
    const entries = unzipSync(new Uint8Array(readFileSync(zipPath)));
    const files: CheckpointFiles = {};
    for (const [p, d] of Object.entries(entries)) if (/\/checkpoints\/step-\d+\//.test(p)) files[p.split('/').pop()!] = d;
    expect(Object.keys(files).sort()).toEqual(['discriminator.json', 'discriminator.weights.bin', 'generator-ema.json', 'generator-ema.weights.bin', 'generator.json', 'generator.weights.bin', 'optimizer-d.json', 'optimizer-d.weights.bin', 'optimizer-g.json', 'optimizer-g.weights.bin', 'state.json']);
    const web = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    expect(maxDiff(web, await nodeGenerate(files, z))).toBeLessThan(1e-3);

    // ... and the unzipped run directory continues with the CLI (on the same built-in faces, made by Node).
    const runRoot = join(tmp, 'from-browser');
    for (const [p, d] of Object.entries(entries)) {
      mkdirSync(join(runRoot, p, '..'), { recursive: true });
      writeFileSync(join(runRoot, p), d);
    }
    const runDir = join(runRoot, dl.suggestedFilename().replace(/\.zip$/, ''));
    const step = JSON.parse(new TextDecoder().decode(files['state.json'] as Uint8Array)).step as number;
    const cli = spawnSync(process.execPath, [join(root, 'scripts/train.js'), '--resume', runDir, '--steps', String(step + 1), '--backend', 'cpu'], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, GANFORGE_CACHE: join(tmp, 'cache') } });
    expect(cli.status, `${cli.stderr}\n${cli.stdout}`).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`resumed from checkpoints/step-0*${step} \\(step ${step}\\)`));
    expect(existsSync(join(runDir, `checkpoints/step-${String(step + 1).padStart(6, '0')}/state.json`))).toBe(true);

    // Node -> browser on wasm.
    await checkCliCheckpoint(page);

    // A checkpoint from before `layers` (none in state.json): loaded with its tfjs 'same' padding, as Node draws it.
    const old = join(tmp, 'old');
    mkdirSync(old, { recursive: true });
    for (const n of readdirSync(ckDir)) writeFileSync(join(old, n), readFileSync(join(ckDir, n)));
    const ost = JSON.parse(readFileSync(join(ckDir, 'state.json'), 'utf8'));
    delete ost.config.layers;
    writeFileSync(join(old, 'state.json'), JSON.stringify(ost));
    await page.setInputFiles('#load-ckpt', readdirSync(old).map((n) => join(old, n)));
    await page.waitForFunction(() => /loaded checkpoint .*legacy tfjs 'same' padding/.test(document.getElementById('status')!.textContent ?? '') || (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    expect((await state(page)).errors).toEqual([]);
    const oldWeb = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    const oldNode = await nodeGenerate(filesOf(old), z);
    const sameDiff = maxDiff(oldWeb, oldNode);
    expect(sameDiff).toBeLessThan(1e-3);
    // the same weights under PyTorch's padding draw other images (the early generator's are faint,
    // so the shift shows as a small difference, but far above the backends' rounding): the page did not use them
    const torchDiff = maxDiff(oldWeb, await nodeGenerate(filesOf(ckDir), z));
    expect(torchDiff).toBeGreaterThan(20 * sameDiff + 1e-4);

    // Files of another architecture (state.json says ngf 16): a clear message, the loaded run is kept.
    const bad = join(tmp, 'bad');
    mkdirSync(bad, { recursive: true });
    for (const n of readdirSync(ckDir)) writeFileSync(join(bad, n), readFileSync(join(ckDir, n)));
    const st = JSON.parse(readFileSync(join(ckDir, 'state.json'), 'utf8'));
    st.config.ngf = 16;
    writeFileSync(join(bad, 'state.json'), JSON.stringify(st));
    await page.setInputFiles('#load-ckpt', readdirSync(bad).map((n) => join(bad, n)));
    await page.waitForFunction(() => (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    const errs = (await state(page)).errors;
    expect(errs.join('\n')).toMatch(/different architecture/);
    expect(await page.$eval('#banner', (el) => el.textContent ?? '')).toMatch(/different architecture/);
    expect((await state(page)).phase).toBe('paused');
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('loads a PyTorch .pth pair (our exporter\'s torch.save zips of the CLI run) and draws what Node draws from the imported run', async () => {
    // G (its moving average, the weights the run samples with) and D of the CLI run as the course seed's
    // state_dicts, written by scripts/export.js --format pth
    const pth: string[] = [];
    for (const net of ['g', 'd']) {
      const out = join(tmp, `${net}.pth`);
      const r = spawnSync(process.execPath, [join(root, 'scripts/export.js'), runDir, '--format', 'pth', '--net', net, ...(net === 'g' ? ['--ema'] : []), '--out', out], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`scripts/export.js failed (${r.status}): ${r.stderr}\n${r.stdout}`);
      pth.push(out);
    }
    const page = await open(`${SMALL}`);
    await page.waitForFunction(() => (window as any).ganforge.ready, null, { timeout: 60_000 });
    await page.setInputFiles('#load-ckpt', pth);
    await page.waitForFunction(() => /loaded checkpoint imported g\.pth \+ d\.pth/.test(document.getElementById('status')!.textContent ?? '') || (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    expect((await state(page)).errors).toEqual([]);
    expect((await state(page)).phase).toBe('paused');
    const cfg = await page.evaluate(() => (window as any).ganforge.config);
    expect([cfg.size, cfg.ngf, cfg.ndf, cfg.zDim]).toEqual([32, 8, 8, 16]);
    // the page's run is the imported one: Resume is offered, and its fixed-z grid is drawn
    expect(await page.$eval('#resume', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
    expect(await page.$eval('#samples-caption', (el) => el.textContent)).toMatch(/at step \d+ \(loaded checkpoint\)/);
    const web = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    // Node: the same two files through the same importer, on the cpu backend
    await tf.setBackend('cpu');
    const imported = await importCheckpoint({ inputs: pth.map((f) => ({ file: f.split('/').pop()!, sd: readStateDict(new Uint8Array(readFileSync(f)), f) })) });
    imported.trainer.dispose();
    const node = await nodeGenerate(imported.files, z);
    expect(web.length).toBe(4 * 32 * 32 * 3);
    expect(maxDiff(web, node)).toBeLessThan(1e-3);
    // ... and the import kept the CLI run's (averaged) generator: the same images as its own checkpoint
    expect(maxDiff(node, await nodeGenerate(filesOf(ckDir), z))).toBeLessThan(1e-4);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('keeps the run in the browser: a reload restores it at its last checkpoint (same samples, curves, Resume goes on); Reset forgets it', async () => {
    const q = `${SMALL}&backend=wasm&diversity-every=0`;
    const page = await open(`${q}&autostart=1`);
    await waitSteps(page, 4);
    await pause(page); // a pause writes a checkpoint
    const at = (await state(page)).step;
    const before: number[] = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    await page.evaluate(() => (window as any).ganforge.autosaved());

    await page.goto(`${url}?${q}`); // no autostart: the page offers what it kept
    await page.waitForFunction(() => /restored the run kept in this browser/.test(document.getElementById('status')!.textContent ?? '') || (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    const s = await state(page);
    expect(s.errors).toEqual([]);
    expect(s.phase).toBe('paused');
    expect(s.step).toBe(at);
    expect(await page.$eval('#status', (el) => el.textContent)).toMatch(new RegExp(`step-0*${at} \\(step ${at};`));
    const after: number[] = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    expect(maxDiff(after, before)).toBe(0);
    expect(await page.$$eval('#charts svg', (els) => els.length)).toBeGreaterThan(0);

    await page.click('#resume');
    await waitSteps(page, at + 2);
    await pause(page);
    expect((await state(page)).errors).toEqual([]);

    await page.click('#reset');
    await page.waitForFunction(() => (window as any).ganforge.phase === 'idle', null, { timeout: 30_000 });
    await page.goto(`${url}?${q}`);
    await page.waitForFunction(() => /WebGL|wasm/.test(document.getElementById('env')!.textContent ?? ''), null, { timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect((await state(page)).phase).toBe('idle');
    expect(await page.$eval('#status', (el) => el.textContent)).not.toMatch(/restored/);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('a new run replaces the kept run only once it has a checkpoint: after autostart=1 or Train (new run), a reload before that brings the kept run back', async () => {
    const q = `${SMALL}&backend=wasm&diversity-every=0`;
    const page = await open(`${q}&autostart=1`);
    await waitSteps(page, 4);
    await pause(page);
    const at = (await state(page)).step;
    const before: number[] = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    await page.evaluate(() => (window as any).ganforge.autosaved());
    const restored = async (step: number, out: number[]) => {
      await page.waitForFunction(() => (window as any).ganforge.ready, null, { timeout: 60_000 });
      const s = await state(page);
      expect(s.errors).toEqual([]);
      expect(await page.$eval('#status', (el) => el.textContent)).toMatch(new RegExp(`restored the run kept in this browser: step-0*${step} \\(step ${step};`));
      expect(s.phase).toBe('paused');
      expect(maxDiff(await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z)), out)).toBe(0);
      expect(await page.$eval('#saved-run', (el) => (el as HTMLElement).hidden)).toBe(true);
    };
    // a new run that writes no checkpoint for a long while
    const noCheckpoint = `${q}&checkpoint-every=100000`;
    const newRunGoing = () => page.waitForFunction(() => (window as any).ganforge.phase === 'running' && (window as any).ganforge.records.length >= 3, null, { timeout: 120_000, polling: 100 });

    // autostart=1: the kept run stays kept (and Discard is offered) until the new run has a checkpoint
    await page.goto(`${url}?${noCheckpoint}&autostart=1`);
    await newRunGoing();
    expect(await page.$eval('#saved-run', (el) => ((el as HTMLElement).hidden ? '' : el.textContent))).toMatch(new RegExp(`step-0*${at}[^]*replaces it at its first checkpoint[^]*Discard saved run`));
    await page.goto(`${url}?${q}`);
    await restored(at, before);

    // Train (new run): the same
    await page.goto(`${url}?${noCheckpoint}`);
    await page.waitForFunction(() => (window as any).ganforge.ready && (window as any).ganforge.phase === 'paused', null, { timeout: 60_000 });
    await page.click('#train');
    await newRunGoing();
    await page.goto(`${url}?${q}`);
    await restored(at, before);

    // once the new run has a checkpoint (a pause writes one), it is the kept run
    await page.click('#train');
    await newRunGoing();
    await pause(page);
    const at2 = (await state(page)).step;
    const out2: number[] = await page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(z));
    expect(maxDiff(out2, before)).toBeGreaterThan(0);
    await page.evaluate(() => (window as any).ganforge.autosaved());
    await page.goto(`${url}?${q}`);
    await restored(at2, out2);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('shows a fresh run\'s one-mode start as "warming up", not a collapse; a collapse (here from collapse-after on) as the red warning', async () => {
    const page = await open(`${SMALL}&backend=wasm&collapse-after=6`);
    await page.waitForFunction(() => /WebGL|wasm/.test(document.getElementById('env')!.textContent ?? ''), null, { timeout: 60_000 });
    // What the diversity box showed at every score (a step or two pass between polls).
    await page.evaluate(() => {
      const box = document.getElementById('diversity')!;
      const seen: Record<string, string>[] = ((window as any).divSeen = []);
      new MutationObserver(() => {
        if (box.dataset.step && seen[seen.length - 1]?.step !== box.dataset.step) {
          seen.push({ step: box.dataset.step, verdict: box.dataset.verdict!, state: box.dataset.state!, text: document.getElementById('div-value')!.textContent!, bg: getComputedStyle(box).backgroundColor, banner: document.getElementById('banner')!.hidden ? '' : 'shown' });
        }
      }).observe(document.getElementById('div-value')!, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#train');
    await page.waitForFunction(() => (window as any).ganforge.verdicts.some((v: { step: number }) => v.step >= 6) || (window as any).ganforge.errors.length > 0, null, { timeout: 120_000 });
    await pause(page);
    expect((await state(page)).errors).toEqual([]);
    const seen: Record<string, string>[] = await page.evaluate(() => (window as any).divSeen);
    const RED = 'rgb(255, 235, 233)';
    // step 2, the first score: one blob for every z, as every fresh generator draws
    expect(seen[0]).toMatchObject({ step: '2', verdict: 'collapsed', state: 'warming-up', banner: '' });
    expect(seen[0].text).toMatch(/^step 2: warming up: the samples still show one mode/);
    expect(seen[0].text).not.toMatch(/mode collapse/i);
    expect(seen[0].bg).not.toBe(RED);
    expect(seen.find((x) => x.step === '4')).toMatchObject({ verdict: 'collapsed', state: 'warming-up' });
    // from step 6 (collapse-after) still one mode is a collapse: red, flagged, and the banner (the loop's warning) says why
    const at6 = seen.find((x) => x.step === '6')!;
    expect(at6).toMatchObject({ verdict: 'collapsed', state: 'collapse', bg: RED });
    expect(at6.text).toMatch(/^step 6: collapsed \(MODE COLLAPSE\)/);
    expect(await page.$eval('#banner', (el) => ((el as HTMLElement).hidden ? '' : el.textContent))).toMatch(/^Mode collapse at step ([6-9]|\d\d+): the fixed-z samples still look alike at or after collapse-after 6/);
    // the verdicts over time say the same
    expect(await page.$eval('#div-history', (el) => el.textContent)).toMatch(/^over time: warming up 2–4 → MODE COLLAPSE 6/);
    expect(await page.$eval('#log', (el) => el.textContent)).toMatch(/diversity at step 2: the samples still show one mode, as every generator does at the start/);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 180_000);

  it('draws the 2,048 built-in faces once, with a progress bar, and keeps them: after a reload Train reaches step 1 within 10 s; a corrupt kept set is drawn again', async () => {
    // The page's default model (32x32, width 32, batch 64); diversity and checkpoints do not run at step 1.
    const q = 'faces=2048&backend=wasm';
    const page = await open(q);
    const ready = () => page.waitForFunction(() => /WebGL|wasm/.test(document.getElementById('env')!.textContent ?? ''), null, { timeout: 60_000 });
    const firstStep = async () => {
      const t0 = Date.now();
      await page.click('#train');
      await page.waitForFunction(() => (window as any).ganforge.step >= 1 || (window as any).ganforge.errors.length > 0, null, { timeout: 120_000, polling: 50 });
      expect((await state(page)).errors).toEqual([]);
      return (Date.now() - t0) / 1000;
    };
    // (the api's pause: a click waits for frames that a busy 64-image step holds back)
    const quickPause = async () => {
      await page.evaluate(() => (window as any).ganforge.pause());
      await page.waitForFunction(() => ['paused', 'finished'].includes((window as any).ganforge.phase), null, { timeout: 60_000 });
    };
    const forgetRun = async () => {
      await page.click('#reset'); // the kept run is dropped: the reload below starts cold (no restore, no backend yet)
      await page.waitForFunction(() => (window as any).ganforge.phase === 'idle', null, { timeout: 30_000 });
    };
    const data = () => page.evaluate(() => (window as any).ganforge.data as { n: number; size: number; checksum: number });
    await ready();

    // First time: drawn, the progress bar moving part-way.
    const progress = page.waitForFunction(() => {
      const p = document.getElementById('data-progress') as HTMLProgressElement;
      const info = document.getElementById('data-info')!.textContent ?? '';
      return !p.hidden && p.value > 0 && p.value < p.max && p.max === 2048 && /^drawing the built-in faces: \d+\/2048/.test(info) ? { value: p.value, info } : null;
    }, null, { timeout: 120_000, polling: 'raf' });
    const t0 = Date.now();
    const drawSeconds = firstStep();
    const shown = await (await progress).jsonValue();
    expect(shown!.value).toBeGreaterThan(0);
    const first = await drawSeconds;
    await quickPause(); // the page answers at once when idle
    const drawn = await page.$eval('#data-info', (el) => el.textContent ?? '');
    expect(drawn).toMatch(/^2048 images at 32x32 \(\d+\.\d s\)$/);
    expect(await page.$eval('#data-progress', (el) => (el as HTMLProgressElement).hidden)).toBe(true);
    expect(await page.evaluate(() => (window as any).ganforge.facesSaved())).toBe(true);
    const want = await data();
    expect(want).toMatchObject({ n: 2048, size: 32 });
    await forgetRun();
    const firstTotal = (Date.now() - t0) / 1000;

    // After a reload: read back from IndexedDB, not drawn; Train to the first step in under 10 s.
    await page.goto(`${url}?${q}`);
    await ready();
    const cached = await firstStep();
    await quickPause();
    expect(await page.$eval('#data-info', (el) => el.textContent)).toMatch(/^2048 images at 32x32 \(\d+\.\d s, from this browser's cache\)$/);
    const log = await page.$eval('#log', (el) => el.textContent ?? '');
    expect(log).toMatch(/data: 2048 built-in faces at 32x32 from this browser's cache/);
    expect(log).not.toMatch(/drawing 2048/);
    expect(await data()).toEqual(want); // the very bytes drawn before
    console.log(`e2e faces: first draw to step 1 ${first.toFixed(1)} s (${drawn}); from the cache, click to step 1 ${cached.toFixed(1)} s`);
    expect(cached).toBeLessThan(10);
    await forgetRun();

    // A kept set with one byte changed is not used: drawn again (the same bytes) and kept anew.
    const keys = await page.evaluate(async () => {
      const req = <T,>(r: IDBRequest<T>) => new Promise<T>((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
      const db = await req(indexedDB.open('ganforge-faces'));
      const tx = db.transaction('sets', 'readwrite');
      const sets = tx.objectStore('sets');
      const ks = (await req(sets.getAllKeys())) as string[];
      const rec = await req(sets.get(ks[0]));
      rec.images[12345] ^= 0xff;
      await req(sets.put(rec, ks[0]));
      db.close();
      return ks;
    });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^faces-n2048-s32-seed1-v/);
    await page.goto(`${url}?${q}`);
    await ready();
    await firstStep();
    await quickPause();
    const log2 = await page.$eval('#log', (el) => el.textContent ?? '');
    expect(log2).toMatch(/data: the faces kept in this browser were not used \(the checksum does not match \(corrupt bytes\)\); drawn again/);
    expect(log2).toMatch(/data: drawing 2048 built-in faces/);
    expect(await page.evaluate(() => (window as any).ganforge.facesSaved())).toBe(true);
    expect(await data()).toEqual(want);
    console.log(`e2e faces: first visit (draw, train to step 1, pause, reset) ${firstTotal.toFixed(1)} s`);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);

  it('trains on picked image files (decoded in Web Workers), names an unreadable one, scores a sample grid', async () => {
    // SMALL's checkpoint-every 2: the leak check below spans checkpoints (and a pause's restore on resume).
    const page = await open(`${SMALL}&diversity-every=0&backend=wasm`);
    const picks = join(tmp, 'picks');
    mkdirSync(picks, { recursive: true });
    for (const n of readdirSync(dataDir).filter((f) => f.endsWith('.png'))) writeFileSync(join(picks, n), readFileSync(join(dataDir, n)));
    writeFileSync(join(picks, 'broken.png'), Buffer.concat([readFileSync(join(dataDir, 'img-0.png')).subarray(0, 60)]));
    writeFileSync(join(picks, 'notes.txt'), 'not an image');
    await page.setInputFiles('#pick-files', readdirSync(picks).map((n) => join(picks, n)));
    expect(await page.$eval('#data-info', (el) => el.textContent)).toMatch(/9 image files picked \(1 other files ignored\)/);
    // A bad setting: the CLI's message under the form, nothing starts.
    await page.fill('#f-lr', '0');
    await page.click('#train');
    await page.waitForFunction(() => (window as any).ganforge.errors.length > 0, null, { timeout: 10_000 });
    expect(await page.$eval('#form-error', (el) => el.textContent)).toBe('lr must be > 0, got 0');
    expect((await state(page)).phase).toBe('idle');
    await page.evaluate(() => (window as any).ganforge.errors.splice(0));
    await page.fill('#f-lr', '');
    await page.click('#train');
    await waitSteps(page, 3);
    expect(await page.$eval('#data-info', (el) => el.textContent)).toMatch(/^8 images at 32x32/);
    // No tensors leak from step to step, nor from checkpoints (every 2 steps) and the
    // resume after a pause: the count is read at two pauses, when nothing is in flight.
    const tensorsAt = async () => page.evaluate(() => (window as any).ganforge.tf.memory().numTensors as number);
    await pause(page);
    const n1 = await tensorsAt();
    const s1 = (await state(page)).step;
    await page.click('#resume');
    await waitSteps(page, s1 + 5);
    await pause(page);
    expect(await tensorsAt()).toBe(n1);
    await page.click('#resume');
    await waitSteps(page, s1 + 6);
    expect(await page.$eval('#log', (el) => el.textContent)).toMatch(/skipped 1 unreadable image: broken\.png \(/);
    // The decoding ran in the page's Web Workers (dist/web/worker.js was fetched).
    expect(await page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/worker.js')))).toBe(true);
    await pause(page);

    // The grid PNG as downloaded, scored with the diversity report.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#save-png')]);
    expect(dl.suggestedFilename()).toMatch(/^samples-step-\d{6}\.png$/);
    const gridPath = join(tmp, dl.suggestedFilename());
    await dl.saveAs(gridPath);
    const png = PNG.sync.read(readFileSync(gridPath));
    expect([png.width, png.height]).toEqual([274, 274]);
    await page.setInputFiles('#score-files', gridPath);
    // (the reference is the 8 picked images: under 16, the metrics may answer too-few-samples)
    await page.waitForFunction(() => /diversity of the sample set: (healthy|suspicious|collapsed|too-few-samples)/.test(document.getElementById('log')!.textContent ?? '') || (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    expect((await state(page)).errors).toEqual([]);
    expect(await page.$eval('#log', (el) => el.textContent)).toMatch(/scoring 64 samples \(32x32\)/);
    expect(await page.$eval('#report-box', (el) => (el as HTMLDetailsElement).hidden)).toBe(false);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 300_000);
});

describe.skipIf(!haveChromium)('browser page without WebGL', () => {
  let browser: Browser;
  let server: { close(): void };
  let url = '';
  beforeAll(async () => {
    const { serve } = await import('../../scripts/serve.js' as string);
    ({ server, url } = await serve({ port: 0, quiet: true }));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS.filter((a) => a !== '--headless'), '--disable-3d-apis'], headless: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('says so, refuses webgl with a reason, and trains on wasm with auto', async () => {
    const page = await browser.newPage();
    const errs: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errs.push(m.text()));
    await page.goto(`${url}?${SMALL}&diversity-every=0&backend=webgl`);
    await page.waitForFunction(() => /No WebGL/.test(document.getElementById('banner')!.textContent ?? ''), null, { timeout: 60_000 });
    await page.click('#train');
    await page.waitForFunction(() => (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    expect((await page.evaluate(() => (window as any).ganforge.errors as string[])).join('\n')).toMatch(/^backend: this browser gives no WebGL context/);
    await page.selectOption('#f-backend', 'auto');
    await page.click('#train');
    await page.waitForFunction(() => (window as any).ganforge.step >= 2, null, { timeout: 120_000 });
    const be = await page.evaluate(() => (window as any).ganforge.backend);
    expect(be.name).toBe('wasm');
    expect(be.reason).toMatch(/^auto: no WebGL/);
    expect(errs).toEqual([]);
    await page.close();
  }, 180_000);

  it('loses nothing: a new run that cannot start keeps the paused run; a kept run that cannot be restored (webgl here) is kept with the reason, restores on wasm, and goes only by Discard saved run', async () => {
    const page = await browser.newPage();
    const errs: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errs.push(m.text()));
    const g = () => page.evaluate(() => {
      const w = (window as any).ganforge;
      return { phase: w.phase as string, step: w.step as number, errors: w.errors as string[] };
    });
    const generate = (): Promise<number[]> => page.evaluate((zz) => (window as any).ganforge.generate(zz), Array.from(new Rng(7).fillNormal(new Float32Array(4 * 16))));
    const savedBox = () => page.$eval('#saved-run', (el) => ((el as HTMLElement).hidden ? null : el.textContent ?? ''));
    const q = `${SMALL}&diversity-every=0`;
    await page.goto(`${url}?${q}&backend=wasm&autostart=1`);
    await page.waitForFunction(() => (window as any).ganforge.step >= 4 || (window as any).ganforge.errors.length > 0, null, { timeout: 120_000 });
    await page.click('#pause');
    await page.waitForFunction(() => (window as any).ganforge.phase === 'paused', null, { timeout: 60_000 });
    const at = (await g()).step;
    const before = await generate();
    await page.evaluate(() => (window as any).ganforge.autosaved());

    // Train (new run) on webgl fails while preparing: the paused run is still the page's, Resume still offered
    await page.selectOption('#f-backend', 'webgl');
    await page.click('#train');
    await page.waitForFunction(() => (window as any).ganforge.errors.length > 0, null, { timeout: 60_000 });
    expect((await g()).errors.join('\n')).toMatch(/^backend: this browser gives no WebGL context/);
    expect((await g()).phase).toBe('paused');
    expect(await page.$eval('#resume', (el) => (el as HTMLButtonElement).disabled)).toBe(false);
    expect(maxDiff(await generate(), before)).toBe(0);

    // opened with ?backend=webgl the kept run cannot be restored: it is kept, the page says why and offers Discard
    const failedRestore = async () => {
      await page.goto(`${url}?${q}&backend=webgl`);
      await page.waitForFunction(() => (window as any).ganforge.ready, null, { timeout: 60_000 });
      const s = await g();
      expect(s.phase).toBe('idle');
      expect(s.errors.join('\n')).toMatch(new RegExp(`the run kept in this browser \\(step-0*${at}, step ${at}\\) could not be restored: backend: this browser gives no WebGL context[^]*kept`));
      expect(await page.$eval('#banner', (el) => ((el as HTMLElement).hidden ? '' : el.textContent))).toMatch(/could not be restored: backend: this browser gives no WebGL context/);
      expect(await savedBox()).toMatch(new RegExp(`step-0*${at}[^]*could not be restored[^]*Restore saved run[^]*Discard saved run`));
    };
    await failedRestore();
    await failedRestore(); // still there on the next open
    // ... and restores with a backend this browser has
    await page.selectOption('#f-backend', 'wasm');
    await page.click('#restore-saved');
    await page.waitForFunction(() => /restored the run kept in this browser/.test(document.getElementById('status')!.textContent ?? ''), null, { timeout: 60_000 });
    expect((await g()).phase).toBe('paused');
    expect((await g()).step).toBe(at);
    expect(maxDiff(await generate(), before)).toBe(0);
    expect(await savedBox()).toBeNull();

    // Discard saved run is the way to drop it
    await failedRestore();
    await page.click('#discard-saved');
    await page.waitForFunction(() => document.getElementById('saved-run')!.hidden, null, { timeout: 30_000 });
    expect(await page.$eval('#log', (el) => el.textContent)).toMatch(/discarded the run kept in this browser/);
    await page.goto(`${url}?${q}&backend=webgl`);
    await page.waitForFunction(() => (window as any).ganforge.ready, null, { timeout: 60_000 });
    expect(await g()).toMatchObject({ phase: 'idle', errors: [] });
    expect(await savedBox()).toBeNull();
    expect(errs).toEqual([]);
    await page.close();
  }, 300_000);
});

describe('browser bundle', () => {
  it('holds none of the Node-only modules', () => {
    const map = join(root, 'dist/web/ganforge.js.map');
    if (!existsSync(map)) {
      console.warn('NOTICE: dist/web/ganforge.js.map missing (run npm run build): bundle check skipped');
      return;
    }
    const sources: string[] = JSON.parse(readFileSync(map, 'utf8')).sources;
    const ours = sources.filter((s) => !s.includes('node_modules') && s.includes('/src/'));
    expect(ours.some((s) => s.endsWith('src/web/main.ts'))).toBe(true);
    for (const banned of ['src/platform/node.ts', 'src/platform/node_worker.ts', 'src/platform/folder.ts', 'src/platform/faces.ts', 'src/platform/decode_pool.ts', 'src/platform/samples.ts', 'src/platform/cache.ts', 'src/cli/']) {
      expect(ours.filter((s) => s.includes(banned))).toEqual([]);
    }
  });
});
