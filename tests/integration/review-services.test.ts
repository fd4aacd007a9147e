import type supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { returnedReview } from '../../src/returns/returned.js';
import { SNAPSHOT_FORMAT, type ReturnSnapshot, type SnapshotResponse } from '../../src/returns/snapshot.js';
import { allDecisionFields } from '../../src/review/schemas.js';
import { answerKey, diffSnapshots, matchServices } from '../../src/review/snapshot-diff.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { sectionHtml, submitReturn, textOf } from '../support/review-fixtures.js';
import { requirementsInOrder } from './returns-helpers.js';

// Issue 14: an EDS 2022 return's Domain 1 outcomes are answered per service, and the reviewer
// accepts or returns each service's outcome on its own. The lead sees only the service sent back;
// a resubmission's changes are compared service by service.

const NOW = new Date('2027-01-15T12:00:00.000Z');

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  world = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

type Agent = ReturnType<typeof supertest.agent>;

async function signedIn(userId: string): Promise<{ agent: Agent; token: string }> {
  const agent = await signedInAgent(app, userId);
  const token = csrfTokenFrom((await agent.get(paths.home).expect(200)).text);
  return { agent, token };
}

/**
 * An EDS 2022 return of a new provider of the lead's (A's lead is made its lead too) assessing
 * "Maternity services" and "Community mental health" in Domain 1: every outcome "Achieving",
 * submitted.
 */
async function twoServiceReturn() {
  const provider = await createProvider(db.prisma);
  await db.prisma.membership.create({ data: { providerId: provider.id, userId: world.leadA.id } });
  const contract = await createContract(db.prisma, provider.id, world.manager.id);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const row = await createReturn(db.prisma, {
    contractId: contract.id,
    providerId: provider.id,
    frameworkVersionId: eds.id,
    periodId: world.period.id,
  });
  const first = await db.prisma.returnService.findFirstOrThrow({ where: { returnId: row.id } });
  const maternity = await db.prisma.returnService.update({
    where: { id: first.id },
    data: { name: 'Maternity services', whyChosen: 'Birth outcomes differ by ethnicity' },
  });
  const community = await db.prisma.returnService.create({
    data: { returnId: row.id, name: 'Community mental health', whyChosen: 'Waits differ', position: 2 },
  });
  const requirements = await requirementsInOrder(db.prisma, eds.id);
  for (const requirement of requirements) {
    const achieving = requirement.ratingScale.levels.find((level) => level.code === 'achieving');
    if (!achieving) throw new Error('no level');
    await db.prisma.response.updateMany({
      where: { returnId: row.id, requirementId: requirement.id },
      data: { ratingLevelId: achieving.id, narrative: `How we meet ${requirement.code}.` },
    });
    if (requirement.group.code === '1')
      await db.prisma.response.create({
        data: {
          returnId: row.id,
          requirementId: requirement.id,
          serviceId: community.id,
          ratingLevelId: achieving.id,
          narrative: `Community: how we meet ${requirement.code}.`,
        },
      });
  }
  await db.prisma.return.update({ where: { id: row.id }, data: { status: 'in_progress' } });
  await submitReturn(db.prisma, row.id, world.leadA.id, new Date('2027-01-10T09:00:00.000Z'));
  const byCode = new Map(requirements.map((requirement) => [requirement.code, requirement]));
  const requirement = (code: string) => {
    const found = byCode.get(code);
    if (!found) throw new Error(`no requirement ${code}`);
    return found;
  };
  return { returnId: row.id, providerId: provider.id, maternity, community, requirement };
}

function requirementHref(returnId: string, requirementId: string, serviceId?: string): string {
  const href = pathTo(paths.review.requirement, { returnId, requirementId });
  return serviceId ? `${href}?service=${serviceId}` : href;
}

/** The review decisions of a return's latest submission, as "code service: decision". */
async function decisionsOf(returnId: string): Promise<string[]> {
  const submission = await db.prisma.returnSubmission.findFirstOrThrow({
    where: { returnId },
    orderBy: { sequence: 'desc' },
    include: { requirementReviews: { include: { requirement: true, service: true } } },
  });
  return submission.requirementReviews
    .map((review) => `${review.requirement.code} ${review.service?.name ?? '-'}: ${review.decision}`)
    .sort();
}

