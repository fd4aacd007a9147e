import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { adminQuery, databaseUrl } from '../../src/db/admin-query.js';
import { createPool, createPrisma, type Db } from '../../src/db/prisma.js';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  prisma: Db;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_SERVER_URL;
  if (!url)
    throw new Error('TEST_SERVER_URL is not set: run the tests with npm test (Jest global set-up sets it).');
  return url;
}

/** A pool and Prisma client on `url`; `disconnect` ends both and leaves the database as it is. */
export function connectToDatabase(
  url: string,
): Omit<TestDatabase, 'drop'> & { disconnect: () => Promise<void> } {
  const pool = createPool(url, 5);
  const prisma = createPrisma(pool);
  return {
    url,
    pool,
    prisma,
    disconnect: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * A database of the test file's own: a copy of the migrated template (or an empty database with
 * `{ migrated: false }`), dropped again by `drop()`.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const server = serverUrl();
  const name = `tracker_test_${randomBytes(6).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : process.env.TEST_TEMPLATE_DB;
  await adminQuery(server, `CREATE DATABASE ${name} TEMPLATE ${template ?? 'template0'}`);
  const connection = connectToDatabase(databaseUrl(server, name));
  return {
    ...connection,
    async drop() {
      await connection.disconnect();
      await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
