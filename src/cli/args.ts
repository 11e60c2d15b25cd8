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
