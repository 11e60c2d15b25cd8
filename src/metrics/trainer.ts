// The trainer's entry point: generator output (NHWC floats in [-1,1], as
// tfjs returns it) scored against a held real subset, flattened to one
// metrics.jsonl record.
import { scoreDiversity, type DiversityOptions, type DiversityReport } from './diversity';
import { fromGeneratorOutput, type SampleSet } from './samples';
import type { SwdResult } from './swd';

export interface DiversityRecord {
  verdict: DiversityReport['verdict'];
  msssim: number;
  msssim_std: number;
  vendi: number;
  /** Vendi / n: 1 = every sample distinct, 1/n = one image. */
  vendi_norm: number;
  vendi_msssim: number | null;
  dup_rate: number;
  support: number | null;
  ndb_k: number | null;
  ref_msssim: number | null;
  ref_vendi_msssim: number | null;
  reasons: string[];
  seconds: number;
  /** With `swd`: SWD x 1e3 to the reference, the average of the levels, and per level as swd<side> (swd32, swd16, ...). */
  swd?: number;
  /** Seconds of the SWD part of `seconds`. */
  swd_seconds?: number;
  [key: string]: unknown;
}

export function diversityRecord(r: DiversityReport): DiversityRecord {
  return {
    verdict: r.verdict, msssim: r.msssim.mean, msssim_std: r.msssim.std, vendi: r.vendi, vendi_norm: r.vendi / r.n,
    vendi_msssim: r.vendi_msssim, dup_rate: r.duplicates.rate, support: r.support.estimate, ndb_k: r.ndb?.ndb_k ?? null,
    ref_msssim: r.ref?.msssim.mean ?? null, ref_vendi_msssim: r.ref?.vendi_msssim ?? null, reasons: r.reasons, seconds: r.seconds,
    ...(r.swd ? swdFields(r.swd) : {}),
  };
}

/** An SWD result as flat record fields: swd (the average) and swd<side> per level, finest first. */
export function swdFields(s: SwdResult): Record<string, number> {
  const out: Record<string, number> = { swd: s.avg };
  s.resolutions.forEach((r, i) => (out[`swd${r}`] = s.per_level[i]));
  return out;
}

/**
 * Scores n generated samples (NHWC in [-1,1], size x size x channels) against
 * `ref` (e.g. a held real subset as u8 NHWC). 256 samples + 256 reference
 * take about 1-2 s on two cores (see npm run bench:diversity); `swd: true`
 * adds the sliced Wasserstein distance to `ref` (record fields swd, swd32, ...).
 */
export async function scoreGeneratedSamples(samples: Float32Array, n: number, size: number, opts: Omit<DiversityOptions, 'onProgress'> & { channels?: number } = {}): Promise<DiversityRecord> {
  const set = fromGeneratorOutput(samples, n, size, size, opts.channels ?? 3);
  // the SWD part's time: from its first progress event to its last
  let swdT0 = 0, swdT1 = 0;
  const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
  const onProgress = (p: { stage: string; done: number; total: number }) => {
    if (p.stage !== 'SWD') return;
    if (p.done === 0) swdT0 = now();
    else if (p.done === p.total) swdT1 = now();
  };
  const rec = diversityRecord(await scoreDiversity(set, { ...opts, onProgress }));
  if (typeof rec.swd === 'number' && swdT1 >= swdT0 && swdT0 > 0) rec.swd_seconds = (swdT1 - swdT0) / 1000;
  return rec;
}

/** A reference SampleSet from u8 NHWC RGB rows (the dataset's cache layout). */
export function referenceFromU8(data: Uint8Array, n: number, size: number): SampleSet {
  if (data.length !== n * size * size * 3) throw new Error(`referenceFromU8: ${data.length} bytes is not ${n}x${size}x${size}x3`);
  return { n, height: size, width: size, channels: 3, data };
}
