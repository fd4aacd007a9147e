import ExcelJS from 'exceljs';
import supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { TEMPLATE_HEADER } from '../../src/imports/register-file.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, testConfig, type Agent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import {
  createProvider,
  createTwoProviderWorld,
  createUser,
  importTestStandards,
} from '../support/fixtures.js';
import { linkInLatestEmail } from '../support/people.js';
import { csvFile, hasSharedStrings, savedXlsx, streamedXlsx, type Cell } from '../support/register-files.js';

// The register import through the real upload path: files built here (CSV, an XLSX saved as
// spreadsheet programs save, an XLSX from a streaming writer), previewed, confirmed and applied to a
// real PostgreSQL; every refusal stores nothing; only administrators and contract managers import.

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let manager: Agent;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
  manager = await signedInAgent(app, world.manager.id);
});
afterAll(async () => {
  await db.drop();
});

async function upload(agent: Agent, name: string, content: Buffer) {
  const page = await agent.get(paths.imports.register).expect(200);
  return agent
    .post(paths.imports.register)
    .field('_csrf', csrfTokenFrom(page.text))
    .attach('file', content, name);
}

/** Uploads a file that must be accepted; the preview page's HTML and the import's id. */
async function preview(agent: Agent, name: string, content: Buffer) {
  const response = await upload(agent, name, content);
  if (response.status !== 302)
    throw new Error(`upload answered ${String(response.status)}: ${response.text}`);
  const location = response.headers.location ?? '';
  const importId = location.split('/').pop() ?? '';
  const page = await agent.get(location).expect(200);
  return { importId, html: page.text, location };
}

async function confirm(agent: Agent, location: string, html: string) {
  const fingerprint = /name="fingerprint" value="([0-9a-f]{64})"/.exec(html)?.[1];
  if (!fingerprint) throw new Error('The preview offers no import');
  return agent
    .post(location)
    .type('form')
    .send({ _csrf: csrfTokenFrom(html), fingerprint })
    .expect(302);
}

/** Text of a page without tags, runs of white space as one space (what a reader sees). */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/\s+/g, ' ');

async function registerState() {
  return {
    providers: await db.prisma.provider.findMany({ orderBy: { odsCode: 'asc' } }),
    contracts: await db.prisma.contract.findMany({
      include: { standards: true },
      orderBy: { reference: 'asc' },
    }),
    users: await db.prisma.user.findMany({
      select: { id: true, email: true, displayName: true, role: true },
      orderBy: { email: 'asc' },
    }),
    memberships: await db.prisma.membership.findMany({ orderBy: [{ userId: 'asc' }, { providerId: 'asc' }] }),
    outbox: await db.prisma.outboxEmail.count(),
    imports: await db.prisma.registerImport.count(),
  };
}

/** The template's columns without the provider profile ones (those have a test of their own). */
const HEADER: Cell[] = [
  'ODS code',
  'Provider name',
  'Provider type',
  'Contract reference',
  'Contract start date',
  'Contract end date',
  'Contract manager email',
  'Standards',
  'Lead 1 email',
  'Lead 1 name',
  'Lead 2 email',
  'Lead 2 name',
];

/** The rows with some cells replaced: [row index, column index, new value]. */
function withCells(rows: Cell[][], edits: [number, number, Cell][]): Cell[][] {
  return rows.map((row, r) =>
    row.map((cell, c) => {
      const edit = edits.find(([er, ec]) => er === r && ec === c);
      return edit ? edit[2] : cell;
    }),
  );
}

