import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export type Cleanup = () => Promise<void>;

/** DATABASE_URL when set; otherwise the embedded PostgreSQL in the data folder, stopped by a cleanup. */
export async function resolveDatabase(config: Config, logger: Logger, cleanups: Cleanup[]): Promise<string> {
  if (config.database.url) return config.database.url;
  const embedded = await startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    logger,
  });
  cleanups.push(() => embedded.stop());
  return embedded.connectionString;
}
