import { adminQuery } from '../../src/db/admin-query.js';

export default async function globalTeardown(): Promise<void> {
  const serverUrl = process.env.TEST_SERVER_URL;
  const template = process.env.TEST_TEMPLATE_DB;
  try {
    if (serverUrl && template)
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  } finally {
    await Promise.all([globalThis.testPostgres?.stop(), globalThis.testClamd?.stop()]);
  }
}
