import supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  createUser,
  importTestStandards,
} from '../support/fixtures.js';
import {
  answerReturn,
  reviewState,
  submitReturn,
  tableRowTexts,
  textOf,
} from '../support/review-fixtures.js';

// Who may use the review routes, and the queue. The clock is fixed so "days waiting" is known.
const NOW = new Date('2027-01-15T12:00:00.000Z');
const DAY = 86_400_000;

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let requirementId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  world = await createTwoProviderWorld(db.prisma);
  await answerReturn(db.prisma, world.returnA.id, world.leadA.id);
  await submitReturn(db.prisma, world.returnA.id, world.leadA.id, new Date(NOW.getTime() - 2 * DAY));
  const requirement = await db.prisma.requirement.findFirstOrThrow({
    where: { frameworkVersionId: world.ais.id, code: '1.1' },
  });
  requirementId = requirement.id;
});
afterAll(async () => {
  await db.drop();
});

async function tokenOf(agent: ReturnType<typeof supertest.agent>): Promise<string> {
  return csrfTokenFrom((await agent.get(paths.home).expect(200)).text);
}

function reviewRoutes(returnId: string) {
  return {
    queue: paths.review.queue,
    show: pathTo(paths.review.show, { returnId }),
    requirement: pathTo(paths.review.requirement, { returnId, requirementId }),
    decide: pathTo(paths.review.decide, { returnId }),
  };
}

describe('provider leads cannot use any review route, whichever provider they lead', () => {
  test.each([
    ['the lead of the return’s own provider', () => world.leadA.id],
    ['the lead of another provider', () => world.leadB.id],
  ])('%s is refused everywhere and nothing changes', async (_who, leadId) => {
    const agent = await signedInAgent(app, leadId());
    const token = await tokenOf(agent);
    const routes = reviewRoutes(world.returnA.id);
    const before = await reviewState(db.prisma, world.returnA.id);

    await agent.get(routes.queue).expect(403);
    await agent.get(routes.show).expect(403);
    await agent.get(routes.requirement).expect(403);
    await agent
      .post(routes.requirement)
      .type('form')
      .send({ _csrf: token, decision: 'accepted' })
      .expect(403);
    await agent.post(routes.decide).type('form').send({ _csrf: token, decision: 'accept' }).expect(403);
    await agent
      .post(routes.decide)
      .type('form')
      .send({
        _csrf: token,
        decision: 'return',
        'newDueDate-day': '1',
        'newDueDate-month': '3',
        'newDueDate-year': '2027',
      })
      .expect(403);

    expect(await reviewState(db.prisma, world.returnA.id)).toEqual(before);
  });

  test('the refusal is the same for a return that does not exist: no id is confirmed', async () => {
    const agent = await signedInAgent(app, world.leadB.id);
    const missing = reviewRoutes('00000000-0000-4000-8000-000000000000');
    const denied = await agent.get(missing.show).expect(403);
    const real = await agent.get(reviewRoutes(world.returnA.id).show).expect(403);
    const withoutReference = (html: string) => textOf(html).replace(/[0-9a-f-]{36}/g, '');
    expect(withoutReference(denied.text)).toEqual(withoutReference(real.text));
    expect(real.text).not.toContain(world.providerA.name);
  });

  test('the Review menu entry is for admins and contract managers only', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    expect((await lead.get(paths.home)).text).not.toContain(`href="${paths.review.queue}"`);
    const viewer = await signedInAgent(app, world.viewer.id);
    expect((await viewer.get(paths.home)).text).not.toContain(`href="${paths.review.queue}"`);
    const manager = await signedInAgent(app, world.manager.id);
    expect((await manager.get(paths.home)).text).toContain(`href="${paths.review.queue}"`);
  });
});

describe('viewers read the review page but cannot decide', () => {
  test('the page shows the submission without any form or decision link', async () => {
    const agent = await signedInAgent(app, world.viewer.id);
    const page = await agent.get(reviewRoutes(world.returnA.id).show).expect(200);
    expect(page.text).toContain('Review Accessible Information Standard 2025');
    expect(page.text).not.toContain('Accept the return');
    expect(page.text).not.toContain(`action="${reviewRoutes(world.returnA.id).decide}"`);
    expect(page.text).not.toContain(reviewRoutes(world.returnA.id).requirement);
  });

  test('every other review route is 403 and nothing changes', async () => {
    const agent = await signedInAgent(app, world.viewer.id);
    const token = await tokenOf(agent);
    const routes = reviewRoutes(world.returnA.id);
    const before = await reviewState(db.prisma, world.returnA.id);
    await agent.get(routes.queue).expect(403);
    await agent.get(routes.requirement).expect(403);
    await agent
      .post(routes.requirement)
      .type('form')
      .send({ _csrf: token, decision: 'accepted' })
      .expect(403);
    await agent.post(routes.decide).type('form').send({ _csrf: token, decision: 'accept' }).expect(403);
    expect(await reviewState(db.prisma, world.returnA.id)).toEqual(before);
  });
});

