// The page's training data, without the DOM (tested in Node:
// test/web/page_data.test.ts): the built-in faces or the picked image files,
// loaded once per (source, count, size) and kept for the next run; the batch
// sampler a run trains on. The loaders come in (faces_browser.ts,
// data/files_browser.ts in the page), and so does what the page shows.
import { BatchSampler } from '../data/sampler';
import { DatasetError, type ImageDataset } from '../data/dataset';
import type { Sampler } from '../train/loop';
import type { TrainConfig } from '../train/config';

export type DataSource = 'faces' | 'files';

export interface FacesLoaded {
  ds: ImageDataset;
  from: 'cache' | 'drawn' | string;
  /** Why the kept set could not be used (it was drawn again). */
  cacheMiss?: string | null;
  /** Settles when the drawn faces are kept in this browser. */
  saved?: Promise<unknown>;
}

export interface DataLoaders {
  faces(n: number, size: number, onProgress: (done: number, total: number) => void): Promise<FacesLoaded>;
  files(files: File[], opts: { size: number; onProgress: (done: number, total: number) => void }): Promise<ImageDataset>;
}

export interface DataView {
  log(msg: string): void;
  /** A load's progress (null: done, hide it). */
  progress(done: number, total: number): void;
  progressDone(): void;
  /** The line under the data choice. */
  info(text: string): void;
  /** A warning that stays up (e.g. skipped files). */
  warn(msg: string): void;
}

/** Which data a run of `size` uses: changes when the source, its count or the size does. */
export function dataKey(src: DataSource, faces: number, files: number | undefined, size: number): string {
  return src === 'faces' ? `faces:${faces}:${size}` : `files:${files}:${size}`;
}

/** The line shown when files are picked. */
export function pickedText(names: readonly string[]): string {
  const imgs = names.filter((n) => /\.(jpe?g|png)$/i.test(n)).length;
  return `${imgs} image file${imgs === 1 ? '' : 's'} picked${names.length > imgs ? ` (${names.length - imgs} other files ignored)` : ''}; decoded when you press Train`;
}

/** A BatchSampler that starts a fresh epoch when a checkpoint came from another dataset (a CLI run). */
export class TolerantSampler implements Sampler {
  constructor(private readonly s: BatchSampler, private readonly log: (msg: string) => void) {}
  next() { return this.s.next(); }
  get epoch() { return this.s.epoch; }
  state() { return this.s.state(); }
  restore(state: object) {
    try {
      this.s.restore(state);
    } catch (e) {
      this.log(`data: ${(e as Error).message}; the batches start a new epoch on this page's data`);
    }
  }
}

export class PageData {
  /** The data now loaded (null: none yet, or the picks changed). */
  ds: ImageDataset | null = null;
  private key = '';
  private picked: File[] | null = null;
  /** Settles when the faces drawn last are stored in this browser (true) or could not be (false). */
  facesSaved: Promise<boolean> = Promise.resolve(false);
  /** What run.json says about the data. */
  runInfo: Record<string, unknown> = {};
  /** The batch sampler of the run prepared last (null: none, or the run was dropped). */
  sampler: Sampler | null = null;

  constructor(private readonly loaders: DataLoaders, private readonly view: DataView) {}

  /** Files picked or dropped: the data of the next run (decoded then). */
  useFiles(files: File[]): void {
    this.picked = files;
    this.view.info(pickedText(files.map((f) => f.name)));
    this.ds = null;
    this.key = '';
  }

  /** The data for a run of `size` from `src` (`faces`: the built-in set's count): loaded once, then kept. */
  async ensure(size: number, src: DataSource, faces: number): Promise<ImageDataset> {
    const key = dataKey(src, faces, this.picked?.length, size);
    if (this.ds && this.key === key) return this.ds;
    const t0 = performance.now();
    const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
    const onProgress = (d: number, t: number) => this.view.progress(d, t);
    let ds: ImageDataset;
    let fromCache = false;
    if (src === 'faces') {
      let drawing = false;
      const got = await this.loaders.faces(faces, size, (d, t) => {
        if (!drawing) {
          drawing = true;
          this.view.log(`data: drawing ${faces} built-in faces (the CLI's generator) at ${size}x${size}; the first time only: they are kept in this browser for next time`);
        }
        onProgress(d, t);
        this.view.info(`drawing the built-in faces: ${d}/${t} (first time only: kept in this browser)`);
      });
      ds = got.ds;
      if (got.cacheMiss) this.view.log(`data: ${got.cacheMiss}; drawn again`);
      if (got.from === 'cache') {
        fromCache = true;
        this.view.log(`data: ${faces} built-in faces at ${size}x${size} from this browser's cache (${secs()} s)`);
      } else {
        this.facesSaved = (got.saved ?? Promise.reject(new Error('not kept'))).then(
          () => {
            this.view.log('data: the drawn faces are kept in this browser: the next Train starts without drawing them');
            return true;
          },
          (e) => {
            this.view.log(`WARNING: the drawn faces could not be kept in this browser (they are drawn again after a reload): ${(e as Error).message}`);
            return false;
          },
        );
      }
      this.runInfo = { source: 'built-in faces', n: faces };
    } else {
      const files = this.picked;
      if (!files?.length) throw new DatasetError('no images picked: drop images or a folder, or use "pick files"');
      this.view.log(`data: decoding ${files.length} files with the WASM pipeline in Web Workers`);
      onProgress(0, files.length);
      ds = await this.loaders.files(files, { size, onProgress });
      this.runInfo = { source: 'your images', n: ds.n, skipped: ds.skipped.count };
      if (ds.skipped.count) {
        const ex = ds.skipped.examples.map((x) => `${x.file} (${x.error})`).join('; ');
        const msg = `skipped ${ds.skipped.count} unreadable image${ds.skipped.count > 1 ? 's' : ''}: ${ex}${ds.skipped.count > ds.skipped.examples.length ? '; ...' : ''}`;
        this.view.warn(msg);
        this.view.log(msg);
      }
    }
    this.ds = ds;
    this.key = key;
    this.view.progressDone();
    this.view.info(`${ds.n} images at ${size}x${size} (${secs()} s${fromCache ? ', from this browser\'s cache' : ''})`);
    return ds;
  }

  /**
   * The data and batch sampler for a run of `c` (DatasetError when the batch
   * is larger than the data). `sampler` becomes it only when `ready` (e.g.
   * the backend) has started too.
   */
  async prepare(c: TrainConfig, src: DataSource, faces: number, ready: () => Promise<unknown> = async () => {}): Promise<{ ds: ImageDataset; sampler: Sampler }> {
    const ds = await this.ensure(c.size, src, faces);
    if (c.batch > ds.n) throw new DatasetError(`batch ${c.batch} is larger than the dataset (${ds.n} images): lower batch or use more images`);
    await ready();
    const sampler = new TolerantSampler(new BatchSampler(ds, c.batch, c.seed, { flip: c.flip }), this.view.log);
    this.sampler = sampler;
    return { ds, sampler };
  }
}
