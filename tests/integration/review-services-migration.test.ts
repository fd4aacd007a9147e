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
  createReturnInSql,
  createUser,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { testLogger } from '../support/test-logger.js';

// Issue 14: review decisions become per service. Existing decisions are kept: those on an EDS 2022
// return's Domain 1 outcomes go to the return's service (copied to each where it has several, as
// the decision was on the outcome as a whole); others stay without a service. Afterwards the
// database refuses a decision whose service does not fit its requirement.

const MIGRATION = '20261206041000_requirement_reviews_per_service';

let db: TestDatabase;
let before: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  before = await mkdtemp(join(tmpdir(), 'migrations-before-review-services-'));
  for (const entry of await readdir(MIGRATIONS_DIR)) {
    if (entry < MIGRATION) await cp(join(MIGRATIONS_DIR, entry), join(before, entry), { recursive: true });
  }
});
afterAll(async () => {
  await db.drop();
  await rm(before, { recursive: true, force: true });
});

interface DecisionRow {
  id: string;
  return_id: string;
  code: string;
  service: string | null;
  decision: string;
  reason: string;
}

async function decisions(): Promise<DecisionRow[]> {
  const { rows } = await db.pool.query<DecisionRow>(
    `SELECT rr.id, rs.return_id, q.code, svc.name AS service, rr.decision::text AS decision, rr.reason
       FROM requirement_reviews rr
       JOIN return_submissions rs ON rs.id = rr.submission_id
       JOIN requirements q ON q.id = rr.requirement_id
       LEFT JOIN return_services svc ON svc.id = rr.service_id
      ORDER BY rs.return_id, q.code, svc.position NULLS FIRST`,
  );
  return rows;
}

test('existing decisions are kept, Domain 1 ones on their service; the database then checks services', async () => {
  await migrate(db.url, before, testLogger);
  await importTestStandards(db.prisma);
  // Written in SQL: the client knows columns the database has not got yet.
  const manager = await createUser(db.prisma, { role: 'contract_manager' });
  const lead = await createUser(db.prisma, { role: 'provider_lead' });
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const ais = await frameworkVersion(db.prisma, 'AIS', '2025');
  const period = await createPeriod(db.prisma);
  const newReturn = async (frameworkVersionId: string) => {
    const provider = await createProvider(db.prisma);
    const contract = await createContract(db.prisma, provider.id, manager.id);
    return createReturnInSql(db.pool, {
      contractId: contract.id,
      providerId: provider.id,
      periodId: period.id,
      frameworkVersionId,
    });
  };
  // One service ("All services", given by the answers' trigger), two services, and an AIS return.
  const oneService = await newReturn(eds.id);
  const twoServices = await newReturn(eds.id);
  const aisReturn = await newReturn(ais.id);
  await db.pool.query(
    `INSERT INTO return_services (return_id, name, position) VALUES ($1, 'Community mental health', 2)`,
    [twoServices.id],
  );
  const submit = async (returnId: string) => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO return_submissions (return_id, sequence, submitted_by_id, declaration, snapshot, snapshot_sha256)
       VALUES ($1, 1, $2, 'I confirm', '{}', repeat('a', 64)) RETURNING id`,
      [returnId, lead.id],
    );
    return rows[0]?.id ?? '';
  };
  const decide = async (submissionId: string, versionId: string, code: string, reason = '') => {
    await db.pool.query(
      `INSERT INTO requirement_reviews (submission_id, requirement_id, reviewer_id, decision, reason)
       SELECT $1, id, $2, $3::review_decision, $4 FROM requirements WHERE framework_version_id = $5 AND code = $6`,
      [submissionId, manager.id, reason ? 'returned' : 'accepted', reason, versionId, code],
    );
  };
  const oneSubmission = await submit(oneService.id);
  const twoSubmission = await submit(twoServices.id);
  const aisSubmission = await submit(aisReturn.id);
  await decide(oneSubmission, eds.id, '1A');
  await decide(oneSubmission, eds.id, '2A', 'Add the staff survey.');
  await decide(twoSubmission, eds.id, '1B', 'Add the waiting times.');
  await decide(aisSubmission, ais.id, '1.1');
  const { rows: before1B } = await db.pool.query<{ id: string }>(
    `SELECT rr.id FROM requirement_reviews rr JOIN requirements q ON q.id = rr.requirement_id WHERE q.code = '1B'`,
  );

  await migrate(db.url, MIGRATIONS_DIR, testLogger);

  const after = await decisions();
  const byReturn = (returnId: string) =>
    after
      .filter((row) => row.return_id === returnId)
      .map(({ code, service, decision, reason }) => ({ code, service, decision, reason }));
  expect(byReturn(oneService.id)).toEqual([
    { code: '1A', service: 'All services', decision: 'accepted', reason: '' },
    { code: '2A', service: null, decision: 'returned', reason: 'Add the staff survey.' },
  ]);
  expect(byReturn(twoServices.id)).toEqual([
    { code: '1B', service: 'All services', decision: 'returned', reason: 'Add the waiting times.' },
    {
      code: '1B',
      service: 'Community mental health',
      decision: 'returned',
      reason: 'Add the waiting times.',
    },
  ]);
  // The original row (and anything linked to it) stays, on the first service.
  expect(after.find((row) => row.id === before1B[0]?.id)?.service).toBe('All services');
  expect(byReturn(aisReturn.id)).toEqual([{ code: '1.1', service: null, decision: 'accepted', reason: '' }]);

  // From now on: a decision on a per-service outcome names the return's service (taken when it has
  // exactly one), never another return's; no other decision names one; one per service.
  const requirementId = async (versionId: string, code: string) =>
    (
      await db.pool.query<{ id: string }>(
        `SELECT id FROM requirements WHERE framework_version_id = $1 AND code = $2`,
        [versionId, code],
      )
    ).rows[0]?.id ?? '';
  const serviceOf = async (returnId: string) =>
    (
      await db.pool.query<{ id: string }>(
        `SELECT id FROM return_services WHERE return_id = $1 ORDER BY position`,
        [returnId],
      )
    ).rows[0]?.id ?? '';
  const insert = (submissionId: string, requirement: string, serviceId: string | null) =>
    db.pool.query<{ service_id: string | null }>(
      `INSERT INTO requirement_reviews (submission_id, requirement_id, reviewer_id, decision, service_id)
       VALUES ($1, $2, $3, 'accepted', $4) RETURNING service_id`,
      [submissionId, requirement, manager.id, serviceId],
    );
  const oneB = await requirementId(eds.id, '1B');
  const filled = await insert(oneSubmission, oneB, null);
  expect(filled.rows[0]?.service_id).toBe(await serviceOf(oneService.id));
  await expect(insert(twoSubmission, await requirementId(eds.id, '1C'), null)).rejects.toThrow(
    /must name one of the return's 2 services/,
  );
  await expect(
    insert(oneSubmission, await requirementId(eds.id, '1C'), await serviceOf(twoServices.id)),
  ).rejects.toThrow(/is not a service of return/);
  await expect(
    insert(oneSubmission, await requirementId(eds.id, '2B'), await serviceOf(oneService.id)),
  ).rejects.toThrow(/not reviewed per service/);
  await expect(insert(oneSubmission, await requirementId(eds.id, '2A'), null)).rejects.toThrow(
    /requirement_reviews_submission_id_requirement_id_service_id_key/,
  );
  await expect(insert(oneSubmission, oneB, await serviceOf(oneService.id))).rejects.toThrow(
    /requirement_reviews_submission_id_requirement_id_service_id_key/,
  );
});
