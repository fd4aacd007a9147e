import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.js';
import { computeResults, parseTally, responsesFromTally } from '../../src/frameworks/results.js';
import { findResultsBasis } from '../../src/frameworks/results.queries.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createUser,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { testLogger } from '../support/test-logger.js';

// Issue 14: existing EDS 2022 returns (one score per Domain 1 outcome) move to one service named "All
// services", with nothing lost and their results unchanged; other returns are untouched.

const SERVICES_MIGRATION = '20261206013000_return_services';

let db: TestDatabase;
let before: string;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  before = await mkdtemp(join(tmpdir(), 'migrations-before-services-'));
  for (const entry of await readdir(MIGRATIONS_DIR)) {
    if (entry < SERVICES_MIGRATION)
      await cp(join(MIGRATIONS_DIR, entry), join(before, entry), { recursive: true });
  }
});
afterAll(async () => {
  await db.drop();
  await rm(before, { recursive: true, force: true });
});

interface AnswerRow {
  id: string;
  return_id: string;
  requirement_id: string;
  code: string;
  group_code: string;
  rating_level_id: string | null;
  narrative: string;
}

async function answers(): Promise<AnswerRow[]> {
  const { rows } = await db.pool.query<AnswerRow>(
    `SELECT s.id, s.return_id, s.requirement_id, q.code, g.code AS group_code, s.rating_level_id, s.narrative
       FROM responses s JOIN requirements q ON q.id = s.requirement_id JOIN requirement_groups g ON g.id = q.group_id
      ORDER BY s.id`,
  );
  return rows;
}

/** A return's results computed from its tally, as the matrix computes them. */
async function tallyResults(returnId: string, frameworkVersionId: string) {
  const basis = await findResultsBasis(db.prisma, frameworkVersionId);
  if (!basis) throw new Error('no basis');
  const { rows: requirements } = await db.pool.query<{ code: string }>(
    `SELECT g.code FROM requirements q JOIN requirement_groups g ON g.id = q.group_id WHERE q.framework_version_id = $1`,
    [frameworkVersionId],
  );
  const perGroup = new Map<string, number>();
  for (const { code } of requirements) perGroup.set(code, (perGroup.get(code) ?? 0) + 1);
  const { rows } = await db.pool.query<{ tally: string }>(
    `SELECT tally FROM return_tallies WHERE return_id = $1`,
    [returnId],
  );
  return computeResults(responsesFromTally(perGroup, parseTally(rows[0]?.tally)), basis);
}

