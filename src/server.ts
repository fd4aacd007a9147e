import type { Server } from 'node:http';
import { startJobs, type Scheduler } from '../jobs/schedule.js';
import { createApp } from './app.js';
import { createCaches } from './caches.js';
import { loadConfigOrExit, type Config } from './config.js';
import { resolveDatabase, type Cleanup } from './db/database.js';
import type { AppDeps } from './deps.js';
import { migrate, MigrationError } from './db/migrate.js';
import { createPool, createPrisma } from './db/prisma.js';
import { seedDemoData } from './demo/seed-demo-data.js';
import { importStandards } from './frameworks/import-standards.js';
import { createVirusScanner, warnWithoutScanner } from './evidence/virus-scanner.js';
import { createLogger, logFormatFor, type Logger } from './logger.js';
import { createMailer } from './mail/mailer.js';
import { createSessionStore } from './middleware/session.js';
import { sessionSecretFor } from './session-secret.js';
import { MIGRATIONS_DIR } from './project-root.js';
import { assertPortFree, StartupError } from './startup.js';

/**
 * Composition root: config -> database (embedded or DATABASE_URL) -> migrations -> standards and
 * demo data -> app -> jobs. Shut-down runs the same steps backwards.
 */
async function main(): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, undefined, logFormatFor(config, process.stdout.isTTY));
  const cleanups: Cleanup[] = [];
  const shutDown = onceShutDown(logger, cleanups);
  process.once('SIGINT', () => void shutDown('SIGINT'));
  process.once('SIGTERM', () => void shutDown('SIGTERM'));

  try {
    await assertPortFree(
      config.port,
      config.host,
      `Is the app already running? Stop it, or set PORT to another port.`,
    );
    const databaseUrl = await resolveDatabase(config, logger, cleanups);
    await migrate(databaseUrl, MIGRATIONS_DIR, logger);

    const pool = createPool(databaseUrl, config.database.poolSize, (error) =>
      logger.warn({ err: error }, 'idle database connection closed by the server'),
    );
    cleanups.push(() => pool.end());
    const prisma = createPrisma(pool);
    cleanups.push(() => prisma.$disconnect());
    await importStandards(prisma, logger);
    if (config.demoData) {
      const { seeded } = await seedDemoData(prisma, logger, new Date());
      logger.info({ seeded }, seeded ? 'demo data loaded' : 'demo data skipped: the database is not empty');
    }

    const mailer = createMailer(config.mail, logger);
    cleanups.push(() => mailer.close());
    const scanner = createVirusScanner(config.scanner);
    warnWithoutScanner(config, logger);
    const clock = () => new Date();
    const sessionStore = createSessionStore(pool, clock);
    const deps: AppDeps = {
      config,
      prisma,
      pool,
      logger,
      sessionStore,
      sessionSecret: await sessionSecretFor(config, logger),
      clock,
      mailer,
      caches: createCaches(),
      scanner,
    };
    const server = await listen(createApp(deps), config);
    const scheduler: Scheduler | undefined = config.jobsEnabled ? startJobs(deps) : undefined;
    // Together: new connections are refused at once, not only after a job has finished its current item.
    cleanups.push(async () => {
      await Promise.all([closeServer(server), scheduler?.stop()]);
    });
    logger.info(
      { url: config.publicBaseUrl, readyInMs: Math.round(performance.now() - startedAt) },
      `ready: ${config.publicBaseUrl}`,
    );
  } catch (error) {
    if (error instanceof StartupError || error instanceof MigrationError) {
      logger.fatal(error.message);
    } else {
      logger.fatal({ err: error }, 'start-up failed');
    }
    await shutDown('start-up failure', 1);
  }
}

function listen(app: ReturnType<typeof createApp>, config: Config): Promise<Server> {
  return new Promise((resolvePromise, reject) => {
    const server = app.listen(config.port, config.host, (error?: Error) => {
      if (error) reject(error);
      else resolvePromise(server);
    });
  });
}

// Longest wait for requests in flight at shut-down (inside a typical 30-second termination grace period).
const SHUT_DOWN_GRACE_MS = 25_000;

/** Stops accepting connections and lets requests in flight finish (a stalled one is cut off in the end). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => {
    // A keep-alive connection whose request finishes after this is closed then, not when it times out.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const cutOff = setTimeout(() => server.closeAllConnections(), SHUT_DOWN_GRACE_MS);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cutOff);
      resolvePromise();
    });
    server.closeIdleConnections();
  });
}

function onceShutDown(logger: Logger, cleanups: Cleanup[]) {
  let shuttingDown = false;
  return async (reason: string, exitCode = 0): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ reason }, 'shutting down');
    // A second Ctrl-C while waiting means "now".
    process.once('SIGINT', () => process.exit(130));
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'shut-down step failed'));
    }
    logger.info('stopped');
    process.exit(exitCode);
  };
}

void main();