describe('templates', () => {
  test('the CSV template is the header row the import reads', async () => {
    const response = await manager.get(paths.imports.registerTemplateCsv).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.text.replace(/^\uFEFF/, '').trim()).toBe(TEMPLATE_HEADER.join(','));
  });

  test('the XLSX template has the header and a sheet explaining each column', async () => {
    const response = await manager
      .get(paths.imports.registerTemplateXlsx)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Uint8Array.from(response.body as Buffer).buffer);
    const [providers, notes] = workbook.worksheets;
    expect(providers?.getRow(1).values).toEqual([undefined, ...TEMPLATE_HEADER]);
    expect(notes?.getColumn(1).values).toContain('ODS code');
  });

  test('the downloaded XLSX template, filled in and uploaded, is read', async () => {
    const download = await manager
      .get(paths.imports.registerTemplateXlsx)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Uint8Array.from(download.body as Buffer).buffer);
    workbook.worksheets[0]?.addRow(['RT1', 'Template Trust', 'Acute trust']);
    const filled = Buffer.from(await workbook.xlsx.writeBuffer());
    const { html } = await preview(manager, 'template.xlsx', filled);
    expect(textOf(html)).toContain('New provider: Template Trust, Acute trust');
  });
});

describe('a register imported, re-imported and edited', () => {
  const rows = (): Cell[][] => [
    HEADER,
    [
      'RX1',
      'Riverside Hospitals NHS Trust',
      'Acute trust',
      'ICB-IMP-1',
      new Date('2026-04-01'),
      new Date('2029-03-31'),
      world.manager.email,
      'AIS; EDS',
      'rita.lead@example.nhs.uk',
      'Rita Lead',
      'sam.second@example.nhs.uk',
      '',
    ],
    [
      'rx2',
      'Hilltop Care Home',
      'care home',
      'ICB-IMP-2',
      new Date('2026-04-01'),
      null,
      world.manager.email,
      'AIS',
      'rita.lead@example.nhs.uk',
      'Rita Lead',
      '',
      '',
    ],
    [world.providerA.odsCode, world.providerA.name, 'Acute trust', '', '', '', '', '', '', '', '', ''],
  ];

  test('the preview says what each row adds, and nothing is written until it is confirmed', async () => {
    const file = await savedXlsx(rows());
    expect(hasSharedStrings(file)).toBe(true);
    const before = await registerState();
    const { importId, html, location } = await preview(manager, 'Register.xlsx', file);
    const text = textOf(html);
    expect(text).toContain('2 new, 0 changed, 1 unchanged, 0 with errors');
    expect(text).toContain('New provider: Riverside Hospitals NHS Trust, Acute trust');
    expect(text).toContain('New contract ICB-IMP-1 from 1 April 2026');
    expect(text).toContain('Invite rita.lead@example.nhs.uk as a lead');
    expect(text).toContain('Invite sam.second@example.nhs.uk as a lead');
    // Provider B is on the register and not in the file: listed, with a way to deactivate it.
    expect(text).toContain(`${world.providerB.name} (${world.providerB.odsCode})`);
    expect(html).toContain(pathTo(paths.providers.deactivate, { providerId: world.providerB.id }));
    expect({ ...(await registerState()), imports: before.imports }).toEqual(before);

    await confirm(manager, location, html);
    const riverside = await db.prisma.provider.findUniqueOrThrow({
      where: { odsCode: 'RX1' },
      include: { contracts: { include: { standards: { include: { framework: true } } } } },
    });
    expect(riverside).toMatchObject({
      name: 'Riverside Hospitals NHS Trust',
      type: 'acute_trust',
      active: true,
    });
    expect(riverside.contracts).toHaveLength(1);
    expect(riverside.contracts[0]).toMatchObject({
      reference: 'ICB-IMP-1',
      startDate: new Date('2026-04-01'),
      endDate: new Date('2029-03-31'),
      contractManagerId: world.manager.id,
    });
    expect(riverside.contracts[0]?.standards.map((s) => s.framework.code).sort()).toEqual(['AIS', 'EDS']);
    const hilltop = await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'RX2' } });
    expect(hilltop.type).toBe('care_home');

    // Rita leads both providers: one account, two memberships, one invitation.
    const rita = await db.prisma.user.findUniqueOrThrow({
      where: { email: 'rita.lead@example.nhs.uk' },
      include: { memberships: true },
    });
    expect(rita).toMatchObject({
      role: 'provider_lead',
      displayName: 'Rita Lead',
      signInMethod: 'microsoft',
    });
    expect(rita.memberships.map((m) => m.providerId).sort()).toEqual([riverside.id, hilltop.id].sort());
    expect(rita.memberships.every((m) => m.role === 'lead')).toBe(true);
    expect(await db.prisma.outboxEmail.count({ where: { toAddress: rita.email } })).toBe(1);
    const sam = await db.prisma.user.findUniqueOrThrow({ where: { email: 'sam.second@example.nhs.uk' } });
    expect(sam.displayName).toBe('sam.second@example.nhs.uk');
    // The invitation works as one sent from the invite page does.
    const invitation = await supertest
      .agent(app)
      .get(await linkInLatestEmail(db, sam.email))
      .expect(200);
    expect(textOf(invitation.text)).toContain('Riverside Hospitals NHS Trust');

    // One audit event for the import: who, when, the file's hash, the counts.
    const audit = await db.prisma.auditEvent.findMany({
      where: { action: 'register.imported', entityId: importId },
    });
    expect(audit).toHaveLength(1);
    const record = await db.prisma.registerImport.findUniqueOrThrow({ where: { id: importId } });
    expect(audit[0]?.actorId).toBe(world.manager.id);
    expect(audit[0]?.after).toMatchObject({
      fileSha256: record.fileSha256,
      counts: { providersCreated: 2, contractsCreated: 2, leadsAdded: 3 },
    });
    expect(record.status).toBe('applied');

    // The page now says what was done; confirming again changes nothing.
    const done = await manager.get(location).expect(200);
    expect(textOf(done.text)).toContain('2 added, 0 changed');
    const after = await registerState();
    await manager
      .post(location)
      .type('form')
      .send({ _csrf: csrfTokenFrom(html), fingerprint: 'a'.repeat(64) });
    expect(await registerState()).toEqual(after);
  });

  test('importing the same file again changes nothing', async () => {
    const before = await registerState();
    const { html } = await preview(manager, 'Register again.xlsx', await streamedXlsx(rows()));
    const text = textOf(html);
    expect(text).toContain('0 new, 0 changed, 3 unchanged, 0 with errors');
    expect(text).toContain('There is nothing to import');
    expect(html).not.toContain('name="fingerprint"');
    expect({ ...(await registerState()), imports: before.imports }).toEqual(before);
  });

  test('an edited file updates by ODS code and contract reference, saying what changes', async () => {
    const edited = withCells(rows(), [
      [1, 1, 'Riverside University Hospitals NHS Trust'],
      [1, 5, new Date('2030-03-31')],
      [1, 7, 'AIS'],
    ]);
    const { html, location } = await preview(manager, 'Edited.csv', csvFile(edited));
    const text = textOf(html);
    expect(text).toContain('0 new, 1 changed, 2 unchanged');
    expect(text).toContain(
      'Name: Riverside Hospitals NHS Trust becomes Riverside University Hospitals NHS Trust',
    );
    expect(text).toContain(
      'Contract ICB-IMP-1: end date 31 March 2029 becomes 31 March 2030; standards AIS, EDS become AIS',
    );
    await confirm(manager, location, html);
    const contract = await db.prisma.contract.findUniqueOrThrow({
      where: { reference: 'ICB-IMP-1' },
      include: { provider: true, standards: true },
    });
    expect(contract.provider.name).toBe('Riverside University Hospitals NHS Trust');
    expect(contract.endDate).toEqual(new Date('2030-03-31'));
    expect(contract.standards).toHaveLength(1);
    expect(await db.prisma.contract.count({ where: { reference: { startsWith: 'ICB-IMP-' } } })).toBe(2);
  });

  test('a register changed after the preview is not overwritten: the preview is shown afresh', async () => {
    const edited = withCells(rows(), [[2, 1, 'Hilltop House']]);
    const { html, location } = await preview(manager, 'Later.csv', csvFile(edited));
    await db.prisma.provider.update({ where: { odsCode: 'RX2' }, data: { type: 'hospice' } });
    const before = await registerState();
    const response = await confirm(manager, location, html);
    expect(response.headers.location).toBe(`${location}?done=register-changed`);
    expect(await registerState()).toEqual(before);
    const again = textOf((await manager.get(response.headers.location ?? '').expect(200)).text);
    expect(again).toContain('The register changed after this preview was made');
    expect(again).toContain('Type: Hospice becomes Care home');
  });
});

