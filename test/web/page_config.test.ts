// The page's settings -> config glue (src/web/page_config.ts) in Node.
import { describe, expect, it } from 'vitest';
import { PAGE_EXTRA_DEFAULTS, configFromCheckpoint, describeConfig, errorText, pageExtra, resumedConfig, webglVersionOf } from '../../src/web/page_config';
import { ConfigError, DEFAULTS, resolveConfig, type TrainConfig } from '../../src/train/config';
import { CheckpointError } from '../../src/train/checkpoint';
import { DatasetError } from '../../src/data/dataset';
import { BackendError } from '../../src/backend/select';

describe('page config glue', () => {
  it('the URL overrides the page defaults, which override the CLI defaults', () => {
    expect(pageExtra({})).toEqual(PAGE_EXTRA_DEFAULTS);
    expect(pageExtra({ checkpointEvery: 2 })).toEqual({ ...PAGE_EXTRA_DEFAULTS, checkpointEvery: 2 });
    expect(PAGE_EXTRA_DEFAULTS.checkpointEvery).not.toBe(DEFAULTS.checkpointEvery);
  });

  it('a resume takes the form\'s resumable settings (steps, backend, sample-every) and keeps the run\'s architecture', () => {
    const run = resolveConfig({ size: 32, ngf: 8, ndf: 8, steps: 10, backend: 'wasm', sampleEvery: 5 });
    const now = resolveConfig({ size: 64, ngf: 16, ndf: 32, steps: 400, backend: 'webgl', sampleEvery: 1, lr: 0.01 } as Partial<TrainConfig>);
    const c = resumedConfig(run, now);
    expect([c.steps, c.backend, c.sampleEvery]).toEqual([400, 'webgl', 1]);
    expect([c.size, c.ngf, c.ndf, c.lr]).toEqual([run.size, 8, 8, run.lr]);
    expect(run.steps).toBe(10); // not changed in place
  });

  it("a checkpoint's config takes this page's backend and extras; a config the page refuses is a CheckpointError", () => {
    const saved = { size: 32, ngf: 8, ndf: 8, zDim: 16, backend: 'cpu', checkpointEvery: 1000 };
    const c = configFromCheckpoint({ step: 3, config: saved } as never, pageExtra({}), 'wasm');
    expect([c.size, c.ngf, c.ndf, c.backend]).toEqual([32, 8, 8, 'wasm']);
    let err: unknown;
    try {
      configFromCheckpoint({ step: 3, config: { ...saved, loss: 'no-such-loss' } } as never, {}, 'auto');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/no-such-loss/);
  });

  it('words errors by kind, and sees the unexpected ones', () => {
    const seen: unknown[] = [];
    const t = (e: unknown) => errorText(e, (x) => seen.push(x));
    expect(t(new ConfigError('lr must be > 0'))).toBe('settings: lr must be > 0');
    expect(t(new DatasetError('no images'))).toBe('data: no images');
    expect(t(new BackendError('no WebGL'))).toBe('backend: no WebGL');
    expect(t(new CheckpointError('bad'))).toBe('checkpoint: bad');
    expect(seen).toEqual([]);
    const odd = new TypeError('x is undefined');
    expect(t(odd)).toBe('x is undefined');
    expect(seen).toEqual([odd]);
  });

  it('?webgl is 1 or 2 (2 when absent), anything else named', () => {
    expect(webglVersionOf(null)).toBe(2);
    expect(webglVersionOf('1')).toBe(1);
    expect(webglVersionOf('2')).toBe(2);
    expect(() => webglVersionOf('3')).toThrow(ConfigError);
    expect(() => webglVersionOf('')).toThrow('?webgl must be 1 or 2, got ""');
  });

  it('describes an architecture in one line', () => {
    const c = resolveConfig({ size: 32, ngf: 8, ndf: 16, zDim: 16 } as Partial<TrainConfig>);
    expect(describeConfig(c)).toBe(`${c.loss}${c.sn ? '+sn' : ''}, 32x32, ngf 8, ndf 16, z 16`);
    expect(describeConfig({ ...c, layers: 'tfjs-same' })).toMatch(/legacy tfjs 'same' padding$/);
  });
});
