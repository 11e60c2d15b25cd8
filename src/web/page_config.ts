// The page's settings -> TrainConfig glue, without the DOM (tested in Node:
// test/web/page_config.test.ts): the page's defaults over the CLI's, the
// settings a resume may change, a checkpoint's config on this page, how the
// page words a config and an error.
import { BackendError } from '../backend/select';
import { CheckpointError, type CheckpointState } from '../train/checkpoint';
import { ConfigError, FIELDS, configFromSaved, type TrainConfig } from '../train/config';
import { DatasetError } from '../data/dataset';

/** Page defaults over the CLI's, shown in the form (a live page wants frequent grids and scores). */
export const PAGE_FORM_DEFAULTS: Partial<TrainConfig> = { sampleEvery: 10, diversityEvery: 50 };
/** Page defaults over the CLI's for settings the form does not show; URL parameters override them. */
export const PAGE_EXTRA_DEFAULTS: Partial<TrainConfig> = { diversitySamples: 128, checkpointEvery: 25 };

/** The settings outside the form: the page's defaults, then the URL's. */
export function pageExtra(queryExtra: Partial<TrainConfig>): Partial<TrainConfig> {
  return { ...PAGE_EXTRA_DEFAULTS, ...queryExtra };
}

/** A run's config with the resumable settings (steps, backend, sample-every ...) of `now`: they may change between passes of one run. */
export function resumedConfig(run: TrainConfig, now: TrainConfig): TrainConfig {
  const c = { ...run };
  for (const f of FIELDS) if (f.resumable) (c as Record<string, unknown>)[f.key] = now[f.key];
  return c;
}

/** The architecture and optimisation settings of a checkpoint; this page's backend and extras (CheckpointError when it cannot be used). */
export function configFromCheckpoint(state: CheckpointState, extra: Partial<TrainConfig>, backend: TrainConfig['backend']): TrainConfig {
  try {
    return configFromSaved(state.config, extra, { backend });
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(e.message);
    throw e;
  }
}

/** A run's architecture in one line (the status line after a load or a restore). */
export function describeConfig(c: TrainConfig): string {
  return `${c.loss}${c.sn ? '+sn' : ''}, ${c.size}x${c.size}, ngf ${c.ngf}, ndf ${c.ndf}, z ${c.zDim}${c.layers === 'tfjs-same' ? ", legacy tfjs 'same' padding" : ''}`;
}

/** An error as the page words it: settings:, data:, backend:, checkpoint: ... (`unexpected` sees any other). */
export function errorText(e: unknown, unexpected: (e: unknown) => void = () => {}): string {
  if (e instanceof ConfigError) return `settings: ${e.message}`;
  if (e instanceof DatasetError) return `data: ${e.message}`;
  if (e instanceof BackendError) return `backend: ${e.message}`;
  if (e instanceof CheckpointError) return `checkpoint: ${e.message}`;
  unexpected(e);
  return (e as Error)?.message ?? String(e);
}

/** ?webgl=1|2: the highest WebGL version to use (2 when absent). */
export function webglVersionOf(value: string | null): 1 | 2 {
  if (value === null) return 2;
  if (value === '1' || value === '2') return Number(value) as 1 | 2;
  throw new ConfigError(`?webgl must be 1 or 2, got ${JSON.stringify(value)}`);
}
