import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLogger } from '../support/test-logger.js';

// Publication chasers queued before the outbox named their publication (issue 17) get it from their
// idempotency key, so the sender can still drop them once the publication is recorded; other emails
// name none.

const SUBJECT_MIGRATION = '20261205215500_publication_chaser_subject';

let db: TestDatabase;
let before: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  before = await mkdtemp(join(tmpdir(), 'migrations-before-chaser-subject-'));
  for (const entry of await readdir(MIGRATIONS_DIR)) {
    if (entry < SUBJECT_MIGRATION)
      await cp(join(MIGRATIONS_DIR, entry), join(before, entry), { recursive: true });
  }
});
afterAll(async () => {
  await db.drop();
  await rm(before, { recursive: true, force: true });
});

test('queued publication chasers name their publication; other emails none', async () => {
  await migrate(db.url, before, testLogger);
  const { rows: providers } = await db.pool.query<{ id: string }>(
    `INSERT INTO providers (name, ods_code, type, updated_at)
     VALUES ('Brook Care Home', 'MIGC1', 'care_home', now()) RETURNING id::text`,
  );
  const providerId = providers[0]?.id ?? '';
  const insert = (key: string) =>
    db.pool.query(
      `INSERT INTO outbox_emails (idempotency_key, to_address, subject, text_body, html_body)
       VALUES ($1, 'lead@brook.example.org', 'Subject', 'Text', '<p>Text</p>')`,
      [key],
    );
  await insert(`publication:${providerId}:wres-report:2026:+7@2026-10-31:lead@brook.example.org`);
  await insert('sign-in:lead@brook.example.org:1');

  await migrate(db.url, MIGRATIONS_DIR, testLogger);

  const { rows } = await db.pool.query<{
    idempotency_key: string;
    publication_provider_id: string | null;
    publication_obligation_code: string | null;
    publication_year: number | null;
  }>(
    `SELECT idempotency_key, publication_provider_id::text, publication_obligation_code, publication_year
       FROM outbox_emails ORDER BY idempotency_key`,
  );
  expect(
    rows.map((row) => [row.publication_provider_id, row.publication_obligation_code, row.publication_year]),
  ).toEqual([
    [providerId, 'wres-report', 2026],
    [null, null, null],
  ]);
});
