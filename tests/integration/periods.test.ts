import supertest from 'supertest';
import { openPeriod } from '../../src/periods/periods.service.js';
import type { CurrentUser } from '../../src/auth/current-user.js';
import { buildTestApp, csrfTokenFrom, postWithCsrf, signedInAgent, type Agent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createProvider,
  createProviderLead,
  createUser,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let cast: { admin: string; manager: string; viewer: string; lead: string };
let frameworks: { ais: string; eds: string };

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db);
  const provider = await createProvider(db.prisma);
  cast = {
    admin: (await createUser(db.prisma, { role: 'admin' })).id,
    manager: (await createUser(db.prisma, { role: 'contract_manager' })).id,
    viewer: (await createUser(db.prisma, { role: 'viewer' })).id,
    lead: (await createProviderLead(db.prisma, provider.id)).id,
  };
  frameworks = await frameworkIds(db);
});
afterAll(async () => {
  await db.drop();
});

async function frameworkIds(database: TestDatabase): Promise<{ ais: string; eds: string }> {
  const rows = await database.prisma.framework.findMany();
  const id = (code: string) => rows.find((row) => row.code === code)?.id ?? '';
  return { ais: id('AIS'), eds: id('EDS') };
}

const post = postWithCsrf;

async function addPeriod(agent: Agent, label: string): Promise<string> {
  const response = await post(agent, '/periods/new', { label });
  expect(response.status).toBe(302);
  return (await db.prisma.reportingPeriod.findUniqueOrThrow({ where: { label } })).id;
}

function dueDateFields(day: string, month: string, year: string) {
  return { 'dueDate-day': day, 'dueDate-month': month, 'dueDate-year': year };
}

describe('adding a reporting period', () => {
  test('derives the dates from the label and gives each standard its newest version and usual due date', async () => {
    const agent = await signedInAgent(app, cast.manager);
    const response = await post(agent, '/periods/new', { label: ' 2031/32 ' });
    expect(response.status).toBe(302);
    const period = await db.prisma.reportingPeriod.findUniqueOrThrow({
      where: { label: '2031/32' },
      include: { standards: { include: { framework: true, frameworkVersion: true } } },
    });
    expect(response.headers.location).toBe(`/periods/${period.id}`);
    expect(period.startDate).toEqual(new Date('2031-04-01'));
    expect(period.endDate).toEqual(new Date('2032-03-31'));
    const standards = Object.fromEntries(
      period.standards.map((standard) => [
        standard.framework.code,
        [standard.frameworkVersion.code, standard.dueDate.toISOString().slice(0, 10)],
      ]),
    );
    // AIS 2025 has a publication date and AIS 2016 none; EDS 2022 outranks EDS2 by its code.
    expect(standards).toEqual({ AIS: ['2025', '2032-03-31'], EDS: ['2022', '2032-02-28'] });

    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: period.id, action: 'period.created' },
    });
    expect(event.actorId).toBe(cast.manager);
    expect(event.after).toEqual({
      label: '2031/32',
      startDate: '2031-04-01',
      endDate: '2032-03-31',
      standards: [
        { framework: 'AIS', version: '2025', dueDate: '2032-03-31' },
        { framework: 'EDS', version: '2022', dueDate: '2032-02-28' },
      ],
    });

    const page = await agent.get(`/periods/${period.id}`).expect(200);
    expect(page.text).toContain('Reporting period 2031/32');
    expect(page.text).toContain('From 1 April 2031 to 31 March 2032.');
    expect(page.text).toContain('Accessible Information Standard (2025), due 31 March 2032');
    expect(page.text).toContain('EDS 2022, due 28 February 2032');
    // Each version's due rule says whether it is a national date (issue 14).
    expect(page.text).toContain(
      'Accessible Information Standard (2025): Usually due 31 March. This is the national reporting date.',
    );
    expect(page.text).toMatch(
      /EDS 2022: Usually due 28 February\. There is no national reporting date for this version: this is a local date the commissioner sets\. Not yet confirmed/,
    );
    expect(page.text).toContain('Open this period');
    const list = await agent.get('/periods').expect(200);
    expect(list.text).toContain('2031/32');
    expect(list.text).toMatch(/nhsuk-tag--grey">Not opened</);
  });

  test.each([
    ['', 'Enter the financial year'],
    ['2026-27', 'Financial year must be in the format 2026/27'],
    ['2026/2027', 'Financial year must be in the format 2026/27'],
    ['2026/28', 'The second year must be the year after the first, for example 2026/27'],
  ])('"%s" is refused: %s', async (label, message) => {
    const agent = await signedInAgent(app, cast.admin);
    const response = await post(agent, '/periods/new', { label });
    expect(response.status).toBe(400);
    expect(response.text).toContain('<title>Error: Add a reporting period');
    expect(response.text).toContain(`<a href="#label">${message}</a>`);
    expect(response.text).toContain(`value="${label}"`);
  });

  test('a period that already exists is a field error', async () => {
    const agent = await signedInAgent(app, cast.admin);
    await addPeriod(agent, '2032/33');
    const response = await post(agent, '/periods/new', { label: '2032/33' });
    expect(response.status).toBe(400);
    expect(response.text).toContain('<a href="#label">Reporting period 2032/33 already exists</a>');
    expect(await db.prisma.reportingPeriod.count({ where: { label: '2032/33' } })).toBe(1);
  });
});

