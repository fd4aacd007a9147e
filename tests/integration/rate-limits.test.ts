import supertest from 'supertest';
import { run as pruneRateLimits } from '../../jobs/prune-rate-limits.js';
import { pathTo, paths } from '../../src/paths.js';
import { PostgresRateLimitStore } from '../../src/rate-limit/postgres-store.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import { createProviderLead, createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { testLogger } from '../support/test-logger.js';

// The limits are counted in PostgreSQL: they hold across app instances, and each window ends on
// the app's clock (a fake one here, moved on to show the count starting again).

type World = Awaited<ReturnType<typeof createTwoProviderWorld>>;

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.prisma.rateLimitHit.deleteMany();
});

/** A clock the test moves on by hand. */
function fakeClock(start = new Date()) {
  let now = start.getTime();
  return {
    clock: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

function limitedApp(clock: () => Date, limits: { signIn?: number; uploads?: number }) {
  return buildTestApp(db, {
    clock,
    config: testConfig({
      // The local sign-in alone: /sign-in then redirects to it.
      EMAIL_SIGN_IN: 'false',
      RATE_LIMIT_SIGN_IN_PER_MINUTE: String(limits.signIn ?? 10_000),
      RATE_LIMIT_UPLOADS_PER_MINUTE: String(limits.uploads ?? 10_000),
    }),
  });
}

function expectTooMany(response: supertest.Response) {
  expect(response.status).toBe(429);
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(response.text).toContain('<h1>Too many attempts</h1>');
  expect(response.text).toContain('Wait a minute and try again.');
  expect(response.text).toContain('class="nhsuk-header"');
}

describe('sign-in rate limit (per IP address)', () => {
  test('the limit applies to /sign-in, and the count starts again when the minute is over', async () => {
    const time = fakeClock();
    const app = limitedApp(time.clock, { signIn: 3 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const response = await supertest(app).get(paths.signIn);
      expect({ attempt, status: response.status }).toEqual({ attempt, status: 302 });
    }
    const refused = await supertest(app).get(paths.signIn);
    expectTooMany(refused);
    expect(refused.headers['retry-after']).toBe('60');

    time.advance(30_000);
    const stillRefused = await supertest(app).get(paths.signIn);
    expectTooMany(stillRefused);
    expect(stillRefused.headers['retry-after']).toBe('30');

    time.advance(30_001);
    expect((await supertest(app).get(paths.signIn)).status).toBe(302);
  });

  test('the local sign-in POST and the Entra callback count against the same limit', async () => {
    const time = fakeClock();
    const app = limitedApp(time.clock, { signIn: 4 });
    /** A browser's sign-in: the chooser page (not limited: it only lists who to sign in as), then the POST. */
    const signIn = async () => {
      const agent = supertest.agent(app);
      const token = csrfTokenFrom((await agent.get(paths.localSignIn).expect(200)).text);
      return agent.post(paths.localSignIn).type('form').send({ _csrf: token, userId: world.viewer.id });
    };
    await supertest(app).get(paths.signIn).expect(302);
    await supertest(app).get(paths.authCallback).expect(404); // counted although Entra is not configured here
    expect((await signIn()).status).toBe(302);
    expect((await signIn()).status).toBe(302);
    expectTooMany(await signIn());
    expectTooMany(await supertest(app).get(paths.signIn));
    // Other pages are not limited.
    await supertest(app).get(paths.localSignIn).expect(200);
    await supertest(app).get(paths.accessibility).expect(200);
  });

  test('two app instances on the same database share the count', async () => {
    const time = fakeClock();
    const first = limitedApp(time.clock, { signIn: 4 });
    const second = limitedApp(time.clock, { signIn: 4 });
    await supertest(first).get(paths.signIn).expect(302);
    await supertest(second).get(paths.signIn).expect(302);
    await supertest(first).get(paths.signIn).expect(302);
    await supertest(second).get(paths.signIn).expect(302);
    expectTooMany(await supertest(first).get(paths.signIn));
    expectTooMany(await supertest(second).get(paths.signIn));
    const rows = await db.prisma.rateLimitHit.findMany();
    expect(rows).toEqual([expect.objectContaining({ hits: 6 })]);
    expect(rows[0]?.key).toMatch(/^sign-in:/);
  });
});

describe('evidence upload rate limit (per user)', () => {
  async function uploadAs(agent: supertest.Agent, returnId: string, requirementId: string) {
    const path = pathTo(paths.evidence.upload, { returnId, requirementId });
    const token = csrfTokenFrom((await agent.get(path).expect(200)).text);
    return agent.post(path).field('_csrf', token).attach('file', pdfFile(), 'plan.pdf');
  }

  test('each user has their own count, shared by every instance, reset after a minute', async () => {
    const time = fakeClock();
    const first = limitedApp(time.clock, { uploads: 2 });
    const second = limitedApp(time.clock, { uploads: 2 });
    const [requirementId, otherRequirementId] = world.returnA.responses.map((row) => row.requirementId);
    if (!requirementId || !otherRequirementId) throw new Error('too few requirements');
    const returnId = world.returnA.id;
    const leadOnFirst = await signedInAgent(first, world.leadA.id);
    const leadOnSecond = await signedInAgent(second, world.leadA.id);

    expect((await uploadAs(leadOnFirst, returnId, requirementId)).status).toBe(302);
    expect((await uploadAs(leadOnSecond, returnId, otherRequirementId)).status).toBe(302);
    const before = await db.prisma.evidence.count();
    const refused = await uploadAs(leadOnFirst, returnId, requirementId);
    expectTooMany(refused);
    expect(await db.prisma.evidence.count()).toBe(before);
    expectTooMany(await uploadAs(leadOnSecond, returnId, requirementId));

    // Another lead of the same provider, on the same address, is not held back by the first one.
    const colleague = await createProviderLead(db.prisma, world.providerA.id);
    const colleagueAgent = await signedInAgent(first, colleague.id);
    expect((await uploadAs(colleagueAgent, returnId, requirementId)).status).toBe(302);

    time.advance(60_001);
    expect((await uploadAs(leadOnFirst, returnId, requirementId)).status).toBe(302);
  });

  test('other evidence forms and pages are not limited', async () => {
    const time = fakeClock();
    const app = limitedApp(time.clock, { uploads: 1 });
    const [requirementId] = world.returnA.responses.map((row) => row.requirementId);
    if (!requirementId) throw new Error('no requirement');
    const lead = await signedInAgent(app, world.leadA.id);
    const path = pathTo(paths.evidence.upload, { returnId: world.returnA.id, requirementId });
    for (let visit = 0; visit < 3; visit++) await lead.get(path).expect(200);
    const link = pathTo(paths.evidence.link, { returnId: world.returnA.id, requirementId });
    const token = csrfTokenFrom((await lead.get(path)).text);
    for (let post = 0; post < 3; post++) {
      expect((await lead.post(link).type('form').send({ _csrf: token })).status).not.toBe(429);
    }
  });
});

describe('imports and return workbooks count against the same upload limit', () => {
  async function postFile(agent: supertest.Agent, path: string, name: string, content: Buffer) {
    const token = csrfTokenFrom((await agent.get(path).expect(200)).text);
    return agent.post(path).field('_csrf', token).attach('file', content, name);
  }
  const registerCsv = Buffer.from('ODS code,Provider name,Provider type\nRL1,Limited Trust,Acute trust\n');

  test('a register import, an ODS file and a return workbook each count; over the limit nothing is stored', async () => {
    const time = fakeClock();
    const app = limitedApp(time.clock, { uploads: 2 });
    const manager = await signedInAgent(app, world.manager.id);
    expect((await postFile(manager, paths.imports.register, 'register.csv', registerCsv)).status).toBe(302);
    expect(
      (await postFile(manager, paths.imports.ods, 'etr.csv', Buffer.from('RX1,A TRUST\n'))).status,
    ).not.toBe(429);
    const imports = await db.prisma.registerImport.count();
    expectTooMany(await postFile(manager, paths.imports.register, 'register.csv', registerCsv));
    expect(await db.prisma.registerImport.count()).toBe(imports);

    const lead = await signedInAgent(app, world.leadA.id);
    const upload = pathTo(paths.returns.workbookUpload, { returnId: world.returnA.id });
    // Not a workbook: refused with the reason (400), but counted all the same.
    expect((await postFile(lead, upload, 'answers.xlsx', Buffer.from('not a workbook'))).status).toBe(400);
    expect((await postFile(lead, upload, 'answers.xlsx', Buffer.from('not a workbook'))).status).toBe(400);
    expectTooMany(await postFile(lead, upload, 'answers.xlsx', Buffer.from('not a workbook')));

    time.advance(60_001);
    expect((await postFile(manager, paths.imports.register, 'register.csv', registerCsv)).status).toBe(302);
  });
});

describe('the PostgreSQL store', () => {
  test('concurrent hits are each counted once', async () => {
    // Frozen: the window never ends during the test, however long it takes.
    const now = new Date('2026-11-22T10:00:00Z');
    const store = new PostgresRateLimitStore(db.prisma, () => now, 'test:');
    const results = await Promise.all(Array.from({ length: 25 }, () => store.increment('client')));
    expect(results.map((result) => result.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, index) => index + 1),
    );
    expect((await store.get('client'))?.totalHits).toBe(25);
    await store.decrement('client');
    expect((await store.get('client'))?.totalHits).toBe(24);
    await store.resetKey('client');
    expect(await store.get('client')).toBeUndefined();
  });

  test('prune-rate-limits deletes only counters whose window has ended', async () => {
    const now = new Date('2026-11-22T10:00:00Z');
    await db.prisma.rateLimitHit.createMany({
      data: [
        { key: 'sign-in:ended', hits: 5, resetAt: new Date(now.getTime() - 1_000) },
        { key: 'sign-in:open', hits: 2, resetAt: new Date(now.getTime() + 30_000) },
      ],
    });
    const outcome = await pruneRateLimits({
      prisma: db.prisma,
      pool: db.pool,
      logger: testLogger,
      clock: () => now,
    });
    expect(outcome).toEqual({ status: 'succeeded', counts: { deleted: 1 } });
    expect((await db.prisma.rateLimitHit.findMany()).map((row) => row.key)).toEqual(['sign-in:open']);
  });
});
