import { join } from 'node:path';
import { FileSystemConfigLoader, HtmlValidate } from 'html-validate';
import { pathTo, paths } from '../../src/paths.js';
import { PROJECT_ROOT } from '../../src/project-root.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createProviderLead,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { submitReturn, textOf } from '../support/review-fixtures.js';
import { postForm, returnPath, type Agent, type World } from './returns-helpers.js';

// Issue 14: the "Services assessed" step of an EDS 2022 return: the provider's people name the
// services Domain 1 is assessed for, change and remove them (their answers with them), audited.

let db: TestDatabase;
let w: World;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

/**
 * A new return as a period opens it: an empty answer to every requirement, so an EDS 2022 return
 * starts with one service, "All services" (`bare`: without them, and so without services).
 */
async function edsReturn(versionCode = '2022', bare = false) {
  return createReturn(
    db.prisma,
    {
      contractId: w.contractA.id,
      providerId: w.providerA.id,
      frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', versionCode)).id,
      periodId: (await createPeriod(db.prisma)).id,
    },
    bare ? { responses: { create: [] } } : {},
  );
}

const servicesPath = (returnId: string) => pathTo(paths.returns.services, { returnId });
const addPath = (returnId: string) => pathTo(paths.returns.serviceAdd, { returnId });
const changePath = (returnId: string, serviceId: string) =>
  pathTo(paths.returns.serviceChange, { returnId, serviceId });
const removePath = (returnId: string, serviceId: string) =>
  pathTo(paths.returns.serviceRemove, { returnId, serviceId });

function services(returnId: string) {
  return db.prisma.returnService.findMany({
    where: { returnId },
    orderBy: { position: 'asc' },
    select: { id: true, name: true, whyChosen: true, position: true },
  });
}

async function add(agent: Agent, returnId: string, name: string, whyChosen = `Chosen: ${name}`) {
  return postForm(agent, addPath(returnId), addPath(returnId), { name, whyChosen });
}

