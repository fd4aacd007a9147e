import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, productionEnvironment, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { acceptInvitationThroughIdp, signInThroughIdp } from '../support/entra.js';
import { createProvider, createProviderLead, createUser } from '../support/fixtures.js';
import { startTestIdp, type IdpUser, type TestIdp } from '../support/idp.js';
import { invite, linkInLatestEmail } from '../support/people.js';

// The whole authorization-code flow against a real OpenID Connect provider over https on loopback,
// shaped like Entra ID v2 (tests/support/idp.ts): the commissioner's own tenant, a second tenant the
// configuration allows (NHSmail, say), and a third it does not.

const REDIRECT_URL = 'http://127.0.0.1:3999/auth/callback';

let db: TestDatabase;
let idp: TestIdp;
/** The second tenant, allowed; the third, not listed. */
const ALLOWED = randomUUID();
const UNLISTED = randomUUID();

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

/** The commissioner's tenant only: its own endpoint. */
function entraApp(overrides: Record<string, string> = {}) {
  return buildTestApp(db, { config: testConfig(entraEnvironment(overrides)) });
}

/** The commissioner's tenant and an allowed one: the `organizations` endpoint. */
function multiTenantApp() {
  return entraApp({ ENTRA_ALLOWED_TENANTS: `${ALLOWED}=NHSmail` });
}

function person(overrides: Partial<IdpUser> = {}): IdpUser {
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

/** A provider's person already bound to their Entra identity (their invitation accepted earlier). */
async function boundProviderPerson(someone: IdpUser, options: { role?: 'lead' | 'contributor' } = {}) {
  const provider = await createProvider(db.prisma, { name: `Provider ${randomUUID().slice(0, 6)}` });
  const user = await createProviderLead(db.prisma, provider.id, {
    email: someone.email.toLowerCase(),
    entraTenantId: someone.tid ?? idp.tenantId,
    entraObjectId: someone.oid,
  });
  if (options.role) {
    await db.prisma.membership.update({
      where: { userId_providerId: { userId: user.id, providerId: provider.id } },
      data: { role: options.role },
    });
  }
  return { provider, user };
}

const userOf = (someone: IdpUser) =>
  db.prisma.user.findFirst({ where: { entraObjectId: someone.oid }, include: { memberships: true } });

describe('staff roles from Entra app roles (the commissioner’s own tenant only)', () => {
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
    expect(await userOf(someone)).toMatchObject({ role, email: someone.email, entraTenantId: idp.tenantId });
  });

  test('the app role in the token wins over the stored role, and the change is audited', async () => {
    const someone = person({ roles: ['Viewer'] });
    const stored = await createUser(db.prisma, {
      role: 'admin',
      email: someone.email,
      entraTenantId: idp.tenantId,
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
      entraTenantId: idp.tenantId,
      entraObjectId: someone.oid,
    });
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('You do not have access to this service yet');
  });

  test('staff recorded before their first sign-in are bound by address, with a staff role of the board’s tenant only', async () => {
    const recorded = await createUser(db.prisma, { role: 'contract_manager' });
    // Another tenant's token with that address and an app role binds nothing.
    const impostor = person({ tid: ALLOWED, roles: ['ContractManager'], email: recorded.email });
    expect((await signInThroughIdp(supertest.agent(multiTenantApp()), idp, impostor.email)).status).toBe(403);
    // Nor does the board's own tenant without a staff role.
    idp.addUser({ ...impostor, tid: idp.tenantId, roles: [] });
    expect((await signInThroughIdp(supertest.agent(multiTenantApp()), idp, impostor.email)).status).toBe(403);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: recorded.id } })).entraObjectId).toBeNull();

    idp.addUser({ ...impostor, tid: idp.tenantId, roles: ['ContractManager'] });
    expect((await signInThroughIdp(supertest.agent(multiTenantApp()), idp, impostor.email)).status).toBe(302);
    expect(await db.prisma.user.findUniqueOrThrow({ where: { id: recorded.id } })).toMatchObject({
      entraTenantId: idp.tenantId,
      entraObjectId: impostor.oid,
    });
  });

  test('a row bound before tenants were recorded is the commissioner’s tenant’s, and gets it now', async () => {
    const someone = person({ roles: ['Viewer'] });
    const stored = await createUser(db.prisma, {
      role: 'viewer',
      email: someone.email,
      entraObjectId: someone.oid,
    });
    expect((await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email)).status).toBe(302);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: stored.id } })).entraTenantId).toBe(
      idp.tenantId,
    );
  });
});