test('1A returned for one service and accepted for the other; the lead sees only that service’s outcome returned', async () => {
  const r = await twoServiceReturn();
  const oneA = r.requirement('1A');
  const { agent, token } = await signedIn(world.manager.id);

  // The review page links each service's outcome to its own decision form.
  const page = await agent.get(pathTo(paths.review.show, { returnId: r.returnId })).expect(200);
  expect(page.text).toContain(`href="${requirementHref(r.returnId, oneA.id, r.maternity.id)}"`);
  expect(page.text).toContain(`href="${requirementHref(r.returnId, oneA.id, r.community.id)}"`);
  expect(page.text).toContain(`href="${requirementHref(r.returnId, r.requirement('2A').id)}"`);

  const form = await agent.get(requirementHref(r.returnId, oneA.id, r.maternity.id)).expect(200);
  expect(textOf(form.text)).toContain('1A (Maternity services)');
  expect(form.text).toContain('How we meet 1A.');
  expect(form.text).not.toContain('Community: how we meet 1A.');
  // A per-service outcome without its service, another return's service, or a service on an outcome
  // not answered per service names no answer: 404.
  await agent.get(requirementHref(r.returnId, oneA.id)).expect(404);
  await agent.get(`${requirementHref(r.returnId, oneA.id)}?service=not-a-uuid`).expect(404);
  const other = await twoServiceReturn();
  await agent.get(requirementHref(r.returnId, oneA.id, other.maternity.id)).expect(404);
  await agent.get(requirementHref(r.returnId, r.requirement('2A').id, r.maternity.id)).expect(404);
  await agent
    .post(requirementHref(r.returnId, oneA.id, other.maternity.id))
    .type('form')
    .send({ _csrf: token, decision: 'accepted' })
    .expect(404);

  await agent
    .post(requirementHref(r.returnId, oneA.id, r.maternity.id))
    .type('form')
    .send({
      _csrf: token,
      decision: 'returned',
      reason: 'Say how birth outcomes are monitored by ethnicity.',
    })
    .expect(302);
  // "Save and next" goes on in the page's order: each service's outcomes in turn (1B of the same service).
  const next = await agent
    .post(requirementHref(r.returnId, oneA.id, r.community.id))
    .type('form')
    .send({ _csrf: token, decision: 'accepted', then: 'next' })
    .expect(302);
  expect(next.headers.location).toBe(requirementHref(r.returnId, r.requirement('1B').id, r.community.id));
  expect(await decisionsOf(r.returnId)).toEqual([
    '1A Community mental health: accepted',
    '1A Maternity services: returned',
  ]);
  const audit = await db.prisma.auditEvent.findFirstOrThrow({
    where: { returnId: r.returnId, action: 'requirement_review.decided' },
    orderBy: { occurredAt: 'asc' },
  });
  expect(audit.after).toMatchObject({ requirementCode: '1A', serviceName: 'Maternity services' });

  // Accepting the whole return needs every service's outcomes decided, and none returned.
  const refused = await agent
    .post(pathTo(paths.review.decide, { returnId: r.returnId }))
    .type('form')
    .send({ _csrf: token, decision: 'accept' })
    .expect(400);
  expect(textOf(refused.text)).toContain(
    '13 not decided (1B (Maternity services), 1C (Maternity services), 1D (Maternity services), 1B (Community mental health),',
  );
  expect(textOf(refused.text)).toContain('requirements are returned (1A (Maternity services))');

  // The one-page form: a field per service's outcome; accept everything still undecided.
  const all = await agent.get(pathTo(paths.review.all, { returnId: r.returnId })).expect(200);
  const fieldOfCommunity1B = allDecisionFields(`${r.requirement('1B').id} ${r.community.id}`).decision;
  expect(all.text).toContain(`name="${fieldOfCommunity1B}"`);
  const fields: Record<string, string> = { _csrf: token };
  for (const match of all.text.matchAll(/name="(decision-[^"]+)"/g)) {
    const name = match[1] ?? '';
    if (!(name in fields)) fields[name] = 'accepted';
  }
  // Kept as decided: the returned Maternity 1A stays returned, with its reason.
  const maternity1A = allDecisionFields(`${oneA.id} ${r.maternity.id}`);
  fields[maternity1A.decision] = 'returned';
  fields[maternity1A.reason] = 'Say how birth outcomes are monitored by ethnicity.';
  await agent
    .post(pathTo(paths.review.all, { returnId: r.returnId }))
    .type('form')
    .send(fields)
    .expect(302);
  const decided = await decisionsOf(r.returnId);
  expect(decided).toContain('1D Community mental health: accepted');
  expect(decided).toContain('2A -: accepted');
  expect(decided.filter((line) => line.endsWith('returned'))).toEqual(['1A Maternity services: returned']);
  // 4 outcomes x 2 services, and 4 + 3 outcomes of domains 2 and 3.
  expect(decided).toHaveLength(15);

  await agent
    .post(pathTo(paths.review.decide, { returnId: r.returnId }))
    .type('form')
    .send({
      _csrf: token,
      decision: 'return',
      'newDueDate-day': '28',
      'newDueDate-month': '2',
      'newDueDate-year': '2027',
    })
    .expect(302);

  // The lead: one returned outcome, named by its service; Community mental health's 1A is not returned.
  const review = await returnedReview(db.prisma, r.returnId, []);
  expect(review?.requirements.map((item) => [item.label, item.reason, item.changed])).toEqual([
    ['1A (Maternity services)', 'Say how birth outcomes are monitored by ethnicity.', false],
  ]);
  const lead = await signedInAgent(app, world.leadA.id);
  const home = await lead.get(paths.home).expect(200);
  expect(textOf(home.text)).toContain('Fix 1 returned requirement');
  const taskList = await lead.get(pathTo(paths.returns.show, { returnId: r.returnId })).expect(200);
  expect(textOf(taskList.text)).toContain(
    'Returned: Maternity services: Say how birth outcomes are monitored by ethnicity.',
  );
  expect(textOf(taskList.text)).not.toContain('Community mental health: Say');

  // The review pack names each service's decision.
  const pack = await agent
    .get(`${pathTo(paths.exports.pack, { providerId: r.providerId })}?periodId=${world.period.id}`)
    .expect(200);
  expect(textOf(pack.text)).toContain('1A (Maternity services)');
  expect(textOf(pack.text)).toContain('1A (Community mental health)');
});