describe("changing a period's standard before it opens", () => {
  test('the version and due date can be changed, and the change is recorded', async () => {
    const agent = await signedInAgent(app, cast.manager);
    const periodId = await addPeriod(agent, '2033/34');
    const url = `/periods/${periodId}/standards/${frameworks.eds}`;
    const eds2 = await frameworkVersion(db.prisma, 'EDS', '2');
    const eds2022 = await frameworkVersion(db.prisma, 'EDS', '2022');
    const form = await agent.get(url).expect(200);
    expect(form.text).toContain(`value="${eds2022.id}" checked`);
    expect(form.text).toContain(
      'id="dueDate-day" name="dueDate-day" type="text" inputmode="numeric" value="28"',
    );
    expect(form.text).toContain('Usually due 28 February. There is no national reporting date');

    const response = await post(agent, url, {
      frameworkVersionId: eds2.id,
      ...dueDateFields('31', '1', '2034'),
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`/periods/${periodId}`);
    const standard = await db.prisma.periodStandard.findUniqueOrThrow({
      where: { periodId_frameworkId: { periodId, frameworkId: frameworks.eds } },
    });
    expect(standard).toMatchObject({ frameworkVersionId: eds2.id, dueDate: new Date('2034-01-31') });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: periodId, action: 'period.standard_changed' },
    });
    expect(event.before).toEqual({ framework: 'EDS', version: '2022', dueDate: '2034-02-28' });
    expect(event.after).toEqual({ framework: 'EDS', version: '2', dueDate: '2034-01-31' });
  });

  test('refused changes keep the input and change nothing', async () => {
    const agent = await signedInAgent(app, cast.manager);
    const periodId = await addPeriod(agent, '2034/35');
    const url = `/periods/${periodId}/standards/${frameworks.eds}`;
    const eds2 = await frameworkVersion(db.prisma, 'EDS', '2');
    const ais2025 = await frameworkVersion(db.prisma, 'AIS', '2025');

    const notReal = await post(agent, url, {
      frameworkVersionId: eds2.id,
      ...dueDateFields('30', '2', '2035'),
    });
    expect(notReal.status).toBe(400);
    expect(notReal.text).toContain('<a href="#dueDate-day">Due date must be a real date</a>');
    expect(notReal.text).toContain(`value="${eds2.id}" checked`);
    expect(notReal.text).toContain('name="dueDate-day" type="text" inputmode="numeric" value="30"');

    const tooEarly = await post(agent, url, {
      frameworkVersionId: eds2.id,
      ...dueDateFields('31', '3', '2034'),
    });
    expect(tooEarly.status).toBe(400);
    expect(tooEarly.text).toContain('Due date must be on or after the start of the period, 1 April 2034');

    const otherStandard = await post(agent, url, {
      frameworkVersionId: ais2025.id,
      ...dueDateFields('28', '2', '2035'),
    });
    expect(otherStandard.status).toBe(400);
    expect(otherStandard.text).toContain(
      '<a href="#frameworkVersionId">Select the version to report against</a>',
    );

    const nothing = await post(agent, url, {});
    expect(nothing.status).toBe(400);
    expect(nothing.text).toContain('Select the version to report against');
    expect(nothing.text).toContain('Enter due date');

    const standard = await db.prisma.periodStandard.findUniqueOrThrow({
      where: { periodId_frameworkId: { periodId, frameworkId: frameworks.eds } },
      include: { frameworkVersion: true },
    });
    expect(standard.frameworkVersion.code).toBe('2022');
    expect(standard.dueDate).toEqual(new Date('2035-02-28'));
  });
});

