import supertest from 'supertest';
import { buildTestApp, csrfTokenFrom, postWithCsrf, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, createUser, importTestStandards } from '../support/fixtures.js';

type World = Awaited<ReturnType<typeof createTwoProviderWorld>>;

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: World;
let frameworks: { ais: string; eds: string };

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
  const rows = await db.prisma.framework.findMany();
  const id = (code: string) => rows.find((row) => row.code === code)?.id ?? '';
  frameworks = { ais: id('AIS'), eds: id('EDS') };
});
afterAll(async () => {
  await db.drop();
});

const post = postWithCsrf;

const newContractUrl = () => `/providers/${world.providerA.id}/contracts/new`;
const editContractUrl = (id: string) => `/contracts/${id}/edit`;

function contractFields(overrides: Record<string, string | string[]> = {}) {
  return {
    reference: 'ICB-2026-100',
    'startDate-day': '1',
    'startDate-month': '4',
    'startDate-year': '2026',
    'endDate-day': '31',
    'endDate-month': '3',
    'endDate-year': '2029',
    contractManagerId: world.manager.id,
    standards: [frameworks.ais, frameworks.eds],
    ...overrides,
  };
}

describe('adding a contract', () => {
  test('the form offers the contract managers and the standards as checkboxes', async () => {
    const agent = await signedInAgent(app, world.admin.id);
    const page = await agent.get(newContractUrl()).expect(200);
    expect(page.text).toContain('Alpha Hospitals NHS Trust');
    expect(page.text).toContain('Cora Manager');
    expect(page.text).not.toContain('Vic Viewer');
    expect(page.text).toContain('type="checkbox"');
    expect(page.text).toContain('Standards this contract reports on</legend>');
    expect(page.text).toContain(`id="standards" name="standards" type="checkbox" value="${frameworks.ais}"`);
  });

  test('a valid contract is saved with its standards and audited', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(agent, newContractUrl(), contractFields());
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`/providers/${world.providerA.id}`);
    const contract = await db.prisma.contract.findUniqueOrThrow({
      where: { reference: 'ICB-2026-100' },
      include: { standards: true },
    });
    expect(contract).toMatchObject({
      providerId: world.providerA.id,
      contractManagerId: world.manager.id,
      startDate: new Date('2026-04-01'),
      endDate: new Date('2029-03-31'),
    });
    expect(contract.standards.map((standard) => standard.frameworkId).sort()).toEqual(
      [frameworks.ais, frameworks.eds].sort(),
    );
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: contract.id, action: 'contract.created' },
    });
    expect(event.actorId).toBe(world.manager.id);
    expect(event.after).toEqual({
      providerId: world.providerA.id,
      reference: 'ICB-2026-100',
      startDate: '2026-04-01',
      endDate: '2029-03-31',
      contractManagerId: world.manager.id,
      standards: ['AIS', 'EDS'],
    });
    const providerPage = await agent.get(`/providers/${world.providerA.id}`).expect(200);
    expect(providerPage.text).toContain('ICB-2026-100');
    expect(providerPage.text).toContain('31 March 2029');
  });

  test('the end date is optional; one ticked standard is enough', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(
      agent,
      newContractUrl(),
      contractFields({
        reference: 'ICB-2026-101',
        'endDate-day': '',
        'endDate-month': '',
        'endDate-year': '',
        standards: frameworks.eds,
      }),
    );
    expect(response.status).toBe(302);
    const contract = await db.prisma.contract.findUniqueOrThrow({
      where: { reference: 'ICB-2026-101' },
      include: { standards: true },
    });
    expect(contract.endDate).toBeNull();
    expect(contract.standards).toEqual([expect.objectContaining({ frameworkId: frameworks.eds })]);
  });

  test('missing answers come back in page order, with the input kept', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(agent, newContractUrl(), {
      reference: '',
      'startDate-day': '31',
      'startDate-month': '2',
      'startDate-year': '2026',
      'endDate-day': '5',
      'endDate-month': '',
      'endDate-year': '2027',
    });
    expect(response.status).toBe(400);
    expect(response.text).toContain('<title>Error: Add a contract');
    const summary = /<ul class="nhsuk-list nhsuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(
      response.text,
    )?.[1];
    const links = [...(summary ?? '').matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((match) => [
      match[1],
      match[2],
    ]);
    expect(links).toEqual([
      ['#reference', 'Enter the contract reference'],
      ['#startDate-day', 'Start date must be a real date'],
      ['#endDate-day', 'End date must include a month'],
      ['#contractManagerId', 'Select the contract manager'],
      ['#standards', 'Select the standards this contract reports on'],
    ]);
    expect(response.text).toContain('name="startDate-day" type="text" inputmode="numeric" value="31"');
    expect(response.text).toContain('name="endDate-year" type="text" inputmode="numeric" value="2027"');
  });

  test('an end date before the start date is refused, keeping the ticked standards', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(
      agent,
      newContractUrl(),
      contractFields({ reference: 'ICB-BACKWARDS', 'endDate-year': '2025', standards: frameworks.ais }),
    );
    expect(response.status).toBe(400);
    expect(response.text).toContain('End date must be the same as or after the start date');
    expect(response.text).toContain(`value="${frameworks.ais}" checked`);
    expect(response.text).not.toContain(`value="${frameworks.eds}" checked`);
    expect(response.text).toContain('value="ICB-BACKWARDS"');
    expect(await db.prisma.contract.count({ where: { reference: 'ICB-BACKWARDS' } })).toBe(0);
  });

  test('a duplicate reference and a person who is not a contract manager are field errors', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const duplicate = await post(
      agent,
      newContractUrl(),
      contractFields({ reference: world.contractB.reference }),
    );
    expect(duplicate.status).toBe(400);
    expect(duplicate.text).toContain(`A contract with reference ${world.contractB.reference} already exists`);

    const notManager = await post(
      agent,
      newContractUrl(),
      contractFields({ reference: 'ICB-VIEWER', contractManagerId: world.viewer.id }),
    );
    expect(notManager.status).toBe(400);
    expect(notManager.text).toContain('<a href="#contractManagerId">Select the contract manager</a>');
    expect(await db.prisma.contract.count({ where: { reference: 'ICB-VIEWER' } })).toBe(0);
  });
});

