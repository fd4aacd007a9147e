import supertest from 'supertest';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createProvider, createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';

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

/** The session's CSRF token, from any page the agent may see. */
async function tokenOf(agent: Agent, page = '/'): Promise<string> {
  return csrfTokenFrom((await agent.get(page).expect(200)).text);
}

async function post(agent: Agent, url: string, fields: Record<string, string>, page = '/') {
  return agent
    .post(url)
    .type('form')
    .send({ _csrf: await tokenOf(agent, page), ...fields });
}

const providerUrl = (id: string, suffix = '') => `/providers/${id}${suffix}`;

describe('provider register', () => {
  test('lists every provider with ODS code, type, status as text and contract count', async () => {
    const inactive = await createProvider(db.prisma, {
      name: 'Closed Clinic Ltd',
      active: false,
      type: 'hospice',
    });
    const agent = await signedInAgent(app, world.manager.id);
    const page = await agent.get('/providers').expect(200);
    expect(page.text).toContain(
      '<caption class="nhsuk-table__caption nhsuk-table__caption--m">Provider register',
    );
    expect(page.text).toContain('Alpha Hospitals NHS Trust');
    expect(page.text).toContain(world.providerA.odsCode);
    expect(page.text).toContain('Care home');
    expect(page.text).toContain(inactive.name);
    expect(page.text).toMatch(/nhsuk-tag--grey">Inactive</);
    expect(page.text).toMatch(/nhsuk-tag--green">Active</);
    expect(page.text).toContain('Add a provider');
    expect(page.text).toContain('scope="col"');
  });

  test('the provider page shows its details and contracts', async () => {
    const agent = await signedInAgent(app, world.admin.id);
    const page = await agent.get(providerUrl(world.providerA.id)).expect(200);
    expect(page.text).toContain('Alpha Hospitals NHS Trust');
    expect(page.text).toContain(world.contractA.reference);
    expect(page.text).toContain('Cora Manager');
    expect(page.text).toContain('1 April 2025');
    expect(page.text).toContain('Accessible Information Standard');
    expect(page.text).toContain('Add a contract');
  });

  test('adding a provider stores the ODS code upper-case and records the change', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(
      agent,
      '/providers/new',
      { name: '  Hilltop Surgery ', odsCode: ' b82005 ', type: 'gp_practice', sector: 'gp_practice' },
      '/providers/new',
    );
    expect(response.status).toBe(302);
    const provider = await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'B82005' } });
    expect(provider).toMatchObject({
      name: 'Hilltop Surgery',
      type: 'gp_practice',
      active: true,
      sector: 'gp_practice',
      headcountBand: null,
      turnoverBand: null,
      financialYearEndMonth: null,
      website: null,
      providesMentalHealthServices: null,
    });
    expect(response.headers.location).toBe(providerUrl(provider.id));
    const events = await db.prisma.auditEvent.findMany({ where: { entityId: provider.id } });
    expect(events).toEqual([
      expect.objectContaining({
        action: 'provider.created',
        actorId: world.manager.id,
        before: null,
        after: expect.objectContaining({ odsCode: 'B82005', name: 'Hilltop Surgery' }) as unknown,
      }),
    ]);
  });

  test('an incomplete form comes back with an error summary and the input kept', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const response = await post(agent, '/providers/new', { name: '', odsCode: 'r-1 <b>' }, '/providers/new');
    expect(response.status).toBe(400);
    expect(response.text).toContain('<title>Error: Add a provider');
    expect(response.text).toContain('nhsuk-error-summary');
    expect(response.text).toContain('<a href="#name">Enter the provider name</a>');
    expect(response.text).toContain('<a href="#odsCode">ODS code must only include letters and numbers</a>');
    expect(response.text).toContain('<a href="#type">Select the provider type</a>');
    expect(response.text).toContain('<a href="#sector">Select the kind of organisation</a>');
    expect(response.text).toContain('value="r-1 &lt;b&gt;"');
  });

  test('an ODS code of the wrong length is refused', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    for (const odsCode of ['AB', 'ABCDEFGHIJK']) {
      const response = await post(
        agent,
        '/providers/new',
        { name: 'Too Short', odsCode, type: 'hospice', sector: 'voluntary' },
        '/providers/new',
      );
      expect(response.status).toBe(400);
      expect(response.text).toContain('ODS code must be between 3 and 10 characters');
      expect(response.text).toContain(`value="${odsCode}"`);
    }
    expect(await db.prisma.provider.count({ where: { name: 'Too Short' } })).toBe(0);
  });

  test('a duplicate ODS code is a field error, whatever its case', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const code = world.providerB.odsCode;
    const response = await post(
      agent,
      '/providers/new',
      { name: 'Copycat Care', odsCode: code.toLowerCase(), type: 'care_home', sector: 'care_home' },
      '/providers/new',
    );
    expect(response.status).toBe(400);
    expect(response.text).toContain(`<a href="#odsCode">A provider with ODS code ${code} already exists</a>`);
    expect(response.text).toContain('value="Copycat Care"');
    expect(await db.prisma.provider.count({ where: { name: 'Copycat Care' } })).toBe(0);
  });

  test('changing a provider records before and after; a duplicate code is refused', async () => {
    const provider = await createProvider(db.prisma, { name: 'Old Name Trust', odsCode: 'OLD01' });
    const agent = await signedInAgent(app, world.admin.id);
    const form = await agent.get(providerUrl(provider.id, '/edit')).expect(200);
    expect(form.text).toContain('value="Old Name Trust"');
    expect(form.text).toContain('value="OLD01"');

    const duplicate = await post(
      agent,
      providerUrl(provider.id, '/edit'),
      { name: 'New Name Trust', odsCode: world.providerA.odsCode, type: 'acute_trust', sector: 'nhs_trust' },
      providerUrl(provider.id, '/edit'),
    );
    expect(duplicate.status).toBe(400);
    expect(duplicate.text).toContain(`A provider with ODS code ${world.providerA.odsCode} already exists`);
    expect(duplicate.text).toContain('value="New Name Trust"');

    const invalid = await post(
      agent,
      providerUrl(provider.id, '/edit'),
      { name: '', odsCode: 'NEW01', type: 'acute_trust', sector: 'nhs_trust' },
      providerUrl(provider.id, '/edit'),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('Enter the provider name');
    expect(invalid.text).toContain('value="NEW01"');

    const saved = await post(
      agent,
      providerUrl(provider.id, '/edit'),
      { name: 'New Name Trust', odsCode: 'new01', type: 'community_trust', sector: 'nhs_trust' },
      providerUrl(provider.id, '/edit'),
    );
    expect(saved.status).toBe(302);
    expect(saved.headers.location).toBe(providerUrl(provider.id));
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { id: provider.id } })).toMatchObject({
      name: 'New Name Trust',
      odsCode: 'NEW01',
      type: 'community_trust',
    });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: provider.id, action: 'provider.updated' },
    });
    expect(event.before).toMatchObject({ name: 'Old Name Trust', odsCode: 'OLD01', type: 'acute_trust' });
    expect(event.after).toMatchObject({ name: 'New Name Trust', odsCode: 'NEW01', type: 'community_trust' });
  });

  test('the facts deciding equality duties are recorded, shown, kept on change and checked', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const blank = await agent.get('/providers/new').expect(200);
    expect(blank.text).toContain('Which equality duties apply');
    expect(blank.text).toMatch(/name="headcountBand"[^>]*value="unknown" checked/);

    const fields = {
      name: 'Ridgeway Partnership NHS Foundation Trust',
      odsCode: 'rw9',
      type: 'mental_health_trust',
      sector: 'nhs_foundation_trust',
      headcountBand: 'from_1000',
      turnoverBand: 'from_100m',
      financialYearEndMonth: '3',
      website: 'www.ridgeway.example.nhs.uk',
      providesMentalHealthServices: 'yes',
    };
    const added = await post(agent, '/providers/new', fields, '/providers/new');
    expect(added.status).toBe(302);
    const provider = await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'RW9' } });
    expect(provider).toMatchObject({
      sector: 'nhs_foundation_trust',
      headcountBand: 'from_1000',
      turnoverBand: 'from_100m',
      financialYearEndMonth: 3,
      website: 'https://www.ridgeway.example.nhs.uk',
      providesMentalHealthServices: true,
    });

    const page = await agent.get(providerUrl(provider.id)).expect(200);
    for (const text of [
      'NHS foundation trust',
      '1,000 employees or more',
      '£100 million or more',
      '31 March',
      'https://www.ridgeway.example.nhs.uk',
    ]) {
      expect(page.text).toContain(text);
    }
    expect(page.text).toMatch(
      /Provides mental health services\s*<\/dt>\s*<dd class="nhsuk-summary-list__value">\s*Yes/,
    );

    const form = await agent.get(providerUrl(provider.id, '/edit')).expect(200);
    expect(form.text).toMatch(/value="nhs_foundation_trust" checked/);
    expect(form.text).toMatch(/value="from_1000" checked/);
    expect(form.text).toMatch(/<option value="3" selected>31 March<\/option>/);
    expect(form.text).toContain('value="https://www.ridgeway.example.nhs.uk"');
    expect(form.text).toMatch(/name="providesMentalHealthServices"[^>]*value="yes" checked/);

    const refused = await post(
      agent,
      providerUrl(provider.id, '/edit'),
      {
        ...fields,
        sector: 'pirate_ship',
        headcountBand: 'lots',
        turnoverBand: '36000000',
        financialYearEndMonth: '13',
        website: 'javascript:alert(1)',
        providesMentalHealthServices: 'maybe',
      },
      providerUrl(provider.id, '/edit'),
    );
    expect(refused.status).toBe(400);
    for (const [field, message] of [
      ['sector', 'Select the kind of organisation'],
      ['headcountBand', 'Select the number of employees, or not known'],
      ['turnoverBand', 'Select the annual turnover, or not known'],
      ['financialYearEndMonth', 'Select when the financial year ends, or not known'],
      ['website', 'Enter the website address in the correct format, like www.example.nhs.uk'],
      [
        'providesMentalHealthServices',
        'Select whether the provider provides mental health services, or not known',
      ],
    ]) {
      expect(refused.text).toContain(`<a href="#${field}">${message}</a>`);
    }
    expect(refused.text).toContain('value="javascript:alert(1)"');

    const cleared = await post(
      agent,
      providerUrl(provider.id, '/edit'),
      {
        ...fields,
        headcountBand: 'unknown',
        turnoverBand: 'unknown',
        financialYearEndMonth: 'unknown',
        website: '',
        providesMentalHealthServices: 'no',
      },
      providerUrl(provider.id, '/edit'),
    );
    expect(cleared.status).toBe(302);
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { id: provider.id } })).toMatchObject({
      headcountBand: null,
      turnoverBand: null,
      financialYearEndMonth: null,
      website: null,
      providesMentalHealthServices: false,
    });
    const shown = await agent.get(providerUrl(provider.id)).expect(200);
    expect(shown.text.match(/Not recorded/g)).toHaveLength(4);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: provider.id, action: 'provider.updated' },
    });
    expect(event.before).toMatchObject({
      headcountBand: 'from_1000',
      website: 'https://www.ridgeway.example.nhs.uk',
    });
    expect(event.after).toMatchObject({ headcountBand: null, website: null });
  });

  test('deactivating asks first, then keeps the provider as inactive; reactivating undoes it', async () => {
    const provider = await createProvider(db.prisma, { name: 'Seasonal Hospice' });
    const agent = await signedInAgent(app, world.manager.id);
    const confirm = await agent.get(providerUrl(provider.id, '/deactivate')).expect(200);
    expect(confirm.text).toContain('Are you sure you want to deactivate Seasonal Hospice?');

    const off = await post(agent, providerUrl(provider.id, '/deactivate'), {});
    expect(off.status).toBe(302);
    expect((await db.prisma.provider.findUniqueOrThrow({ where: { id: provider.id } })).active).toBe(false);
    const page = await agent.get(providerUrl(provider.id)).expect(200);
    expect(page.text).toContain('Reactivate this provider');

    const on = await post(agent, providerUrl(provider.id, '/reactivate'), {});
    expect(on.status).toBe(302);
    expect((await db.prisma.provider.findUniqueOrThrow({ where: { id: provider.id } })).active).toBe(true);

    const events = await db.prisma.auditEvent.findMany({
      where: { entityId: provider.id },
      orderBy: { id: 'asc' },
    });
    expect(events.map((event) => [event.action, event.before, event.after])).toEqual([
      ['provider.deactivated', { active: true }, { active: false }],
      ['provider.reactivated', { active: false }, { active: true }],
    ]);
  });

  test('an unknown or malformed provider id is not found', async () => {
    const agent = await signedInAgent(app, world.admin.id);
    await agent.get(providerUrl('not-a-uuid')).expect(404);
    await agent.get(providerUrl('7d1f6a52-93a4-4d55-9c1e-2f7b0c3f1a10')).expect(404);
    await agent.get(providerUrl('7d1f6a52-93a4-4d55-9c1e-2f7b0c3f1a10', '/edit')).expect(404);
  });
});