describe('AIS 2016 due rule', () => {
  test('the standard page says AIS 2016 had no national reporting date', async () => {
    const agent = await signedInAgent(app, cast.manager);
    const periodId = await addPeriod(agent, '2035/36');
    const form = await agent.get(`/periods/${periodId}/standards/${frameworks.ais}`).expect(200);
    const ais2016 = form.text.slice(form.text.indexOf('Accessible Information Standard (2016)'));
    expect(ais2016).toMatch(
      /^Accessible Information Standard \(2016\)[\s\S]*?Usually due 31 March\. There is no national reporting date for this version/,
    );
  });
});

describe('opening a period', () => {
  // A database of its own, so the contracts in force are exactly the ones made here.
  let openDb: TestDatabase;
  let openApp: ReturnType<typeof buildTestApp>;
  let manager: CurrentUser;
  let openFrameworks: { ais: string; eds: string };
  let contracts: Record<'both' | 'edsOnly' | 'inactiveProvider' | 'ended' | 'future', { id: string }>;

  beforeAll(async () => {
    openDb = await createTestDatabase();
    await importTestStandards(openDb.prisma);
    openFrameworks = await frameworkIds(openDb);
    openApp = buildTestApp(openDb);
    const user = await createUser(openDb.prisma, { role: 'contract_manager' });
    manager = { ...user, providerIds: [], leadProviderIds: [] };
    const active = await createProvider(openDb.prisma, { name: 'Open Trust' });
    const other = await createProvider(openDb.prisma, { name: 'Other Trust' });
    const inactive = await createProvider(openDb.prisma, { name: 'Gone Trust', active: false });
    const only = (frameworkId: string) => ({ standards: { create: [{ frameworkId }] } });
    contracts = {
      both: await createContract(openDb.prisma, active.id, user.id),
      edsOnly: await createContract(openDb.prisma, other.id, user.id, {
        startDate: new Date('2026-06-01'),
        endDate: new Date('2028-03-31'),
        ...only(openFrameworks.eds),
      }),
      inactiveProvider: await createContract(openDb.prisma, inactive.id, user.id),
      ended: await createContract(openDb.prisma, active.id, user.id, { endDate: new Date('2026-03-31') }),
      future: await createContract(openDb.prisma, other.id, user.id, { startDate: new Date('2027-04-01') }),
    };
  });
  afterAll(async () => {
    await openDb.drop();
  });

  test('creates one return per contract in force and standard, with empty responses, once', async () => {
    const agent = await signedInAgent(openApp, manager.id);
    const create = await post(agent, '/periods/new', { label: '2026/27' });
    const periodId = String(create.headers.location).split('/').pop() ?? '';
    const ais = await frameworkVersion(openDb.prisma, 'AIS', '2025');
    const eds = await frameworkVersion(openDb.prisma, 'EDS', '2022');

    const opened = await post(agent, `/periods/${periodId}/open`);
    expect(opened.status).toBe(302);
    expect(opened.headers.location).toBe(`/periods/${periodId}`);

    const returns = await openDb.prisma.return.findMany({
      where: { periodId },
      include: { responses: true },
      orderBy: { dueDate: 'asc' },
    });
    expect(
      returns.map((row) => [
        row.contractId,
        row.frameworkVersionId,
        row.status,
        row.dueDate,
        row.originalDueDate,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [contracts.both.id, ais.id, 'not_started', new Date('2027-03-31'), new Date('2027-03-31')],
        [contracts.both.id, eds.id, 'not_started', new Date('2027-02-28'), new Date('2027-02-28')],
        [contracts.edsOnly.id, eds.id, 'not_started', new Date('2027-02-28'), new Date('2027-02-28')],
      ]),
    );
    expect(returns).toHaveLength(3);
    const requirementCount = async (versionId: string) =>
      openDb.prisma.requirement.count({ where: { frameworkVersionId: versionId } });
    for (const row of returns) {
      expect(row.responses).toHaveLength(await requirementCount(row.frameworkVersionId));
      for (const response of row.responses) {
        expect(response).toMatchObject({
          ratingLevelId: null,
          narrative: '',
          carriedForward: false,
        });
      }
    }
    const responsesCreated = (await requirementCount(ais.id)) + 2 * (await requirementCount(eds.id));

    // Opening again creates nothing and records nothing.
    expect((await post(agent, `/periods/${periodId}/open`)).status).toBe(302);
    expect(await openDb.prisma.return.count({ where: { periodId } })).toBe(3);
    const events = await openDb.prisma.auditEvent.findMany({
      where: { entityId: periodId, action: 'period.opened' },
    });
    expect(events).toHaveLength(1);
    expect(events[0]?.actorId).toBe(manager.id);
    expect(events[0]?.before).toEqual({ returns: 0 });
    expect(events[0]?.after).toEqual({
      returns: 3,
      returnsCreated: 3,
      responsesCreated,
      byStandard: { AIS: 1, EDS: 2 },
    });

    const page = await agent.get(`/periods/${periodId}`).expect(200);
    const counts =
      /Number of returns in each status<\/caption>([\s\S]*?)<\/table>/.exec(page.text)?.[1] ?? '';
    expect(counts.replace(/\s+/g, ' ')).toContain(
      'Not started</strong> </th> <td class="nhsuk-table__cell nhsuk-table__cell--numeric"> 3 </td>',
    );
    expect(counts.replace(/\s+/g, ' ')).toContain(
      'Accepted</strong> </th> <td class="nhsuk-table__cell nhsuk-table__cell--numeric"> 0 </td>',
    );
    expect(page.text).toContain('Open Trust: EDS 2022');
    expect(page.text).toContain('Create returns for new contracts');
    expect(page.text).not.toContain('Open this period');
  });

  test('after opening, the standards are fixed; reopening creates only the missing returns', async () => {
    const agent = await signedInAgent(openApp, manager.id);
    const create = await post(agent, '/periods/new', { label: '2027/28' });
    const periodId = String(create.headers.location).split('/').pop() ?? '';
    await post(agent, `/periods/${periodId}/open`);
    const firstCount = await openDb.prisma.return.count({ where: { periodId } });

    const standardUrl = `/periods/${periodId}/standards/${openFrameworks.ais}`;
    const refused = await agent.get(standardUrl).expect(409);
    expect(refused.text).toContain('Reporting period 2027/28 has been opened');
    const ais2016 = await frameworkVersion(openDb.prisma, 'AIS', '2016');
    expect(
      (await post(agent, standardUrl, { frameworkVersionId: ais2016.id, ...dueDateFields('1', '3', '2028') }))
        .status,
    ).toBe(409);
    const standard = await openDb.prisma.periodStandard.findUniqueOrThrow({
      where: { periodId_frameworkId: { periodId, frameworkId: openFrameworks.ais } },
    });
    expect(standard.dueDate).toEqual(new Date('2028-03-31'));

    const newcomer = await createProvider(openDb.prisma, { name: 'Newcomer Practice' });
    const added = await createContract(openDb.prisma, newcomer.id, manager.id, {
      standards: { create: [{ frameworkId: openFrameworks.ais }] },
    });
    await post(agent, `/periods/${periodId}/open`);
    const returns = await openDb.prisma.return.findMany({ where: { periodId } });
    expect(returns).toHaveLength(firstCount + 1);
    expect(returns.filter((row) => row.contractId === added.id)).toHaveLength(1);
    const events = await openDb.prisma.auditEvent.findMany({
      where: { entityId: periodId, action: 'period.opened' },
      orderBy: { id: 'asc' },
    });
    expect(events.map((event) => (event.after as { returnsCreated: number }).returnsCreated)).toEqual([
      firstCount,
      1,
    ]);
  });

  test('two people opening at once create each return once', async () => {
    const agent = await signedInAgent(openApp, manager.id);
    const create = await post(agent, '/periods/new', { label: '2028/29' });
    const periodId = String(create.headers.location).split('/').pop() ?? '';
    const results = await Promise.all([
      openPeriod(openDb.prisma, manager, periodId),
      openPeriod(openDb.prisma, manager, periodId),
    ]);
    const total = await openDb.prisma.return.count({ where: { periodId } });
    expect(total).toBeGreaterThan(0);
    expect(results.map((result) => result.returnsCreated).sort()).toEqual([0, total]);
  });
});

