// WebGL-context loss during a run, without the DOM (tested in Node:
// test/web/run_controller.test.ts). The browser can take the context away at
// any time (GPU reset, driver crash, too many contexts); tensors on it are
// gone and numbers read from it are garbage. The page then:
//   - stops trusting the run: no log lines, no checkpoints kept (`trusted`);
//   - gives the run a short grace to stop by itself (a tfjs read on a lost
//     context may never resolve), then abandons it (`abandoned`);
//   - drops the checkpoints written after the loss (recover), so Resume goes
//     on from the last one written before it;
//   - makes a new context at the next webgl request (takeLost).
import { tf } from '../tf';
import { dropCheckpointsAfter, loadLatestCheckpoint } from '../train/checkpoint';
import type { RunStore } from '../train/store';

export class GlLoss {
  private lost = false;
  private underRun = false;
  private stepAt = -1;
  private signal: (() => void) | null = null;

  /** graceMs: how long a run gets to stop by itself after the loss before it is abandoned. */
  constructor(private readonly graceMs = 3000) {}

  /** The context was lost; `running`: a run was training on it, at `step`. */
  onLost(running: boolean, step: number): void {
    this.lost = true;
    this.underRun = running;
    this.stepAt = step;
    this.signal?.();
  }

  /** The current run lost its context: its numbers and checkpoints are not to be trusted. */
  get lostRun(): boolean { return this.underRun; }
  get trusted(): boolean { return !this.underRun; }
  get stepAtLoss(): number { return this.stepAt; }

  /** A training pass starts: resolves null `graceMs` after a loss during it (never otherwise). */
  abandoned(): Promise<null> {
    this.underRun = false;
    return new Promise<null>((resolve) => {
      this.signal = () => setTimeout(() => resolve(null), this.graceMs);
    });
  }

  /** The pass ended. */
  passEnded(): void {
    this.signal = null;
  }

  /** Before a webgl request: true (once) when the lost context must be forgotten and a new one made. */
  takeLost(): boolean {
    if (!this.lost) return false;
    this.lost = false;
    return true;
  }

  /**
   * After a pass whose context was lost: frees the variables of a run that
   * never reached its own cleanup (`finished` false), removes the
   * checkpoints written from the step before the loss on, and says where
   * Resume goes on from.
   */
  async recover(store: RunStore, finished: boolean): Promise<{ dropped: number; dir: string | null }> {
    if (!finished) {
      try {
        tf.disposeVariables();
      } catch {
        (tf.engine().state as { registeredVariables: Record<string, unknown> }).registeredVariables = {};
      }
    }
    const dropped = await dropCheckpointsAfter(store, Math.max(0, this.stepAt - 1));
    const ck = await loadLatestCheckpoint(store);
    return { dropped, dir: ck ? ck.dir : null };
  }
}