describe('anonymous visitors', () => {
  test('are sent to sign in from every page, and their posts change nothing', async () => {
    const routes = reviewRoutes(world.returnA.id);
    const before = await reviewState(db.prisma, world.returnA.id);
    for (const url of [routes.queue, routes.show, routes.requirement]) {
      const response = await supertest(app).get(url).expect(302);
      expect(response.headers.location).toBe(paths.signIn);
    }
    // With no session there is no CSRF token to send: the post is refused before any route runs.
    await supertest(app).post(routes.decide).type('form').send({ decision: 'accept' }).expect(403);
    await supertest(app).post(routes.requirement).type('form').send({ decision: 'accepted' }).expect(403);
    expect(await reviewState(db.prisma, world.returnA.id)).toEqual(before);
  });
});

describe('ids that name nothing', () => {
  test('a malformed or unknown return or requirement is not found', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    await agent.get(pathTo(paths.review.show, { returnId: 'not-a-uuid' })).expect(404);
    await agent
      .get(pathTo(paths.review.show, { returnId: '00000000-0000-4000-8000-000000000000' }))
      .expect(404);
    await agent
      .get(pathTo(paths.review.requirement, { returnId: world.returnA.id, requirementId: world.returnB.id }))
      .expect(404);
  });

  test('a return never submitted has no review page', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    await agent.get(pathTo(paths.review.show, { returnId: world.returnB.id })).expect(404);
  });
});

describe('the review queue', () => {
  test('lists submitted returns only: the manager’s own contracts first, then oldest submission first', async () => {
    const otherManager = await createUser(db.prisma, { role: 'contract_manager', displayName: 'Olu Other' });
    const period = await createPeriod(db.prisma);
    const submitted = async (name: string, managerId: string, daysAgo: number, resubmit = false) => {
      const provider = await createProvider(db.prisma, { name });
      const contract = await createContract(db.prisma, provider.id, managerId);
      const row = await createReturn(db.prisma, {
        contractId: contract.id,
        providerId: provider.id,
        frameworkVersionId: world.ais.id,
        periodId: period.id,
      });
      await answerReturn(db.prisma, row.id, world.leadA.id);
      if (resubmit) {
        await submitReturn(db.prisma, row.id, world.leadA.id, new Date(NOW.getTime() - 20 * DAY));
        await db.prisma.return.update({ where: { id: row.id }, data: { status: 'returned' } });
      }
      await submitReturn(db.prisma, row.id, world.leadA.id, new Date(NOW.getTime() - daysAgo * DAY));
      return row;
    };
    await submitted('Queue Other Oldest', otherManager.id, 10);
    await submitted('Queue Mine Recent', world.manager.id, 3);
    await submitted('Queue Mine Resubmitted', world.manager.id, 5, true);
    await submitted('Queue Other Recent', otherManager.id, 1);
    const notSubmitted = await submitted('Queue Accepted Already', world.manager.id, 30);
    await db.prisma.return.update({ where: { id: notSubmitted.id }, data: { status: 'accepted' } });

    const manager = await signedInAgent(app, world.manager.id);
    const page = await manager.get(paths.review.queue).expect(200);
    const rows = tableRowTexts(page.text);
    const order = (texts: string[]) =>
      texts.map((text) => /(Queue [A-Za-z ]+?|Alpha Hospitals NHS Trust) \(/.exec(text)?.[1]);
    // Alpha's return (world.returnA, 2 days ago) is also the manager's.
    expect(order(rows)).toEqual([
      'Queue Mine Resubmitted',
      'Queue Mine Recent',
      'Alpha Hospitals NHS Trust',
      'Queue Other Oldest',
      'Queue Other Recent',
    ]);
    expect(page.text).not.toContain('Queue Accepted Already');
    expect(page.text).not.toContain('Bravo Care Home');

    const resubmitted = rows[0] ?? '';
    expect(resubmitted).toContain('Accessible Information Standard 2025');
    expect(resubmitted).toContain(period.label);
    expect(resubmitted).toContain('Resubmitted');
    expect(resubmitted).toContain('5 days');
    expect(resubmitted).toContain('You');
    expect(rows[1]).toContain('3 days');
    expect(rows[1]).not.toContain('Resubmitted');
    expect(rows[3]).toContain('10 days');
    expect(rows[3]).toContain('Olu Other');
    expect(rows[3]).toContain('midday on 5 January 2027');
    const link = pathTo(paths.review.show, { returnId: world.returnA.id });
    expect(page.text).toContain(`href="${link}"`);

    // An administrator manages no contract: plain oldest-first.
    const admin = await signedInAgent(app, world.admin.id);
    const adminRows = tableRowTexts((await admin.get(paths.review.queue).expect(200)).text);
    expect(order(adminRows)).toEqual([
      'Queue Other Oldest',
      'Queue Mine Resubmitted',
      'Queue Mine Recent',
      'Alpha Hospitals NHS Trust',
      'Queue Other Recent',
    ]);
  });
});
