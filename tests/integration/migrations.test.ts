import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MigrationError } from '../../src/db/migrate.js';
import { sha256 } from '../../src/hash.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLogger } from '../support/test-logger.js';

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

async function migrationRows(db: TestDatabase): Promise<MigrationRow[]> {
  const { rows } = await db.pool.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY started_at',
  );
  return rows;
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe('migration runner', () => {
  let db: TestDatabase;
  let dirs: string[] = [];
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterEach(async () => {
    await db.drop();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    dirs = [];
  });

  test('applies every migration and records it as prisma migrate deploy does', async () => {
    const result = await migrate(db.url, MIGRATIONS_DIR, testLogger);
    expect(result.applied.length).toBeGreaterThan(0);
    const rows = await migrationRows(db);
    expect(rows.map((row) => row.migration_name)).toEqual(result.applied);
    for (const row of rows) {
      const file = await readFile(join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
      expect(row.checksum).toBe(sha256(file));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    const { rows: tables } = await db.pool.query<{ exists: boolean }>(
      "SELECT to_regclass('public.returns') IS NOT NULL AS exists",
    );
    expect(tables[0]?.exists).toBe(true);
  });

  test('a second run applies nothing', async () => {
    const first = await migrate(db.url, MIGRATIONS_DIR, testLogger);
    const second = await migrate(db.url, MIGRATIONS_DIR, testLogger);
    expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });
    expect(await migrationRows(db)).toHaveLength(first.applied.length);
  });

  test('two runs at once apply each migration once (advisory lock)', async () => {
    const [a, b] = await Promise.all([
      migrate(db.url, MIGRATIONS_DIR, testLogger),
      migrate(db.url, MIGRATIONS_DIR, testLogger),
    ]);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, a.applied.length + b.applied.length]);
    const rows = await migrationRows(db);
    expect(new Set(rows.map((row) => row.migration_name)).size).toBe(rows.length);
  });

  test('a migration file changed after it was applied stops the run with a clear message', async () => {
    const dir = await copyOfMigrations();
    dirs.push(dir);
    const { applied } = await migrate(db.url, dir, testLogger);
    const name = applied[0] ?? '';
    await writeFile(
      join(dir, name, 'migration.sql'),
      `${await readFile(join(dir, name, 'migration.sql'), 'utf8')}\n-- edited\n`,
    );
    const run = migrate(db.url, dir, testLogger);
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(`Migration ${name} was changed after it was applied`);
  });

  test('a failing migration is rolled back whole, recorded as rolled back, and can be fixed and re-run', async () => {
    const dir = await copyOfMigrations();
    dirs.push(dir);
    await migrate(db.url, dir, testLogger);
    const broken = join(dir, '29991231000000_broken');
    await cp(join(dir, (await migrationRows(db))[0]?.migration_name ?? ''), broken, { recursive: true });
    await writeFile(
      join(broken, 'migration.sql'),
      'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
    );
    await expect(migrate(db.url, dir, testLogger)).rejects.toThrow(
      /29991231000000_broken failed and was rolled back/,
    );
    const { rows } = await db.pool.query<{ exists: boolean }>(
      "SELECT to_regclass('public.half_done') IS NOT NULL AS exists",
    );
    expect(rows[0]?.exists).toBe(false);
    const record = (await migrationRows(db)).find((row) => row.migration_name === '29991231000000_broken');
    expect(record?.rolled_back_at).toBeInstanceOf(Date);

    await writeFile(join(broken, 'migration.sql'), 'CREATE TABLE half_done (id int);\n');
    expect((await migrate(db.url, dir, testLogger)).applied).toEqual(['29991231000000_broken']);
  });

  test('the append-only tables refuse updates and deletes', async () => {
    await migrate(db.url, MIGRATIONS_DIR, testLogger);
    await db.pool.query("INSERT INTO audit_events (action, entity_type, entity_id) VALUES ('x', 'y', 'z')");
    await expect(db.pool.query("UPDATE audit_events SET action = 'changed'")).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });
});