describe('rows with errors', () => {
  test('each refused row says why, with its row number, and the other rows are still previewed', async () => {
    const staff = await createUser(db.prisma, { role: 'viewer', email: 'viv.staff@example.nhs.uk' });
    const { html, location } = await preview(
      manager,
      'Errors.csv',
      csvFile([
        [
          'ods_code',
          'PROVIDER NAME',
          'Type',
          'Contract Ref',
          'Start',
          'End',
          'Contract manager',
          'Standards',
          'Lead email',
          'Notes',
        ],
        ['E1', 'Too Short Code', 'Acute trust', '', '', '', '', '', '', ''],
        [
          'EX0002',
          '=HYPERLINK("http://evil.example","Click")',
          'GP practice',
          '',
          '',
          '',
          '',
          '',
          '',
          'kept out',
        ],
        ['EX0003', 'Duplicate One', 'GP practice', '', '', '', '', '', '', ''],
        ['EX0003', 'Duplicate Two', 'GP practice', '', '', '', '', '', '', ''],
        [
          'EX0005',
          'Unknown Manager',
          'Hospice',
          'ICB-E-5',
          '01/04/2026',
          '',
          'nobody@example.nhs.uk',
          'AIS',
          '',
          '',
        ],
        ['EX0006', 'Bad Date', 'Hospice', 'ICB-E-6', '31/02/2026', '', world.manager.email, 'AIS', '', ''],
        [
          'EX0007',
          'Unknown Standard',
          'Hospice',
          'ICB-E-7',
          '2026-04-01',
          '',
          world.manager.email,
          'WRES',
          '',
          '',
        ],
        ['EX0008', 'Bad Email', 'Hospice', '', '', '', '', '', 'not-an-email', ''],
        ['EX0009', 'Staff Lead', 'Hospice', '', '', '', '', '', staff.email, ''],
        [
          'EX0010',
          'Same Ref One',
          'Hospice',
          'ICB-DUP',
          '2026-04-01',
          '',
          world.manager.email,
          'AIS',
          '',
          '',
        ],
        [
          'EX0011',
          'Same Ref Two',
          'Hospice',
          'icb-dup',
          '2026-04-01',
          '',
          world.manager.email,
          'AIS',
          '',
          '',
        ],
        ['EX0012', 'Not A Type', 'Spaceport', '', '', '', '', '', '', ''],
        [
          'EX0013',
          'Taken Contract',
          'Hospice',
          world.contractB.reference,
          '2026-04-01',
          '',
          world.manager.email,
          'AIS',
          '',
          '',
        ],
        [
          'EX0014',
          'Ends Early',
          'Hospice',
          'ICB-E-14',
          '2026-04-01',
          '2025-04-01',
          world.manager.email,
          'AIS',
          '',
          '',
        ],
        ['', '', '', '', '', '', '', '', '', ''],
        ['EX0016', 'Good Practice', 'gp_practice', '', '', '', '', '', '', ''],
      ]),
    );
    const text = textOf(html);
    expect(text).toContain('2 new, 0 changed, 0 unchanged, 13 with errors');
    for (const [row, reason] of [
      [2, 'ODS code must be 3 to 10 letters and numbers'],
      [4, 'ODS code EX0003 is on more than one row (rows 4, 5)'],
      [5, 'ODS code EX0003 is on more than one row (rows 4, 5)'],
      [6, 'nobody@example.nhs.uk is not a contract manager of this service'],
      [7, 'Contract start date "31/02/2026" is not a real date'],
      [8, '"WRES" is not a standard this service knows'],
      [9, 'Lead 1 email "not-an-email" is not an email address'],
      [10, 'viv.staff@example.nhs.uk belongs to a member of staff'],
      [11, 'Contract reference ICB-DUP is on more than one row (rows 11, 12)'],
      [12, 'Contract reference icb-dup is on more than one row (rows 11, 12)'],
      [13, 'Provider type "Spaceport" is not one of the types'],
      [
        14,
        `Contract ${world.contractB.reference} belongs to another provider (${world.providerB.name}, ${world.providerB.odsCode})`,
      ],
      [15, 'Contract end date must be the same as or after the start date'],
    ] as const) {
      expect(text).toMatch(
        new RegExp(`Row ${String(row)} ODS code .{0,80} Status Error Why ${escape(reason)}`),
      );
    }
    expect(text).toContain('These columns are not used: Notes.');
    // The formula-looking name is shown and kept as the text it is.
    expect(html).toContain('=HYPERLINK(&#34;http://evil.example&#34;,&#34;Click&#34;)');
    await confirm(manager, location, html);
    const kept = await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'EX0002' } });
    expect(kept.name).toBe('=HYPERLINK("http://evil.example","Click")');
    expect(
      await db.prisma.provider.count({ where: { odsCode: { in: ['EX0003', 'EX0005', 'EX0013'] } } }),
    ).toBe(0);
    expect(await db.prisma.provider.count({ where: { odsCode: 'EX0016' } })).toBe(1);
  });

  test('a CSV saved by an older spreadsheet program (Windows-1252) is read', async () => {
    const text = `ODS code,Provider name,Provider type\r\nWIN01,Caf\xe9 Court Care Home,Care home\r\n`;
    const { html } = await preview(manager, 'legacy.csv', Buffer.from(text, 'latin1'));
    expect(textOf(html)).toContain('New provider: Café Court Care Home, Care home');
  });
});