describe('who may use the register', () => {
  const readPages = () => ['/providers', providerUrl(world.providerA.id)];
  const formPages = () => [
    '/providers/new',
    providerUrl(world.providerA.id, '/edit'),
    providerUrl(world.providerA.id, '/deactivate'),
  ];
  const changes = () =>
    [
      [
        '/providers/new',
        { name: 'Sneaky Trust', odsCode: 'SNEAK1', type: 'acute_trust', sector: 'nhs_trust' },
      ],
      [
        providerUrl(world.providerA.id, '/edit'),
        { name: 'Renamed', odsCode: 'RENAME1', type: 'hospice', sector: 'voluntary' },
      ],
      [providerUrl(world.providerA.id, '/deactivate'), {}],
      [providerUrl(world.providerA.id, '/reactivate'), {}],
    ] as const;

  async function registerUnchanged(): Promise<void> {
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { id: world.providerA.id } })).toMatchObject({
      name: world.providerA.name,
      odsCode: world.providerA.odsCode,
      active: true,
    });
    expect(await db.prisma.provider.count({ where: { odsCode: 'SNEAK1' } })).toBe(0);
  }

  test('anonymous visitors are sent to sign in', async () => {
    const agent = supertest.agent(app);
    for (const url of [...readPages(), ...formPages()]) {
      const response = await agent.get(url).expect(302);
      expect(response.headers.location).toBe('/sign-in');
    }
    const token = csrfTokenFrom((await agent.get('/sign-in/local').expect(200)).text);
    for (const [url, fields] of changes()) {
      const response = await agent
        .post(url)
        .type('form')
        .send({ _csrf: token, ...fields });
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe('/sign-in');
    }
    await registerUnchanged();
  });

  test('a provider lead is refused every register page and change', async () => {
    const agent = await signedInAgent(app, world.leadA.id);
    for (const url of [...readPages(), ...formPages()]) await agent.get(url).expect(403);
    for (const [url, fields] of changes()) expect((await post(agent, url, fields)).status).toBe(403);
    await registerUnchanged();
  });

  test('a viewer reads the register but cannot change it', async () => {
    const agent = await signedInAgent(app, world.viewer.id);
    const list = await agent.get('/providers').expect(200);
    expect(list.text).not.toContain('Add a provider');
    const page = await agent.get(providerUrl(world.providerA.id)).expect(200);
    expect(page.text).not.toContain('Deactivate this provider');
    expect(page.text).not.toContain('Add a contract');
    for (const url of formPages()) await agent.get(url).expect(403);
    for (const [url, fields] of changes()) expect((await post(agent, url, fields)).status).toBe(403);
    await registerUnchanged();
  });
});
