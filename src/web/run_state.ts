// The page's run and the run kept in this browser's IndexedDB, without the
// DOM (tested in Node: test/e2e/web_units.test.ts). The rules, so that
// nothing a user made is lost:
//   - the in-page run is replaced only by a run that is ready: a new run once
//     its data and backend are prepared (startNew), a checkpoint once its
//     weights are checked (adopt); a failure on the way keeps the current run;
//   - the kept record is replaced only by a save of a run that has a
//     checkpoint (the autosaver's first save of a new run replaces it in one
//     transaction); each save names the store it saves;
//   - a kept run that could not be restored stays kept, with the reason,
//     until the user discards it (discard) or a newer run's save replaces it;
//   - Reset drops the record only when it holds the run being reset.
import type { RunStore } from '../train/store';
import { Autosaver, clearSavedRun, saveNewest, type SavedRun } from './autosave';

/** What the page knows of the kept record. */
export interface KeptRunInfo {
  /** step-NNNNNN */
  dir: string;
  step: number;
  savedAt: string;
}

export interface KeptRun<S> {
  run: KeptRunInfo;
  /** The in-page run it was saved from or restored into; null: a run of an earlier page, not on this one. */
  from: S | null;
  /** Why it was not restored when the page opened (null: it was, or a new run was asked for). */
  whyNotRestored: string | null;
}

export interface KeeperIo<S> {
  /** Replaces the record with the newest checkpoint of `store` (one transaction); null when it has none. */
  save(store: S): Promise<KeptRunInfo | null>;
  /** Deletes the record. */
  clear(): Promise<void>;
}

export const infoOf = (r: SavedRun | KeptRunInfo): KeptRunInfo => ({ dir: r.dir, step: r.step, savedAt: r.savedAt });

/** The IndexedDB record (src/web/autosave.ts). */
export const browserKeeperIo: KeeperIo<RunStore> = {
  save: async (store) => {
    const r = await saveNewest(store);
    return r && infoOf(r);
  },
  clear: clearSavedRun,
};

export class RunKeeper<S extends RunStore = RunStore> {
  private cur: S | null = null;
  private rec: KeptRun<S> | null = null;
  private readonly saver: Autosaver<S, KeptRunInfo>;

  /** onChange: after anything that changes what the page should show about the kept run. */
  constructor(private readonly io: KeeperIo<S>, warn: (msg: string) => void, private readonly onChange: () => void = () => {}) {
    this.saver = new Autosaver<S, KeptRunInfo>(warn, (store, run) => this.saved(store, run), (store) => io.save(store));
  }

  /** The page's run (null: none). */
  get store(): S | null {
    return this.cur;
  }

  /** The kept record as far as this page knows (null: none, or none known). */
  get kept(): KeptRun<S> | null {
    return this.rec;
  }

  /** The kept record holds the page's run. */
  get keptIsPageRun(): boolean {
    return !!this.rec && !!this.cur && this.rec.from === this.cur;
  }

  /** A run is kept that is not the page's: offer to discard it (and to restore it while the page has no run going). */
  get offerDiscard(): boolean {
    return !!this.rec && !this.keptIsPageRun;
  }

  /** The kept run was read when the page opened but not restored (`why`; null: a new run was asked for). */
  notRestored(run: KeptRunInfo, why: string | null): void {
    this.rec = { run: infoOf(run), from: null, whyNotRestored: why };
    this.onChange();
  }

  /** Nothing is kept (the record was found missing). */
  noneKept(): void {
    this.rec = null;
    this.onChange();
  }

  /**
   * A new run: `prepare` (data, backend, settings) first; only when it
   * succeeds does `make`'s store become the page's run. A failure keeps the
   * current run and changes nothing kept.
   */
  async startNew(prepare: () => Promise<void>, make: () => S): Promise<S> {
    await prepare();
    this.cur = make();
    this.onChange();
    return this.cur;
  }

  /**
   * Makes `next` (a loaded or restored checkpoint) the page's run once
   * `validate(next)` passes; when it throws, the current run stays and
   * nothing is saved. `kept`: `next` was restored from the record itself
   * (nothing to save); otherwise its checkpoint is saved as the kept run.
   */
  async adopt(next: S, validate: (s: S) => Promise<void>, kept?: KeptRunInfo): Promise<S> {
    await validate(next);
    this.cur = next;
    if (kept) this.rec = { run: infoOf(kept), from: next, whyNotRestored: null };
    else this.saver.request(next);
    this.onChange();
    return next;
  }

  /** `store` (the page's run) wrote a checkpoint: keep it. */
  checkpointed(store: S): void {
    this.saver.request(store);
  }

  /** Resolves when no save is pending. */
  idle(): Promise<void> {
    return this.saver.idle();
  }

  /**
   * Reset: the page's run is dropped, and the record with it when it holds
   * that run. A kept run that is not the page's stays (Discard drops it).
   * Returns whether the record was deleted.
   */
  async reset(): Promise<boolean> {
    const gone = this.cur;
    this.cur = null;
    await this.saver.idle();
    let dropped = false;
    if (this.rec && gone && this.rec.from === gone) {
      await this.io.clear();
      this.rec = null;
      dropped = true;
    }
    this.onChange();
    return dropped;
  }

  /**
   * Discard saved run: deletes a kept run that is not the page's. Waits for
   * saves under way first; when one of them replaced the record with the
   * page's run, that record stays. Returns the discarded run, or null.
   */
  async discard(): Promise<KeptRunInfo | null> {
    await this.saver.idle();
    if (!this.offerDiscard) return null;
    const run = this.rec!.run;
    await this.io.clear();
    this.rec = null;
    this.onChange();
    return run;
  }

  private saved(store: S, run: KeptRunInfo): void {
    this.rec = { run, from: store, whyNotRestored: null };
    this.onChange();
  }
}

/** The line about a kept run that is not the page's (null: nothing to show). */
export function keptRunText(k: KeptRun<unknown> | null, pageHasRun: boolean, when: (iso: string) => string = (s) => s): string | null {
  if (!k) return null;
  const what = `A run is kept in this browser: ${k.run.dir} (step ${k.run.step}), saved ${when(k.run.savedAt)}.`;
  const replaced = pageHasRun
    ? 'The run on this page replaces it at its first checkpoint; until then a reload brings the kept one back.'
    : 'A new run replaces it at its first checkpoint.';
  if (k.whyNotRestored) return `${what} It could not be restored: ${k.whyNotRestored}. It stays kept: fix what stopped it (e.g. choose another backend) and press Restore saved run, or Discard saved run to drop it. ${replaced}`;
  return `${what} ${replaced}`;
}
