import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { freePort } from '../../src/startup.js';
import { testLogger } from './test-logger.js';

// A PostgreSQL of the test's own that it may stop and start again (an outage), keeping its data and
// port. Never the shared server: stopping that would break every other test running beside this one.

export interface StoppablePostgres {
  connectionString: string;
  /** Fast shutdown: sessions are cut off, as when the server goes away under the app. */
  stop(): Promise<void>;
  /** Starts it again on the same data folder and port. */
  start(): Promise<void>;
  /** Stops it if running and removes its folder; safe to call more than once. */
  destroy(): Promise<void>;
}

export async function startStoppablePostgres(): Promise<StoppablePostgres> {
  const root = join(tmpdir(), `tracker-fault-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  // As root the server runs as the postgres user, which must be able to reach the data folder.
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755);
  const dataDir = join(root, 'data');
  const port = await freePort();
  let running: EmbeddedPostgres | undefined;
  const start = async () => {
    running = await startEmbeddedPostgres({ dataDir, port, logger: testLogger });
  };
  try {
    await start();
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const connectionString = running?.connectionString ?? '';
  return {
    connectionString,
    start,
    async stop() {
      const server = running;
      running = undefined;
      await server?.stop();
    },
    async destroy() {
      const server = running;
      running = undefined;
      await server?.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}
