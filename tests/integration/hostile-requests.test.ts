import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import type { Response as TestResponse } from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import {
  buildTestApp,
  csrfTokenFrom,
  productionEnvironment,
  signedInAgent,
  testConfig,
  useLoopbackServer,
} from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { followIdpRedirects } from '../support/entra.js';
import {
  createFailedEmail,
  createPeriod,
  createProviderLead,
  createTwoProviderWorld,
  importTestStandards,
} from '../support/fixtures.js';
import { startTestIdp, type TestIdp } from '../support/idp.js';
import { routesOf } from '../support/routes.js';
import { addEvidence } from './returns-helpers.js';

// Requests built to trick the app: forms posted from elsewhere (CSRF), a session id planted before
// sign-in (fixation), a sign-in that sends the user off-site (open redirect), and the security
// headers every kind of response must carry.

type App = ReturnType<typeof buildTestApp>;

let db: TestDatabase;
let app: App;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
});
afterAll(async () => {
  await db.drop();
});

const SESSION_COOKIE = 'tracker.sid';
const CSRF_MESSAGE = 'This form has expired or was not sent from this service';

/** The value of the session cookie a response sets, if any. */
function sessionCookieOf(response: TestResponse): string | undefined {
  const header = response.headers['set-cookie'] as string[] | undefined;
  const cookie = header?.find((line) => line.startsWith(`${SESSION_COOKIE}=`));
  return cookie?.split(';')[0];
}

/** Everything a form could change (sign-ins are audited, so those audit events are left out). */
async function everything() {
  return {
    providers: await db.prisma.provider.findMany({ orderBy: { id: 'asc' } }),
    contracts: await db.prisma.contract.findMany({
      include: { standards: { orderBy: { frameworkId: 'asc' } } },
      orderBy: { id: 'asc' },
    }),
    periodStandards: await db.prisma.periodStandard.findMany({
      orderBy: [{ periodId: 'asc' }, { frameworkId: 'asc' }],
    }),
    periods: await db.prisma.reportingPeriod.findMany({ orderBy: { id: 'asc' } }),
    returns: await db.prisma.return.findMany({ orderBy: { id: 'asc' } }),
    responses: await db.prisma.response.findMany({ orderBy: { id: 'asc' } }),
    evidence: await db.prisma.evidence.count(),
    links: await db.prisma.evidenceLink.count(),
    publications: await db.prisma.publication.findMany({ orderBy: { id: 'asc' } }),
    reviews: await db.prisma.requirementReview.count(),
    users: await db.prisma.user.findMany({
      select: { id: true, role: true, active: true },
      orderBy: { id: 'asc' },
    }),
    memberships: await db.prisma.membership.count(),
    outbox: await db.prisma.outboxEmail.findMany({ orderBy: { id: 'asc' } }),
    audit: await db.prisma.auditEvent.count({ where: { action: { not: 'user.signed_in' } } }),
  };
}

describe('CSRF', () => {
  test('every POST route refuses a missing, a wrong and another session’s token with 403, changing nothing', async () => {
    const [first] = world.returnA.responses;
    if (!first) throw new Error('return A has no responses');
    const evidence = await addEvidence(db.prisma, {
      providerId: world.providerA.id,
      responseId: first.id,
      userId: world.leadA.id,
      fileName: 'Policy.txt',
    });
    const email = await createFailedEmail(db.prisma, { toAddress: world.leadA.email });
    const params: Record<string, string> = {
      providerId: world.providerA.id,
      contractId: world.contractA.id,
      periodId: (await createPeriod(db.prisma, 'CSRF period')).id,
      frameworkId: world.ais.frameworkId,
      returnId: world.returnA.id,
      requirementId: first.requirementId,
      evidenceId: evidence.id,
      actionId: (
        await db.prisma.action.create({
          data: {
            providerId: world.providerA.id,
            description: 'CSRF action',
            dueDate: new Date('2027-06-30'),
          },
        })
      ).id,
      userId: (await createProviderLead(db.prisma, world.providerA.id)).id,
      emailId: email.id,
      importId: '00000000-0000-4000-8000-000000000000',
      obligationCode: 'wres-report',
      year: '2026',
      // The token is checked before any route reads these: they need only fill the path.
      indicatorCode: '2',
      serviceId: '00000000-0000-4000-8000-000000000000',
    };
    const url = (route: string) =>
      pathTo(route.replace(/^POST /, ''), Object.fromEntries(Object.entries(params)));

    const posts = routesOf(app).filter((route) => route.startsWith('POST '));
    expect(posts.length).toBeGreaterThan(25);
    // Provider A's lead may use the provider's forms, an administrator the rest: the token is checked
    // before either is asked who they are, so both must be refused the same way.
    const lead = await signedInAgent(app, world.leadA.id);
    const admin = await signedInAgent(app, world.admin.id);
    const tokenOf = async (agent: typeof lead) =>
      csrfTokenFrom((await agent.get(paths.home).expect(200)).text);
    const leadToken = await tokenOf(lead);
    const otherSessionsToken = await tokenOf(await signedInAgent(app, world.leadA.id));
    const before = await everything();
    const refusals: string[] = [];
    for (const route of posts) {
      for (const agent of [lead, admin]) {
        for (const [what, fields] of [
          ['no token', {}],
          ['a wrong token', { _csrf: `${leadToken.slice(0, -4)}AAAA` }],
          ['another session’s token', { _csrf: otherSessionsToken }],
        ] as const) {
          const response = await agent
            .post(url(route))
            .type('form')
            .send({ ...fields, declaration: 'confirmed' });
          if (response.status !== 403 || !response.text.includes(CSRF_MESSAGE)) {
            refusals.push(`${route} with ${what}: ${String(response.status)}`);
          }
        }
      }
    }
    expect(refusals).toEqual([]);
    expect(await everything()).toEqual(before);
  });
});

