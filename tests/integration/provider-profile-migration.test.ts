import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { testLogger } from '../support/test-logger.js';

// Providers registered before the provider profile (issue 17) keep working: the migration fills in
// what their type says and leaves the rest not recorded.

const PROFILE_MIGRATION = '20261205185500_provider_profile';

let db: TestDatabase;
let before: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  before = await mkdtemp(join(tmpdir(), 'migrations-before-profile-'));
  for (const entry of await readdir(MIGRATIONS_DIR)) {
    if (entry < PROFILE_MIGRATION)
      await cp(join(MIGRATIONS_DIR, entry), join(before, entry), { recursive: true });
  }
});
afterAll(async () => {
  await db.drop();
  await rm(before, { recursive: true, force: true });
});

test('existing providers get a sector, year end and mental health flag from their type', async () => {
  await migrate(db.url, before, testLogger);
  const types = [
    'acute_trust',
    'mental_health_trust',
    'community_trust',
    'ambulance_trust',
    'gp_practice',
    'care_home',
    'independent_provider',
    'hospice',
  ];
  for (const [index, type] of types.entries()) {
    await db.pool.query(
      `INSERT INTO providers (name, ods_code, type, updated_at) VALUES ($1, $2, $3::provider_type, now())`,
      [`Provider ${type}`, `MIG${index}`, type],
    );
  }

  await migrate(db.url, MIGRATIONS_DIR, testLogger);

  const { rows } = await db.pool.query<{
    type: string;
    sector: string | null;
    headcount_band: string | null;
    turnover_band: string | null;
    financial_year_end_month: number | null;
    website: string | null;
    provides_mental_health_services: boolean | null;
  }>(
    `SELECT type, sector, headcount_band, turnover_band, financial_year_end_month, website,
            provides_mental_health_services
       FROM providers ORDER BY ods_code`,
  );
  expect(
    rows.map((row) => [
      row.type,
      row.sector,
      row.financial_year_end_month,
      row.provides_mental_health_services,
    ]),
  ).toEqual([
    ['acute_trust', 'nhs_trust', 3, null],
    ['mental_health_trust', 'nhs_trust', 3, true],
    ['community_trust', 'nhs_trust', 3, null],
    ['ambulance_trust', 'nhs_trust', 3, null],
    ['gp_practice', 'gp_practice', null, null],
    ['care_home', 'care_home', null, null],
    ['independent_provider', 'independent', null, null],
    ['hospice', 'voluntary', null, null],
  ]);
  for (const row of rows) {
    expect([row.headcount_band, row.turnover_band, row.website]).toEqual([null, null, null]);
  }
  await expect(db.pool.query(`UPDATE providers SET financial_year_end_month = 13`)).rejects.toThrow(
    /providers_financial_year_end_month_check/,
  );
});
