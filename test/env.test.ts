// test/env.ts: a missing corpus or browser skips outside CI and fails under CI.
import { describe, expect, it, vi } from 'vitest';
import { required } from './env';

describe('test requirements', () => {
  it('present: runs, in and out of CI', () => {
    expect(required(true, 'x', 'hint', false)).toBe(true);
    expect(required(true, 'x', 'hint', true)).toBe(true);
  });

  it('missing outside CI: skips with a notice', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(required(false, 'corpus ../shared/corpora/pngsuite', 'check it out', false)).toBe(false);
      expect(warn.mock.calls[0][0]).toMatch(/corpus \.\.\/shared\/corpora\/pngsuite is missing, its tests are skipped \(check it out\)/);
    } finally {
      warn.mockRestore();
    }
  });

  it('missing under CI: fails loudly', () => {
    expect(() => required(false, 'Chromium (e2e)', 'apt-get install chromium', true)).toThrow(/Chromium \(e2e\) is missing and CI is set: apt-get install chromium/);
  });
});
