import supertest from 'supertest';
import { createPrisma } from '../../src/db/prisma.js';
import { createLogger } from '../../src/logger.js';
import {
  buildTestApp,
  csrfTokenFrom,
  productionEnvironment,
  signedInAgent,
  testConfig,
} from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createProvider, createProviderLead, createUser } from '../support/fixtures.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('health', () => {
  test('live and ready answer without creating a session', async () => {
    const app = buildTestApp(db);
    const live = await supertest(app).get('/health/live').expect(200);
    expect(live.body).toEqual({ status: 'ok' });
    expect(live.headers['set-cookie']).toBeUndefined();
    const ready = await supertest(app).get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'ok', scanner: 'disabled' });
    expect(ready.headers['set-cookie']).toBeUndefined();
  });

  test('ready says 503 when the database cannot be reached, live stays 200', async () => {
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    const unreachable = createPrisma('postgresql://nobody@127.0.0.1:9/none');
    const app = buildTestApp(db, { prisma: unreachable });
    try {
      const ready = await supertest(app).get('/health/ready').expect(503);
      expect(ready.body).toEqual({ status: 'unavailable', database: 'unreachable', scanner: 'disabled' });
      await supertest(app).get('/health/live').expect(200);
    } finally {
      await unreachable.$disconnect();
    }
  });
});

