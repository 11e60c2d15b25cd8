import { describe, it, expect } from 'vitest';
import { intFlag, CliArgError } from '../../src/cli/args';

describe('intFlag: one integer syntax for every script', () => {
  it('reads what the trainer config reads', () => {
    expect(intFlag('1000', '--n', 1)).toBe(1000);
    expect(intFlag('1e3', '--n', 1)).toBe(1000);
    expect(intFlag(' 7 ', '--n', 1)).toBe(7);
    expect(intFlag('0', '--seed', 0, 10)).toBe(0);
    expect(intFlag('10', '--seed', 0, 10)).toBe(10);
  });

  it('rejects non-integers, blanks and out-of-range values with the flag and the value in the message', () => {
    const bad: Array<[string, number, number | undefined, RegExp]> = [
      ['abc', 1, undefined, /^--n must be an integer >= 1, got "abc"$/],
      ['', 1, undefined, /got ""/],
      ['  ', 1, undefined, /must be an integer/],
      ['2.5', 1, undefined, /got "2.5"/],
      ['0', 1, 5, /^--n must be an integer in \[1, 5\], got "0"$/],
      ['6', 1, 5, /in \[1, 5\]/],
      ['-1', 0, undefined, />= 0/],
      ['Infinity', 0, undefined, /must be an integer/],
    ];
    for (const [v, min, max, re] of bad) {
      let err: unknown;
      try { intFlag(v, '--n', min, max); } catch (e) { err = e; }
      expect(err, v).toBeInstanceOf(CliArgError);
      expect((err as Error).message).toMatch(re);
    }
  });
});