describe('several tenants: the commissioner’s, an allowed one and an unlisted one', () => {
  test('with other tenants allowed, sign-in and sign-out use the organizations endpoint', async () => {
    const agent = supertest.agent(multiTenantApp());
    const start = await agent.get(`${paths.entraSignIn}?login_hint=someone@example.nhs.uk`).expect(302);
    expect(String(start.headers.location)).toContain(`${idp.authority}/organizations/v2.0/`);
    const staff = person({ roles: ['Viewer'] });
    expect((await signInThroughIdp(agent, idp, staff.email)).status).toBe(302);
    const home = await agent.get('/').expect(200);
    const signOut = await agent
      .post(paths.signOut)
      .type('form')
      .send({ _csrf: csrfTokenFrom(home.text) });
    expect(String(signOut.headers.location)).toContain(`${idp.authority}/organizations/oauth2/v2.0/logout`);
  });

  test('staff of the commissioner’s tenant sign in through the organizations endpoint as before', async () => {
    const someone = person({ roles: ['ContractManager'] });
    const callback = await signInThroughIdp(supertest.agent(multiTenantApp()), idp, someone.email);
    expect(callback.status).toBe(302);
    expect(await userOf(someone)).toMatchObject({ role: 'contract_manager', entraTenantId: idp.tenantId });
  });

  test('a provider’s person of the allowed tenant signs in; an app role from their tenant makes them no staff', async () => {
    const someone = person({ tid: ALLOWED, roles: ['Admin'] });
    const { provider } = await boundProviderPerson(someone);
    const agent = supertest.agent(multiTenantApp());
    const callback = await signInThroughIdp(agent, idp, someone.email);
    expect(callback.status).toBe(302);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain(provider.name);
    expect((await userOf(someone))?.role).toBe('provider_lead');
    await agent.get(paths.users.list).expect(403);
  });

  test('someone of the allowed tenant who was never invited is refused, even with an app role', async () => {
    const stranger = person({ tid: ALLOWED, roles: ['Admin'] });
    const callback = await signInThroughIdp(supertest.agent(multiTenantApp()), idp, stranger.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('this account has not been given access');
    expect(await userOf(stranger)).toBeNull();
  });

  test('someone of a tenant not on the list is refused with a page saying so, and nothing is stored', async () => {
    const outsider = person({ tid: UNLISTED, roles: ['Admin'] });
    const before = await db.prisma.user.count();
    const agent = supertest.agent(multiTenantApp());
    const callback = await signInThroughIdp(agent, idp, outsider.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('from an organisation whose accounts cannot be used for this service');
    expect(await db.prisma.user.count()).toBe(before);
    expect((await agent.get('/')).headers.location).toBe(paths.signIn);
  });

  test('the single-tenant app refuses the allowed tenant’s people too (its endpoint issues for its tenant only)', async () => {
    const someone = person({ tid: ALLOWED });
    await boundProviderPerson(someone);
    // The tenant's own endpoint signs the token as its own issuer: a tid of another tenant in it is refused.
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email);
    expect(callback.status).toBe(401);
  });

  test('a token re-signed with an issuer that is not on the list is refused with the same page', async () => {
    const someone = person({ roles: ['Admin'] });
    idp.mutateIdTokens((claims) => ({ ...claims, iss: 'https://login.example.com/evil/v2.0' }));
    const callback = await signInThroughIdp(supertest.agent(multiTenantApp()), idp, someone.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('from an organisation whose accounts cannot be used for this service');
    expect(await userOf(someone)).toBeNull();
  });
});

describe('invitations are claimed by proof (the link sent to the invited mailbox), never by a claim', () => {
  test('an invitee of the allowed tenant opens the link, signs in, and is bound to their tenant and object id', async () => {
    const provider = await createProvider(db.prisma, { name: 'Heathside Care Home', type: 'care_home' });
    const address = `manager-${randomUUID().slice(0, 6)}@heathside.example.org`;
    const { userId } = await invite(db, { providerId: provider.id, email: address });
    const someone = person({ tid: ALLOWED, email: address });
    const agent = supertest.agent(multiTenantApp());

    const link = await linkInLatestEmail(db, address);
    const callback = await acceptInvitationThroughIdp(agent, idp, link, address);
    expect(callback.status).toBe(302);
    expect((await agent.get('/').expect(200)).text).toContain('Heathside Care Home');
    expect(await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({
      entraTenantId: ALLOWED,
      entraObjectId: someone.oid,
    });
    const used = await db.prisma.emailLink.findFirstOrThrow({ where: { userId, purpose: 'invitation' } });
    expect(used.usedAt).not.toBeNull();
    const audits = await db.prisma.auditEvent.findMany({
      where: { entityId: { in: [userId, used.id] } },
      select: { action: true },
    });
    expect(audits.map((event) => event.action)).toEqual(
      expect.arrayContaining(['user.invited', 'email_link.sent', 'email_link.used', 'user.bound_to_entra']),
    );

    // From then on the identity, not the link, lets them in; the link works once only.
    expect((await signInThroughIdp(supertest.agent(multiTenantApp()), idp, address)).status).toBe(302);
    const again = await supertest.agent(multiTenantApp()).get(link);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This invitation link has already been used');
  });

  test('someone of another allowed tenant whose token carries the invited address cannot take the invitation', async () => {
    const provider = await createProvider(db.prisma, { name: 'Willowbank Practice', type: 'gp_practice' });
    const address = `lead-${randomUUID().slice(0, 6)}@willowbank.example.org`;
    const { userId } = await invite(db, { providerId: provider.id, email: address });
    // Mallory controls an allowed tenant (or a guest account) and puts the invited address in her claims.
    const mallory = person({
      tid: ALLOWED,
      email: `mallory-${randomUUID()}@allowed.example`,
      claims: { email: address, preferred_username: address },
    });
    const agent = supertest.agent(multiTenantApp());
    const callback = await signInThroughIdp(agent, idp, mallory.email);
    expect(callback.status).toBe(403);
    expect((await agent.get('/')).headers.location).toBe(paths.signIn);
    expect(await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })).toMatchObject({
      entraTenantId: null,
      entraObjectId: null,
    });
    // The invitation still works for the invitee, from their mailbox.
    const invitee = person({ tid: idp.tenantId, email: address });
    const accepted = await acceptInvitationThroughIdp(
      supertest.agent(multiTenantApp()),
      idp,
      await linkInLatestEmail(db, address),
      invitee.email,
    );
    expect(accepted.status).toBe(302);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })).entraObjectId).toBe(
      invitee.oid,
    );
  });

  test('an invitation cannot be accepted with a Microsoft account that already has access', async () => {
    const provider = await createProvider(db.prisma);
    const existing = person({ tid: ALLOWED });
    await boundProviderPerson(existing);
    const address = `second-${randomUUID().slice(0, 6)}@example.org`;
    const { userId } = await invite(db, { providerId: provider.id, email: address });
    const callback = await acceptInvitationThroughIdp(
      supertest.agent(multiTenantApp()),
      idp,
      await linkInLatestEmail(db, address),
      existing.email,
    );
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('already has access to this service');
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })).entraObjectId).toBeNull();
  });

  test('accepting with an account of a tenant that is not allowed binds nothing', async () => {
    const provider = await createProvider(db.prisma);
    const address = `outside-${randomUUID().slice(0, 6)}@example.org`;
    const { userId } = await invite(db, { providerId: provider.id, email: address });
    person({ tid: UNLISTED, email: address });
    const callback = await acceptInvitationThroughIdp(
      supertest.agent(multiTenantApp()),
      idp,
      await linkInLatestEmail(db, address),
      address,
    );
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('from an organisation whose accounts cannot be used');
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.entraObjectId).toBeNull();
    expect(await db.prisma.emailLink.count({ where: { userId, usedAt: { not: null } } })).toBe(0);
  });
});

