import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLogger } from '../support/test-logger.js';

// Issue 14 moved due dates from the framework to each version: a database with versions loaded before
// keeps each version due on its framework's old default, marked unverified, until the corrected data
// files are loaded at the next start (tests/integration/standards-import.test.ts covers that step).

const MIGRATION = '20261205190000_due_dates_per_version';

describe('due dates per version migration', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test("gives every loaded version its framework's due date, with a source saying where it came from", async () => {
    const later = join(tmpdir(), `later-${MIGRATION}-${process.pid}`);
    await cp(join(dir, MIGRATION), later, { recursive: true });
    await rm(join(dir, MIGRATION), { recursive: true, force: true });
    await migrate(db.url, dir, testLogger);
    await db.pool.query(`
      INSERT INTO rating_scales (id, code, name, source, verified)
        VALUES ('00000000-0000-4000-8000-000000000001', 's', 'Scale', 'src', false);
      INSERT INTO frameworks (id, code, name, default_due_month, default_due_day) VALUES
        ('00000000-0000-4000-8000-000000000002', 'AIS', 'Accessible Information Standard', 3, 31),
        ('00000000-0000-4000-8000-000000000003', 'EDS', 'Equality Delivery System', 2, 28);
      INSERT INTO framework_versions (framework_id, code, name, group_label, rating_scale_id, source, verified, content_sha256) VALUES
        ('00000000-0000-4000-8000-000000000002', '2016', 'AIS 2016', 'Step', '00000000-0000-4000-8000-000000000001', 'src', true, repeat('a', 64)),
        ('00000000-0000-4000-8000-000000000003', '2022', 'EDS 2022', 'Domain', '00000000-0000-4000-8000-000000000001', 'src', true, repeat('b', 64));
    `);
    await cp(later, join(dir, MIGRATION), { recursive: true });
    await rm(later, { recursive: true, force: true });

    const result = await migrate(db.url, dir, testLogger);

    expect(result.applied).toEqual([MIGRATION]);
    const { rows } = await db.pool.query<{
      code: string;
      due_month: number;
      due_day: number;
      due_national: boolean;
      due_source: string;
      due_verified: boolean;
      content_sha256: string;
    }>(
      'SELECT code, due_month, due_day, due_national, due_source, due_verified, content_sha256 FROM framework_versions ORDER BY code',
    );
    expect(
      rows.map((row) => [row.code, row.due_month, row.due_day, row.due_national, row.due_verified]),
    ).toEqual([
      ['2016', 3, 31, false, false],
      ['2022', 2, 28, false, false],
    ]);
    for (const row of rows) expect(row.due_source).toMatch(/framework's default due date/);
    // The loaded content's fingerprint is kept, so the next start sees the changed files as corrections.
    expect(rows.map((row) => row.content_sha256[0])).toEqual(['a', 'b']);
  });
});
