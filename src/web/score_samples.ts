// Scoring a sample set on the page (the diversity CLI's report, in the
// browser): picked files -> a SampleSet (a .npy, one grid image as the
// trainer writes it, or one image per sample), scored against the page's
// data when it has the samples' size. No DOM: files are anything with a
// name and bytes.
import { DatasetError, type ImageDataset } from '../data/dataset';
import { decodeImage } from '../image/decode';
import { scoreDiversity, type DiversityReport } from '../metrics/diversity';
import { referenceFromU8 } from '../metrics/trainer';
import { fromImages, parseNpy, splitGrid, subsetSamples, type SampleSet } from '../metrics/samples';

export interface NamedBytes {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** `n` images of the dataset, evenly spread, as a reference set. */
export function referenceSet(d: ImageDataset, n: number): SampleSet {
  const k = Math.min(n, d.n);
  const row = d.size * d.size * 3;
  const out = new Uint8Array(k * row);
  for (let i = 0; i < k; i++) {
    const src = Math.floor((i * d.n) / k);
    out.set(d.images.subarray(src * row, (src + 1) * row), i * row);
  }
  return referenceFromU8(out, k, d.size);
}

/** The sample set in picked files; unreadable images are skipped and named through `log`. */
export async function sampleSetFromFiles(files: NamedBytes[], log: (msg: string) => void): Promise<SampleSet> {
  const npy = files.find((f) => /\.npy$/i.test(f.name));
  if (npy) return parseNpy(new Uint8Array(await npy.arrayBuffer()));
  const imgs = [];
  const bad: string[] = [];
  for (const f of files.filter((x) => /\.(png|jpe?g)$/i.test(x.name))) {
    try {
      imgs.push(decodeImage(new Uint8Array(await f.arrayBuffer()), { file: f.name }));
    } catch (e) {
      bad.push(`${f.name} (${(e as Error).message})`);
    }
  }
  if (bad.length) log(`skipped ${bad.length} unreadable image${bad.length > 1 ? 's' : ''}: ${bad.slice(0, 5).join('; ')}`);
  if (!imgs.length) throw new DatasetError(`none of the ${files.length} picked files is a readable image${bad.length ? `: ${bad[0]}` : ''}`);
  if (imgs.length === 1) {
    // One picture: a grid as the trainer writes it (8 columns, 2-pixel border).
    const img = imgs[0];
    const tile = (img.width - 18) / 8;
    const rows = Math.round((img.height - 2) / (tile + 2));
    return splitGrid(img, rows, 8, 2);
  }
  return fromImages(imgs);
}

/** The diversity report of `set` (at most 1,024 samples; 20,000 random pairs past 256), against `data` when it has the samples' size. */
export async function scoreSampleSet(set: SampleSet, data: ImageDataset | null): Promise<{ report: DiversityReport; withReference: boolean }> {
  const ref = data && data.size === set.width && set.height === set.width ? referenceSet(data, Math.min(256, data.n)) : undefined;
  const report = await scoreDiversity(set.n > 1024 ? subsetSamples(set, Array.from({ length: 1024 }, (_, i) => i)) : set, { ref, pairs: set.n > 256 ? 20000 : undefined });
  return { report, withReference: !!ref };
}