describe('the provider profile columns (sector, employees, turnover, year end, website, mental health)', () => {
  test('given facts are set, left-out ones kept, wrong ones refused; a new trust’s come from its type', async () => {
    await db.prisma.provider.update({
      where: { id: world.providerA.id },
      data: { sector: 'nhs_trust', headcountBand: null, website: 'https://alpha.example.nhs.uk' },
    });
    const { html, location } = await preview(
      manager,
      'Profiles.csv',
      csvFile([
        [
          'ODS code',
          'Provider name',
          'Provider type',
          'Sector',
          'Employees',
          'Annual turnover',
          'Financial year end',
          'Website',
          'Mental health services',
        ],
        [
          world.providerA.odsCode,
          world.providerA.name,
          'Acute trust',
          'NHS foundation trust',
          '300',
          '',
          '',
          '',
          'yes',
        ],
        [
          'PF1',
          'Profile Care Ltd',
          'Independent provider',
          '',
          'Fewer than 150 employees',
          '£12,000,000',
          '31/03',
          'www.profile-care.example',
          'No',
        ],
        ['PF2', 'Profile Trust', 'Mental health trust', '', '', '', '', '', ''],
        ['PF3', 'Wrong Facts', 'Hospice', 'Spaceport', 'lots', 'plenty', 'Someday', 'not a site', 'perhaps'],
      ]),
    );
    const text = textOf(html);
    expect(text).toContain('Sector: NHS trust becomes NHS foundation trust');
    expect(text).toContain('Employees: Not recorded becomes 250 to 999 employees');
    expect(text).toContain('Mental health services: Not recorded becomes Yes');
    for (const reason of [
      'Sector "Spaceport" is not one of the sectors',
      'Employees "lots" is not a number of employees or one of the bands',
      'Annual turnover "plenty" is not an amount in pounds or one of the bands',
      'Financial year end "Someday" is not a month',
      'Website "not a site" is not a web address',
      'Mental health services "perhaps" must be Yes or No',
    ]) {
      expect(text).toContain(reason);
    }
    await confirm(manager, location, html);
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { id: world.providerA.id } })).toMatchObject({
      sector: 'nhs_foundation_trust',
      headcountBand: 'from_250_to_999',
      website: 'https://alpha.example.nhs.uk',
      providesMentalHealthServices: true,
    });
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'PF1' } })).toMatchObject({
      sector: 'independent',
      headcountBand: 'under_150',
      turnoverBand: 'from_10m_to_under_36m',
      financialYearEndMonth: 3,
      website: 'https://www.profile-care.example',
      providesMentalHealthServices: false,
    });
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'PF2' } })).toMatchObject({
      sector: 'nhs_trust',
      financialYearEndMonth: 3,
      providesMentalHealthServices: true,
    });
    expect(await db.prisma.provider.count({ where: { odsCode: 'PF3' } })).toBe(0);
  });
});

