import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { buildTestApp, csrfTokenFrom, productionEnvironment, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { signInThroughIdp } from '../support/entra.js';
import { createProvider, createProviderLead, createUser } from '../support/fixtures.js';
import { startTestIdp, type TestIdp } from '../support/idp.js';

// The whole authorization-code flow against a real OpenID Connect provider over https on loopback,
// shaped like an Entra ID v2 tenant (tests/support/idp.ts).

const REDIRECT_URL = 'http://127.0.0.1:3999/auth/callback';

let db: TestDatabase;
let idp: TestIdp;

beforeAll(async () => {
  db = await createTestDatabase();
  idp = await startTestIdp({ redirectUri: REDIRECT_URL });
});
afterAll(async () => {
  await idp.close();
  await db.drop();
});
afterEach(() => {
  idp.mutateIdTokens(undefined);
});

function entraEnvironment(overrides: Record<string, string> = {}) {
  return {
    ENTRA_TENANT_ID: idp.tenantId,
    ENTRA_CLIENT_ID: idp.clientId,
    ENTRA_CLIENT_SECRET: idp.clientSecret,
    ENTRA_AUTHORITY: idp.authority,
    ENTRA_REDIRECT_URL: REDIRECT_URL,
    ENTRA_RESPONSE_MODE: 'query',
    ...overrides,
  };
}

function entraApp(overrides: Record<string, string> = {}) {
  return buildTestApp(db, { config: testConfig(entraEnvironment(overrides)) });
}

function person(overrides: Partial<Parameters<TestIdp['addUser']>[0]> = {}) {
  const id = randomUUID();
  const user = {
    oid: randomUUID(),
    email: `person-${id}@example.nhs.uk`,
    name: `Person ${id.slice(0, 6)}`,
    ...overrides,
  };
  idp.addUser(user);
  return user;
}

describe('staff roles from Entra app roles', () => {
  test.each([
    ['Admin', 'admin'],
    ['ContractManager', 'contract_manager'],
    ['Viewer', 'viewer'],
  ])('a new person with the %s app role signs in and is created as %s', async (appRole, role) => {
    const someone = person({ roles: [appRole] });
    const agent = supertest.agent(entraApp());
    const callback = await signInThroughIdp(agent, idp, someone.email);
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe('/');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain(someone.name);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { entraObjectId: someone.oid } });
    expect(user).toMatchObject({ role, email: someone.email });
  });

  test('the app role in the token wins over the stored role, and the change is audited', async () => {
    const someone = person({ roles: ['Viewer'] });
    const stored = await createUser(db.prisma, {
      role: 'admin',
      email: someone.email,
      entraObjectId: someone.oid,
    });
    await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: stored.id } })).role).toBe('viewer');
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: stored.id, action: 'user.role_from_entra' },
    });
    expect(audit).toMatchObject({ before: { role: 'admin' }, after: { role: 'viewer' } });
  });

  test('staff whose app role was removed in Entra no longer get in', async () => {
    const someone = person({ roles: [] });
    await createUser(db.prisma, {
      role: 'contract_manager',
      email: someone.email,
      entraObjectId: someone.oid,
    });
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('You do not have access to this service yet');
  });
});

describe('provider leads', () => {
  test('an invited lead is matched by email, whatever its case, then bound to their object id', async () => {
    const provider = await createProvider(db.prisma, { name: 'Kestrel Community Services' });
    const invited = await createProviderLead(db.prisma, provider.id, { email: 'kim.lead@example.org.uk' });
    const someone = person({ email: 'Kim.Lead@Example.org.uk' });
    const agent = supertest.agent(entraApp());
    expect((await signInThroughIdp(agent, idp, someone.email)).status).toBe(302);
    expect((await agent.get('/').expect(200)).text).toContain('Kestrel Community Services');
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: invited.id } })).entraObjectId).toBe(
      someone.oid,
    );

    // Later the object id identifies them, even after their email changes in Entra.
    idp.addUser({ ...someone, email: 'kim.new-name@example.org.uk' });
    expect(
      (await signInThroughIdp(supertest.agent(entraApp()), idp, 'kim.new-name@example.org.uk')).status,
    ).toBe(302);
    expect(await db.prisma.user.count({ where: { entraObjectId: someone.oid } })).toBe(1);
  });
});