describe('awkward claims', () => {
  test('a guest account’s #EXT# user principal name is turned back into their own address', async () => {
    const guest = person({
      roles: ['Viewer'],
      claims: { preferred_username: 'Jo.Bloggs_CareHome.example#EXT#@icbtenant.onmicrosoft.com' },
    });
    expect((await signInThroughIdp(supertest.agent(entraApp()), idp, guest.email)).status).toBe(302);
    expect((await userOf(guest))?.email).toBe('jo.bloggs@carehome.example');
  });

  test('with no email claim, preferred_username is used; with neither, upn', async () => {
    const byUsername = person({
      roles: ['Viewer'],
      claims: { preferred_username: `pu-${randomUUID()}@example.nhs.uk` },
    });
    const byUpn = person({ roles: ['Viewer'], claims: { upn: `upn-${randomUUID()}@example.nhs.uk` } });
    for (const someone of [byUsername, byUpn]) {
      expect((await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email)).status).toBe(302);
    }
    expect((await userOf(byUsername))?.email).toBe(byUsername.claims?.preferred_username);
    expect((await userOf(byUpn))?.email).toBe(byUpn.claims?.upn);
  });

  test('a token with no address at all is refused as a sign-in problem', async () => {
    const nameless = person({ roles: ['Viewer'], claims: {} });
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, nameless.email);
    expect(callback.status).toBe(401);
    expect(await userOf(nameless)).toBeNull();
  });

  test('upper- and mixed-case addresses are stored and compared lower-case', async () => {
    const mixed = person({ roles: ['Viewer'], email: `Kim.Lead-${randomUUID().slice(0, 4)}@Example.NHS.uk` });
    expect((await signInThroughIdp(supertest.agent(entraApp()), idp, mixed.email)).status).toBe(302);
    const user = await userOf(mixed);
    expect(user?.email).toBe(mixed.email.toLowerCase());
    // Signing in again changes nothing: the same address in another case is not a new address.
    await signInThroughIdp(supertest.agent(entraApp()), idp, mixed.email);
    expect(
      await db.prisma.auditEvent.count({ where: { entityId: user?.id, action: 'user.email_from_entra' } }),
    ).toBe(0);
  });

  test.each([
    ['missing', undefined],
    ['empty', []],
  ])('a roles claim %s: a provider’s person gets in, a stranger does not', async (_label, roles) => {
    const member = person(roles ? { roles } : {});
    const { provider } = await boundProviderPerson(member);
    const agent = supertest.agent(entraApp());
    expect((await signInThroughIdp(agent, idp, member.email)).status).toBe(302);
    expect((await agent.get('/').expect(200)).text).toContain(provider.name);
    const stranger = person(roles ? { roles } : {});
    expect((await signInThroughIdp(supertest.agent(entraApp()), idp, stranger.email)).status).toBe(403);
  });

  test('an address changed in Entra (same tenant and object id) is taken up, and audited', async () => {
    const someone = person({ tid: ALLOWED });
    const { user, provider } = await boundProviderPerson(someone);
    const renamed = { ...someone, email: `renamed-${randomUUID().slice(0, 6)}@example.org` };
    idp.addUser(renamed);
    const agent = supertest.agent(multiTenantApp());
    expect((await signInThroughIdp(agent, idp, renamed.email)).status).toBe(302);
    expect((await agent.get('/').expect(200)).text).toContain(provider.name);
    expect(await db.prisma.user.count({ where: { entraObjectId: someone.oid } })).toBe(1);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(renamed.email);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: user.id, action: 'user.email_from_entra' },
    });
    expect(audit).toMatchObject({ before: { email: someone.email }, after: { email: renamed.email } });
  });

  test('an address changed to one another user has keeps the stored one', async () => {
    const someone = person();
    const { user } = await boundProviderPerson(someone);
    const other = await createUser(db.prisma, { role: 'viewer' });
    idp.addUser({ ...someone, claims: { email: other.email } });
    expect((await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email)).status).toBe(302);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(someone.email);
  });
});

