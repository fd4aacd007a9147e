import { randomUUID } from 'node:crypto';
import { adminQuery, databaseUrl } from '../src/db/admin-query.js';
import { startThrowawayPostgres } from '../src/db/embedded-postgres.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, createPrisma, type Db } from '../src/db/prisma.js';
import type { Logger } from '../src/logger.js';
import { paths } from '../src/paths.js';
import { MIGRATIONS_DIR } from '../src/project-root.js';
import { csrfTokenFrom } from '../tests/support/app.js';

/** Signs in through the local sign-in form and returns the session cookie. */
export async function signIn(base: string, userId: string): Promise<string> {
  const page = await fetch(`${base}${paths.localSignIn}`);
  const cookie = (page.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const token = csrfTokenFrom(await page.text());
  const response = await fetch(`${base}${paths.localSignIn}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: token, userId }).toString(),
  });
  return (response.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
}

export interface BenchDatabase {
  url: string;
  pool: ReturnType<typeof createPool>;
  prisma: Db;
  /** Closes the connections and drops the database (kept with BENCH_KEEP=1), then any embedded server. */
  close(): Promise<void>;
}

/** A migrated database of the benchmark's own: on DATABASE_URL's server, else a throw-away embedded one. */
export async function openBenchDatabase(logger: Logger): Promise<BenchDatabase> {
  const embedded = process.env.DATABASE_URL ? undefined : await startThrowawayPostgres(logger);
  const serverUrl = process.env.DATABASE_URL ?? embedded?.connectionString ?? '';
  const database = `tracker_bench_${randomUUID().slice(0, 8)}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${database}`);
  const url = databaseUrl(serverUrl, database);
  await migrate(url, MIGRATIONS_DIR, logger);
  const pool = createPool(url, 10);
  const prisma = createPrisma(pool);
  return {
    url,
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end();
      if (process.env.BENCH_KEEP !== '1') {
        await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
      await embedded?.stop();
    },
  };
}
