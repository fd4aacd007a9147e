import type { Db } from '../db/prisma.js';

export interface HitCount {
  hits: number;
  resetAt: Date;
}

/**
 * Counts one hit for `key` in a single statement (safe under concurrency, across app instances): a
 * new key, or one whose window has ended, starts a window of `windowMs` at one hit; otherwise the
 * count goes up by one and the window keeps its end.
 */
export async function incrementHit(db: Db, key: string, now: Date, windowMs: number): Promise<HitCount> {
  const resetAt = new Date(now.getTime() + windowMs);
  const rows = await db.$queryRaw<{ hits: number; reset_at: Date }[]>`
    INSERT INTO rate_limit_hits AS current (key, hits, reset_at)
    VALUES (${key}, 1, ${resetAt})
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN current.reset_at <= ${now} THEN 1 ELSE current.hits + 1 END,
      reset_at = CASE WHEN current.reset_at <= ${now} THEN EXCLUDED.reset_at ELSE current.reset_at END
    RETURNING hits, reset_at`;
  const row = rows[0];
  if (!row) throw new Error('rate limit: the counter upsert returned no row');
  return { hits: row.hits, resetAt: new Date(row.reset_at) };
}

/** The count of a window still open at `now`, if any. */
export async function findHits(db: Db, key: string, now: Date): Promise<HitCount | undefined> {
  const row = await db.rateLimitHit.findFirst({
    where: { key, resetAt: { gt: now } },
    select: { hits: true, resetAt: true },
  });
  return row ?? undefined;
}

/** Takes back one hit of an open window (express-rate-limit does this for requests it should not count). */
export async function decrementHit(db: Db, key: string, now: Date): Promise<void> {
  await db.rateLimitHit.updateMany({
    where: { key, resetAt: { gt: now }, hits: { gt: 0 } },
    data: { hits: { decrement: 1 } },
  });
}

export async function deleteHits(db: Db, key: string): Promise<void> {
  await db.rateLimitHit.deleteMany({ where: { key } });
}

/** Rows whose window ended before `now`: a later hit would start afresh anyway. */
export async function deleteExpiredHits(db: Db, now: Date): Promise<number> {
  const deleted = await db.rateLimitHit.deleteMany({ where: { resetAt: { lte: now } } });
  return deleted.count;
}
