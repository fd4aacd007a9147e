import { randomUUID } from 'node:crypto';
import { requirementCounterparts } from '../../src/frameworks/requirement-carry.js';
import type { VersionMapping } from '../../src/frameworks/version-mapping.schema.js';
import { readVersionMappings } from '../../src/frameworks/version-mappings.js';
import { pathTo, paths } from '../../src/paths.js';
import { STANDARD_MAPPINGS_DIR } from '../../src/project-root.js';
import { findSnapshotSource } from '../../src/returns/queries.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { textOf } from '../support/review-fixtures.js';
import { postForm, requirementPath, type World } from './returns-helpers.js';

// Issue 14: open actions carry into the next period's return by what each requirement became, as the
// version mapping (data/standards/mappings) says: the same code within a version, the mapping's
// requirement pairs across versions (AIS 2016 1.4 is AIS 2025 6.3, not 1.4), and where a requirement
// has no counterpart (EDS2 to EDS 2022) the action's page says so instead of dropping it silently.

let db: TestDatabase;
let w: World;
let mappings: VersionMapping[];
const NOW = new Date('2027-01-15T10:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
  mappings = await readVersionMappings(STANDARD_MAPPINGS_DIR);
});
afterAll(async () => {
  await db.drop();
});

const app = () => buildTestApp(db, { clock: () => NOW });
const actionHref = (actionId: string) => `href="${pathTo(paths.actions.show, { actionId })}"`;

/** A return of provider A for another version, in an earlier financial year. */
async function earlierReturn(frameworkCode: 'AIS' | 'EDS', versionCode: string) {
  const version = await frameworkVersion(db.prisma, frameworkCode, versionCode);
  const period = await db.prisma.reportingPeriod.create({
    data: {
      label: `2025/26 ${randomUUID().slice(0, 6)}`,
      startDate: new Date('2025-04-01'),
      endDate: new Date('2026-03-31'),
    },
  });
  const ret = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: version.id,
    periodId: period.id,
  });
  return { ret, version, period };
}

async function requirementOf(frameworkVersionId: string, code: string) {
  return db.prisma.requirement.findFirstOrThrow({ where: { frameworkVersionId, code } });
}

async function actionOn(
  requirementId: string,
  returnId: string,
  description: string,
  status: 'not_started' | 'in_progress' | 'done' = 'in_progress',
) {
  return db.prisma.action.create({
    data: {
      providerId: w.providerA.id,
      description,
      owner: 'AIS lead',
      dueDate: new Date('2027-06-30'),
      status,
      links: { create: { requirementId, returnId } },
    },
  });
}

