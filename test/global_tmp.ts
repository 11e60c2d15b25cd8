// Global setup: every test run gets its own temporary folder. TMPDIR points
// at it, so os.tmpdir() in the test workers (forks inherit the environment)
// and in every child process they start (train.js, Chromium's profile,
// python) lands inside it, and the teardown removes it whatever the tests
// left behind. Set GANFORGE_KEEP_TEST_TMP=1 to keep it for debugging.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ganforge-test-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.GANFORGE_KEEP_TEST_TMP === '1') {
      console.log(`test temporary files kept in ${dir}`);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
