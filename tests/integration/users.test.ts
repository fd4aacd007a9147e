import supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createProvider,
  createProviderLead,
  createTwoProviderWorld,
  createUser,
  importTestStandards,
} from '../support/fixtures.js';

type Agent = ReturnType<typeof supertest.agent>;
type World = Awaited<ReturnType<typeof createTwoProviderWorld>>;

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: World;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
});
afterAll(async () => {
  await db.drop();
});

async function post(agent: Agent, url: string, fields: Record<string, string>, page: string = paths.home) {
  const token = csrfTokenFrom((await agent.get(page).expect(200)).text);
  return agent
    .post(url)
    .type('form')
    .send({ _csrf: token, ...fields });
}

const userUrl = (userId: string) => pathTo(paths.users.show, { userId });
/** The audited changes to a user (their own sign-ins left out). */
const eventsFor = (entityId: string) =>
  db.prisma.auditEvent.findMany({
    where: { entityType: 'user', entityId, action: { not: 'user.signed_in' } },
    orderBy: { id: 'asc' },
  });

describe('the user list', () => {
  test('shows every user with email, role, providers, status as text and last sign-in', async () => {
    const invited = await createProviderLead(db.prisma, world.providerA.id, {
      displayName: 'Ivy Invited',
      email: 'ivy.invited@example.nhs.uk',
    });
    const gone = await createUser(db.prisma, { role: 'viewer', displayName: 'Gus Gone', active: false });
    await db.prisma.user.update({
      where: { id: world.manager.id },
      data: { entraObjectId: 'b5a1c2d3-0000-4000-8000-000000000001' },
    });
    const admin = await signedInAgent(app, world.admin.id);
    const page = await admin.get(paths.users.list).expect(200);
    expect(page.text).toContain('<h1>Users</h1>');
    expect(page.text).toContain(`href="${userUrl(invited.id)}">Ivy Invited</a>`);
    expect(page.text).toContain('ivy.invited@example.nhs.uk');
    expect(page.text).toMatch(/Ivy Invited[\s\S]*?Provider lead[\s\S]*?Alpha Hospitals NHS Trust/);
    expect(page.text).toMatch(/Ivy Invited[\s\S]*?Invited, not signed in yet/);
    expect(page.text).toMatch(/Gus Gone[\s\S]*?nhsuk-tag--grey">Deactivated</);
    expect(page.text).toMatch(/Ada Admin[\s\S]*?Administrator[\s\S]*?nhsuk-tag--green">Active</);
    // The admin signed in just now (locally); the manager is bound to Entra but never signed in here.
    expect(page.text).toMatch(/Ada Admin[\s\S]*?(am|pm) on \d+ \w+ \d{4}/);
    expect(page.text).toMatch(/Cora Manager[\s\S]*?Not recorded/);
    expect(page.text).toContain('Invite a provider lead');
    expect(page.text).toContain(`<a class="nhsuk-header__navigation-link" href="${paths.users.list}"`);
    expect(gone.active).toBe(false);
  });

  test('only administrators see it (and the navigation entry)', async () => {
    for (const user of [world.manager, world.viewer, world.leadA]) {
      const agent = await signedInAgent(app, user.id);
      expect((await agent.get(paths.users.list)).status).toBe(403);
      expect((await agent.get(userUrl(world.leadA.id))).status).toBe(403);
      expect((await agent.get(paths.home)).text).not.toContain(`href="${paths.users.list}"`);
    }
    const anonymous = await supertest(app).get(paths.users.list);
    expect(anonymous.headers.location).toBe(paths.signIn);
  });
});

describe('inviting a provider lead', () => {
  test('a new lead is stored lower-case with their provider, audited, and shown as invited', async () => {
    const admin = await signedInAgent(app, world.admin.id);
    const form = await admin.get(`${paths.users.invite}?providerId=${world.providerB.id}`).expect(200);
    expect(form.text).toMatch(new RegExp(`<option value="${world.providerB.id}" selected>`));
    const response = await post(
      admin,
      paths.users.invite,
      {
        email: '  Nia.New@Example.NHS.uk ',
        displayName: 'Nia New',
        providerId: world.providerB.id,
        signInMethod: 'microsoft',
      },
      paths.users.invite,
    );
    expect(response.status).toBe(302);
    const user = await db.prisma.user.findUniqueOrThrow({
      where: { email: 'nia.new@example.nhs.uk' },
      include: { memberships: true },
    });
    expect(user).toMatchObject({ role: 'provider_lead', displayName: 'Nia New', entraObjectId: null });
    expect(user.memberships.map((membership) => membership.providerId)).toEqual([world.providerB.id]);
    expect(response.headers.location).toBe(`${userUrl(user.id)}?done=invited`);
    expect(await eventsFor(user.id)).toEqual([
      expect.objectContaining({
        action: 'user.invited',
        actorId: world.admin.id,
        before: null,
        after: {
          email: 'nia.new@example.nhs.uk',
          displayName: 'Nia New',
          role: 'provider_lead',
          signInMethod: 'microsoft',
          providerIds: [world.providerB.id],
          membershipRole: 'lead',
        },
      }),
    ]);
    const page = await admin.get(response.headers.location ?? '').expect(200);
    expect(page.text).toContain('The provider lead has been invited: the invitation');
    expect(page.text).toContain('Invited, not signed in yet');
    expect(page.text).toContain('Bravo Care Home');
  });

  test('without a name, the email stands in for it', async () => {
    const admin = await signedInAgent(app, world.admin.id);
    await post(admin, paths.users.invite, {
      email: 'no.name@example.org',
      providerId: world.providerA.id,
      signInMethod: 'email_link',
    }).then((response) => expect(response.status).toBe(302));
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: 'no.name@example.org' } });
    expect(user.displayName).toBe('no.name@example.org');
  });

  test('a contract manager may invite, and comes back to the form with a notice', async () => {
    const manager = await signedInAgent(app, world.manager.id);
    const provider = await manager.get(pathTo(paths.providers.show, { providerId: world.providerA.id }));
    expect(provider.text).toContain(
      `href="${pathTo(paths.people.invite, { providerId: world.providerA.id })}"`,
    );
    const response = await post(
      manager,
      paths.users.invite,
      { email: 'cm.invited@example.org', providerId: world.providerA.id, signInMethod: 'microsoft' },
      paths.users.invite,
    );
    expect(response.headers.location).toBe(`${paths.users.invite}?done=invited`);
    const page = await manager.get(response.headers.location ?? '').expect(200);
    expect(page.text).toContain('nhsuk-notification-banner--success');
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email: 'cm.invited@example.org' } });
    expect((await eventsFor(user.id))[0]?.actorId).toBe(world.manager.id);
  });

  test('viewers and provider leads may not invite', async () => {
    for (const user of [world.viewer, world.leadA]) {
      const agent = await signedInAgent(app, user.id);
      expect((await agent.get(paths.users.invite)).status).toBe(403);
      const response = await post(agent, paths.users.invite, {
        email: 'sneaky@example.org',
        providerId: world.providerA.id,
      });
      expect(response.status).toBe(403);
    }
    expect(await db.prisma.user.count({ where: { email: 'sneaky@example.org' } })).toBe(0);
  });

  test('bad input comes back with an error summary and the input kept', async () => {
    const admin = await signedInAgent(app, world.admin.id);
    const empty = await post(admin, paths.users.invite, { email: '', providerId: '' }, paths.users.invite);
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('<title>Error: Invite a provider lead');
    expect(empty.text).toContain('<a href="#email">Enter an email address</a>');
    expect(empty.text).toContain('<a href="#providerId">Select the provider</a>');

    const malformed = await post(
      admin,
      paths.users.invite,
      { email: 'not an <email>', displayName: 'Kept Name', providerId: world.providerA.id },
      paths.users.invite,
    );
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain(
      '<a href="#email">Enter an email address in the correct format, like name@example.nhs.uk</a>',
    );
    expect(malformed.text).toContain('value="not an &lt;email&gt;"');
    expect(malformed.text).toContain('value="Kept Name"');
    expect(malformed.text).toMatch(new RegExp(`<option value="${world.providerA.id}" selected>`));

    const inactive = await createProvider(db.prisma, { name: 'Shut Surgery', active: false });
    const refused = await post(admin, paths.users.invite, {
      email: 'x@example.org',
      providerId: inactive.id,
      signInMethod: 'microsoft',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('<a href="#providerId">Select the provider</a>');
    expect(await db.prisma.user.count({ where: { email: 'x@example.org' } })).toBe(0);
  });

  test('an existing lead gets the provider added instead, and twice is refused', async () => {
    // Already using the service (bound to their Microsoft account): told by email, no new invitation.
    const lead = await createProviderLead(db.prisma, world.providerA.id, {
      email: 'two.hats@example.org',
      displayName: 'Tess Two-Hats',
      entraTenantId: 'a5b5c5d5-0000-4000-8000-000000000002',
      entraObjectId: 'b5b5c5d5-0000-4000-8000-000000000002',
    });
    const admin = await signedInAgent(app, world.admin.id);
    const response = await post(admin, paths.users.invite, {
      email: 'Two.Hats@Example.org',
      providerId: world.providerB.id,
      signInMethod: 'microsoft',
    });
    expect(response.headers.location).toBe(`${userUrl(lead.id)}?done=membership_added`);
    expect(await db.prisma.user.count({ where: { email: { contains: 'two.hats' } } })).toBe(1);
    const memberships = await db.prisma.membership.findMany({ where: { userId: lead.id } });
    expect(memberships.map((membership) => membership.providerId).sort()).toEqual(
      [world.providerA.id, world.providerB.id].sort(),
    );
    expect(await eventsFor(lead.id)).toEqual([
      expect.objectContaining({
        action: 'user.membership_added',
        before: { providerIds: [world.providerA.id] },
        after: { providerIds: [world.providerA.id, world.providerB.id], membershipRole: 'lead' },
      }),
    ]);

    const again = await post(
      admin,
      paths.users.invite,
      { email: 'two.hats@example.org', providerId: world.providerB.id, signInMethod: 'microsoft' },
      paths.users.invite,
    );
    expect(again.status).toBe(400);
    expect(again.text).toContain('Tess Two-Hats already has access to Bravo Care Home');
  });

  test('a member of staff cannot be invited as a lead, whatever the case of the email', async () => {
    const admin = await signedInAgent(app, world.admin.id);
    const response = await post(
      admin,
      paths.users.invite,
      { email: world.viewer.email.toUpperCase(), providerId: world.providerA.id, signInMethod: 'microsoft' },
      paths.users.invite,
    );
    expect(response.status).toBe(400);
    expect(response.text).toContain(
      `${world.viewer.email} belongs to a member of staff (Viewer). Staff get access through their Entra ID role and cannot be invited for a provider`,
    );
    expect(await db.prisma.membership.count({ where: { userId: world.viewer.id } })).toBe(0);
    expect(await eventsFor(world.viewer.id)).toEqual([]);
  });
});

