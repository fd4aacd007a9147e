import { BOUNDS } from './bounds.js';

/** Polls `check` until it holds (or throws `what` after `timeoutMs`): for conditions, instead of sleeps. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs: number = BOUNDS.condition,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