test('AIS 2016 actions show on the AIS 2025 requirements they became; same-version carry is unchanged', async () => {
  const { ret: old, version: ais2016 } = await earlierReturn('AIS', '2016');
  const policy = await actionOn(
    (await requirementOf(ais2016.id, '1.4')).id,
    old.id,
    'Rewrite the AIS policy',
  );
  const review = await actionOn(
    (await requirementOf(ais2016.id, '5.5')).id,
    old.id,
    'Audit compliance yearly',
  );
  const leadAction = await actionOn(
    (await requirementOf(ais2016.id, '1.3')).id,
    old.id,
    'Name a board sponsor',
  );
  const carers = await actionOn((await requirementOf(ais2016.id, '1.2')).id, old.id, 'Ask carers at booking');
  const finished = await actionOn(
    (await requirementOf(ais2016.id, '1.1')).id,
    old.id,
    'Finished in 2025',
    'done',
  );
  // Same version: an open AIS 2025 action of last year's return shows on this year's 1.2 as before.
  const { ret: old2025 } = await earlierReturn('AIS', '2025');
  const sameVersion = await actionOn(
    (await requirementOf(w.ais.id, '1.2')).id,
    old2025.id,
    'Carers leaflet in easy read',
  );

  const lead = await signedInAgent(app(), w.leadA.id);
  const pageOf = async (code: string) =>
    (await lead.get(requirementPath(w.returnA.id, (await requirementOf(w.ais.id, code)).id)).expect(200))
      .text;

  const [onPolicy, onSelfAssessment, onLead, onTraining, onCarers, onFirst] = await Promise.all(
    ['6.3', '6.4', '6.2', '1.3', '1.2', '1.1'].map(pageOf),
  );
  expect(onPolicy).toContain(actionHref(policy.id));
  expect(onSelfAssessment).toContain(actionHref(review.id));
  expect(onLead).toContain(actionHref(leadAction.id));
  // 2016's 1.3 (a named lead) is not 2025's 1.3 (staff training): the code alone carries nothing.
  expect(onTraining).not.toContain(actionHref(leadAction.id));
  expect(onCarers).toContain(actionHref(carers.id));
  expect(onCarers).toContain(actionHref(sameVersion.id));
  expect(onFirst).not.toContain(actionHref(finished.id));

  // What a submission freezes and the check-answers page list are the same actions.
  const source = await findSnapshotSource(db.prisma, w.returnA.id, mappings);
  const frozen = (code: string) =>
    source.responses
      .find((response) => response.requirement.code === code)
      ?.actions.map((action) => action.id);
  expect(frozen('6.3')).toEqual([policy.id]);
  expect(frozen('6.4')).toEqual([review.id]);
  expect(frozen('1.3')).toEqual([]);
  const check = textOf(
    (await lead.get(pathTo(paths.returns.checkAnswers, { returnId: w.returnA.id })).expect(200)).text,
  );
  expect(check).toContain('Rewrite the AIS policy');

  // The action's page says where it carries.
  const shown = textOf(
    (await lead.get(pathTo(paths.actions.show, { actionId: policy.id })).expect(200)).text,
  );
  expect(shown).toContain(
    'Shown on Accessible Information Standard (2025) returns under 6.3 A current policy covers all six steps',
  );
});

test('an EDS2 action is not carried into EDS 2022, and its page says why', async () => {
  const { ret: old, version: eds2 } = await earlierReturn('EDS', '2');
  const eds2022 = await frameworkVersion(db.prisma, 'EDS', '2022');
  const current = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: eds2022.id,
    periodId: w.period.id,
  });
  const action = await actionOn((await requirementOf(eds2.id, '1.1')).id, old.id, 'Engage local communities');

  const lead = await signedInAgent(app(), w.leadA.id);
  const requirements = await db.prisma.requirement.findMany({ where: { frameworkVersionId: eds2022.id } });
  for (const requirement of requirements) {
    // Domain 1's outcomes are answered per service: a link without one goes to the first service's page.
    const opened = await lead.get(requirementPath(current.id, requirement.id));
    const page = opened.status === 302 ? await lead.get(opened.headers.location ?? '').expect(200) : opened;
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(actionHref(action.id));
  }
  const shown = textOf(
    (await lead.get(pathTo(paths.actions.show, { actionId: action.id })).expect(200)).text,
  );
  expect(shown).toContain(
    'Not shown on EDS 2022 returns: EDS 2022’s 11 outcomes are not the 18 outcomes of EDS2',
  );

  // Another provider's lead learns nothing of it.
  const leadB = await signedInAgent(app(), w.leadB.id);
  await leadB.get(pathTo(paths.actions.show, { actionId: action.id })).expect(404);
});