describe('memberships and roles', () => {
  test('an administrator adds and removes a lead’s providers, each change audited', async () => {
    const lead = await createProviderLead(db.prisma, world.providerA.id, { displayName: 'Mo Member' });
    const admin = await signedInAgent(app, world.admin.id);
    const page = await admin.get(userUrl(lead.id)).expect(200);
    expect(page.text).toContain('Alpha Hospitals NHS Trust');
    expect(page.text).toContain('aria-label="Remove from Alpha Hospitals NHS Trust"');
    expect(page.text).toMatch(new RegExp(`<option value="${world.providerB.id}">`));
    expect(page.text).not.toMatch(new RegExp(`<option value="${world.providerA.id}"`));

    const add = pathTo(paths.users.addMembership, { userId: lead.id });
    expect((await post(admin, add, { providerId: world.providerB.id })).headers.location).toBe(
      `${userUrl(lead.id)}?done=membership_added`,
    );
    const remove = pathTo(paths.users.removeMembership, { userId: lead.id, providerId: world.providerA.id });
    expect((await post(admin, remove, {})).headers.location).toBe(
      `${userUrl(lead.id)}?done=membership_removed`,
    );
    const memberships = await db.prisma.membership.findMany({ where: { userId: lead.id } });
    expect(memberships.map((membership) => membership.providerId)).toEqual([world.providerB.id]);
    expect(
      (await eventsFor(lead.id)).map(({ action, before, after }) => ({ action, before, after })),
    ).toEqual([
      {
        action: 'user.membership_added',
        before: { providerIds: [world.providerA.id] },
        after: { providerIds: [world.providerA.id, world.providerB.id] },
      },
      {
        action: 'user.membership_removed',
        before: { providerIds: [world.providerA.id, world.providerB.id] },
        after: { providerIds: [world.providerB.id] },
      },
    ]);

    const missing = await post(admin, add, { providerId: '' }, userUrl(lead.id));
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('<a href="#providerId">Select the provider</a>');
  });

  test('the lead is signed out at once, and has lost the removed provider’s returns', async () => {
    const lead = await createProviderLead(db.prisma, world.providerA.id);
    const leadAgent = await signedInAgent(app, lead.id);
    const returnPage = pathTo(paths.returns.show, { returnId: world.returnA.id });
    await leadAgent.get(returnPage).expect(200);
    const admin = await signedInAgent(app, world.admin.id);
    await post(
      admin,
      pathTo(paths.users.removeMembership, { userId: lead.id, providerId: world.providerA.id }),
      {},
    );
    expect((await leadAgent.get(returnPage)).headers.location).toBe(paths.signIn);
    await (await signedInAgent(app, lead.id)).get(returnPage).expect(404);
  });

  test('changing a role is audited; the page says Entra app roles win for staff', async () => {
    const person = await createUser(db.prisma, { role: 'viewer', displayName: 'Rory Role' });
    const admin = await signedInAgent(app, world.admin.id);
    const page = await admin.get(userUrl(person.id)).expect(200);
    expect(page.text).toContain(
      'For staff, the role comes from their Entra ID app role (Admin, ContractManager or Viewer): it replaces the role stored here the next time they sign in.',
    );
    expect(page.text).toMatch(/value="viewer" checked/);
    const response = await post(admin, pathTo(paths.users.role, { userId: person.id }), {
      role: 'contract_manager',
    });
    expect(response.headers.location).toBe(`${userUrl(person.id)}?done=role_changed`);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: person.id } })).role).toBe(
      'contract_manager',
    );
    expect(await eventsFor(person.id)).toEqual([
      expect.objectContaining({
        action: 'user.role_changed',
        actorId: world.admin.id,
        before: { role: 'viewer' },
        after: { role: 'contract_manager' },
      }),
    ]);
    const bad = await post(admin, pathTo(paths.users.role, { userId: person.id }), { role: 'emperor' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<a href="#role">Select a role</a>');
  });

  test('a lead with providers cannot become staff until removed from them; nobody changes their own role', async () => {
    const lead = await createProviderLead(db.prisma, world.providerB.id, { displayName: 'Lou Lead' });
    const admin = await signedInAgent(app, world.admin.id);
    const roleUrl = pathTo(paths.users.role, { userId: lead.id });
    const refused = await post(admin, roleUrl, { role: 'viewer' }, userUrl(lead.id));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Remove Lou Lead from their providers before giving them a staff role');
    expect(refused.text).toMatch(/value="viewer" checked/);
    await post(
      admin,
      pathTo(paths.users.removeMembership, { userId: lead.id, providerId: world.providerB.id }),
      {},
    );
    expect((await post(admin, roleUrl, { role: 'viewer' })).status).toBe(302);

    const self = await admin.get(userUrl(world.admin.id)).expect(200);
    expect(self.text).toContain('You cannot change your own role.');
    const own = await post(admin, pathTo(paths.users.role, { userId: world.admin.id }), { role: 'viewer' });
    expect(own.status).toBe(400);
    expect(own.text).toContain('You cannot change your own role: ask another administrator');
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: world.admin.id } })).role).toBe('admin');
  });
});