describe('changing a contract', () => {
  test('the form shows the stored contract; saving records before and after', async () => {
    const otherManager = await createUser(db.prisma, { role: 'contract_manager', displayName: 'Omar Other' });
    const agent = await signedInAgent(app, world.admin.id);
    const form = await agent.get(editContractUrl(world.contractB.id)).expect(200);
    expect(form.text).toContain(`value="${world.contractB.reference}"`);
    expect(form.text).toContain(
      'id="startDate-year" name="startDate-year" type="text" inputmode="numeric" value="2025"',
    );
    expect(form.text).toContain(`value="${world.manager.id}" checked`);

    const response = await post(
      agent,
      editContractUrl(world.contractB.id),
      contractFields({
        reference: 'ICB-B-RENEWED',
        contractManagerId: otherManager.id,
        standards: frameworks.eds,
      }),
    );
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`/providers/${world.providerB.id}`);
    const contract = await db.prisma.contract.findUniqueOrThrow({
      where: { id: world.contractB.id },
      include: { standards: true },
    });
    expect(contract).toMatchObject({ reference: 'ICB-B-RENEWED', contractManagerId: otherManager.id });
    expect(contract.standards.map((standard) => standard.frameworkId)).toEqual([frameworks.eds]);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: world.contractB.id, action: 'contract.updated' },
    });
    expect(event.before).toMatchObject({
      reference: world.contractB.reference,
      startDate: '2025-04-01',
      endDate: null,
      contractManagerId: world.manager.id,
      standards: ['AIS', 'EDS'],
    });
    expect(event.after).toMatchObject({
      reference: 'ICB-B-RENEWED',
      endDate: '2029-03-31',
      contractManagerId: otherManager.id,
      standards: ['EDS'],
    });
  });

  test('a refused change keeps the input and changes nothing', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(
      agent,
      editContractUrl(world.contractA.id),
      contractFields({ reference: 'ICB-A-CHANGED', 'startDate-month': '13' }),
    );
    expect(response.status).toBe(400);
    expect(response.text).toContain('<title>Error: Change contract');
    expect(response.text).toContain('Start date must be a real date');
    expect(response.text).toContain('value="ICB-A-CHANGED"');
    expect(
      (await db.prisma.contract.findUniqueOrThrow({ where: { id: world.contractA.id } })).reference,
    ).toBe(world.contractA.reference);
  });

  test('an unknown contract is not found', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    await agent.get(editContractUrl('7d1f6a52-93a4-4d55-9c1e-2f7b0c3f1a10')).expect(404);
    await agent.get('/providers/7d1f6a52-93a4-4d55-9c1e-2f7b0c3f1a10/contracts/new').expect(404);
  });
});

describe('who may change contracts', () => {
  const pages = () => [newContractUrl(), editContractUrl(world.contractA.id)];

  async function contractsUnchanged(): Promise<void> {
    expect(await db.prisma.contract.count({ where: { reference: 'ICB-SNEAKY' } })).toBe(0);
    expect(
      (await db.prisma.contract.findUniqueOrThrow({ where: { id: world.contractA.id } })).reference,
    ).toBe(world.contractA.reference);
  }

  test('anonymous visitors are sent to sign in', async () => {
    const agent = supertest.agent(app);
    for (const url of pages()) {
      expect((await agent.get(url).expect(302)).headers.location).toBe('/sign-in');
    }
    const token = csrfTokenFrom((await agent.get('/sign-in/local').expect(200)).text);
    for (const url of pages()) {
      const response = await agent
        .post(url)
        .type('form')
        .send({ _csrf: token, ...contractFields({ reference: 'ICB-SNEAKY' }) });
      expect(response.headers.location).toBe('/sign-in');
    }
    await contractsUnchanged();
  });

  test.each([
    ['a provider lead', () => world.leadA.id],
    ['a viewer', () => world.viewer.id],
  ])('%s is refused', async (_who, userId) => {
    const agent = await signedInAgent(app, userId());
    for (const url of pages()) await agent.get(url).expect(403);
    for (const url of pages()) {
      expect((await post(agent, url, contractFields({ reference: 'ICB-SNEAKY' }))).status).toBe(403);
    }
    await contractsUnchanged();
  });
});