describe('roles do not overwrite each other', () => {
  test('a provider lead given a staff app role, then not, keeps their provider memberships throughout', async () => {
    const someone = person();
    const { user, provider } = await boundProviderPerson(someone);

    idp.addUser({ ...someone, roles: ['Viewer'] });
    const asViewer = supertest.agent(entraApp());
    expect((await signInThroughIdp(asViewer, idp, someone.email)).status).toBe(302);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('viewer');
    await asViewer.get(paths.providers.list).expect(200);
    expect(await db.prisma.membership.count({ where: { userId: user.id } })).toBe(1);

    idp.addUser({ ...someone, roles: [] });
    const asLeadAgain = supertest.agent(entraApp());
    expect((await signInThroughIdp(asLeadAgain, idp, someone.email)).status).toBe(302);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).role).toBe('provider_lead');
    expect((await asLeadAgain.get('/').expect(200)).text).toContain(provider.name);
    await asLeadAgain.get(paths.providers.list).expect(403);
  });
});

describe('refusals', () => {
  test('an unknown person with no role gets a clear "no access yet" page (403), not an error', async () => {
    const stranger = person();
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, stranger.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('open the invitation email you were sent');
    expect(await db.prisma.user.count({ where: { email: stranger.email } })).toBe(0);
  });

  test('a deactivated user is refused', async () => {
    const someone = person({ roles: ['Viewer'] });
    await createUser(db.prisma, {
      role: 'viewer',
      email: someone.email,
      entraTenantId: idp.tenantId,
      entraObjectId: someone.oid,
      active: false,
    });
    const callback = await signInThroughIdp(supertest.agent(entraApp()), idp, someone.email);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('has been deactivated');
  });

  test.each<[string, Parameters<TestIdp['mutateIdTokens']>[0]]>([
    ['whose tid is not its issuer’s tenant', (claims) => ({ ...claims, tid: randomUUID() })],
    ['expired', (claims) => ({ ...claims, iat: 1_000_000, exp: 1_000_600 })],
    ['tampered with', 'break-signature'],
  ])('an id_token %s is refused with a sign-in problem page', async (_name, mutation) => {
    const someone = person({ roles: ['Admin'] });
    idp.mutateIdTokens(mutation);
    const agent = supertest.agent(entraApp());
    const callback = await signInThroughIdp(agent, idp, someone.email);
    expect(callback.status).toBe(401);
    expect(callback.text).toContain('You could not be signed in');
    expect(await userOf(someone)).toBeNull();
    expect((await agent.get('/')).status).toBe(302);
  });

  test('a callback whose state does not match the session is refused', async () => {
    const agent = supertest.agent(entraApp());
    await agent.get(paths.entraSignIn).expect(302);
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
    const response = await supertest(down).get(paths.entraSignIn);
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
    const response = await supertest(app)
      .get(paths.entraSignIn)
      .set('X-Forwarded-Proto', 'https')
      .expect(302);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-tracker\.sid=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=None/);
    expect(new URL(String(response.headers.location)).searchParams.get('response_mode')).toBe('form_post');
  });

  test('with only Microsoft sign-in configured, /sign-in goes straight to it', async () => {
    const app = buildTestApp(db, {
      config: testConfig({ ...entraEnvironment(), LOCAL_SIGN_IN: 'false', EMAIL_SIGN_IN: 'false' }),
    });
    expect((await supertest(app).get(paths.signIn).expect(302)).headers.location).toBe(paths.entraSignIn);
  });
});
