import supertest from 'supertest';
import { buildTestApp, csrfTokenFrom, postWithCsrf, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';

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

const post = postWithCsrf;

const extensionUrl = (returnId: string) => `/returns/${returnId}/extension`;

function extension(day: string, month: string, year: string, reason: string) {
  return { 'dueDate-day': day, 'dueDate-month': month, 'dueDate-year': year, reason };
}

/** Another return for provider B's contract in the world's period: one per EDS version. */
async function edsReturn(versionCode: '2' | '2022', overrides: Parameters<typeof createReturn>[2]) {
  const eds = await frameworkVersion(db.prisma, 'EDS', versionCode);
  return createReturn(
    db.prisma,
    {
      contractId: world.contractB.id,
      providerId: world.providerB.id,
      frameworkVersionId: eds.id,
      periodId: world.period.id,
    },
    overrides,
  );
}

describe('agreeing an extension', () => {
  test('moves the due date, keeps the original and records the reason and the change', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const form = await agent.get(extensionUrl(world.returnA.id)).expect(200);
    expect(form.text).toContain('Agree an extension');
    expect(form.text).toContain('Alpha Hospitals NHS Trust');
    expect(form.text).toContain('31 March 2027');

    const response = await post(
      agent,
      extensionUrl(world.returnA.id),
      extension('30', '4', '2027', 'Lead on long-term sick leave'),
    );
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`/periods/${world.period.id}`);
    const extended = await db.prisma.return.findUniqueOrThrow({ where: { id: world.returnA.id } });
    expect(extended).toMatchObject({
      dueDate: new Date('2027-04-30'),
      originalDueDate: new Date('2027-03-31'),
      extensionReason: 'Lead on long-term sick leave',
      version: world.returnA.version + 1,
    });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: world.returnA.id, action: 'return.extension_agreed' },
    });
    expect(event).toMatchObject({
      actorId: world.manager.id,
      entityType: 'return',
      returnId: world.returnA.id,
    });
    expect(event.before).toEqual({
      dueDate: '2027-03-31',
      originalDueDate: '2027-03-31',
      extensionReason: null,
    });
    expect(event.after).toEqual({
      dueDate: '2027-04-30',
      originalDueDate: '2027-03-31',
      extensionReason: 'Lead on long-term sick leave',
    });

    const periodPage = await agent.get(`/periods/${world.period.id}`).expect(200);
    expect(periodPage.text).toContain('30 April 2027 (extended)');

    // A second extension still keeps the first due date as the original.
    const again = await post(
      agent,
      extensionUrl(world.returnA.id),
      extension('31', '5', '2027', 'Still off sick'),
    );
    expect(again.status).toBe(302);
    expect(await db.prisma.return.findUniqueOrThrow({ where: { id: world.returnA.id } })).toMatchObject({
      dueDate: new Date('2027-05-31'),
      originalDueDate: new Date('2027-03-31'),
      extensionReason: 'Still off sick',
    });
  });

  test('an administrator can extend a submitted return', async () => {
    const submitted = await edsReturn('2022', { status: 'submitted', submittedAt: new Date() });
    const agent = await signedInAgent(app, world.admin.id);
    const response = await post(
      agent,
      extensionUrl(submitted.id),
      extension('1', '6', '2027', 'Agreed at review'),
    );
    expect(response.status).toBe(302);
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: submitted.id } })).dueDate).toEqual(
      new Date('2027-06-01'),
    );
  });

  test('missing answers come back with the input kept', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(agent, extensionUrl(world.returnB.id), extension('', '', '', '   '));
    expect(response.status).toBe(400);
    expect(response.text).toContain('<title>Error: Agree an extension');
    expect(response.text).toContain('<a href="#dueDate-day">Enter new due date</a>');
    expect(response.text).toContain('<a href="#reason">Enter the reason for the extension</a>');

    const partial = await post(
      agent,
      extensionUrl(world.returnB.id),
      extension('31', '2', '2027', 'Flooding <b>'),
    );
    expect(partial.status).toBe(400);
    expect(partial.text).toContain('New due date must be a real date');
    expect(partial.text).toContain('Flooding &lt;b&gt;</textarea>');
    expect(partial.text).toContain('name="dueDate-day" type="text" inputmode="numeric" value="31"');
    expect(await db.prisma.return.findUniqueOrThrow({ where: { id: world.returnB.id } })).toMatchObject({
      dueDate: new Date('2027-03-31'),
      extensionReason: null,
    });
  });

  test('the new date must be after the current due date', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    for (const [day, month] of [
      ['31', '3'],
      ['1', '3'],
    ] as const) {
      const response = await post(
        agent,
        extensionUrl(world.returnB.id),
        extension(day, month, '2027', 'Too soon'),
      );
      expect(response.status).toBe(400);
      expect(response.text).toContain(
        '<a href="#dueDate-day">New due date must be after the current due date, 31 March 2027</a>',
      );
      expect(response.text).toContain('Too soon</textarea>');
    }
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: world.returnB.id } })).dueDate).toEqual(
      new Date('2027-03-31'),
    );
    expect(
      await db.prisma.auditEvent.count({
        where: { entityId: world.returnB.id, action: 'return.extension_agreed' },
      }),
    ).toBe(0);
  });

  test('an accepted return cannot be extended', async () => {
    const accepted = await edsReturn('2', { status: 'accepted', submittedAt: new Date() });
    const agent = await signedInAgent(app, world.manager.id);
    const page = await agent.get(extensionUrl(accepted.id)).expect(409);
    expect(page.text).toContain('This return has been accepted, so its due date can no longer be extended');
    const response = await post(agent, extensionUrl(accepted.id), extension('30', '4', '2027', 'Too late'));
    expect(response.status).toBe(409);
    expect(await db.prisma.return.findUniqueOrThrow({ where: { id: accepted.id } })).toMatchObject({
      dueDate: new Date('2027-03-31'),
      extensionReason: null,
    });
  });

  test('an unknown return is not found', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    await agent.get(extensionUrl('7d1f6a52-93a4-4d55-9c1e-2f7b0c3f1a10')).expect(404);
    await agent.get(extensionUrl('nonsense')).expect(404);
  });
});

describe('who may agree an extension', () => {
  const fields = extension('30', '9', '2027', 'Sneaky');

  async function returnBUnchanged(): Promise<void> {
    expect(await db.prisma.return.findUniqueOrThrow({ where: { id: world.returnB.id } })).toMatchObject({
      dueDate: new Date('2027-03-31'),
      extensionReason: null,
    });
  }

  test('anonymous visitors are sent to sign in', async () => {
    const agent = supertest.agent(app);
    expect((await agent.get(extensionUrl(world.returnB.id)).expect(302)).headers.location).toBe('/sign-in');
    const token = csrfTokenFrom((await agent.get('/sign-in/local').expect(200)).text);
    const response = await agent
      .post(extensionUrl(world.returnB.id))
      .type('form')
      .send({ _csrf: token, ...fields });
    expect(response.headers.location).toBe('/sign-in');
    await returnBUnchanged();
  });

  test.each([
    ["the provider's own lead", () => world.leadB.id],
    ["another provider's lead", () => world.leadA.id],
    ['a viewer', () => world.viewer.id],
  ])('%s is refused', async (_who, userId) => {
    const agent = await signedInAgent(app, userId());
    await agent.get(extensionUrl(world.returnB.id)).expect(403);
    expect((await post(agent, extensionUrl(world.returnB.id), fields)).status).toBe(403);
    await returnBUnchanged();
  });
});
