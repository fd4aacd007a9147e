import { createCaches } from '../src/caches.js';
import { loadConfigOrExit } from '../src/config.js';
import { migrate, MigrationError } from '../src/db/migrate.js';
import { createPool, createPrisma } from '../src/db/prisma.js';
import { createVirusScanner, warnWithoutScanner } from '../src/evidence/virus-scanner.js';
import { createLogger, logFormatFor } from '../src/logger.js';
import { createMailer } from '../src/mail/mailer.js';
import { MIGRATIONS_DIR } from '../src/project-root.js';
import { sessionSecretFor } from '../src/session-secret.js';
import { startJobs } from './schedule.js';

/**
 * The scheduled jobs as their own process (`npm run jobs`), for deployments that run the web app with
 * JOBS_ENABLED=false. It reads the same configuration; several copies are safe (each run takes its
 * job's advisory lock). It needs DATABASE_URL: the embedded database belongs to `npm start`, which
 * runs the jobs itself.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, undefined, logFormatFor(config, process.stdout.isTTY)).child({
    process: 'jobs',
  });
  const url = config.database.url;
  if (!url) {
    logger.fatal(
      'npm run jobs needs DATABASE_URL. Without it, npm start runs the embedded database and the jobs itself.',
    );
    process.exit(1);
  }
  try {
    await migrate(url, MIGRATIONS_DIR, logger);
  } catch (error) {
    logger.fatal(error instanceof MigrationError ? error.message : { err: error });
    process.exit(1);
  }
  const pool = createPool(url, config.database.poolSize, (error) =>
    logger.warn({ err: error }, 'idle database connection closed by the server'),
  );
  const prisma = createPrisma(pool);
  const mailer = createMailer(config.mail, logger);
  const scanner = createVirusScanner(config.scanner);
  warnWithoutScanner(config, logger);
  const sessionSecret = await sessionSecretFor(config, logger);
  const scheduler = startJobs({
    prisma,
    pool,
    logger,
    clock: () => new Date(),
    config,
    mailer,
    scanner,
    sessionSecret,
    caches: createCaches(),
  });
  logger.info('jobs ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason: signal }, 'shutting down');
    // Runs in progress finish first: an email being sent is marked sent before the process ends.
    await scheduler.stop();
    await mailer.close();
    await prisma.$disconnect();
    await pool.end();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

void main();
