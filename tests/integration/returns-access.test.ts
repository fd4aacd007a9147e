import supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import {
  answerEveryRequirement,
  answerFields,
  freshReturns,
  requirementsInOrder,
  type Agent,
  type World,
} from './returns-helpers.js';

// Every route of the provider side, for every kind of user: a lead of another provider learns
// nothing (404), anonymous visitors are sent to sign in, staff may read but never change.

let db: TestDatabase;
let base: World;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  base = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

/** Provider A's returns: one being filled in, and one already submitted (for the confirmation page). */
async function world() {
  const w = { ...base, ...(await freshReturns(db.prisma, base)) };
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const submitted = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: eds.id,
    periodId: w.period.id,
  });
  await answerEveryRequirement(db.prisma, submitted, w.leadA.id);
  // EDS is graded by panels: a grading record is needed before it can be submitted.
  await db.prisma.gradingRecord.create({
    data: {
      returnId: submitted.id,
      firstDate: new Date('2027-01-12'),
      groups: ['internal-leads'],
      howAgreed: 'By consensus',
      updatedById: w.leadA.id,
      updatedAt: new Date(),
    },
  });
  const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
  const check = await lead.get(pathTo(paths.returns.checkAnswers, { returnId: submitted.id }));
  await lead
    .post(pathTo(paths.returns.submit, { returnId: submitted.id }))
    .type('form')
    .send({ _csrf: csrfTokenFrom(check.text), declaration: 'confirmed' })
    .expect(302);
  const [requirement] = await requirementsInOrder(db.prisma, w.ais.id);
  if (!requirement) throw new Error('AIS 2025 has no requirements');
  const level = requirement.ratingScale.levels[0];
  return { ...w, submitted, requirement, level };
}

type AccessWorld = Awaited<ReturnType<typeof world>>;

function pagesOf(w: AccessWorld): string[] {
  const returnId = w.returnA.id;
  return [
    pathTo(paths.returns.show, { returnId }),
    pathTo(paths.returns.requirement, { returnId, requirementId: w.requirement.id }),
    pathTo(paths.returns.checkAnswers, { returnId }),
    pathTo(paths.returns.history, { returnId }),
    pathTo(paths.returns.confirmation, { returnId: w.submitted.id }),
  ];
}

/** Each form with fields that would be accepted from provider A's own lead. */
function formsOf(w: AccessWorld): { action: string; fields: Record<string, string> }[] {
  const returnId = w.returnA.id;
  return [
    {
      action: pathTo(paths.returns.requirement, { returnId, requirementId: w.requirement.id }),
      fields: {
        ...answerFields({ rating: w.level?.code ?? '', narrative: 'Not yours to write' }),
        version: '1',
      },
    },
    { action: pathTo(paths.returns.carryForward, { returnId }), fields: {} },
    { action: pathTo(paths.returns.submit, { returnId }), fields: { declaration: 'confirmed' } },
  ];
}

/** Everything a POST could change about provider A's return. */
async function stateOf(returnId: string) {
  return {
    ret: await db.prisma.return.findUniqueOrThrow({ where: { id: returnId } }),
    responses: await db.prisma.response.findMany({ where: { returnId }, orderBy: { id: 'asc' } }),
    links: await db.prisma.evidenceLink.count({ where: { response: { returnId } } }),
    submissions: await db.prisma.returnSubmission.count({ where: { returnId } }),
    events: await db.prisma.auditEvent.count({ where: { returnId } }),
  };
}

/** Posts a form with a valid CSRF token of the agent's own session. */
async function post(agent: Agent, action: string, fields: Record<string, string>) {
  const page = await agent.get(paths.localSignIn);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfTokenFrom(page.text), ...fields });
}

test('a lead of another provider gets "not found" for every page and form, and nothing changes', async () => {
  const w = await world();
  const leadB = await signedInAgent(buildTestApp(db), w.leadB.id);
  for (const page of pagesOf(w)) {
    const response = await leadB.get(page);
    expect({ page, status: response.status }).toEqual({ page, status: 404 });
  }
  const before = await stateOf(w.returnA.id);
  for (const form of formsOf(w)) {
    const response = await post(leadB, form.action, form.fields);
    expect({ action: form.action, status: response.status }).toEqual({ action: form.action, status: 404 });
  }
  expect(await stateOf(w.returnA.id)).toEqual(before);
  const list = await leadB.get(paths.returns.list).expect(200);
  expect(list.text).not.toContain(w.returnA.id);
  expect(list.text).not.toContain(w.submitted.id);
});

test('anonymous visitors are sent to sign in from every page and form, and nothing changes', async () => {
  const w = await world();
  const anonymous = supertest.agent(buildTestApp(db));
  for (const page of [paths.returns.list, ...pagesOf(w)]) {
    const response = await anonymous.get(page);
    expect({ page, status: response.status, location: response.headers.location }).toEqual({
      page,
      status: 302,
      location: paths.signIn,
    });
  }
  const before = await stateOf(w.returnA.id);
  for (const form of formsOf(w)) {
    const response = await post(anonymous, form.action, form.fields);
    expect({ action: form.action, location: response.headers.location }).toEqual({
      action: form.action,
      location: paths.signIn,
    });
  }
  expect(await stateOf(w.returnA.id)).toEqual(before);
});

test('staff may read every page but every form is forbidden, and nothing changes', async () => {
  const w = await world();
  const app = buildTestApp(db);
  for (const user of [w.manager, w.viewer, w.admin]) {
    const staff = await signedInAgent(app, user.id);
    for (const page of [paths.returns.list, ...pagesOf(w)]) {
      const response = await staff.get(page);
      expect({ role: user.role, page, status: response.status }).toEqual({
        role: user.role,
        page,
        status: 200,
      });
      expect(response.text).not.toContain('Save and continue');
    }
    const before = await stateOf(w.returnA.id);
    for (const form of formsOf(w)) {
      const response = await post(staff, form.action, form.fields);
      expect({ role: user.role, action: form.action, status: response.status }).toEqual({
        role: user.role,
        action: form.action,
        status: 403,
      });
    }
    expect(await stateOf(w.returnA.id)).toEqual(before);
  }
});

test('the provider’s own lead may use every page and form', async () => {
  const w = await world();
  const leadA = await signedInAgent(buildTestApp(db), w.leadA.id);
  for (const page of pagesOf(w)) {
    const response = await leadA.get(page);
    expect({ page, status: response.status }).toEqual({ page, status: 200 });
  }
  const [save, carry, submit] = formsOf(w);
  expect((await post(leadA, save?.action ?? '', save?.fields ?? {})).status).toBe(302);
  // Started and incomplete: carry-forward and submit are refused for what the return is, not who asks.
  expect((await post(leadA, carry?.action ?? '', carry?.fields ?? {})).status).toBe(409);
  expect((await post(leadA, submit?.action ?? '', submit?.fields ?? {})).status).toBe(400);
});
