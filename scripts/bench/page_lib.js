// The browser page's training step in headless Chromium: the page's own code
// path (dist/web served by scripts/serve.js, cross-origin isolated; the
// page's backend init: tfjs-wasm + our nn kernels on Web Workers), driven
// as a user drives it (?autostart=1 presses Train) and read through the
// page's test hook (window.ganforge: phase, errors, backend, config, and
// records with each step's trainStep time). Used by scripts/bench/page.js
// (npm run bench:page) and test/e2e/page_bench.test.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A page that did not train (or trained something other than asked): the bench reports it and fails. */
export class PageBenchError extends Error {}

/**
 * The Chromium to drive: $CHROMIUM_PATH when set (`why` when it does not
 * exist), else the first of Debian's and Google's found (as test/env.ts looks).
 */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? { path: env.CHROMIUM_PATH } : { why: `CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist` };
  const path = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  return path ? { path } : { why: 'no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)' };
}

/** Headless, no GPU process of its own (the page's WebGL probe gets SwiftShader), nothing that reaches the network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-sandbox',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  // a page in a background tab must not be throttled while it is timed
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

/**
 * Starts the page's server (in this process) and Chromium (through
 * playwright-core, which kills Chromium's whole process group when this
 * process exits, however it exits). `close()` stops both.
 */
export async function openPageSession(chromiumPath, { dir = join(root, 'dist/web') } = {}) {
  if (!existsSync(join(dir, 'index.html'))) throw new PageBenchError(`${dir}/index.html not found: run npm run build first`);
  const { serve } = await import('../serve.js');
  const { server, url } = await serve({ dir, port: 0, quiet: true });
  let browser;
  let pids = [];
  try {
    const { chromium } = await import('playwright-core');
    const before = new Set(childPids(process.pid));
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
    // Chromium's process (Debian's: its launcher script): the children this launch added
    pids = childPids(process.pid).filter((p) => !before.has(p));
  } catch (e) {
    server.close();
    throw e;
  }
  let closed = false;
  return {
    url,
    browser,
    version: browser.version(),
    /** Chromium's process, the root of the processes whose CPU time is counted (none where there is no /proc). */
    pids,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await browser.close();
      } finally {
        server.close();
      }
    },
  };
}

let ticks = null;
/** Every process's parent and CPU ticks (user + system, all threads) from /proc; null where there is none. */
function procStats() {
  if (!existsSync('/proc/self/stat')) return null;
  const stats = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const t = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid ... utime stime: fields 14 and 15; comm may hold spaces and parentheses
      const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) });
    } catch { /* gone meanwhile */ }
  }
  return stats;
}

/** The child processes of `pid` now (an empty list where there is no /proc). */
function childPids(pid) {
  const stats = procStats();
  return stats ? [...stats].filter(([, st]) => st.ppid === pid).map(([p]) => p) : [];
}

