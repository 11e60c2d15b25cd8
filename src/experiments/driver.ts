// Runs a study's runs one after another through the trainer of
// `node scripts/train.js` (platform/train_node.ts's runTrainArgv over
// train/run.ts, in this process; each a normal run directory in the study
// folder), then writes the report. Re-running skips finished runs and resumes
// a partial one. Files are read and written through the study folder's
// RunStore (the platform's: src/platform/).
import { stopRequested } from '../platform/lifetime';
import { runTrainArgv, type ProgressFactory } from '../platform/train_node';
import type { RunStore } from '../train/store';
import { parseJsonl } from '../train/loop';
import { planFor, type Scale } from './plan';
import { reportMarkdown, markdownToHtml, diversityChartSvg, type RunResult } from './report';

export interface ExperimentOptions {
  scale: Scale;
  /** The study folder (platform.openStore(dir)): one run directory per run, and the report. */
  store: RunStore;
  /** Extra trainer flags for every run, after the plan's (so they win). */
  trainArgs?: string[];
  /** Progress display for each training (the CLI's bars); none: quiet. */
  bar?: ProgressFactory;
  log?: (msg: string) => void;
}

async function readJson(store: RunStore, p: string): Promise<any> {
  try {
    return JSON.parse(await store.readText(p));
  } catch {
    return null;
  }
}

async function readJsonl(store: RunStore, p: string): Promise<Record<string, any>[]> {
  return (await store.exists(p)) ? parseJsonl(await store.readText(p)) : [];
}

export async function runExperiments(o: ExperimentOptions): Promise<{ report: string; results: RunResult[] }> {
  const log = o.log ?? ((m: string) => console.log(m));
  const plan = planFor(o.scale);
  const store = o.store;
  const t0 = Date.now();
  const results: RunResult[] = [];
  for (const [i, spec] of plan.runs.entries()) {
    const dir = `${store.root}/${spec.name}`;
    const argv = [...plan.common, ...spec.args, ...(o.trainArgs ?? [])];
    const stepsIdx = argv.lastIndexOf('--steps');
    const steps = stepsIdx >= 0 ? argv[stepsIdx + 1] : undefined;
    const prev = await readJson(store, `${spec.name}/summary.json`);
    const ts = Date.now();
    let exitCode = 0;
    let skipped = false;
    if (prev && prev.status === 'done' && String(prev.total) === steps) {
      skipped = true;
      log(`[${i + 1}/${plan.runs.length}] ${spec.name}: already done, skipped`);
    } else if (await store.exists(`${spec.name}/config.json`)) {
      log(`[${i + 1}/${plan.runs.length}] ${spec.name}: resuming`);
      exitCode = await runTrainArgv(['--resume', dir, ...(steps ? ['--steps', steps] : [])], { bar: o.bar });
    } else {
      log(`[${i + 1}/${plan.runs.length}] ${spec.name}: ${spec.title}`);
      exitCode = await runTrainArgv([...argv, '--out', dir], { bar: o.bar });
    }
    const samples = (await store.list(`${spec.name}/samples`)).filter((n) => /^step-\d+\.png$/.test(n)).sort();
    results.push({
      spec,
      dir,
      exitCode,
      config: await readJson(store, `${spec.name}/config.json`),
      summary: await readJson(store, `${spec.name}/summary.json`),
      records: await readJsonl(store, `${spec.name}/metrics.jsonl`),
      grid: samples.length ? `${spec.name}/samples/${samples[samples.length - 1]}` : null,
      // a skipped run reports its own training time from its summary
      seconds: skipped && typeof prev.seconds === 'number' ? prev.seconds : (Date.now() - ts) / 1000,
    });
    if (stopRequested()) {
      // Ctrl-C: the run in progress checkpointed; the next ones do not start.
      log(`interrupted during ${spec.name}: the study stops here (run the same command again to resume it)`);
      return { report: '', results };
    }
  }
  const md = reportMarkdown(plan, results, (Date.now() - t0) / 1000);
  await store.writeAtomic('diversity.svg', diversityChartSvg(results));
  await store.writeAtomic('report.md', md);
  await store.writeAtomic('report.html', markdownToHtml(md, `GAN course experiments (${o.scale})`));
  log(`report: ${store.root}/report.md (and report.html)`);
  return { report: md, results };
}
