// `node scripts/train.js`: the trainer (platform/train_node.ts: flags from the
// config schema, the data, the backend, train/run.ts's job) with progress bars
// on stderr. Exit codes: 0 done or interrupted cleanly (SIGINT), 1 the run
// failed (non-finite loss, internal error), 2 bad usage or bad input (nothing
// written).
import { runTrainArgv } from '../platform/train_node';
import { makeProgressBar } from './progress';

export { parseTrainArgs, planRun, UsageError } from '../platform/train_node';

export function runTrainCli(argv: string[]): Promise<number> {
  return runTrainArgv(argv, { bar: makeProgressBar });
}
