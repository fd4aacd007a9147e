import { createServer, type Server } from 'node:http';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createCaches } from '../../src/caches.js';
import type { AppDeps } from '../../src/deps.js';
import { createVirusScanner } from '../../src/evidence/virus-scanner.js';
import type { Mailer } from '../../src/mail/mailer.js';
import { createSessionStore } from '../../src/middleware/session.js';
import { testClamdEnvironment } from './clamd.js';
import type { TestDatabase } from './database.js';
import { testLogger } from './test-logger.js';

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough-to-pass';

/**
 * Every test signs in from 127.0.0.1, many times a minute: the rate limits stay on (the same app
 * production builds) but high enough not to get in the way; rate-limit tests set their own.
 */
const TEST_RATE_LIMITS = {
  RATE_LIMIT_SIGN_IN_PER_MINUTE: '10000',
  RATE_LIMIT_UPLOADS_PER_MINUTE: '10000',
  RATE_LIMIT_EMAIL_LINKS_PER_ADDRESS: '10000',
  RATE_LIMIT_EMAIL_LINKS_PER_IP: '10000',
};

export function testConfig(environment: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...TEST_RATE_LIMITS, ...environment });
}

/** The same app production builds (real sessions in PostgreSQL, real CSRF), on a test database. */
export function buildTestApp(db: TestDatabase, overrides: Partial<AppDeps> = {}) {
  return createApp(testDeps(db, overrides));
}

/** The deps buildTestApp builds an app from: its own caches, and sessions on the app's clock. */
export function testDeps(db: TestDatabase, overrides: Partial<AppDeps> = {}): AppDeps {
  const clock = overrides.clock ?? (() => new Date());
  const config = overrides.config ?? testConfig();
  return {
    config,
    prisma: db.prisma,
    pool: db.pool,
    logger: testLogger,
    sessionStore: createSessionStore(db.pool, clock),
    sessionSecret: TEST_SESSION_SECRET,
    clock,
    mailer: unusedMailer,
    caches: createCaches(),
    // The scanner the configuration names (none unless a test gives CLAMD_HOST: tests/support/clamd.ts).
    scanner: createVirusScanner(config.scanner),
    ...overrides,
  };
}

/** Tests that send email pass their own mailer (tests/support/smtp.ts); nothing else may send. */
const unusedMailer: Mailer = {
  description: 'no mailer in this test',
  send: () => Promise.reject(new Error('This test app has no mailer: pass one to buildTestApp')),
  close: () => Promise.resolve(),
};

/** The CSRF token of the form on a page. */
export function csrfTokenFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('No CSRF token on the page');
  return match[1];
}

/**
 * Signs in at a listening server's URL through the local sign-in form; returns the session cookie
 * ("name=value"), for clients other than supertest (the benchmarks, raw HTTP).
 */
export async function signedInCookie(base: string, userId: string): Promise<string> {
  const page = await fetch(`${base}/sign-in/local`);
  const cookie = (page.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const response = await fetch(`${base}/sign-in/local`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfTokenFrom(await page.text()), userId }).toString(),
  });
  return (response.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
}

/** Signs in through the local sign-in form as a browser would (an app, or a server's URL); returns the agent. */
export async function signedInAgent(app: ReturnType<typeof buildTestApp> | string, userId: string) {
  const agent = supertest.agent(app);
  const page = await agent.get('/sign-in/local').expect(200);
  await agent
    .post('/sign-in/local')
    .type('form')
    .send({ _csrf: csrfTokenFrom(page.text), userId })
    .expect(302);
  return agent;
}

/**
 * The settings production insists on (placeholder Entra values, the run's clamd), for tests of
 * production behaviour.
 */
export function productionEnvironment(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    DATABASE_URL: databaseUrl,
    PUBLIC_BASE_URL: 'https://tracker.example.nhs.uk',
    ENTRA_TENANT_ID: '2f1b6c8e-0d4a-4e59-9a57-3b1f0c2d4e5f',
    ENTRA_CLIENT_ID: 'tracker-client',
    ENTRA_CLIENT_SECRET: 'client-secret-value',
    SMTP_URL: 'smtp://127.0.0.1:2525',
    MAIL_FROM: 'AIS and EDS compliance <no-reply@tracker.example.nhs.uk>',
    ...testClamdEnvironment(),
  };
}

export type Agent = ReturnType<typeof supertest.agent>;

/** Posts a form as a browser would, with the session's CSRF token read from `tokenPage`. */
export async function postWithCsrf(
  agent: Agent,
  url: string,
  fields: Record<string, string | string[]> = {},
  tokenPage = '/',
): Promise<supertest.Response> {
  const token = csrfTokenFrom((await agent.get(tokenPage)).text);
  return agent
    .post(url)
    .type('form')
    .send({ _csrf: token, ...fields });
}

/**
 * Serves the app on a loopback port for the tests of the surrounding describe block (for clients that
 * need a real socket: raw request lines, slow bodies). `app` is read when the block starts.
 */
export function useLoopbackServer(app: () => ReturnType<typeof buildTestApp>): () => Server {
  let server: Server | undefined;
  beforeAll(async () => {
    const started = createServer(app());
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    server = started;
  });
  afterAll(async () => {
    if (!server) return;
    const stopping = server;
    stopping.closeAllConnections();
    await new Promise<void>((resolve) => stopping.close(() => resolve()));
  });
  return () => {
    if (!server) throw new Error('useLoopbackServer: the server starts in beforeAll');
    return server;
  };
}
