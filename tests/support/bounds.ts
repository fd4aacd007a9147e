/**
 * Every time bound of the test suite, in one place. A bound stops a test that hangs; none is a speed
 * target. With two whole suites at once on a 2-core machine others were also using (load average 20),
 * tests took up to ten times as long as on a quiet machine, so each bound is more than ten times the
 * slowest work it bounds there (a browser journey step 51 s, an integration test 8 s, a unit test
 * 0.2 s). Tests wait for conditions (tests/support/wait.ts), never for time, so a generous bound costs
 * nothing when all is well.
 */
export const BOUNDS = {
  /**
   * Per test and per hook, by kind of test (the Jest projects in jest.config.js): Jest gives a hook the
   * same default as a test. tests/support/set-bounds.ts applies them.
   */
  unit: 15_000,
  integration: 180_000,
  browser: 600_000,
  /**
   * A test or hook that starts processes of its own and drives them (the app as a separate process, a
   * PostgreSQL cluster, the jobs process): it declares this bound itself.
   */
  processes: 600_000,
  /** One start of such a process, until it says it is ready (several may happen in one test). */
  processStart: 180_000,
  /** One wait for a condition (waitFor's default). */
  condition: 60_000,
  /** One browser action (a click, a page load), so a step fails with Playwright's own message first. */
  browserAction: 60_000,
} as const;

export type TestKind = 'unit' | 'integration' | 'browser';