describe('session fixation', () => {
  test('local sign-in: a session id planted before sign-in is not signed in afterwards', async () => {
    // The attacker gets a session id of their own and plants it in the victim's browser.
    const chooser = await supertest(app).get(paths.localSignIn).expect(200);
    const planted = sessionCookieOf(chooser);
    expect(planted).toBeDefined();
    const signedIn = await supertest(app)
      .post(paths.localSignIn)
      .set('Cookie', planted ?? '')
      .type('form')
      .send({ _csrf: csrfTokenFrom(chooser.text), userId: world.manager.id })
      .expect(302);
    const issued = sessionCookieOf(signedIn);
    expect(issued).toBeDefined();
    expect(issued).not.toBe(planted);
    // The victim is signed in on the new id; the planted one is worth nothing.
    await supertest(app)
      .get(paths.home)
      .set('Cookie', issued ?? '')
      .expect(200);
    const attacker = await supertest(app)
      .get(paths.home)
      .set('Cookie', planted ?? '');
    expect(attacker.status).toBe(302);
    expect(attacker.headers.location).toBe(paths.signIn);
  });

  describe('Entra sign-in', () => {
    const redirectUri = 'http://127.0.0.1:3999/auth/callback';
    let idp: TestIdp;
    beforeAll(async () => {
      idp = await startTestIdp({ redirectUri });
    });
    afterAll(async () => {
      await idp.close();
    });

    test('the session that started the sign-in is not the one signed in', async () => {
      const entraApp = buildTestApp(db, {
        config: testConfig({
          ENTRA_TENANT_ID: idp.tenantId,
          ENTRA_CLIENT_ID: idp.clientId,
          ENTRA_CLIENT_SECRET: idp.clientSecret,
          ENTRA_AUTHORITY: idp.authority,
          ENTRA_REDIRECT_URL: redirectUri,
          ENTRA_RESPONSE_MODE: 'query',
        }),
      });
      const email = `fixation-${String(Date.now())}@example.nhs.uk`;
      idp.addUser({ oid: crypto.randomUUID(), email, name: 'Fixed Person', roles: ['ContractManager'] });
      const browser = supertest.agent(entraApp);
      const start = await browser
        .get(`${paths.entraSignIn}?login_hint=${encodeURIComponent(email)}`)
        .expect(302);
      const planted = sessionCookieOf(start);
      expect(planted).toBeDefined();
      const callback = new URL(await followIdpRedirects(String(start.headers.location), idp));
      const signedIn = await browser.get(`${callback.pathname}${callback.search}`).expect(302);
      const issued = sessionCookieOf(signedIn);
      expect(issued).toBeDefined();
      expect(issued).not.toBe(planted);
      await browser.get(paths.home).expect(200);
      const attacker = await supertest(entraApp)
        .get(paths.home)
        .set('Cookie', planted ?? '');
      expect(attacker.headers.location).toBe(paths.signIn);
    });
  });
});