describe('NHS England organisation data files (ODS)', () => {
  /** A row in ODS's standard layout: 27 columns, no header. */
  const odsRow = (code: string, name: string, extra: Record<number, string> = {}): Cell[] =>
    Array.from({ length: 27 }, (_unused, index) => {
      const column = index + 1;
      if (extra[column] !== undefined) return extra[column];
      return (
        {
          1: code,
          2: name,
          3: 'Y56',
          4: 'Q71',
          5: '1 HOSPITAL ROAD',
          8: 'LEEDS',
          10: 'LS1 3EX',
          11: '20010401',
          22: '0',
        }[column] ?? ''
      );
    });

  async function uploadOds(agent: Agent, fields: Record<string, string>, name: string, content: Buffer) {
    const page = await agent.get(paths.imports.ods).expect(200);
    let request = agent.post(paths.imports.ods).field('_csrf', csrfTokenFrom(page.text));
    for (const [field, value] of Object.entries(fields)) request = request.field(field, value);
    return request.attach('file', content, name);
  }

  test('the trusts file updates names of providers on the register; types stay; closed and others left out', async () => {
    const trust = await db.prisma.provider.create({
      data: { odsCode: 'RODS1', name: 'Old Name Trust', type: 'mental_health_trust' },
    });
    const file = csvFile([
      odsRow('RODS1', "ST MARY'S MENTAL HEALTH AND COMMUNITY NHS FOUNDATION TRUST"),
      odsRow('RODS2', 'NORTH WEST AMBULANCE SERVICE NHS TRUST'),
      odsRow('RODS3', 'CLOSED HOSPITALS NHS TRUST', { 12: '20200331' }),
    ]);
    const response = await uploadOds(manager, { fileKind: 'trusts' }, 'etr.csv', file);
    expect(response.status).toBe(302);
    const location = response.headers.location ?? '';
    const html = (await manager.get(location).expect(200)).text;
    const text = textOf(html);
    expect(text).toContain('1 closed organisations and 1 not on the register are left out');
    expect(text).toContain(
      "Name: Old Name Trust becomes St Mary's Mental Health and Community NHS Foundation Trust",
    );
    expect(text).not.toContain('Providers not in the file');
    await confirm(manager, location, html);
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { id: trust.id } })).toMatchObject({
      name: "St Mary's Mental Health and Community NHS Foundation Trust",
      type: 'mental_health_trust',
    });
    expect(await db.prisma.provider.count({ where: { odsCode: { in: ['RODS2', 'RODS3'] } } })).toBe(0);

    // Asked to, it adds the open ones, typed from the role and the name (data/ods/role-codes.json).
    const adding = await uploadOds(manager, { fileKind: 'trusts', addNew: 'yes' }, 'etr.csv', file);
    const addingPage = (await manager.get(adding.headers.location ?? '').expect(200)).text;
    await confirm(manager, adding.headers.location ?? '', addingPage);
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'RODS2' } })).toMatchObject({
      name: 'North West Ambulance Service NHS Trust',
      type: 'ambulance_trust',
    });
  });

  test('the GP practices file: open GP practices only, typed as GP practices', async () => {
    const file = csvFile([
      odsRow('B86001', 'THE PARK SURGERY', { 13: 'A', 26: '4' }),
      odsRow('B86002', 'OLD SURGERY', { 13: 'C', 26: '4' }),
      odsRow('Y01234', 'OUT OF HOURS SERVICE', { 13: 'A', 26: '0' }),
    ]);
    const response = await uploadOds(
      manager,
      { fileKind: 'gp-practices', addNew: 'yes' },
      'epraccur.csv',
      file,
    );
    const location = response.headers.location ?? '';
    const html = (await manager.get(location).expect(200)).text;
    expect(textOf(html)).toContain(
      '1 closed organisations, 1 that are not GP practices and 0 not on the register',
    );
    await confirm(manager, location, html);
    expect(await db.prisma.provider.findUniqueOrThrow({ where: { odsCode: 'B86001' } })).toMatchObject({
      name: 'The Park Surgery',
      type: 'gp_practice',
    });
    expect(await db.prisma.provider.count({ where: { odsCode: { in: ['B86002', 'Y01234'] } } })).toBe(0);
  });

  test.each([
    [
      'no file kind chosen',
      {},
      'etr.csv',
      () => csvFile([odsRow('RZZ1', 'A TRUST')]),
      'Select which ODS file this is',
    ],
    [
      'a header row',
      { fileKind: 'trusts' },
      'etr.csv',
      () => csvFile([['Organisation code', 'Name'], odsRow('RZZ1', 'A TRUST')]),
      'The file has a header row',
    ],
    [
      'a workbook',
      { fileKind: 'trusts' },
      'etr.xlsx',
      () => pdfFile(),
      'The file must be the ODS data file as CSV',
    ],
    [
      'too few columns',
      { fileKind: 'trusts' },
      'etr.csv',
      () => csvFile([['RZZ1', 'A TRUST']]),
      'is not in ODS’s layout',
    ],
  ])('refused: %s', async (_what, fields, name, content, reason) => {
    const before = await registerState();
    const response = await uploadOds(manager, fields, name, content());
    expect(response.status).toBe(400);
    expect(textOf(response.text)).toContain(reason);
    expect(response.text).toMatch(/<title>Error: /);
    expect(await registerState()).toEqual(before);
  });

  test('only administrators and contract managers', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    await lead.get(paths.imports.ods).expect(403);
    const viewer = await signedInAgent(app, world.viewer.id);
    await viewer.get(paths.imports.ods).expect(403);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('files refused whole, storing nothing', () => {
  const valid = () =>
    csvFile([HEADER, ['RF1', 'Refusal Trust', 'Acute trust', '', '', '', '', '', '', '', '', '']]);

  test.each([
    [
      'a PDF named .csv',
      'register.csv',
      () => pdfFile(),
      'The file must be a CSV file (.csv) or an Excel workbook (.xlsx)',
    ],
    [
      'a PDF',
      'register.pdf',
      () => pdfFile(),
      'The file must be a CSV file (.csv) or an Excel workbook (.xlsx)',
    ],
    [
      'text named .xlsx',
      'register.xlsx',
      valid,
      'The file must be a CSV file (.csv) or an Excel workbook (.xlsx)',
    ],
    [
      'a damaged workbook',
      'register.xlsx',
      () => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 1)]),
      'could not be read as an Excel workbook',
    ],
    [
      'a file without the ODS code column',
      'register.csv',
      () =>
        csvFile([
          ['Name', 'Type'],
          ['A', 'Hospice'],
        ]),
      'The file has no "ODS code" column',
    ],
    ['an empty file', 'register.csv', () => Buffer.from('\r\n\r\n'), 'The file is empty'],
    ['a header and no rows', 'register.csv', () => csvFile([HEADER]), 'The file has no rows of providers'],
    [
      'broken quoting',
      'register.csv',
      () => Buffer.from('ODS code,Provider name,Provider type\r\n"RF1,Oops,Hospice\r\n'),
      'could not be read as CSV',
    ],
  ])('%s', async (_what, name, content, reason) => {
    const before = await registerState();
    const response = await upload(manager, name, content());
    expect(response.status).toBe(400);
    expect(textOf(response.text)).toContain(reason);
    expect(response.text).toContain('nhsuk-error-summary');
    expect(response.text).toMatch(/<title>Error: /);
    expect(await registerState()).toEqual(before);
  });

  test('no file chosen', async () => {
    const page = await manager.get(paths.imports.register).expect(200);
    const response = await manager.post(paths.imports.register).field('_csrf', csrfTokenFrom(page.text));
    expect(response.status).toBe(400);
    expect(textOf(response.text)).toContain('Select a CSV or Excel file to import');
  });

  test('a file over the size limit, and one with more rows than allowed', async () => {
    const small = buildTestApp(db, {
      config: testConfig({ IMPORT_MAX_BYTES: '2048', IMPORT_MAX_ROWS: '2' }),
    });
    const agent = await signedInAgent(small, world.manager.id);
    const before = await registerState();
    const tooLarge = await upload(agent, 'big.csv', Buffer.concat([valid(), Buffer.alloc(4096, 0x20)]));
    expect(tooLarge.status).toBe(413);
    expect(textOf(tooLarge.text)).toContain('The file must be smaller than 2 KB');
    const threeRows = csvFile([
      HEADER,
      ['RM1', 'One', 'Hospice'],
      ['RM2', 'Two', 'Hospice'],
      ['RM3', 'Three', 'Hospice'],
    ]);
    const tooMany = await upload(agent, 'many.csv', threeRows);
    expect(tooMany.status).toBe(400);
    expect(textOf(tooMany.text)).toContain('The file has more than 2 rows of providers');
    expect(await registerState()).toEqual(before);
  });
});