describe('refusals', () => {
  test('an unknown person with no role gets a clear "no access yet" page (403), not an error', async () => {
    const stranger = person();
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, stranger.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('ask your contract manager');
    expect(await db.prisma.user.count({ where: { email: stranger.email } })).toBe(0);
  });

  test('a deactivated user is refused', async () => {
    const someone = person({ roles: ['Viewer'] });
    await createUser(db.prisma, {
      role: 'viewer',
      email: someone.email,
      entraObjectId: someone.oid,
      active: false,
    });
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('has been deactivated');
  });

  test('a token for another tenant is refused', async () => {
    const outsider = person({ roles: ['Admin'], tid: randomUUID() });
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, outsider.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain("another organisation's Microsoft Entra ID");
  });

  test.each<[string, Parameters<TestIdp['mutateIdTokens']>[0]]>([
    ['from the wrong issuer', (claims) => ({ ...claims, iss: 'https://login.example.com/evil/v2.0' })],
    ['expired', (claims) => ({ ...claims, iat: 1_000_000, exp: 1_000_600 })],
    ['tampered with', 'break-signature'],
  ])('an id_token %s is refused with a sign-in problem page', async (_name, mutation) => {
    const someone = person({ roles: ['Admin'] });
    idp.mutateIdTokens(mutation);
    const agent = supertest.agent(entraApp());
    const callback = await signInThroughIdp(agent, idp, someone.email);
    expect(callback.status).toBe(401);
    expect(callback.text).toContain('You could not be signed in');
    expect(await db.prisma.user.count({ where: { entraObjectId: someone.oid } })).toBe(0);
    expect((await agent.get('/')).status).toBe(302);
  });

  test('a callback whose state does not match the session is refused', async () => {
    const agent = supertest.agent(entraApp());
    await agent.get('/sign-in').expect(302);
    const callback = await agent.get('/auth/callback?code=stolen-code&state=not-the-one-we-sent');
    expect(callback.status).toBe(401);
    expect(callback.text).toContain('You could not be signed in');
  });

  test('when the identity provider is down, sign-in says so (503), no stack trace', async () => {
    const down = buildTestApp(db, {
      config: testConfig(
        entraEnvironment({ ENTRA_AUTHORITY: 'https://localhost:9', ENTRA_TENANT_ID: randomUUID() }),
      ),
    });
    const response = await supertest(down).get('/sign-in');
    expect(response.status).toBe(503);
    expect(response.text).toContain('Sign-in is not available at the moment');
    expect(response.text).not.toMatch(/\.(ts|js):\d+/);
  });
});

describe('sessions', () => {
  test('sign-out ends the session and goes to the Entra sign-out page', async () => {
    const someone = person({ roles: ['Viewer'] });
    const agent = supertest.agent(entraApp());
    await signInThroughIdp(agent, idp, someone.email);
    const home = await agent.get('/').expect(200);
    const signOut = await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfTokenFrom(home.text) })
      .expect(302);
    expect(signOut.headers.location).toBe(
      `${idp.issuer.replace('/v2.0', '')}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('http://localhost:3000/signed-out')}`,
    );
    await agent.get('/').expect(302);
  });

  test('the session ends after the absolute time-out even while in use', async () => {
    const someone = person({ roles: ['Viewer'] });
    let now = new Date('2026-11-22T09:00:00Z');
    const app = buildTestApp(db, {
      config: testConfig(entraEnvironment({ SESSION_ABSOLUTE_HOURS: '2', SESSION_IDLE_MINUTES: '600' })),
      clock: () => now,
    });
    const agent = supertest.agent(app);
    await signInThroughIdp(agent, idp, someone.email);
    now = new Date('2026-11-22T10:59:00Z');
    await agent.get('/').expect(200);
    now = new Date('2026-11-22T11:01:00Z');
    expect((await agent.get('/')).headers.location).toBe('/sign-in');
  });

  test('in production the cookie is __Host-, Secure, HttpOnly and SameSite=None for form_post', async () => {
    const app = buildTestApp(db, {
      config: testConfig({
        ...productionEnvironment(db.url),
        ...entraEnvironment({
          ENTRA_RESPONSE_MODE: 'form_post',
          ENTRA_REDIRECT_URL: 'https://tracker.example.nhs.uk/auth/callback',
        }),
        TRUST_PROXY: '1',
      }),
    });
    const response = await supertest(app).get('/sign-in').set('X-Forwarded-Proto', 'https').expect(302);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-tracker\.sid=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=None/);
    expect(new URL(String(response.headers.location)).searchParams.get('response_mode')).toBe('form_post');
  });
});