describe('open redirect after sign-in', () => {
  const server = useLoopbackServer(() => app);

  /** Sends a request line exactly as given (no client tidies it up), returning status, location and cookie. */
  function rawGet(target: string): Promise<{ status: number; location?: string; cookie?: string }> {
    const { port } = server().address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method: 'GET', path: target }, (res) => {
        const cookie = res.headers['set-cookie']?.find((line) => line.startsWith(`${SESSION_COOKIE}=`));
        // The session is saved before the response ends (not before its headers are sent).
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            ...(res.headers.location ? { location: res.headers.location } : {}),
            ...(cookie ? { cookie: cookie.split(';')[0] } : {}),
          });
        });
        res.resume();
      });
      request.on('error', reject);
      request.end();
    });
  }

  test.each([
    'http://evil.example/returns',
    'https://evil.example/returns?x=1',
    '//evil.example/returns',
    '/\\evil.example/returns',
    '/%2F%2Fevil.example/returns',
    '/%5Cevil.example/returns',
    'javascript:alert(1)//returns',
  ])('asked for %s, the user signs in and stays on this site', async (target) => {
    const asked = await rawGet(target);
    const web = supertest(server());
    const chooser = await web
      .get(paths.localSignIn)
      .set('Cookie', asked.cookie ?? '')
      .expect(200);
    const cookie = asked.cookie ?? sessionCookieOf(chooser) ?? '';
    const signedIn = await web
      .post(paths.localSignIn)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrfTokenFrom(chooser.text), userId: world.manager.id })
      .expect(302);
    const location = String(signedIn.headers.location);
    // Where a browser would go from a page of this site.
    const destination = new URL(location, 'https://tracker.example.nhs.uk/sign-in/local');
    expect({ target, host: destination.host }).toEqual({ target, host: 'tracker.example.nhs.uk' });
    expect(location).toMatch(/^\/(?![/\\])/);
  });

  test('a local page asked for is where the user lands after signing in', async () => {
    const asked = await rawGet('/returns?status=overdue');
    expect(asked.status).toBe(302);
    const web = supertest(server());
    const chooser = await web
      .get(paths.localSignIn)
      .set('Cookie', asked.cookie ?? '')
      .expect(200);
    const signedIn = await web
      .post(paths.localSignIn)
      .set('Cookie', asked.cookie ?? '')
      .type('form')
      .send({ _csrf: csrfTokenFrom(chooser.text), userId: world.manager.id })
      .expect(302);
    expect(signedIn.headers.location).toBe('/returns?status=overdue');
  });
});

describe('security headers on every kind of response', () => {
  function expectSecurityHeaders(response: TestResponse, environment: 'development' | 'production'): void {
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('same-origin');
    // The same rule as frame-ancestors 'none', for browsers that only know the older header.
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['x-powered-by']).toBeUndefined();
    if (environment === 'production') {
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } else {
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  }

  const nonceOf = (response: TestResponse) =>
    /'nonce-([^']+)'/.exec(String(response.headers['content-security-policy']))?.[1];

  test('development: pages, errors, assets, downloads, probes and redirects; no HSTS', async () => {
    const manager = await signedInAgent(app, world.manager.id);
    const viewer = await signedInAgent(app, world.viewer.id);
    const anonymous = supertest(app);
    const responses: [string, TestResponse][] = [
      ['page', await anonymous.get(paths.accessibility).expect(200)],
      ['signed-in page', await manager.get(paths.home).expect(200)],
      ['404', await anonymous.get('/no-such-page').expect(404)],
      ['403', await viewer.get(paths.providers.new).expect(403)],
      ['static asset', await anonymous.get(`${paths.assets.app}/css/app.css`).expect(200)],
      ['CSV download', await manager.get(paths.matrix.export).expect(200)],
      ['health JSON', await anonymous.get(paths.health.live).expect(200)],
      ['readiness JSON', await anonymous.get(paths.health.ready).expect(200)],
      ['redirect', await anonymous.get(paths.home).expect(302)],
      ['form refused', await manager.post(paths.providers.new).type('form').send({}).expect(403)],
    ];
    for (const [kind, response] of responses) {
      try {
        expectSecurityHeaders(response, 'development');
      } catch (error) {
        throw new Error(`${kind}: ${String(error)}`, { cause: error });
      }
    }
  });

  test('each HTML response has its own nonce, and the inline script carries it', async () => {
    const first = await supertest(app).get(paths.accessibility).expect(200);
    const second = await supertest(app).get(paths.accessibility).expect(200);
    const notFound = await supertest(app).get('/no-such-page').expect(404);
    const nonces = [first, second, notFound].map(nonceOf);
    expect(new Set(nonces).size).toBe(3);
    for (const [index, response] of [first, second, notFound].entries()) {
      const scripts = [...response.text.matchAll(/<script([^>]*)>/g)].map((match) => match[1] ?? '');
      expect(scripts.length).toBeGreaterThan(0);
      // Inline scripts carry this response's nonce; the others load from this site.
      for (const attributes of scripts) {
        if (!attributes.includes(' src=')) expect(attributes).toContain(`nonce="${nonces[index] ?? ''}"`);
      }
    }
  });

  test('production: the same headers with HSTS, on pages, errors, the error page, assets and probes', async () => {
    const damaged = await createTestDatabase();
    try {
      const production = testConfig(productionEnvironment(damaged.url));
      const productionApp = buildTestApp(damaged, { config: production });
      const server = supertest(productionApp);
      const responses: [string, TestResponse][] = [
        ['page', await server.get(paths.accessibility).expect(200)],
        ['404', await server.get('/no-such-page').expect(404)],
        ['static asset', await server.get(`${paths.assets.app}/css/app.css`).expect(200)],
        ['health JSON', await server.get(paths.health.live).expect(200)],
        ['redirect', await server.get(paths.home).expect(302)],
      ];
      // A table gone: an error nobody planned for, shown as the NHS error page.
      await damaged.pool.query('DROP TABLE users CASCADE');
      const localApp = buildTestApp(damaged, { config: { ...production, localSignIn: true } });
      responses.push(['500 error page', await supertest(localApp).get(paths.localSignIn).expect(500)]);
      for (const [kind, response] of responses) {
        try {
          expectSecurityHeaders(response, 'production');
        } catch (error) {
          throw new Error(`${kind}: ${String(error)}`, { cause: error });
        }
      }
    } finally {
      await damaged.drop();
    }
  });
});