describe('who may import', () => {
  test('administrators and contract managers; nobody else sees the pages or can upload', async () => {
    const { location } = await preview(
      manager,
      'access.csv',
      csvFile([HEADER, ['RA1', 'Access Trust', 'Acute trust']]),
    );
    const admin = await signedInAgent(app, world.admin.id);
    await admin.get(paths.imports.register).expect(200);
    await admin.get(location).expect(200);
    const before = await registerState();
    for (const userId of [world.viewer.id, world.leadA.id, world.leadB.id]) {
      const agent = await signedInAgent(app, userId);
      for (const url of [
        paths.imports.register,
        paths.imports.registerTemplateCsv,
        paths.imports.registerTemplateXlsx,
        location,
      ]) {
        await agent.get(url).expect(403);
      }
      const home = await agent.get(paths.home).expect(200);
      await agent
        .post(paths.imports.register)
        .field('_csrf', csrfTokenFrom(home.text))
        .attach('file', csvFile([HEADER, ['RA2', 'Sneaky', 'Acute trust']]), 'sneaky.csv')
        .expect(403);
      await agent
        .post(location)
        .type('form')
        .send({ _csrf: csrfTokenFrom(home.text), fingerprint: 'a'.repeat(64) })
        .expect(403);
    }
    const anonymous = supertest.agent(app);
    expect((await anonymous.get(paths.imports.register).expect(302)).headers.location).toMatch(/sign-in/);
    expect(await registerState()).toEqual(before);
    expect(await db.prisma.provider.count({ where: { odsCode: { in: ['RA1', 'RA2'] } } })).toBe(0);
  });

  test('an import of another file id is not found', async () => {
    await manager
      .get(pathTo(paths.imports.registerShow, { importId: '00000000-0000-4000-8000-000000000000' }))
      .expect(404);
    await createProvider(db.prisma);
  });
});
