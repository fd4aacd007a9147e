import type { Store } from 'express-session';
import type pg from 'pg';
import type { Caches } from './caches.js';
import type { Config } from './config.js';
import type { Db } from './db/prisma.js';
import type { VirusScanner } from './evidence/virus-scanner.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/mailer.js';

/** Everything the app needs from outside, built once by server.ts (tests swap only outbound parts). */
export interface AppDeps {
  config: Config;
  prisma: Db;
  /** The pool behind Prisma; jobs hold their advisory locks on one of its connections. */
  pool: pg.Pool;
  logger: Logger;
  sessionStore: Store;
  sessionSecret: string;
  clock: () => Date;
  /** Outbound email (pooled SMTP, or files under DATA_DIR/mail); tests point it at their own server. */
  mailer: Mailer;
  /** What this app keeps in memory between requests (see createCaches). */
  caches: Caches;
  /** ClamAV's daemon (or none): every evidence file is scanned before anyone may download it. */
  scanner: VirusScanner;
}

/** What services read and write with: the database and what the app keeps in memory. */
export type DataDeps = Pick<AppDeps, 'prisma' | 'caches'>;