/** CPU seconds (user + system, all threads) of processes `pids` and their descendants, from /proc; null where there is none. */
export function treeCpuSeconds(pids) {
  if (!pids?.length) return null;
  try {
    const stats = procStats();
    if (!stats) return null;
    ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const tree = new Set(pids);
    for (let grew = true; grew;) {
      grew = false;
      for (const [p, st] of stats) if (!tree.has(p) && tree.has(st.ppid)) { tree.add(p); grew = true; }
    }
    let sum = 0;
    for (const p of tree) sum += stats.get(p)?.cpu ?? 0;
    return sum / ticks;
  } catch {
    return null;
  }
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

/**
 * The URL settings (the CLI's flag names) that make the page train `cfg`
 * (a resolved TrainConfig, the one Node times) on the wasm backend, on the
 * built-in faces, with nothing but steps: no sample grids, scores or
 * checkpoints until the last step.
 */
export function pageQuery(cfg, totalSteps, faces) {
  return new URLSearchParams({
    size: String(cfg.size), ngf: String(cfg.ngf), ndf: String(cfg.ndf), 'z-dim': String(cfg.zDim), batch: String(cfg.batch),
    loss: cfg.loss, layers: cfg.layers, ema: String(cfg.ema), seed: String(cfg.seed), backend: 'wasm',
    faces: String(faces), steps: String(totalSteps), 'sample-every': '0', 'diversity-every': '0', 'checkpoint-every': '0',
    autostart: '1',
  });
}

/** The settings a step's cost depends on: the page's run must have Node's. */
const SAME = ['size', 'ngf', 'ndf', 'zDim', 'batch', 'loss', 'layers', 'ema', 'nCritic', 'opt', 'sn', 'augment', 'dDropout'];

/**
 * Opens the page in a fresh tab, trains `warmup` + `steps` (+ 1, untimed)
 * steps of `cfg` by its Train button (autostart) and returns the median of
 * the `steps` timed steps' times (each its trainStep alone, as the page's loop measured it),
 * all of them, and the backend line the page shows. Throws PageBenchError
 * when the page reports an error, trains on another backend or config, or
 * has no finite step time.
 */
export async function timePageSteps(session, cfg, { warmup = 1, steps = 2, timeoutMs = 600_000, faces = Math.max(2 * cfg.batch, 128) } = {}) {
  const page = await session.browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  try {
    const t0 = performance.now();
    // one more step than timed, untimed: the run's end (its sample grid and
    // checkpoint) comes after it, outside the CPU window below
    await page.goto(`${session.url}?${pageQuery(cfg, warmup + steps + 1, faces)}`);
    // CPU of Chromium's processes while the timed steps run: from the end of the
    // warm-up step to the end of the last timed one (as the page reports them, polled)
    let cpu0 = null, cpu1 = null, w0 = 0, w1 = 0;
    const reached = (k) => page.waitForFunction((kk) => {
      const g = window.ganforge;
      return !!g && (g.errors.length > 0 || g.phase === 'finished' || (g.phase === 'running' && g.step >= kk));
    }, k, { timeout: timeoutMs, polling: 50 });
    try {
      await reached(warmup);
      cpu0 = treeCpuSeconds(session.pids);
      w0 = performance.now();
      await reached(warmup + steps);
      cpu1 = treeCpuSeconds(session.pids);
      w1 = performance.now();
      await page.waitForFunction(() => {
        const g = window.ganforge;
        return !!g && (g.errors.length > 0 || g.phase === 'finished');
      }, null, { timeout: timeoutMs, polling: 50 });
    } catch (e) {
      const at = await page.evaluate(() => window.ganforge && { phase: window.ganforge.phase, step: window.ganforge.step }).catch(() => null);
      throw new PageBenchError(`the page did not finish ${warmup + steps + 1} steps in ${(timeoutMs / 1000).toFixed(0)} s (${at ? `phase ${at.phase}, step ${at.step}` : 'no window.ganforge'})${pageErrors.length ? `; ${pageErrors.join('; ')}` : ''}`);
    }
    const wallMs = performance.now() - t0;
    const coresBusy = cpu0 !== null && cpu1 !== null && w1 > w0 ? (cpu1 - cpu0) * 1000 / (w1 - w0) : null;
    const s = await page.evaluate(() => {
      const g = window.ganforge;
      return {
        phase: g.phase, step: g.step, errors: [...g.errors], backend: g.backend ? { ...g.backend } : null, config: g.config ? { ...g.config } : null,
        line: document.getElementById('env')?.textContent ?? '', records: g.records.map((r) => ({ step: r.step, stepMs: r.stepMs })),
        isolated: globalThis.crossOriginIsolated === true, hardwareConcurrency: navigator.hardwareConcurrency,
      };
    });
    const errors = [...s.errors, ...pageErrors];
    if (errors.length) throw new PageBenchError(`the page failed: ${errors.join('; ')}`);
    if (s.backend?.name !== 'wasm') throw new PageBenchError(`the page trained on ${s.backend?.name ?? 'no backend'}, not wasm`);
    const differ = SAME.filter((k) => !Object.is(s.config?.[k], cfg[k]));
    if (differ.length) throw new PageBenchError(`the page's run differs from the config timed in Node: ${differ.map((k) => `${k} ${s.config?.[k]} (Node ${cfg[k]})`).join(', ')}`);
    const byStep = new Map(s.records.map((r) => [r.step, r.stepMs]));
    const all = [];
    for (let k = 1; k <= warmup + steps; k++) {
      const ms = byStep.get(k);
      if (!(typeof ms === 'number' && Number.isFinite(ms) && ms > 0)) throw new PageBenchError(`the page has no step time for step ${k} (finished at step ${s.step}; records ${JSON.stringify(s.records.slice(0, 4))}...)`);
      all.push(ms);
    }
    const timed = all.slice(warmup);
    return {
      stepMs: median(timed), allMs: timed, warmupMs: all.slice(0, warmup), wallMs,
      backend: s.backend, backendLine: s.line, threads: s.backend.threads ?? 1, simd: s.backend.simd ?? null,
      crossOriginIsolated: s.isolated, hardwareConcurrency: s.hardwareConcurrency, coresBusy,
    };
  } finally {
    await page.close().catch(() => {});
  }
}