test('people of a provider cannot reach the review of a service’s outcome; viewers read but do not decide', async () => {
  const r = await twoServiceReturn();
  const href = requirementHref(r.returnId, r.requirement('1A').id, r.maternity.id);
  for (const userId of [world.leadA.id, world.leadB.id]) {
    const { agent, token } = await signedIn(userId);
    await agent.get(href).expect(403);
    await agent.post(href).type('form').send({ _csrf: token, decision: 'accepted' }).expect(403);
  }
  const viewer = await signedIn(world.viewer.id);
  await viewer.agent.get(href).expect(403);
  await viewer.agent.post(href).type('form').send({ _csrf: viewer.token, decision: 'accepted' }).expect(403);
  expect(await decisionsOf(r.returnId)).toEqual([]);
});

test('a resubmission is compared service by service: the changed service’s outcome, a service added', async () => {
  const r = await twoServiceReturn();
  const { agent, token } = await signedIn(world.manager.id);
  // Submission 1: every outcome accepted but Maternity 1A, returned.
  const all = await agent.get(pathTo(paths.review.all, { returnId: r.returnId })).expect(200);
  const fields: Record<string, string> = { _csrf: token };
  for (const match of all.text.matchAll(/name="(decision-[^"]+)"/g)) fields[match[1] ?? ''] = 'accepted';
  const maternity1A = allDecisionFields(`${r.requirement('1A').id} ${r.maternity.id}`);
  fields[maternity1A.decision] = 'returned';
  fields[maternity1A.reason] = 'Add the monitoring data.';
  await agent
    .post(pathTo(paths.review.all, { returnId: r.returnId }))
    .type('form')
    .send(fields)
    .expect(302);
  await agent
    .post(pathTo(paths.review.decide, { returnId: r.returnId }))
    .type('form')
    .send({
      _csrf: token,
      decision: 'return',
      'newDueDate-day': '28',
      'newDueDate-month': '2',
      'newDueDate-year': '2027',
    })
    .expect(302);

  // The lead raises Maternity 1A from Achieving to Excelling and adds a third service.
  const oneA = r.requirement('1A');
  const excelling = oneA.ratingScale.levels.find((level) => level.code === 'excelling');
  await db.prisma.response.updateMany({
    where: { returnId: r.returnId, requirementId: oneA.id, serviceId: r.maternity.id },
    data: { ratingLevelId: excelling?.id ?? null },
  });
  const added = await db.prisma.returnService.create({
    data: { returnId: r.returnId, name: 'Learning disability services', whyChosen: 'New', position: 3 },
  });
  await db.prisma.response.create({
    data: { returnId: r.returnId, requirementId: oneA.id, serviceId: added.id, narrative: 'New service.' },
  });
  await submitReturn(db.prisma, r.returnId, world.leadA.id, new Date('2027-01-12T09:00:00.000Z'));

  const page = await agent.get(pathTo(paths.review.show, { returnId: r.returnId })).expect(200);
  const text = textOf(page.text);
  expect(text).toContain('Services assessed now and not in submission 1: Learning disability services.');
  expect(text).not.toContain('no longer');
  // Maternity's 1A changed (2 -> 3); Community mental health's 1A did not; the new service's is new.
  const maternity = textOf(sectionHtml(page.text, 'requirement-1A-service-1'));
  expect(maternity).toContain('1A (Maternity services)');
  expect(maternity).toContain('Changed since last submission Rating Was: Achieving Now: Excelling');
  expect(maternity).toContain('Returned last time by Cora Manager: Add the monitoring data.');
  const community = textOf(sectionHtml(page.text, 'requirement-1A-service-2'));
  expect(community).toContain('1A (Community mental health)');
  expect(community).toContain('No change since the last submission.');
  expect(textOf(sectionHtml(page.text, 'requirement-1A-service-3'))).toContain('New requirement');

  // Accepting the unchanged ones in one step takes each service's accepted, unchanged outcomes: all
  // 15 but Maternity 1A (returned, and changed) and the new service's 1A (not there before).
  expect(text).toContain('14 requirements were accepted on submission 1');
  await agent
    .post(pathTo(paths.review.acceptUnchanged, { returnId: r.returnId }))
    .type('form')
    .send({ _csrf: token })
    .expect(302);
  const decided = await decisionsOf(r.returnId);
  expect(decided).toHaveLength(14);
  expect(decided).toContain('1A Community mental health: accepted');
  expect(decided).not.toContain('1A Maternity services: accepted');
  expect(decided.some((line) => line.includes('Learning disability'))).toBe(false);
});

