// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits.
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { MIGRATIONS_DIR } from '../project-root.js';
import { resolveDatabase, type Cleanup } from './database.js';
import { migrate } from './migrate.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const cleanups: Cleanup[] = [];
try {
  const result = await migrate(await resolveDatabase(config, logger, cleanups), MIGRATIONS_DIR, logger);
  logger.info(result, result.applied.length ? 'migrations applied' : 'database already up to date');
} catch (error) {
  logger.fatal(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups) await cleanup();
}
