// Progress bars on stderr (cli-progress) that degrade to a line every few
// seconds when stderr is not a terminal (CI logs, pipes).
import cliProgress, { type SingleBar } from 'cli-progress';

export interface ProgressBar {
  update(done: number, total: number, payload?: { text?: string }): void;
  log(msg: string): void;
  stop(): void;
}

export function makeProgressBar(label: string): ProgressBar {
  const tty = !!process.stderr.isTTY;
  let bar: SingleBar | null = null;
  let lastPrint = 0;
  return {
    update(done, total, payload) {
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {text}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 20 }, cliProgress.Presets.shades_classic);
          bar.start(total, done, { text: payload?.text ?? '' });
        }
        bar.setTotal(total);
        bar.update(done, { text: payload?.text ?? '' });
      } else {
        const now = Date.now();
        if (now - lastPrint > 5000 || done === total) {
          lastPrint = now;
          process.stderr.write(`${label} ${done}/${total}${payload?.text ? ' ' + payload.text : ''}\n`);
        }
      }
    },
    log(msg) {
      if (bar) process.stderr.write('\n');
      process.stdout.write(`${msg}\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
