import { startThrowawayPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { adminQuery, databaseUrl } from '../../src/db/admin-query.js';
import { testLogger } from './test-logger.js';

declare global {
  var testPostgres: EmbeddedPostgres | undefined;
}

/**
 * Finds the PostgreSQL server for the run (DATABASE_URL, else a throw-away embedded one) and builds a
 * migrated template database that each test file copies into a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    globalThis.testPostgres = await startThrowawayPostgres(testLogger);
    serverUrl = globalThis.testPostgres.connectionString;
  }
  const template = `tracker_template_${process.pid}`;
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${template}`);
  await adminQuery(serverUrl, `CREATE DATABASE ${template}`);
  await migrate(databaseUrl(serverUrl, template), MIGRATIONS_DIR, testLogger);
  // Workers start after global set-up and inherit these.
  process.env.TEST_SERVER_URL = serverUrl;
  process.env.TEST_TEMPLATE_DB = template;
}