describe('adding services', () => {
  test('a new return starts with "All services"', async () => {
    const ret = await edsReturn();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const taskList = textOf((await lead.get(returnPath(ret.id)).expect(200)).text);
    expect(taskList).toMatch(/Services assessed in Domain 1 All services Completed/);
    expect(textOf((await lead.get(servicesPath(ret.id)).expect(200)).text)).toContain(
      'All services Domain 1 was assessed for all services together. Change All services Remove All services',
    );
  });

  test('the step can start empty, adds services in order, audits them and starts the return', async () => {
    const ret = await edsReturn('2022', true);
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const taskList = await lead.get(returnPath(ret.id)).expect(200);
    expect(textOf(taskList.text)).toMatch(/Services assessed in Domain 1 None added yet Not started/);
    expect(taskList.text).toContain(`href="${servicesPath(ret.id)}"`);
    const empty = await lead.get(servicesPath(ret.id)).expect(200);
    expect(textOf(empty.text)).toContain('Name at least 1 service');
    expect(empty.text).toContain('You have not added any services yet.');

    const first = await add(lead, ret.id, '  Maternity ', 'Patients told us waits were longest here.');
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe(servicesPath(ret.id));
    await add(lead, ret.id, 'Community mental health');
    expect(await services(ret.id)).toMatchObject([
      { name: 'Maternity', whyChosen: 'Patients told us waits were longest here.', position: 1 },
      { name: 'Community mental health', position: 2 },
    ]);
    const events = await db.prisma.auditEvent.findMany({
      where: { returnId: ret.id, action: 'return.service_added' },
      orderBy: { occurredAt: 'asc' },
    });
    expect(events.map((event) => event.after)).toEqual([
      { service: 'Maternity', whyChosen: 'Patients told us waits were longest here.' },
      { service: 'Community mental health', whyChosen: 'Chosen: Community mental health' },
    ]);
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status).toBe('in_progress');

    const list = textOf((await lead.get(servicesPath(ret.id)).expect(200)).text);
    expect(list).toMatch(
      /Maternity Patients told us waits were longest here\. Change Maternity Remove Maternity/,
    );
    const after = textOf((await lead.get(returnPath(ret.id)).expect(200)).text);
    expect(after).toMatch(/Services assessed in Domain 1 Maternity, Community mental health Completed/);
    const history = textOf(
      (await lead.get(pathTo(paths.returns.history, { returnId: ret.id })).expect(200)).text,
    );
    expect(history).toContain('Service added');
  });

  test('refuses a missing, too long or repeated name and a missing reason, keeping what was typed', async () => {
    const ret = await edsReturn('2022', true);
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    await add(lead, ret.id, 'Maternity');

    const blank = await add(lead, ret.id, '   ', '');
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('<title>Error: ');
    expect(blank.text).toContain('<a href="#name">Enter the name of the service</a>');
    expect(blank.text).toContain('<a href="#whyChosen">Enter why you chose this service</a>');

    const long = await add(lead, ret.id, 'N'.repeat(101), 'W'.repeat(2001));
    expect(long.status).toBe(400);
    expect(long.text).toContain('The name of the service must be 100 characters or fewer');
    expect(long.text).toContain('Why you chose this service must be 2000 characters or fewer');
    expect(long.text).toContain(`value="${'N'.repeat(101)}"`);
    expect(long.text).toContain('W'.repeat(2001));

    const repeated = await add(lead, ret.id, ' MATERNITY', 'Typed reason kept');
    expect(repeated.status).toBe(400);
    expect(repeated.text).toContain('<a href="#name">You have already added a service called Maternity</a>');
    expect(repeated.text).toContain('value=" MATERNITY"');
    expect(repeated.text).toContain('Typed reason kept');
    expect((await services(ret.id)).map((service) => service.name)).toEqual(['Maternity']);
    expect(
      await db.prisma.auditEvent.count({ where: { returnId: ret.id, action: 'return.service_added' } }),
    ).toBe(1);
  });

  test('the minimum number of services comes from the standard’s data', async () => {
    const ret = await edsReturn('2022', true);
    await db.prisma.frameworkVersion.update({
      where: { id: ret.frameworkVersionId },
      data: { perServiceMinimum: 2 },
    });
    try {
      const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
      expect(textOf((await lead.get(servicesPath(ret.id)).expect(200)).text)).toContain(
        'Name at least 2 services',
      );
      await add(lead, ret.id, 'Maternity');
      expect(textOf((await lead.get(returnPath(ret.id)).expect(200)).text)).toMatch(
        /Services assessed in Domain 1 Maternity In progress/,
      );
    } finally {
      await db.prisma.frameworkVersion.update({
        where: { id: ret.frameworkVersionId },
        data: { perServiceMinimum: 1 },
      });
    }
  });

  test('does not exist for a version not answered per service', async () => {
    const ret = await edsReturn('2');
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    await lead.get(servicesPath(ret.id)).expect(404);
    await lead.get(addPath(ret.id)).expect(404);
    expect((await lead.get(returnPath(ret.id)).expect(200)).text).not.toContain('Services assessed');
  });
});

