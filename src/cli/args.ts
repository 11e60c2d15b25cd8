// Commander set up the same way for every script: no process.exit, help on
// stdout, and parse errors turned into one-line messages for exit code 2.
import { Command, CommanderError } from 'commander';

export function quietCommand(name: string): Command {
  return new Command(name)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
}

/**
 * Parses argv. Returns null to go on, or the exit code to return now: 0 after
 * help was shown, 2 after a one-line `PROG: error: ...` on stderr.
 */
export function parseArgs(cmd: Command, argv: string[], prog: string): number | null {
  try {
    cmd.parse(argv, { from: 'user' });
    return null;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return 0;
    process.stderr.write(`${prog}: error: ${e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}\n`);
    return 2;
  }
}

/** A bad flag value; every CLI reports it as `PROG: error: MESSAGE` and exit code 2. */
export class CliArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliArgError';
  }
}

/**
 * An integer flag value in [min, max]. Accepts what the trainer's config
 * accepts (anything Number() reads as an integer: '1000', '1e3'), so every
 * script takes the same spellings. Throws CliArgError.
 */
export function intFlag(v: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isInteger(x) || x < min || x > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new CliArgError(`${flag} must be an integer ${range}, got ${JSON.stringify(v)}`);
  }
  return x;
}