// Hand-made snapshots: services are matched by id, else by name; an answer from before services
// stands for every service.
function answer(
  code: string,
  rating: string,
  service?: { serviceId: string; name: string },
): SnapshotResponse {
  return {
    groupCode: code.slice(0, 1),
    requirementCode: code,
    requirementTitle: `Outcome ${code}`,
    ratingLevelCode: rating,
    ratingLevelLabel: rating,
    ratingScore: null,
    narrative: 'Same',
    evidence: [],
    ...(service ? { serviceId: service.serviceId, serviceName: service.name } : {}),
  };
}

function snapshotOf(
  services: { serviceId: string; name: string }[],
  responses: SnapshotResponse[],
): ReturnSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    returnId: 'r',
    provider: { odsCode: 'X', name: 'X' },
    framework: { code: 'EDS', versionCode: '2022', versionName: 'EDS 2022' },
    period: '2026/27',
    dueDate: '2027-03-31',
    responses,
    ...(services.length > 0 ? { services: services.map((service) => ({ ...service, whyChosen: '' })) } : {}),
  };
}

test('snapshots are compared per (requirement, service): by id, else by name; services added and removed', () => {
  const maternity = { serviceId: 'm1', name: 'Maternity' };
  const community = { serviceId: 'c1', name: 'Community' };
  const maternityAgain = { serviceId: 'm2', name: 'Maternity' };
  const dental = { serviceId: 'd1', name: 'Dental' };
  const previous = snapshotOf(
    [maternity, community],
    [answer('1A', '2', maternity), answer('1A', '1', community), answer('2A', '2')],
  );
  const latest = snapshotOf(
    [maternityAgain, dental],
    [answer('1A', '3', maternityAgain), answer('1A', '1', dental), answer('2A', '2')],
  );
  expect(matchServices(previous, latest)).toEqual({
    previousOf: new Map([['m2', 'm1']]),
    added: ['Dental'],
    removed: ['Community'],
  });
  const changes = diffSnapshots(previous, latest);
  expect(changes.get(answerKey('1A', 'm2'))?.fields).toEqual([
    { field: 'rating', label: 'Rating', before: '2', after: '3' },
  ]);
  expect(changes.get(answerKey('1A', 'd1'))?.status).toBe('new');
  expect(changes.get(answerKey('2A', undefined))?.status).toBe('unchanged');
  // A snapshot from before services: its one 1A answer is each service's previous answer.
  const beforeServices = snapshotOf([], [answer('1A', '3'), answer('2A', '2')]);
  expect(diffSnapshots(beforeServices, latest).get(answerKey('1A', 'm2'))?.status).toBe('unchanged');
  expect(matchServices(beforeServices, latest).added).toEqual(['Maternity', 'Dental']);
});
