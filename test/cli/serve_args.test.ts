// scripts/serve.js parses its flags with commander, as the other CLIs do.
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
// @ts-expect-error plain JS module without declarations
import { parseServeArgs, DEFAULT_PORT } from '../../scripts/serve.js';

describe('serve.js arguments', () => {
  it('defaults, both spellings of a value, and -p', () => {
    expect(parseServeArgs([])).toEqual({ port: DEFAULT_PORT });
    expect(parseServeArgs(['--port=0', '--host', '0.0.0.0', '--dir', 'some/dir'])).toEqual({ port: 0, host: '0.0.0.0', dir: resolve('some/dir') });
    expect(parseServeArgs(['-p', '9000'])).toEqual({ port: 9000 });
  });

  it('rejects a bad port, an unknown option and a stray argument', () => {
    for (const p of ['65536', '-1', '1.5', 'http', '']) expect(() => parseServeArgs(['--port', p]), p).toThrow(/must be an integer in \[0, 65535\]/);
    expect(() => parseServeArgs(['--bogus'])).toThrow(/unknown option '--bogus'/);
    expect(() => parseServeArgs(['extra'])).toThrow(/too many arguments/);
  });

  it('--help prints the options and says so', () => {
    let out = '';
    expect(parseServeArgs(['--help'], (s: string) => { out += s; })).toBe('help');
    expect(out).toMatch(/--port <N>[\s\S]*--host <H>[\s\S]*--dir <D>/);
  });
});