test('an action links to requirements of two standards and shows on both, and in the list under each', async () => {
  const eds2022 = await frameworkVersion(db.prisma, 'EDS', '2022');
  const eds = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: eds2022.id,
    periodId: (await createPeriod(db.prisma)).id,
  });
  const staffTraining = await requirementOf(w.ais.id, '1.3');
  const edsOutcome = await requirementOf(eds2022.id, '2A');
  const lead = await signedInAgent(app(), w.leadA.id);
  const added = await postForm(
    lead,
    pathTo(paths.actions.add, { returnId: w.returnA.id, requirementId: staffTraining.id }),
    pathTo(paths.actions.add, { returnId: w.returnA.id, requirementId: staffTraining.id }),
    {
      description: 'Equality and accessibility training for all staff',
      owner: 'Learning lead',
      'dueDate-day': '31',
      'dueDate-month': '7',
      'dueDate-year': '2027',
    },
  );
  expect(added.status).toBe(302);
  const action = await db.prisma.action.findFirstOrThrow({
    where: { description: 'Equality and accessibility training for all staff' },
  });
  const linkPage = pathTo(paths.actions.add, { returnId: eds.id, requirementId: edsOutcome.id });
  const linked = await postForm(
    lead,
    linkPage,
    pathTo(paths.actions.link, { returnId: eds.id, requirementId: edsOutcome.id }),
    { actionId: action.id },
  );
  expect(linked.status).toBe(302);

  await Promise.all(
    [requirementPath(w.returnA.id, staffTraining.id), requirementPath(eds.id, edsOutcome.id)].map(
      async (page) => expect((await lead.get(page).expect(200)).text).toContain(actionHref(action.id)),
    ),
  );
  const shown = textOf(
    (await lead.get(pathTo(paths.actions.show, { actionId: action.id })).expect(200)).text,
  );
  expect(shown).toContain(
    'Accessible Information Standard (2025) 1.3 Staff know how to ask and have been trained',
  );
  expect(shown).toContain('EDS 2022 2A');
  // An AIS 2025 requirement that was new in 2025 says so for AIS 2016 returns.
  expect(shown).toContain(
    'Shown on Accessible Information Standard (2016) returns under 1.5 Staff are aware of the standard and trained',
  );
  for (const standard of ['AIS', 'EDS']) {
    const list = await lead.get(`${paths.actions.list}?standard=${standard}`).expect(200);
    expect(list.text).toContain(actionHref(action.id));
  }
});

describe('requirementCounterparts', () => {
  const from = (versionCode: string, code: string) => ({ frameworkCode: 'AIS', versionCode, code });

  test('follows the pairs both ways, and gives the reason where nothing corresponds', () => {
    expect(requirementCounterparts(mappings, from('2016', '1.5'), '2025')).toEqual({
      codes: ['1.3'],
      reason: null,
    });
    expect(requirementCounterparts(mappings, from('2025', '6.4'), '2016')).toEqual({
      codes: ['5.4', '5.5'],
      reason: null,
    });
    expect(requirementCounterparts(mappings, from('2025', '6.1'), '2016').reason).toBe(
      'Requirement 6.1 is new in AIS 2025: no requirement of AIS 2016 became it.',
    );
    expect(requirementCounterparts(mappings, from('2016', '9.9'), '2025').reason).toBe(
      'The mapping between AIS 2016 and AIS 2025 does not list requirement 9.9.',
    );
    expect(requirementCounterparts(mappings, from('2016', '1.1'), '2030').reason).toBe(
      'No mapping between AIS 2016 and AIS 2030 is recorded.',
    );
    expect(requirementCounterparts(mappings, from('2025', '6.1'), '2025')).toEqual({
      codes: ['6.1'],
      reason: null,
    });
  });

  test('a pair with no counterpart gives its note as the reason', () => {
    const [ais] = mappings;
    if (!ais) throw new Error('no mapping');
    const dropped: VersionMapping = {
      ...ais,
      requirements: {
        ...ais.requirements,
        pairs: [
          { from: '1.4', to: null, note: 'No policy requirement in 2025.', source: 's', verified: false },
        ],
      },
    };
    expect(requirementCounterparts([dropped], from('2016', '1.4'), '2025')).toEqual({
      codes: [],
      reason: 'No policy requirement in 2025.',
    });
  });
});