describe('changing and removing services', () => {
  test('"All services", made for answers written without a service, is renamed like any other', async () => {
    const ret = await edsReturn('2022', true);
    const requirement = await db.prisma.requirement.findFirstOrThrow({
      where: { frameworkVersionId: ret.frameworkVersionId, code: '1A' },
    });
    await db.prisma.response.create({
      data: { returnId: ret.id, requirementId: requirement.id, narrative: 'Written before services' },
    });
    const [allServices] = await services(ret.id);
    expect(allServices?.name).toBe('All services');
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const id = allServices?.id ?? '';
    const form = await lead.get(changePath(ret.id, id)).expect(200);
    expect(form.text).toContain('value="All services"');

    await add(lead, ret.id, 'Maternity');
    const clash = await postForm(lead, changePath(ret.id, id), changePath(ret.id, id), {
      name: 'maternity',
      whyChosen: 'Kept reason',
    });
    expect(clash.status).toBe(400);
    expect(clash.text).toContain('You have already added a service called Maternity');
    expect(clash.text).toContain('value="maternity"');
    expect(clash.text).toContain('Kept reason');

    // Its own name in another case is fine.
    const renamed = await postForm(lead, changePath(ret.id, id), changePath(ret.id, id), {
      name: 'Emergency department',
      whyChosen: 'Longest waits for interpreters.',
    });
    expect(renamed.status).toBe(302);
    expect(await services(ret.id)).toMatchObject([
      { id, name: 'Emergency department', whyChosen: 'Longest waits for interpreters.' },
      { name: 'Maternity' },
    ]);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { returnId: ret.id, action: 'return.service_changed' },
    });
    expect(event.before).toMatchObject({ service: 'All services' });
    expect(event.after).toMatchObject({ service: 'Emergency department' });
    // The answer stays with the renamed service.
    expect(await db.prisma.response.findFirstOrThrow({ where: { returnId: ret.id } })).toMatchObject({
      serviceId: id,
      narrative: 'Written before services',
    });
  });

  test('removing asks first, says the answers go, deletes them and records it', async () => {
    const ret = await edsReturn('2022', true);
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    await add(lead, ret.id, 'Maternity');
    await add(lead, ret.id, 'Outpatients');
    const [maternity, outpatients] = await services(ret.id);
    const requirement = await db.prisma.requirement.findFirstOrThrow({
      where: { frameworkVersionId: ret.frameworkVersionId, code: '1A' },
    });
    await db.prisma.response.create({
      data: { returnId: ret.id, requirementId: requirement.id, serviceId: maternity?.id, narrative: 'M' },
    });
    await db.prisma.response.create({
      data: { returnId: ret.id, requirementId: requirement.id, serviceId: outpatients?.id, narrative: 'O' },
    });

    const confirm = await lead.get(removePath(ret.id, maternity?.id ?? '')).expect(200);
    const confirmText = textOf(confirm.text);
    expect(confirmText).toContain('Remove Maternity?');
    expect(confirmText).toContain('Removing this service deletes its 1 answer');
    expect(confirm.text).toContain('name="_csrf"');

    const removed = await postForm(
      lead,
      removePath(ret.id, maternity?.id ?? ''),
      removePath(ret.id, maternity?.id ?? ''),
      {},
    );
    expect(removed.status).toBe(302);
    expect(removed.headers.location).toBe(servicesPath(ret.id));
    expect((await services(ret.id)).map((service) => service.name)).toEqual(['Outpatients']);
    expect(
      (await db.prisma.response.findMany({ where: { returnId: ret.id } })).map((row) => row.narrative),
    ).toEqual(['O']);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { returnId: ret.id, action: 'return.service_removed' },
    });
    expect(event.before).toMatchObject({ service: 'Maternity' });
    expect(event.after).toEqual({ answersRemoved: 1 });
    // Gone: its pages are not found.
    await lead.get(removePath(ret.id, maternity?.id ?? '')).expect(404);
    await lead.get(changePath(ret.id, maternity?.id ?? '')).expect(404);
    const history = textOf(
      (await lead.get(pathTo(paths.returns.history, { returnId: ret.id })).expect(200)).text,
    );
    expect(history).toContain('Service removed, with its answers');
  });

  test('another return’s service is not found through this return', async () => {
    const ret = await edsReturn();
    const other = await edsReturn();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    await add(lead, other.id, 'Maternity');
    const [service] = await services(other.id);
    await lead.get(changePath(ret.id, service?.id ?? '')).expect(404);
    await lead.get(removePath(ret.id, service?.id ?? '')).expect(404);
    await lead.get(changePath(ret.id, 'not-a-uuid')).expect(404);
  });
});

test('a service the reviewer decided on stays: removing it is refused, saying why', async () => {
  const ret = await edsReturn();
  const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
  const [first] = await services(ret.id);
  await add(lead, ret.id, 'Outpatients');
  // Reviewed in a first submission, then returned to the provider.
  const submission = await submitReturn(db.prisma, ret.id, w.leadA.id);
  const requirement = await db.prisma.requirement.findFirstOrThrow({
    where: { frameworkVersionId: ret.frameworkVersionId, code: '1A' },
  });
  await db.prisma.requirementReview.create({
    data: {
      submissionId: submission.id,
      requirementId: requirement.id,
      serviceId: first?.id,
      reviewerId: w.manager.id,
      decision: 'returned',
      reason: 'Say which groups the panel heard from.',
    },
  });
  await db.prisma.return.update({ where: { id: ret.id }, data: { status: 'returned' } });

  const confirm = await lead.get(removePath(ret.id, first?.id ?? '')).expect(200);
  expect(textOf(confirm.text)).toContain(
    'All services cannot be removed: the commissioning team has reviewed its outcomes',
  );
  expect(confirm.text).not.toContain('Remove service');
  const refused = await postForm(
    lead,
    removePath(ret.id, first?.id ?? ''),
    removePath(ret.id, first?.id ?? ''),
    {},
  );
  expect(refused.status).toBe(409);
  expect(textOf(refused.text)).toContain('their decisions stay on the record');
  expect((await services(ret.id)).map((service) => service.name)).toEqual(['All services', 'Outpatients']);
  expect(await db.prisma.requirementReview.count({ where: { submissionId: submission.id } })).toBe(1);
  // A service no one reviewed can still go.
  const [, outpatients] = await services(ret.id);
  const removed = await postForm(
    lead,
    removePath(ret.id, outpatients?.id ?? ''),
    removePath(ret.id, outpatients?.id ?? ''),
    {},
  );
  expect(removed.status).toBe(302);
});