describe('deactivating and reactivating', () => {
  test('a deactivated user is signed out on their next request, and can come back when reactivated', async () => {
    const lead = await createProviderLead(db.prisma, world.providerA.id, { displayName: 'Dee Parting' });
    const leadAgent = await signedInAgent(app, lead.id);
    await leadAgent.get(paths.returns.list).expect(200);

    const admin = await signedInAgent(app, world.admin.id);
    const confirm = await admin.get(pathTo(paths.users.deactivate, { userId: lead.id })).expect(200);
    expect(confirm.text).toContain('Are you sure you want to deactivate Dee Parting?');
    const response = await post(
      admin,
      pathTo(paths.users.deactivate, { userId: lead.id }),
      {},
      pathTo(paths.users.deactivate, { userId: lead.id }),
    );
    expect(response.headers.location).toBe(`${userUrl(lead.id)}?done=deactivated`);

    const next = await leadAgent.get(paths.returns.list);
    expect(next.status).toBe(302);
    expect(next.headers.location).toBe(paths.signIn);
    // Signed out for good: the local sign-in no longer accepts them either.
    const chooser = await supertest.agent(app).get(paths.localSignIn);
    expect(chooser.text).not.toContain(lead.id);

    const page = await admin.get(userUrl(lead.id)).expect(200);
    expect(page.text).toContain('nhsuk-tag--grey">Deactivated<');
    expect(page.text).toContain('Reactivate this user');
    await post(admin, pathTo(paths.users.reactivate, { userId: lead.id }), {});
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: lead.id } })).active).toBe(true);
    expect(
      (await eventsFor(lead.id)).map(({ action, before, after }) => ({ action, before, after })),
    ).toEqual([
      { action: 'user.deactivated', before: { active: true }, after: { active: false } },
      { action: 'user.reactivated', before: { active: false }, after: { active: true } },
    ]);
    const back = await signedInAgent(app, lead.id);
    await back.get(paths.returns.list).expect(200);
  });

  test('an administrator cannot deactivate themselves', async () => {
    const admin = await signedInAgent(app, world.admin.id);
    expect((await admin.get(pathTo(paths.users.deactivate, { userId: world.admin.id }))).status).toBe(409);
    const response = await post(admin, pathTo(paths.users.deactivate, { userId: world.admin.id }), {});
    expect(response.status).toBe(409);
    expect(response.text).toContain('You cannot deactivate your own account');
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: world.admin.id } })).active).toBe(true);
  });

  test('unknown and malformed user ids are not found', async () => {
    const admin = await signedInAgent(app, world.admin.id);
    await admin.get(userUrl('00000000-0000-4000-8000-000000000000')).expect(404);
    await admin.get(userUrl('not-a-uuid')).expect(404);
    const response = await post(
      admin,
      pathTo(paths.users.deactivate, { userId: '00000000-0000-4000-8000-000000000000' }),
      {},
    );
    expect(response.status).toBe(404);
  });
});