describe('who may use reporting periods', () => {
  let periodId: string;
  beforeAll(async () => {
    const agent = await signedInAgent(app, cast.admin);
    periodId = await addPeriod(agent, '2040/41');
  });

  const readPages = () => ['/periods', `/periods/${periodId}`];
  const formPages = () => ['/periods/new', `/periods/${periodId}/standards/${frameworks.ais}`];
  const changes = () =>
    [
      ['/periods/new', { label: '2041/42' }],
      [
        `/periods/${periodId}/standards/${frameworks.ais}`,
        { frameworkVersionId: '', ...dueDateFields('1', '1', '2041') },
      ],
      [`/periods/${periodId}/open`, {}],
    ] as const;

  async function periodsUnchanged(): Promise<void> {
    expect(await db.prisma.reportingPeriod.count({ where: { label: '2041/42' } })).toBe(0);
    expect(await db.prisma.return.count({ where: { periodId } })).toBe(0);
    const standard = await db.prisma.periodStandard.findUniqueOrThrow({
      where: { periodId_frameworkId: { periodId, frameworkId: frameworks.ais } },
    });
    expect(standard.dueDate).toEqual(new Date('2041-03-31'));
  }

  test('anonymous visitors are sent to sign in', async () => {
    const agent = supertest.agent(app);
    for (const url of [...readPages(), ...formPages()]) {
      expect((await agent.get(url).expect(302)).headers.location).toBe('/sign-in');
    }
    const token = csrfTokenFrom((await agent.get('/sign-in/local').expect(200)).text);
    for (const [url, fields] of changes()) {
      const response = await agent
        .post(url)
        .type('form')
        .send({ _csrf: token, ...fields });
      expect(response.headers.location).toBe('/sign-in');
    }
    await periodsUnchanged();
  });

  test('a provider lead is refused every period page and change', async () => {
    const agent = await signedInAgent(app, cast.lead);
    for (const url of [...readPages(), ...formPages()]) await agent.get(url).expect(403);
    for (const [url, fields] of changes()) expect((await post(agent, url, fields)).status).toBe(403);
    await periodsUnchanged();
  });

  test('a viewer reads periods but cannot add, change or open one', async () => {
    const agent = await signedInAgent(app, cast.viewer);
    const list = await agent.get('/periods').expect(200);
    expect(list.text).toContain('2040/41');
    expect(list.text).not.toContain('Add a reporting period');
    const page = await agent.get(`/periods/${periodId}`).expect(200);
    expect(page.text).toContain('Returns by status');
    expect(page.text).not.toContain('Open this period');
    for (const url of formPages()) await agent.get(url).expect(403);
    for (const [url, fields] of changes()) expect((await post(agent, url, fields)).status).toBe(403);
    await periodsUnchanged();
  });
});