describe('ids in form fields that are not what the form expects', () => {
  test('are refused as a problem with the form (or not found), and change nothing', async () => {
    const manager = await signedInAgent(app, world.manager.id);
    const admin = await signedInAgent(app, world.admin.id);
    const leadB = await signedInAgent(app, world.leadB.id);
    const eds = await db.prisma.frameworkVersion.findFirstOrThrow({ where: { framework: { code: 'EDS' } } });
    const period = await createPeriod(db.prisma, 'Wrong ids period');
    const subject = await createProviderLead(db.prisma, world.providerA.id);
    const [firstOfB] = world.returnB.responses;
    if (!firstOfB) throw new Error('return B has no responses');
    const [firstOfA] = world.returnA.responses;
    if (!firstOfA) throw new Error('return A has no responses');
    const evidenceOfA = await addEvidence(db.prisma, {
      providerId: world.providerA.id,
      responseId: firstOfA.id,
      userId: world.leadA.id,
      fileName: 'A only.txt',
    });
    const unknown = '00000000-0000-4000-8000-000000000000';
    const contract = (fields: Record<string, string | string[]>) => ({
      reference: 'ICB-WRONG-IDS',
      'startDate-day': '1',
      'startDate-month': '4',
      'startDate-year': '2026',
      contractManagerId: world.manager.id,
      standards: [world.ais.frameworkId],
      ...fields,
    });
    const cases: [string, typeof manager, string, Record<string, string | string[]>][] = [
      [
        'a provider lead as contract manager',
        manager,
        pathTo(paths.contracts.edit, { contractId: world.contractA.id }),
        contract({ contractManagerId: world.leadA.id }),
      ],
      [
        'an unknown standard',
        manager,
        pathTo(paths.contracts.edit, { contractId: world.contractA.id }),
        contract({ standards: [unknown] }),
      ],
      [
        'an EDS version for the AIS standard',
        manager,
        pathTo(paths.periods.editStandard, { periodId: period.id, frameworkId: world.ais.frameworkId }),
        { frameworkVersionId: eds.id, 'dueDate-day': '31', 'dueDate-month': '3', 'dueDate-year': '2027' },
      ],
      [
        'an unknown provider for an invitation',
        manager,
        paths.users.invite,
        { email: 'wrong.ids@example.nhs.uk', displayName: 'Wrong', providerId: unknown },
      ],
      [
        'an unknown provider for a membership',
        admin,
        pathTo(paths.users.addMembership, { userId: subject.id }),
        { providerId: unknown },
      ],
      [
        'provider A’s evidence on provider B’s return',
        leadB,
        pathTo(paths.evidence.link, { returnId: world.returnB.id, requirementId: firstOfB.requirementId }),
        { evidenceId: evidenceOfA.id },
      ],
    ];
    const before = await everything();
    const outcomes: string[] = [];
    for (const [what, agent, url, fields] of cases) {
      const token = csrfTokenFrom((await agent.get(paths.home).expect(200)).text);
      const response = await agent
        .post(url)
        .type('form')
        .send({ _csrf: token, ...fields });
      if (![400, 404].includes(response.status)) outcomes.push(`${what}: ${String(response.status)}`);
    }
    expect(outcomes).toEqual([]);
    expect(await everything()).toEqual(before);
  });
});
