// Commander set up the same way for every script: no process.exit, help on
// stdout, and parse errors turned into one-line messages for exit code 2.
import { Command, CommanderError } from 'commander';

export function quietCommand(name: string): Command {
  return new Command(name)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
}

/** Parses argv; 'help' when help was shown, or the one-line error message. */
export function parseArgs(cmd: Command, argv: string[]): { ok: true } | { ok: false; help: true } | { ok: false; help: false; error: string } {
  try {
    cmd.parse(argv, { from: 'user' });
    return { ok: true };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return { ok: false, help: true };
    return { ok: false, help: false, error: e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ') };
  }
}
