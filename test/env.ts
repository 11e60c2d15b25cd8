// What tests need from outside the repository (the ../shared corpora, a
// Chromium, headless-gl) and what happens without it: outside CI the tests
// that need it are skipped with a notice; under CI (CI set, not 'false'/'0')
// a missing one fails the test file loudly, as test/e2e/page.test.ts does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const inCi = !!process.env.CI && !['false', '0'].includes(process.env.CI);

/** ../shared/corpora (next to the repository). */
export const CORPORA = join(__dirname, '../../shared/corpora');

/** The first Chromium found: $CHROMIUM_PATH, then Debian's and Google's. */
export const CHROMIUM: string | undefined = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p): p is string => !!p && existsSync(p));

/**
 * `present`, or, when it is not: under CI throws (the test file fails),
 * otherwise warns and returns false so the caller skips.
 */
export function required(present: boolean, what: string, hint: string, ci = inCi): boolean {
  if (present) return true;
  if (ci) throw new Error(`${what} is missing and CI is set: ${hint}`);
  console.warn(`NOTICE: ${what} is missing, its tests are skipped (${hint})`);
  return false;
}

/** Whether the corpus folder ../shared/corpora/`name` exists (see `required`). */
export function haveCorpus(name: string): boolean {
  return required(existsSync(join(CORPORA, name)), `corpus ../shared/corpora/${name}`, 'check out the shared corpora next to the repository');
}

/** The Chromium to use, or undefined to skip (see `required`). */
export function chromiumOrSkip(who: string): string | undefined {
  return required(CHROMIUM !== undefined, `Chromium (${who})`, "apt-get install chromium, or set CHROMIUM_PATH") ? CHROMIUM : undefined;
}
