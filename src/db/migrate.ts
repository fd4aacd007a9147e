import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { sha256 } from '../hash.js';
import type { Logger } from '../logger.js';

/** A migration problem that must stop start-up; the message says what to do. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

// Any fixed number: every app instance takes the same lock, so only one migrates at a time.
const MIGRATION_LOCK_KEY = 72_707_369;

// The table exactly as `prisma migrate deploy` creates it, so either tool can take over.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function readMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const script = await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: sha256(script) };
    }),
  );
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does, recording each in
 * `_prisma_migrations` with the SHA-256 of its file. Each migration runs in its own transaction
 * together with its record, so a failure leaves nothing half-applied.
 */
export async function migrate(
  connectionString: string,
  migrationsDir: string,
  logger: Logger,
): Promise<MigrationResult> {
  const local = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const live = rows.filter((row) => row.rolled_back_at === null);

    const failed = live.find((row) => row.finished_at === null);
    if (failed) {
      throw new MigrationError(
        `Migration ${failed.migration_name} started but did not finish. Inspect the database, then mark it ` +
          `resolved (prisma migrate resolve) or set rolled_back_at on its row in _prisma_migrations.`,
      );
    }
    const appliedByName = new Map(live.map((row) => [row.migration_name, row]));
    for (const migration of local) {
      const applied = appliedByName.get(migration.name);
      if (applied && applied.checksum !== migration.checksum) {
        throw new MigrationError(
          `Migration ${migration.name} was changed after it was applied to this database ` +
            `(recorded checksum ${applied.checksum}, file now ${migration.checksum}). ` +
            'Put the file back as it was and make the change in a new migration.',
        );
      }
    }
    const localNames = new Set(local.map((migration) => migration.name));
    const unknown = live.filter((row) => !localNames.has(row.migration_name));
    if (unknown.length > 0) {
      logger.warn(
        { migrations: unknown.map((row) => row.migration_name) },
        'database has migrations this code does not know (is it newer?)',
      );
    }

    const pending = local.filter((migration) => !appliedByName.has(migration.name));
    for (const migration of pending) {
      await apply(client, migration, logger);
    }
    return {
      applied: pending.map((migration) => migration.name),
      alreadyApplied: local.length - pending.length,
    };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function apply(client: pg.Client, migration: LocalMigration, logger: Logger): Promise<void> {
  const id = randomUUID();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.script);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
    logger.info({ migration: migration.name }, 'migration applied');
  } catch (error) {
    await client.query('ROLLBACK');
    const message = error instanceof Error ? error.message : String(error);
    // Recorded as rolled back: the transaction undid it, so the next start may try again.
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, rolled_back_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, now(), now(), 0)`,
      [id, migration.checksum, migration.name, message],
    );
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${message}`);
  }
}