describe('who may change services', () => {
  test('contributors may; another provider’s lead gets 404, staff 403, a frozen return 409', async () => {
    const ret = await edsReturn('2022', true);
    const app = buildTestApp(db);
    const contributor = await createProviderLead(db.prisma, w.providerA.id, {
      displayName: 'Cara Contributor',
    });
    await db.prisma.membership.update({
      where: { userId_providerId: { userId: contributor.id, providerId: w.providerA.id } },
      data: { role: 'contributor' },
    });
    const contrib = await signedInAgent(app, contributor.id);
    expect((await add(contrib, ret.id, 'Maternity')).status).toBe(302);
    const [service] = await services(ret.id);
    const serviceId = service?.id ?? '';
    const routes = [
      servicesPath(ret.id),
      addPath(ret.id),
      changePath(ret.id, serviceId),
      removePath(ret.id, serviceId),
    ];
    const fields = { name: 'Taken over', whyChosen: 'Not yours' };
    for (const [userId, status] of [
      [w.leadB.id, 404],
      [w.manager.id, 403],
      [w.viewer.id, 403],
    ] as const) {
      const agent = await signedInAgent(app, userId);
      const token = csrfTokenFrom((await agent.get(paths.returns.list).expect(200)).text);
      for (const route of routes) {
        await agent.get(route).expect(status);
        if (route !== servicesPath(ret.id))
          await agent
            .post(route)
            .type('form')
            .send({ _csrf: token, ...fields })
            .expect(status);
      }
    }
    await db.prisma.return.update({
      where: { id: ret.id },
      data: { status: 'submitted', submittedAt: new Date() },
    });
    const lead = await signedInAgent(app, w.leadA.id);
    for (const route of routes) await lead.get(route).expect(409);
    expect((await lead.get(returnPath(ret.id)).expect(200)).text).not.toContain(
      `href="${servicesPath(ret.id)}"`,
    );
    expect(await services(ret.id)).toMatchObject([{ name: 'Maternity' }]);
  });

  test('the forms carry a CSRF token and a post without one changes nothing', async () => {
    const ret = await edsReturn('2022', true);
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    expect((await lead.get(addPath(ret.id)).expect(200)).text).toContain('name="_csrf"');
    await lead.post(addPath(ret.id)).type('form').send({ name: 'No token', whyChosen: 'x' }).expect(403);
    expect(await services(ret.id)).toEqual([]);
  });
});

describe('its pages', () => {
  test('are valid HTML, empty, with errors and filled in', async () => {
    const validator = new HtmlValidate(new FileSystemConfigLoader());
    const problems = async (html: string) =>
      (await validator.validateString(html, join(PROJECT_ROOT, 'page.html'))).results.flatMap((result) =>
        result.messages.map((message) => `${message.ruleId}: ${message.message}`),
      );
    const ret = await edsReturn('2022', true);
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    expect(await problems((await lead.get(servicesPath(ret.id)).expect(200)).text)).toEqual([]);
    expect(await problems((await lead.get(addPath(ret.id)).expect(200)).text)).toEqual([]);
    expect(await problems((await add(lead, ret.id, '')).text)).toEqual([]);
    await add(lead, ret.id, 'Maternity');
    const [service] = await services(ret.id);
    for (const path of [
      servicesPath(ret.id),
      changePath(ret.id, service?.id ?? ''),
      removePath(ret.id, service?.id ?? ''),
      returnPath(ret.id),
    ]) {
      expect(await problems((await lead.get(path).expect(200)).text)).toEqual([]);
    }
  });
});