test('existing EDS 2022 returns get one service, "All services", holding their Domain 1 answers; results unchanged', async () => {
  await migrate(db.url, before, testLogger);
  await importTestStandards(db.prisma);
  // Written in SQL: the client knows columns the database has not got yet.
  const manager = await createUser(db.prisma, { role: 'contract_manager' });
  const providerA = await createProvider(db.prisma);
  const providerB = await createProvider(db.prisma);
  const contractA = await createContract(db.prisma, providerA.id, manager.id);
  const contractB = await createContract(db.prisma, providerB.id, manager.id);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const ais = await frameworkVersion(db.prisma, 'AIS', '2025');
  const period = await createPeriod(db.prisma);
  const newReturn = async (
    contract: { id: string; providerId: string },
    versionId: string,
    answered: boolean,
  ) => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO returns (contract_id, provider_id, framework_version_id, period_id, original_due_date, due_date)
       VALUES ($1, $2, $3, $4, '2027-03-31', '2027-03-31') RETURNING id`,
      [contract.id, contract.providerId, versionId, period.id],
    );
    const id = rows[0]?.id ?? '';
    if (answered)
      await db.pool.query(
        `INSERT INTO responses (return_id, requirement_id) SELECT $1, id FROM requirements WHERE framework_version_id = $2`,
        [id, versionId],
      );
    return { id };
  };
  const edsA = await newReturn(contractA, eds.id, true);
  // A second EDS 2022 return, never answered (no responses at all): it needs no service.
  const edsB = await newReturn(contractB, eds.id, false);
  const aisA = await newReturn(contractA, ais.id, true);
  // Every outcome of A rated (scores 0-3 in turn), narratives written.
  const { rows: levels } = await db.pool.query<{ id: string; score: number }>(
    `SELECT id, score FROM rating_levels WHERE scale_id = $1 ORDER BY score`,
    [eds.ratingScaleId],
  );
  await db.pool.query(
    `UPDATE responses s SET rating_level_id = ($2::uuid[])[1 + (q.position % 4)], narrative = 'Narrative ' || q.code
       FROM requirements q WHERE q.id = s.requirement_id AND s.return_id = $1`,
    [edsA.id, levels.map((level) => level.id)],
  );
  const resultsBefore = await tallyResults(edsA.id, eds.id);
  const answersBefore = await answers();
  expect(resultsBefore.kind).toBe('total-score');

  await migrate(db.url, MIGRATIONS_DIR, testLogger);

  const { rows: services } = await db.pool.query<{ return_id: string; name: string; why_chosen: string }>(
    `SELECT return_id, name, why_chosen FROM return_services ORDER BY return_id`,
  );
  expect(services).toEqual([
    {
      return_id: edsA.id,
      name: 'All services',
      why_chosen: 'Domain 1 was assessed for all services together.',
    },
  ]);
  const [service] = (
    await db.pool.query<{ id: string }>(`SELECT id FROM return_services WHERE return_id = $1`, [edsA.id])
  ).rows;
  // Nothing lost: the same answers, each Domain 1 answer of A now the service's, no other answer has one.
  const answersAfter = await answers();
  expect(answersAfter).toEqual(answersBefore);
  const { rows: withService } = await db.pool.query<{
    return_id: string;
    group_code: string;
    service_id: string | null;
  }>(
    `SELECT DISTINCT s.return_id, g.code AS group_code, s.service_id
       FROM responses s JOIN requirements q ON q.id = s.requirement_id JOIN requirement_groups g ON g.id = q.group_id
      WHERE s.service_id IS NOT NULL`,
  );
  expect(withService).toEqual([{ return_id: edsA.id, group_code: '1', service_id: service?.id }]);
  const domainOne = answersBefore.filter((row) => row.return_id === edsA.id && row.group_code === '1');
  expect(domainOne).toHaveLength(4);

  // The results are the same, computed from the new tally (which now names the service).
  expect(await tallyResults(edsA.id, eds.id)).toEqual({
    ...resultsBefore,
    kind: 'total-score',
    groups: (resultsBefore.kind === 'total-score' ? resultsBefore.groups : []).map((group) =>
      group.code === '1'
        ? { ...group, services: [{ ...group.services?.[0], serviceId: service?.id }] }
        : group,
    ),
  });
  expect(await tallyResults(edsB.id, eds.id)).toMatchObject({
    kind: 'total-score',
    complete: false,
    total: 0,
  });

  // Still one answer per requirement where there is no service; a service belongs to its own return.
  const aisAnswer = answersAfter.find((row) => row.return_id === aisA.id);
  if (!aisAnswer) throw new Error('no AIS answer');
  await expect(
    db.pool.query(`INSERT INTO responses (return_id, requirement_id) VALUES ($1, $2)`, [
      aisA.id,
      aisAnswer.requirement_id,
    ]),
  ).rejects.toThrow(/responses_return_id_requirement_id_service_id_key/);
  await expect(
    db.pool.query(`UPDATE responses SET service_id = $2 WHERE id = $1`, [aisAnswer.id, service?.id]),
  ).rejects.toThrow(/not answered per service/);
  const [domainOneAnswer] = domainOne;
  if (!domainOneAnswer) throw new Error('no Domain 1 answer');
  const other = await db.pool.query<{ id: string }>(
    `INSERT INTO return_services (return_id, name, position) VALUES ($1, 'Maternity', 1) RETURNING id`,
    [edsB.id],
  );
  await expect(
    db.pool.query(`UPDATE responses SET service_id = $2 WHERE id = $1`, [
      domainOneAnswer.id,
      other.rows[0]?.id,
    ]),
  ).rejects.toThrow(/is not a service of return/);
});
