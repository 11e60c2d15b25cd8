// The run kept in this browser when it is not the page's (src/web/run_state.ts):
// the line that says what it is and why it was not restored, with Restore
// saved run and Discard saved run.
import type { MemoryStore } from '../../train/store';
import { keptRunText, type RunKeeper } from '../run_state';
import { banner } from './view';

export interface SavedRunEls {
  box: HTMLElement;
  text: HTMLElement;
  restore: HTMLButtonElement;
  discard: HTMLButtonElement;
  banner: HTMLElement;
}

export class SavedRunPanel {
  constructor(
    private readonly els: SavedRunEls,
    private readonly keeper: RunKeeper<MemoryStore>,
    private readonly log: (msg: string) => void,
    private readonly fail: (msg: string) => void,
  ) {}

  /** Shows the kept run when it is not the page's; Restore only when the page is `idle` (restoring replaces the page's run). */
  show(idle: boolean): void {
    const k = this.keeper;
    const text = k.offerDiscard ? keptRunText(k.kept, !!k.store, (iso) => new Date(iso).toLocaleString()) : null;
    this.els.box.hidden = !text;
    this.els.text.textContent = text ?? '';
    this.els.restore.disabled = !idle;
  }

  /** Discard saved run: the kept run that is not the page's is deleted from this browser. */
  async discard(): Promise<void> {
    const { discard: button, banner: bannerEl } = this.els;
    button.disabled = true;
    try {
      const gone = await this.keeper.discard();
      if (gone) {
        this.log(`discarded the run kept in this browser: ${gone.dir} (step ${gone.step})`);
        if (bannerEl.classList.contains('bad') && /could not be restored/.test(bannerEl.textContent ?? '')) banner(bannerEl, null);
      }
    } catch (e) {
      this.fail(`the run kept in this browser could not be discarded: ${(e as Error).message}`);
    } finally {
      button.disabled = false;
    }
  }
}
