import { startThrowawayPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { adminQuery, databaseUrl } from '../../src/db/admin-query.js';
import { startTestClamd, type TestClamd } from './clamd.js';
import { testLogger } from './test-logger.js';

declare global {
  var testPostgres: EmbeddedPostgres | undefined;
  var testClamd: TestClamd | undefined;
}

/**
 * Finds the PostgreSQL server for the run (DATABASE_URL, else a throw-away embedded one) and builds a
 * migrated template database that each test file copies into a database of its own; meanwhile starts
 * the run's virus scanner (tests/support/clamd.ts). A failure stops whatever did start.
 */
export default async function globalSetup(): Promise<void> {
  const [database, clamd] = await Promise.allSettled([setUpDatabase(), startTestClamd()]);
  if (clamd.status === 'fulfilled') globalThis.testClamd = clamd.value;
  if (database.status === 'rejected' || clamd.status === 'rejected') {
    await globalThis.testClamd?.stop();
    await globalThis.testPostgres?.stop();
    throw database.status === 'rejected' ? database.reason : (clamd as PromiseRejectedResult).reason;
  }
  // Workers start after global set-up and inherit these.
  process.env.TEST_SERVER_URL = database.value.serverUrl;
  process.env.TEST_TEMPLATE_DB = database.value.template;
  process.env.TEST_CLAMD_PORT = String(clamd.value.port);
}

async function setUpDatabase(): Promise<{ serverUrl: string; template: string }> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    globalThis.testPostgres = await startThrowawayPostgres(testLogger);
    serverUrl = globalThis.testPostgres.connectionString;
  }
  const template = `tracker_template_${process.pid}`;
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${template}`);
  await adminQuery(serverUrl, `CREATE DATABASE ${template}`);
  await migrate(databaseUrl(serverUrl, template), MIGRATIONS_DIR, testLogger);
  return { serverUrl, template };
}
