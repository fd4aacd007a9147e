import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// The test files in this folder are not tests of the app: tests/integration/test-run-cleanup.test.ts
// runs them in a test run of its own (scripts/run-jest.mjs) to leave processes behind, and checks the
// run stops them all. Outside such a run they refuse to start.

/** Tells the watching test that this file has started everything it means to. */
export async function sayStarted(name: string): Promise<void> {
  const folder = process.env.RUN_FIXTURE_MARKERS;
  if (!folder) throw new Error('Run only by tests/integration/test-run-cleanup.test.ts');
  await writeFile(join(folder, name), '');
}

/** Never settles: the test waits here for its run to be stopped. */
export function untilInterrupted(): Promise<never> {
  return new Promise<never>(() => undefined);
}
