import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
import type { Prisma } from '../generated/prisma/client.js';
export type { Prisma };

function poolConfig(connectionString: string, max: number): pg.PoolConfig {
  // Fail fast when the database is unreachable: a request should get a 503 page, not hang.
  return { connectionString, max, connectionTimeoutMillis: 3_000, idleTimeoutMillis: 30_000 };
}

/** The app's one pool, shared by Prisma and the session store; its owner ends it at shut-down. */
export function createPool(
  connectionString: string,
  max = 10,
  onIdleError?: (error: Error) => void,
): pg.Pool {
  const pool = new pg.Pool(poolConfig(connectionString, max));
  // An idle connection the server closed (restart, failover, a dropped database) is discarded by the
  // pool; without a listener its 'error' event would crash the process.
  pool.on('error', (error) => onIdleError?.(error));
  return pool;
}

/** Given a URL, Prisma owns its pool and `$disconnect()` ends it; given a pool, the caller does. */
export function createPrisma(connection: string | pg.Pool, maxConnections = 10): Db {
  const adapter = new PrismaPg(
    typeof connection === 'string' ? poolConfig(connection, maxConnections) : connection,
  );
  return new PrismaClient({ adapter });
}

/** Either the client or the transaction client handed to `$transaction` callbacks. */
export type DbClient = Db | Prisma.TransactionClient;