describe('pages and errors', () => {
  test('pages carry no ETag (a fresh nonce each time would never match); static files do', async () => {
    const app = buildTestApp(db);
    const page = await supertest(app).get('/accessibility').expect(200);
    expect(page.headers.etag).toBeUndefined();
    const css = await supertest(app).get('/assets/app/css/app.css').expect(200);
    expect(css.headers.etag).toEqual(expect.any(String));
  });

  test('every response carries a request id, a nonce CSP and the security headers', async () => {
    const response = await supertest(buildTestApp(db))
      .get('/accessibility')
      .set('X-Request-Id', 'probe-123')
      .expect(200);
    expect(response.headers['x-request-id']).toBe('probe-123');
    const csp = String(response.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(response.text).toContain(`nonce="${nonce ?? ''}"`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('same-origin');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  test('a forged request id is replaced by a fresh one', async () => {
    const response = await supertest(buildTestApp(db))
      .get('/health/live')
      .set('X-Request-Id', 'bad id <with> spaces');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an unknown page gets the NHS-styled 404 page', async () => {
    const response = await supertest(buildTestApp(db)).get('/no-such-page').expect(404);
    expect(response.text).toContain('Page not found');
    expect(response.text).toContain('nhsuk-header');
  });

  test('an unexpected error shows a reference and, in production, no stack trace', async () => {
    // A database whose users table is gone: the sign-in page fails in a way nobody planned for.
    const damaged = await createTestDatabase();
    try {
      await damaged.pool.query('DROP TABLE users CASCADE');
      const production = testConfig(productionEnvironment(damaged.url));
      const app = buildTestApp(damaged, { config: { ...production, localSignIn: true } });
      const response = await supertest(app).get('/sign-in/local').expect(500);
      expect(response.text).toContain('Sorry, there is a problem with the service');
      expect(response.text).toContain(String(response.headers['x-request-id']));
      expect(response.text).not.toContain('users');
      expect(response.text).not.toMatch(/\.(ts|js):\d+/);
    } finally {
      await damaged.drop();
    }
  });
});

describe('local sign-in', () => {
  test('lists the active users and signs one in with a CSRF-protected form', async () => {
    const manager = await createUser(db.prisma, { displayName: 'Morgan Manager', role: 'contract_manager' });
    await createUser(db.prisma, { displayName: 'Gone User', active: false });
    const app = buildTestApp(db);
    const agent = supertest.agent(app);
    const page = await agent.get('/sign-in/local').expect(200);
    expect(page.text).toContain('Morgan Manager');
    expect(page.text).not.toContain('Gone User');

    const withoutToken = await agent.post('/sign-in/local').type('form').send({ userId: manager.id });
    expect(withoutToken.status).toBe(403);

    const signedIn = await agent
      .post('/sign-in/local')
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text), userId: manager.id })
      .expect(302);
    expect(signedIn.headers.location).toBe('/');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Morgan Manager');
    const audit = await db.prisma.auditEvent.findMany({
      where: { actorId: manager.id, action: 'user.signed_in' },
    });
    expect(audit).toHaveLength(1);
  });

  test('a missing choice re-renders the form with an error summary', async () => {
    const agent = supertest.agent(buildTestApp(db));
    const page = await agent.get('/sign-in/local');
    const response = await agent
      .post('/sign-in/local')
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text) })
      .expect(400);
    expect(response.text).toContain('Select who you want to sign in as');
    expect(response.text).toContain('nhsuk-error-summary');
  });

  test('the session id changes on sign-in (no session fixation)', async () => {
    const user = await createUser(db.prisma);
    const agent = supertest.agent(buildTestApp(db));
    const page = await agent.get('/sign-in/local');
    const before = String(page.headers['set-cookie']);
    const response = await agent
      .post('/sign-in/local')
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text), userId: user.id });
    expect(String(response.headers['set-cookie'])).not.toEqual(before);
  });

  test('anonymous visitors are sent to sign in and come back to the page they asked for, local paths only', async () => {
    const user = await createUser(db.prisma);
    const agent = supertest.agent(buildTestApp(db));
    const redirected = await agent.get('/?tab=1').expect(302);
    expect(redirected.headers.location).toBe('/sign-in');
    const page = await agent.get('/sign-in/local');
    const response = await agent
      .post('/sign-in/local')
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text), userId: user.id });
    expect(response.headers.location).toBe('/?tab=1');
  });

  test('pages loaded at once just after sign-in all carry the one CSRF token of the session', async () => {
    const user = await createUser(db.prisma);
    const agent = await signedInAgent(buildTestApp(db), user.id);
    // As a browser restoring several tabs: every page is asked for before any has answered.
    const pages = await Promise.all([agent.get('/'), agent.get('/'), agent.get('/'), agent.get('/')]);
    const tokens = new Set(pages.map((page) => csrfTokenFrom(page.text)));
    expect(tokens.size).toBe(1);
    await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfTokenFrom(pages[0].text) })
      .expect(302);
  });

  test('a user deactivated after signing in is signed out on the next request', async () => {
    const user = await createUser(db.prisma);
    const agent = await signedInAgent(buildTestApp(db), user.id);
    await agent.get('/').expect(200);
    await db.prisma.user.update({ where: { id: user.id }, data: { active: false } });
    const next = await agent.get('/').expect(302);
    expect(next.headers.location).toBe('/sign-in');
  });

  test('sign-out ends the session', async () => {
    const user = await createUser(db.prisma);
    const agent = await signedInAgent(buildTestApp(db), user.id);
    const home = await agent.get('/').expect(200);
    await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfTokenFrom(home.text) })
      .expect(302);
    await agent.get('/').expect(302);
  });

  test('the local sign-in does not exist when it is switched off', async () => {
    const app = buildTestApp(db, { config: testConfig({ LOCAL_SIGN_IN: 'false', EMAIL_SIGN_IN: 'false' }) });
    await supertest(app).get('/sign-in/local').expect(404);
    await supertest(app).get('/sign-in').expect(503);
  });

  test('a provider lead sees their own providers on the home page', async () => {
    const mine = await createProvider(db.prisma, { name: 'Riverside Care Home' });
    await createProvider(db.prisma, { name: 'Somebody Else Trust' });
    const lead = await createProviderLead(db.prisma, mine.id);
    const agent = await signedInAgent(buildTestApp(db), lead.id);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Riverside Care Home');
    expect(home.text).not.toContain('Somebody Else Trust');
  });
});

test('every log line written while serving a request carries its request id', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  await supertest(buildTestApp(db, { logger }))
    .get('/no-such-page')
    .set('X-Request-Id', 'trace-me-1')
    .expect(404);
  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines.map((line) => line.msg)).toEqual(
    expect.arrayContaining(['request refused', 'request completed']),
  );
  for (const line of lines) expect(line.requestId).toBe('trace-me-1');
});
