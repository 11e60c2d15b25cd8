// Helpers the training benchmarks share (quality.js, augment.js).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { CommanderError } from 'commander';

/** An error the bench reports as one line, exiting with `code` (2: bad flags or input). */
export class BenchError extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

/**
 * Runs a child to its end with its output passed through, through the CLI
 * lifetime's spawnTracked (stopped with the bench on Ctrl-C); resolves to its
 * exit code and wall seconds.
 */
export function runChild(spawnTracked, cmd, args, what, cwd) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawnTracked(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd });
    child.ref(); // tracked children are unref'd; this one the bench waits for
    child.once('error', (e) => rej(new BenchError(`${what}: cannot start ${cmd}: ${e.message}`)));
    child.once('exit', (code, signal) => res({ code: code ?? (signal ? 128 : 1), signal, wall: (performance.now() - t0) / 1000 }));
  });
}

export function writeAtomic(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** The first k of a seeded Fisher-Yates shuffle of 0..n-1 (rng: the project's Rng). */
export function seededPick(n, k, rng) {
  const idx = Array.from({ length: n }, (_, i) => i);
  k = Math.min(k, n);
  for (let i = 0; i < k; i++) { const j = i + rng.int(n - i); [idx[i], idx[j]] = [idx[j], idx[i]]; }
  return idx.slice(0, k);
}

/** Rows `idx` of a u8 ImageDataset as a SampleSet. */
export function datasetRows(ds, idx) {
  const px = ds.size * ds.size * 3, data = new Uint8Array(idx.length * px);
  idx.forEach((k, i) => data.set(ds.images.subarray(k * px, (k + 1) * px), i * px));
  return { n: idx.length, height: ds.size, width: ds.size, channels: 3, data };
}

export const machineInfo = (load0) => ({ cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadavg_start: load0, loadavg_end: loadavg() });

export const fmtSwd = (s) => `${s.per_level.map((v) => v.toFixed(1)).join(' / ')} (avg ${s.avg.toFixed(1)})`;
export const swdRow = (s) => ({ resolutions: s.resolutions, per_level: s.per_level, avg: s.avg });

/**
 * Parses `argv` with a bench's commander Command, quietly (help to stdout, no
 * exit): 'help' when help was shown, the options otherwise; bad usage is a
 * BenchError (exit code 2) with commander's message.
 */
export function parseBenchArgs(cmd, argv) {
  cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 'help';
      throw new BenchError(e.message.replace(/^error: /, ''), 2);
    }
    throw e;
  }
  return cmd.opts();
}
