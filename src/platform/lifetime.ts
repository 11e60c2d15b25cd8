// The process lifetime of every command-line program: one place that decides
// when a Node process ends and makes sure nothing it started outlives it.
//
//   runMain(main)      runs a CLI's main, then stops every tracked child and
//                      exits with main's code, so no handle (a private Xvfb, a
//                      worker, a GL context) can keep the process up after the
//                      last output.
//   spawnTracked(...)  a child process that must die with us: killed on normal
//                      exit, on an error, on SIGINT/SIGTERM/SIGHUP; spawned
//                      with a parent-death signal where the OS has one, so
//                      even a SIGKILLed Node leaves no orphan (track(child)
//                      for one spawned elsewhere).
//   onStop(handler)    a graceful stop: the first signal calls it (the trainer
//                      finishes its step, checkpoints and returns, exit 0)
//                      instead of exiting.
//   critical(fn)       work a signal must never cut in half (a checkpoint
//                      write): a signal that would exit waits for it first.
//
// Signals: the first SIGINT/SIGTERM/SIGHUP asks the registered stop handler
// to stop (or, with none registered, exits 130/143/129 at once after any
// critical work). A second one exits right away, again after any critical
// work in flight has finished.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const SIGNALS: Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_CODE: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

const children = new Set<ChildProcess>();
const stopHandlers: ((signal: Signal) => void)[] = [];
let inCritical = 0;
let criticalIdle: Promise<void> = Promise.resolve();
let releaseCritical: (() => void) | null = null;
let signalled = 0;
let installed = false;
let exiting = false;

/** Kills every tracked child now (synchronous: safe in an 'exit' handler). Returns when each has exited. */
export function killChildren(): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      waits.push(new Promise<void>((res) => c.once('exit', () => res())));
      try {
        c.kill('SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
  return Promise.all(waits).then(() => {});
}

/**
 * Tracks a child process: it no longer keeps the event loop alive, and it is
 * killed whenever this process ends. Returns the child.
 */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.unref();
  child.once('exit', () => children.delete(child));
  install();
  return child;
}

/** Stops a tracked child now and forgets it. */
export function stopChild(child: ChildProcess | null): void {
  if (!child) return;
  children.delete(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

let pdeathsig: boolean | null = null;
/** True where `setpriv --pdeathsig` exists (util-linux on Linux). */
function hasPdeathsig(): boolean {
  if (pdeathsig === null) {
    pdeathsig = process.platform === 'linux' && spawnSync('setpriv', ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' }).status === 0;
  }
  return pdeathsig;
}

/**
 * Spawns a tracked child that dies with this process however it ends: on
 * Linux through the kernel's parent-death signal (setpriv --pdeathsig), which
 * also covers a SIGKILL of Node. It runs in its own process group, so a
 * terminal's Ctrl-C reaches only Node, which then stops it in order (a
 * display must outlive the GL context on it until Node exits).
 */
export function spawnTracked(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const [file, argv] = hasPdeathsig() ? ['setpriv', ['--pdeathsig', 'TERM', '--', cmd, ...args]] : [cmd, args];
  return track(spawn(file, argv, { stdio: 'ignore', ...opts, detached: true }));
}

/**
 * Registers a graceful stop: the first signal calls `handler` instead of
 * exiting. Returns a function that unregisters it.
 */
export function onStop(handler: (signal: Signal) => void): () => void {
  install();
  stopHandlers.push(handler);
  return () => {
    const i = stopHandlers.indexOf(handler);
    if (i >= 0) stopHandlers.splice(i, 1);
  };
}

/** True once a signal asked this process to stop. */
export function stopRequested(): boolean {
  return signalled > 0;
}

/** Runs `fn` so that no signal exits the process while it is in flight. */
export async function critical<T>(fn: () => Promise<T>): Promise<T> {
  if (inCritical++ === 0) criticalIdle = new Promise<void>((r) => (releaseCritical = r));
  try {
    return await fn();
  } finally {
    if (--inCritical === 0) {
      releaseCritical?.();
      releaseCritical = null;
    }
  }
}

/**
 * `p`, or nothing after `ms`. The timer holds the event loop open on purpose:
 * the children are unref'd, and an empty loop would end the process (exit 13,
 * the pending top-level await) before it had said its exit code.
 */
function within(p: Promise<unknown>, ms: number): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise((r) => (t = setTimeout(r, ms)))]).then(() => clearTimeout(t));
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  if (!stream.writableNeedDrain) return Promise.resolve();
  return within(new Promise((res) => stream.once('drain', res)), 1000);
}

/** Exits with `code` once any critical work is done and the output is flushed; children are stopped first. */
export async function exitNow(code: number): Promise<never> {
  exiting = true;
  await criticalIdle;
  // Wait (briefly) for the children to go, so they are reaped, not left as zombies.
  await within(killChildren(), 2000);
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}

function onSignal(signal: Signal): void {
  signalled++;
  if (exiting) return;
  const handler = stopHandlers[stopHandlers.length - 1];
  if (signalled === 1 && handler) {
    handler(signal);
    return;
  }
  if (inCritical > 0) process.stderr.write(`\n${signal === 'SIGINT' ? 'interrupt' : signal}: waiting for the file being written to be complete, then exiting\n`);
  void exitNow(SIGNAL_CODE[signal]);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, () => onSignal(s));
  // Any way out of the process (process.exit, an uncaught error) stops the children.
  process.on('exit', () => void killChildren());
}

/**
 * Runs a CLI's main and exits with its code when it returns (or 1 with the
 * stack when it throws), after stopping every tracked child.
 */
export async function runMain(main: () => Promise<number>): Promise<never> {
  install();
  let code: number;
  try {
    code = await main();
  } catch (e) {
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? e}\n`);
    code = 1;
  }
  return exitNow(code);
}
