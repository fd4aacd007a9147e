import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createProviderLead,
  createReturnInSql,
  createUser,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { testLogger } from '../support/test-logger.js';

// Issue 14: the action text, owner and date of every existing answer become action records linked to
// the answer's requirement, with nothing lost; the same text carried into a later period's answer is
// one action, linked from the latest return; then the old columns go.

const ACTIONS_MIGRATION = '20261206000000_action_records';

let db: TestDatabase;
let before: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  before = await mkdtemp(join(tmpdir(), 'migrations-before-actions-'));
  for (const entry of await readdir(MIGRATIONS_DIR)) {
    if (entry < ACTIONS_MIGRATION)
      await cp(join(MIGRATIONS_DIR, entry), join(before, entry), { recursive: true });
  }
});
afterAll(async () => {
  await db.drop();
  await rm(before, { recursive: true, force: true });
});

test('existing answers’ action plans become actions linked to their requirements, nothing lost', async () => {
  await migrate(db.url, before, testLogger);
  await importTestStandards(db.prisma);
  // Returns written in SQL: the client knows columns the database has not got yet.
  const manager = await createUser(db.prisma, { role: 'contract_manager' });
  const providerA = await createProvider(db.prisma);
  const providerB = await createProvider(db.prisma);
  const w = {
    providerA,
    providerB,
    leadA: await createProviderLead(db.prisma, providerA.id),
    leadB: await createProviderLead(db.prisma, providerB.id),
    contractA: await createContract(db.prisma, providerA.id, manager.id),
    contractB: await createContract(db.prisma, providerB.id, manager.id),
    ais: await frameworkVersion(db.prisma, 'AIS', '2025'),
  };
  const period = await createPeriod(db.prisma);
  const returnOf = (contract: { id: string; providerId: string }, periodId: string) =>
    createReturnInSql(db.pool, {
      contractId: contract.id,
      providerId: contract.providerId,
      frameworkVersionId: w.ais.id,
      periodId,
    });
  const returnA = await returnOf(w.contractA, period.id);
  const returnB = await returnOf(w.contractB, period.id);
  const later = await createPeriod(db.prisma);
  await db.pool.query(
    `UPDATE reporting_periods SET start_date = '2027-04-01', end_date = '2028-03-31' WHERE id = $1`,
    [later.id],
  );
  const laterA = await returnOf(w.contractA, later.id);
  const { rows: requirements } = await db.pool.query<{ id: string; code: string }>(
    `SELECT id, code FROM requirements WHERE framework_version_id = $1 ORDER BY position LIMIT 3`,
    [w.ais.id],
  );
  const [r1, r2, r3] = requirements;
  if (!r1 || !r2 || !r3) throw new Error('too few requirements');
  const answer = async (
    returnId: string,
    requirementId: string,
    plan: string,
    owner: string,
    due: string | null,
    by: string,
  ) =>
    db.pool.query(
      `UPDATE responses SET action_plan = $3, action_owner = $4, action_due_date = $5::date, updated_by_id = $6,
              updated_at = now()
        WHERE return_id = $1 AND requirement_id = $2`,
      [returnId, requirementId, plan, owner, due, by],
    );
  await answer(returnA.id, r1.id, 'Train reception staff', 'Practice manager', '2026-09-30', w.leadA.id);
  // Carried forward into the next period, unchanged: the same action.
  await answer(laterA.id, r1.id, 'Train reception staff', 'Practice manager', '2026-09-30', w.leadA.id);
  // An owner and a date but no text: kept, described as such.
  await answer(returnA.id, r2.id, '', 'Records team', '2027-01-31', w.leadA.id);
  // The same words at another provider are that provider's own action.
  await answer(returnB.id, r1.id, 'Train reception staff', 'Home manager', null, w.leadB.id);

  await migrate(db.url, MIGRATIONS_DIR, testLogger);

  const { rows: actions } = await db.pool.query<{
    provider_id: string;
    description: string;
    owner: string;
    due_date: string | null;
    status: string;
    created_by_id: string | null;
    links: { requirement_id: string; return_id: string }[];
  }>(
    `SELECT a.provider_id, a.description, a.owner, to_char(a.due_date, 'YYYY-MM-DD') AS due_date, a.status::text AS status,
            a.created_by_id,
            (SELECT json_agg(json_build_object('requirement_id', l.requirement_id, 'return_id', l.return_id))
               FROM action_links l WHERE l.action_id = a.id) AS links
       FROM actions a ORDER BY a.owner`,
  );
  expect(actions).toEqual([
    {
      provider_id: w.providerB.id,
      description: 'Train reception staff',
      owner: 'Home manager',
      due_date: null,
      status: 'not_started',
      created_by_id: w.leadB.id,
      links: [{ requirement_id: r1.id, return_id: returnB.id }],
    },
    {
      provider_id: w.providerA.id,
      description: 'Train reception staff',
      owner: 'Practice manager',
      due_date: '2026-09-30',
      status: 'not_started',
      created_by_id: w.leadA.id,
      links: [{ requirement_id: r1.id, return_id: laterA.id }],
    },
    {
      provider_id: w.providerA.id,
      description: `Action for ${r2.code} (no description was given)`,
      owner: 'Records team',
      due_date: '2027-01-31',
      status: 'not_started',
      created_by_id: w.leadA.id,
      links: [{ requirement_id: r2.id, return_id: returnA.id }],
    },
  ]);
  const { rows: columns } = await db.pool.query(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'responses' AND column_name LIKE 'action%'`,
  );
  expect(columns).toEqual([]);
  await expect(
    db.pool.query(`INSERT INTO actions (provider_id, description) VALUES ($1, ' ')`, [w.providerA.id]),
  ).rejects.toThrow(/actions_description_check/);
});
