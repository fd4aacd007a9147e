import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Db } from '../db/prisma.js';
import { decrementHit, deleteHits, findHits, incrementHit } from './queries.js';

/**
 * express-rate-limit's Store on the `rate_limit_hits` table: the count lives in PostgreSQL, so every
 * app instance behind the load balancer counts against the same limit (nothing is kept in memory).
 * Windows are fixed: they start at a client's first hit and last `windowMs`, timed by the app's clock.
 */
export class PostgresRateLimitStore implements Store {
  /** Counts are shared between instances, not local to this process. */
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
    /** Keeps each limiter's keys apart in the one table ("sign-in:", "upload:"). */
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const count = await findHits(this.db, this.prefix + key, this.clock());
    return count && { totalHits: count.hits, resetTime: count.resetAt };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const count = await incrementHit(this.db, this.prefix + key, this.clock(), this.windowMs);
    return { totalHits: count.hits, resetTime: count.resetAt };
  }

  async decrement(key: string): Promise<void> {
    await decrementHit(this.db, this.prefix + key, this.clock());
  }

  async resetKey(key: string): Promise<void> {
    await deleteHits(this.db, this.prefix + key);
  }
}
