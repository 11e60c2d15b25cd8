import { describe, it, expect } from 'vitest';
import { resolveConfig, parsePartial, parseSavedConfig, savedLayers, configFromSaved, ConfigError, FIELDS, DEFAULTS } from '../../src/train/config';

describe('config schema', () => {
  it('--preset hw11 is the course seed, and flags override it', () => {
    const c = resolveConfig({ preset: 'hw11' });
    expect([c.loss, c.opt, c.lr, c.lrD, c.beta1, c.beta2, c.batch, c.zDim, c.size, c.ngf, c.ndf, c.sn]).toEqual(['bce', 'adam', 1e-4, 1e-4, 0.5, 0.999, 64, 100, 64, 64, 64, false]);
    const o = resolveConfig({ preset: 'hw11', lr: 2e-4, size: 32 });
    expect([o.lr, o.size, o.ngf]).toEqual([2e-4, 32, 64]);
  });

  it('fills loss-dependent defaults only where nothing was given', () => {
    const w = resolveConfig({ loss: 'wgan' });
    expect([w.opt, w.lr, w.clip, w.nCritic, w.gp]).toEqual(['rmsprop', 5e-5, 0.01, 5, 0]);
    const gp = resolveConfig({ loss: 'wgan-gp' });
    expect([gp.opt, gp.beta1, gp.beta2, gp.gp, gp.nCritic, gp.clip]).toEqual(['adam', 0, 0.9, 10, 5, 0]);
    const mine = resolveConfig({ loss: 'wgan', clip: 0.1, opt: 'adam', nCritic: 2 });
    expect([mine.opt, mine.clip, mine.nCritic]).toEqual(['adam', 0.1, 2]);
    const b = resolveConfig({});
    expect([b.opt, b.lr, b.lrD, b.beta1, b.clip, b.gp, b.nCritic]).toEqual(['adam', 2e-4, 2e-4, 0.5, 0, 0, 1]);
    expect([gp.lr, gp.lrD]).toEqual([1e-4, 1e-4]);
    expect(resolveConfig({ loss: 'hinge' }).lr).toBe(2e-4);
  });

  it('rejects unknown keys and bad values with messages naming them', () => {
    expect(() => parsePartial({ lrr: 1 }, 'c.json')).toThrow(/c.json: unknown setting "lrr"/);
    expect(() => parsePartial({ lr: -1 }, 'c.json')).toThrow(/"lr" must be > 0/);
    expect(() => parsePartial({ batch: 2.5 }, 'c.json')).toThrow(/must be an integer/);
    expect(() => parsePartial({ loss: 'gan' }, 'c.json')).toThrow(/must be one of bce, lsgan, wgan, wgan-gp, hinge/);
    expect(() => parsePartial([1], 'c.json')).toThrow(ConfigError);
    expect(() => resolveConfig({ loss: 'wgan', clip: 0 })).toThrow(/needs a Lipschitz constraint/);
    // flag names work as keys too
    expect(parsePartial({ 'n-critic': 3, 'z-dim': 16 }, 'c.json')).toEqual({ nCritic: 3, zDim: 16 });
  });

  it('every field has a default and a help text', () => {
    for (const f of FIELDS) {
      expect(f.key in DEFAULTS, f.key).toBe(true);
      expect(f.help.length, f.key).toBeGreaterThan(8);
    }
  });

  it("layers: new runs are 'torch'; a saved config without the field is an old run, 'tfjs-same'", () => {
    expect(resolveConfig({}).layers).toBe('torch');
    expect(resolveConfig({ preset: 'hw11' }).layers).toBe('torch');
    expect(resolveConfig(parsePartial({ layers: 'tfjs-same' }, 'f')).layers).toBe('tfjs-same');
    expect(() => parsePartial({ layers: 'caffe' }, 'cfg.json')).toThrow(/cfg.json: "layers" must be one of torch, tfjs-same, got "caffe"/);
    // a user's --config file without the field: today's default
    expect(resolveConfig(parsePartial({ size: 64 }, 'f')).layers).toBe('torch');
    // a run's own saved config (config.json, state.json) without it: written before the field existed
    expect(parseSavedConfig({ size: 64 }, 'config.json').layers).toBe('tfjs-same');
    expect(parseSavedConfig({ size: 64, layers: 'torch' }, 'config.json').layers).toBe('torch');
    expect(savedLayers({})).toBe('tfjs-same');
    expect(savedLayers(undefined)).toBe('tfjs-same');
    expect(savedLayers({ layers: 'torch' })).toBe('torch');
    expect(() => savedLayers({ layers: 2 })).toThrow(ConfigError);
  });

  it("configFromSaved (the page's Load checkpoint and saved run): the checkpoint's architecture, the loader's backend, old runs keep 'tfjs-same'", () => {
    // as a state.json holds it (JSON: NaN becomes null)
    const saved = JSON.parse(JSON.stringify({ ...resolveConfig({ size: 64, ngf: 8, loss: 'hinge', sn: true }), backend: 'webgl', out: '/x', data: '/d', threads: 3 }));
    const c = configFromSaved(saved, { faces: 128 }, { backend: 'wasm' });
    expect([c.size, c.ngf, c.loss, c.sn, c.layers, c.backend, c.out, c.data, c.threads, c.faces]).toEqual([64, 8, 'hinge', true, 'torch', 'wasm', null, null, 0, saved.faces]);
    const { layers: _, ...old } = saved;
    expect(configFromSaved(old).layers).toBe('tfjs-same');
    expect(() => configFromSaved({ ...saved, size: 48 })).toThrow(/state.json: config.size must be one of 32, 64/);
  });
});
