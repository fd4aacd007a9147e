// Retries of outbound work (an email, a virus scan) wait longer after each failure, so a system that
// is down is not hammered, and never longer than a few hours, so nothing waits for ever.

const MAX_BACKOFF_MS = 4 * 60 * 60 * 1000;

/** When attempt `attempts` (1, 2, ...) failed: the next try waits base, 2 x base, 4 x base ... up to 4 hours. */
export function nextAttemptAt(now: Date, attempts: number, baseSeconds: number): Date {
  const delay = Math.min(baseSeconds * 1000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  return new Date(now.getTime() + delay);
}
