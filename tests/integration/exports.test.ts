import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import type supertest from 'supertest';
import type { Db } from '../../src/db/prisma.js';
import { REQUIREMENT_EXPORT_HEADER, requirementExportRows } from '../../src/exports/requirement-export.js';
import { readVersionMappings } from '../../src/frameworks/version-mappings.js';
import { STANDARD_MAPPINGS_DIR } from '../../src/project-root.js';
import { pathTo, paths } from '../../src/paths.js';
import type { CurrentUser } from '../../src/auth/current-user.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import {
  answerReturn,
  attachEvidence,
  decideEveryRequirement,
  submitReturn,
  textOf,
} from '../support/review-fixtures.js';

// Exports: the requirement-level data (CSV and XLSX, streamed in batches) and the per-provider
// contract review pack (page and workbook), on a real database.

const HOSTILE_NARRATIVE = '=HYPERLINK("http://evil.example","Click for details")';
const HOSTILE_PROVIDER = '+1 Bravo Care Home';

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let firstCode: string;
let secondCode: string;
let evidenceSha: string;
let answersPerReturn: number;

/** Reads a binary response body into a Buffer (for workbooks). */
function binary(res: supertest.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

async function workbookOf(body: unknown): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as ArrayBuffer);
  return workbook;
}

function sheetRows(workbook: ExcelJS.Workbook, name: string): unknown[][] {
  const sheet = workbook.getWorksheet(name);
  if (!sheet) throw new Error(`No sheet ${name}`);
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

function csvRows(text: string): string[][] {
  const rows: string[][] = parse(text, { bom: true });
  return rows;
}

const requirementsUrl = (query: Record<string, string>) =>
  `${paths.exports.requirements}?${new URLSearchParams(query).toString()}`;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
  await db.prisma.provider.update({ where: { id: world.providerB.id }, data: { name: HOSTILE_PROVIDER } });

  const requirements = await db.prisma.requirement.findMany({
    where: { frameworkVersionId: world.ais.id },
    include: { group: true },
  });
  requirements.sort((a, b) => a.group.position - b.group.position || a.position - b.position);
  answersPerReturn = requirements.length;
  firstCode = requirements[0]?.code ?? '';
  secondCode = requirements[1]?.code ?? '';

  // Provider A: answered (one narrative hostile), evidence attached, submitted, and returned with a
  // reason on the second requirement; two chasers about it.
  await answerReturn(db.prisma, world.returnA.id, world.leadA.id, (code) =>
    code === firstCode
      ? {
          narrative: HOSTILE_NARRATIVE,
          action: {
            description: 'Train reception staff',
            owner: 'Head of patient experience',
            dueDate: new Date('2027-06-30'),
          },
        }
      : undefined,
  );
  evidenceSha = (
    await attachEvidence(
      db.prisma,
      world.returnA.id,
      firstCode,
      { fileName: 'Accessible information policy.txt', content: 'Our policy, version 3.' },
      world.leadA.id,
    )
  ).sha256;
  const submission = await submitReturn(
    db.prisma,
    world.returnA.id,
    world.leadA.id,
    new Date('2027-02-01T10:00:00Z'),
  );
  await decideEveryRequirement(db.prisma, submission.id, world.manager.id, (code) =>
    code === secondCode
      ? { decision: 'returned', reason: 'Show how alerts reach the GP record' }
      : { decision: 'accepted' },
  );
  await db.prisma.returnReview.create({
    data: {
      submissionId: submission.id,
      reviewerId: world.manager.id,
      decision: 'returned',
      comment: 'Nearly there: one requirement needs more detail',
      decidedAt: new Date('2027-02-03T09:00:00Z'),
    },
  });
  await db.prisma.return.update({
    where: { id: world.returnA.id },
    data: { status: 'returned', decidedAt: new Date('2027-02-03T09:00:00Z') },
  });
  await db.prisma.outboxEmail.createMany({
    data: [
      {
        idempotencyKey: `exports-test:${world.returnA.id}:-14`,
        returnId: world.returnA.id,
        stage: '-14',
        toAddress: world.leadA.email,
        subject: 'Your AIS return is due in 14 days',
        textBody: 'Due soon.',
        htmlBody: '<p>Due soon.</p>',
        status: 'sent',
        attempts: 1,
        sentAt: new Date('2027-03-17T07:01:00Z'),
        createdAt: new Date('2027-03-17T07:00:00Z'),
      },
      {
        idempotencyKey: `exports-test:${world.returnA.id}:7`,
        returnId: world.returnA.id,
        stage: '7',
        toAddress: world.leadA.email,
        ccAddresses: [world.manager.email],
        subject: 'Your AIS return is 7 days overdue',
        textBody: 'Overdue.',
        htmlBody: '<p>Overdue.</p>',
        status: 'failed',
        attempts: 5,
        lastError: '550 mailbox unavailable',
        createdAt: new Date('2027-04-07T07:00:00Z'),
      },
    ],
  });
  // Provider B: one answer written, nothing submitted.
  await answerReturn(db.prisma, world.returnB.id, world.leadB.id);
});
afterAll(async () => {
  await db.drop();
});

describe('requirement-level CSV', () => {
  it('streams every answer of the period with the right headers, readable back', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const res = await agent.get(requirementsUrl({ periodId: world.period.id, format: 'csv' })).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="?requirement-answers-[a-z0-9-]+\.csv"?$/,
    );
    expect(res.text.startsWith('\uFEFF')).toBe(true);

    const [header, ...rows] = csvRows(res.text);
    expect(header).toEqual([...REQUIREMENT_EXPORT_HEADER]);
    expect(rows).toHaveLength(answersPerReturn * 2);

    const column = (name: (typeof REQUIREMENT_EXPORT_HEADER)[number]) =>
      REQUIREMENT_EXPORT_HEADER.indexOf(name);
    // Rows are in provider-name order ("+1 ..." before "Alpha ..."): find each provider by ODS code.
    const rowsOfA = rows.filter((row) => row[column('ODS code')] === world.providerA.odsCode);
    expect(rowsOfA).toHaveLength(answersPerReturn);
    const first = rowsOfA[0] ?? [];
    expect(first[column('Provider')]).toBe('Alpha Hospitals NHS Trust');
    expect(first[column('Standard')]).toBe('Accessible Information Standard');
    expect(first[column('Version')]).toBe('2025');
    expect(first[column('Period')]).toBe(world.period.label);
    expect(first[column('Return status')]).toBe('Returned');
    expect(first[column('Due date')]).toBe('2027-03-31');
    expect(first[column('Requirement code')]).toBe(firstCode);
    expect(first[column('Rating')]).not.toBe('');
    expect(first[column('Score')]).toMatch(/^\d+$/);
    // The formula guard: the hostile narrative is text in any spreadsheet.
    expect(first[column('Narrative')]).toBe(`'${HOSTILE_NARRATIVE}`);
    expect(first[column('Actions')]).toBe(
      'Train reception staff (Head of patient experience, due 30 June 2027, Not started)',
    );
    expect(first[column('Reviewer decision')]).toBe('Accepted');
    expect(first[column('Submitted at')]).toBe('2027-02-01T10:00:00.000Z');

    const second = rowsOfA[1] ?? [];
    expect(second[column('Requirement code')]).toBe(secondCode);
    expect(second[column('Reviewer decision')]).toBe('Returned');
    expect(second[column('Reviewer reason')]).toBe('Show how alerts reach the GP record');

    const rowsOfB = rows.filter((row) => row[column('ODS code')] === world.providerB.odsCode);
    expect(rowsOfB).toHaveLength(answersPerReturn);
    expect(rowsOfB.every((row) => row[column('Provider')] === `'${HOSTILE_PROVIDER}`)).toBe(true);
    expect(rowsOfB.every((row) => row[column('Return status')] === 'In progress')).toBe(true);
    expect(rowsOfB.every((row) => row[column('Reviewer decision')] === '')).toBe(true);
  });

  it('filters by provider and by standard', async () => {
    const agent = await signedInAgent(app, world.viewer.id);
    const onlyA = await agent
      .get(requirementsUrl({ periodId: world.period.id, providerId: world.providerA.id, format: 'csv' }))
      .expect(200);
    expect(csvRows(onlyA.text)).toHaveLength(1 + answersPerReturn);

    const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
    const onlyEds = await agent
      .get(requirementsUrl({ periodId: world.period.id, frameworkId: eds.frameworkId, format: 'csv' }))
      .expect(200);
    expect(csvRows(onlyEds.text)).toEqual([[...REQUIREMENT_EXPORT_HEADER]]);
  });

  it('shows the form again, with the problems, for a bad choice', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const res = await agent.get(requirementsUrl({ periodId: '', format: 'pdf' })).expect(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const text = textOf(res.text);
    expect(text).toContain('There is a problem');
    expect(text).toContain('Select a reporting period');
    expect(text).toContain('Select a file format');
    expect(res.text).toContain('href="#periodId"');

    const unknownPeriod = await agent
      .get(requirementsUrl({ periodId: '00000000-0000-4000-8000-000000000000', format: 'csv' }))
      .expect(400);
    expect(textOf(unknownPeriod.text)).toContain('Select a reporting period');

    await agent.get(paths.exports.requirements).expect(302).expect('Location', paths.exports.index);
  });

  it('offers the form on the exports page, linked from the navigation for staff only', async () => {
    const manager = await signedInAgent(app, world.manager.id);
    const page = await manager.get(paths.exports.index).expect(200);
    expect(page.text).toContain(`action="${paths.exports.requirements}" method="get"`);
    expect(page.text).toContain(`<option value="${world.period.id}">${world.period.label}</option>`);
    expect(page.text).toContain(`href="${paths.exports.index}"`);

    const lead = await signedInAgent(app, world.leadA.id);
    const home = await lead.get(paths.home).expect(200);
    expect(home.text).not.toContain(`href="${paths.exports.index}"`);
    expect(home.text).toContain(`href="${paths.exports.packChoose}"`);
    await lead.get(paths.exports.index).expect(403);
    await lead.get(requirementsUrl({ periodId: world.period.id, format: 'csv' })).expect(403);
  });
});

describe('requirement-level XLSX', () => {
  it('is a valid workbook with the same rows, text cells never formulas', async () => {
    const agent = await signedInAgent(app, world.admin.id);
    const res = await agent
      .get(requirementsUrl({ periodId: world.period.id, providerId: world.providerA.id, format: 'xlsx' }))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="?requirement-answers-[a-z0-9-]+\.xlsx"?$/,
    );

    const workbook = await workbookOf(res.body);
    const [header, ...rows] = sheetRows(workbook, 'Answers');
    expect(header).toEqual([...REQUIREMENT_EXPORT_HEADER]);
    expect(rows).toHaveLength(answersPerReturn);
    const narrativeColumn = REQUIREMENT_EXPORT_HEADER.indexOf('Narrative') + 1;
    const cell = workbook.getWorksheet('Answers')?.getRow(2).getCell(narrativeColumn);
    expect(cell?.type).toBe(ExcelJS.ValueType.String);
    expect(cell?.value).toBe(HOSTILE_NARRATIVE);
    expect(rows[1]?.[REQUIREMENT_EXPORT_HEADER.indexOf('Reviewer reason')]).toBe(
      'Show how alerts reach the GP record',
    );
  });
});

describe('who graded the return (issue 14)', () => {
  it('is on every row of an EDS return, as the review pack words it; empty for other standards', async () => {
    const period = await createPeriod(db.prisma, `Graded ${Date.now()}`);
    const eds = await createReturn(db.prisma, {
      contractId: world.contractA.id,
      providerId: world.providerA.id,
      frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', '2022')).id,
      periodId: period.id,
    });
    const ais = await createReturn(db.prisma, {
      contractId: world.contractB.id,
      providerId: world.providerB.id,
      frameworkVersionId: world.ais.id,
      periodId: period.id,
    });
    await answerReturn(db.prisma, eds.id, world.leadA.id);
    await answerReturn(db.prisma, ais.id, world.leadB.id);
    await db.prisma.gradingRecord.create({
      data: {
        returnId: eds.id,
        firstDate: new Date('2027-01-12'),
        lastDate: new Date('2027-01-19'),
        groups: ['patients-community', 'trade-unions'],
        howAgreed: '=SUM(A1:A9) by consensus',
        dissent: '',
        updatedById: world.leadA.id,
        updatedAt: new Date('2027-01-19T12:00:00Z'),
      },
    });
    const agent = await signedInAgent(app, world.manager.id);
    const column = (name: (typeof REQUIREMENT_EXPORT_HEADER)[number]) =>
      REQUIREMENT_EXPORT_HEADER.indexOf(name);
    const csv = await agent.get(requirementsUrl({ periodId: period.id, format: 'csv' })).expect(200);
    const rows = csvRows(csv.text).slice(1);
    const edsRows = rows.filter((row) => row[column('Standard')] === 'Equality Delivery System');
    expect(edsRows).toHaveLength(11);
    for (const row of edsRows) {
      expect(row[column('Date of grading')]).toBe('12 January 2027 to 19 January 2027');
      expect(row[column('Who took part in grading')]).toBe('Patients and community groups, Trade unions');
      expect(row[column('How the scores were agreed')]).toBe("'=SUM(A1:A9) by consensus");
      expect(row[column('Dissent')]).toBe('None recorded');
    }
    const aisRows = rows.filter((row) => row[column('Standard')] === 'Accessible Information Standard');
    expect(aisRows.length).toBeGreaterThan(0);
    expect(
      aisRows.every((row) => row[column('Date of grading')] === '' && row[column('Dissent')] === ''),
    ).toBe(true);

    const xlsx = await agent
      .get(requirementsUrl({ periodId: period.id, providerId: world.providerA.id, format: 'xlsx' }))
      .buffer(true)
      .parse(binary)
      .expect(200);
    const workbook = await workbookOf(xlsx.body);
    const cell = workbook
      .getWorksheet('Answers')
      ?.getRow(2)
      .getCell(column('How the scores were agreed') + 1);
    expect(cell?.type).toBe(ExcelJS.ValueType.String);
    expect(cell?.value).toBe('=SUM(A1:A9) by consensus');
  });
});

describe('streaming a large export', () => {
  let periodId: string;
  const RETURNS = 120;

  beforeAll(async () => {
    const period = await createPeriod(db.prisma, `Bulk ${Date.now()}`);
    periodId = period.id;
    const ais = await frameworkVersion(db.prisma, 'AIS', '2025');
    for (let index = 0; index < RETURNS; index += 1) {
      const provider = await createProvider(db.prisma, {
        name: `Bulk provider ${String(index).padStart(3, '0')}`,
      });
      const contract = await createContract(db.prisma, provider.id, world.manager.id);
      await createReturn(db.prisma, {
        contractId: contract.id,
        providerId: provider.id,
        frameworkVersionId: ais.id,
        periodId,
      });
    }
  });

  /** A client that records the size of every batch of returns read. */
  function countingClient() {
    const reads: { model: string; rows: number }[] = [];
    const client = db.prisma.$extends({
      query: {
        return: {
          async findMany({ args, query }) {
            const result = await query(args);
            reads.push({ model: 'Return', rows: result.length });
            return result;
          },
        },
      },
    }) as unknown as Db;
    return { client, reads };
  }

  it('reads the data in batches of about 1,000 answers, never all at once', async () => {
    const { client, reads } = countingClient();
    const counting = buildTestApp(db, { prisma: client });
    const agent = await signedInAgent(counting, world.manager.id);
    reads.length = 0;
    const res = await agent.get(requirementsUrl({ periodId, format: 'csv' })).expect(200);
    expect(csvRows(res.text)).toHaveLength(1 + RETURNS * answersPerReturn);

    const returnsPerBatch = Math.floor(1000 / answersPerReturn);
    const batches = Math.ceil(RETURNS / returnsPerBatch);
    expect(batches).toBeGreaterThan(1);
    // One read of the list (ids and sizes only), then one read per batch.
    const exportReads = reads.filter((read) => read.rows > 0);
    expect(exportReads).toHaveLength(1 + batches);
    expect(exportReads[0]?.rows).toBe(RETURNS);
    for (const read of exportReads.slice(1)) expect(read.rows * answersPerReturn).toBeLessThanOrEqual(1000);
  });

  it('pulls rows lazily: the first row needs only the list and the first batch', async () => {
    const { client, reads } = countingClient();
    const staff: CurrentUser = {
      id: world.manager.id,
      email: world.manager.email,
      displayName: world.manager.displayName,
      role: 'contract_manager',
      providerIds: [],
      leadProviderIds: [],
    };
    const rows = requirementExportRows(
      client,
      staff,
      { periodId },
      await readVersionMappings(STANDARD_MAPPINGS_DIR),
      100,
    );
    const first = await rows.next();
    expect(first.done).toBe(false);
    expect(reads).toHaveLength(2);
    let count = 1;
    while (!(await rows.next()).done) count += 1;
    expect(count).toBe(RETURNS * answersPerReturn);
    expect(reads.length).toBeGreaterThan(RETURNS / Math.floor(100 / answersPerReturn));
  });
});

describe('contract review pack', () => {
  const packUrl = (providerId: string) =>
    `${pathTo(paths.exports.pack, { providerId })}?periodId=${world.period.id}`;
  const packDownloadUrl = (providerId: string) =>
    `${pathTo(paths.exports.packDownload, { providerId })}?periodId=${world.period.id}`;

  it('shows answers, evidence, decisions and chasers to the provider’s own lead', async () => {
    const agent = await signedInAgent(app, world.leadA.id);
    const res = await agent.get(packUrl(world.providerA.id)).expect(200);
    const text = textOf(res.text);
    expect(text).toContain(`Contract review pack: ${world.period.label}`);
    // Answers: the narrative as text (escaped in the page), the action plan.
    expect(res.text).toContain('=HYPERLINK(&#34;http://evil.example&#34;,&#34;Click for details&#34;)');
    expect(text).toContain('Train reception staff');
    // Evidence index: name and size; no hash for the provider's lead (staff see it, below).
    expect(text).toContain('Accessible information policy.txt');
    expect(text).not.toContain(evidenceSha);
    expect(text).not.toContain('SHA-256');
    expect(text).toContain('1 KB');
    // Decisions with reasons, for the requirement and the whole return.
    expect(text).toContain('Show how alerts reach the GP record');
    expect(text).toContain('Nearly there: one requirement needs more detail');
    // Chase log: who, which stage, and the delivery state.
    expect(text).toContain(world.leadA.email);
    expect(text).toContain('14 days before the due date');
    expect(text).toContain('7 days overdue');
    // The mail server's words are the staff's; the lead reads plain words.
    expect(text).toContain(
      'Not delivered: The email could not be delivered; the commissioning team can see why.',
    );
    expect(text).not.toContain('550 mailbox unavailable');
    // Printable: the print stylesheet is on the page.
    expect(res.text).toContain('/css/print.css" media="print"');
  });

  it('shows staff each file’s hash under “Technical details”', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const res = await agent.get(packUrl(world.providerA.id)).expect(200);
    const details = /<details class="nhsuk-details">[\s\S]*?<\/details>/.exec(res.text)?.[0] ?? '';
    expect(textOf(details)).toContain('Technical details');
    expect(details).toContain(evidenceSha);
    expect(textOf(res.text)).toContain('Not delivered: 550 mailbox unavailable');
  });

  it('downloads the pack as a workbook with one sheet per section, and fingerprints for staff as technical details', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    const res = await agent.get(packDownloadUrl(world.providerA.id)).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="?contract-review-pack-[a-z0-9-]+\.xlsx"?$/,
    );
    const workbook = await workbookOf(res.body);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([
      'Summary',
      'Answers',
      'Evidence',
      'Decisions',
      'Chase log',
      'Publications',
      'Technical details',
    ]);
    expect(sheetRows(workbook, 'Answers')).toHaveLength(1 + answersPerReturn);
    const evidence = sheetRows(workbook, 'Evidence');
    expect(evidence).toHaveLength(2);
    expect(evidence[0]).not.toContain('SHA-256');
    expect(evidence[1]?.slice(0, 2)).toEqual(['Accessible information policy.txt', 22]);
    expect(sheetRows(workbook, 'Technical details')).toEqual([
      ['File name', 'SHA-256 fingerprint (to check a copy against)'],
      ['Accessible information policy.txt', evidenceSha],
    ]);
    const decisions = sheetRows(workbook, 'Decisions');
    expect(decisions).toHaveLength(1 + answersPerReturn + 1);
    expect(decisions.some((row) => row[6] === 'Show how alerts reach the GP record')).toBe(true);
    expect(decisions.some((row) => row[4] === 'Whole return' && row[5] === 'Returned')).toBe(true);
    const chasers = sheetRows(workbook, 'Chase log');
    expect(chasers).toHaveLength(3);
    expect(chasers[1]?.slice(1, 3)).toEqual(['14 days before the due date', world.leadA.email]);
    expect(chasers[2]?.[5]).toBe('Not delivered');
  });

  it('gives a provider lead a workbook with no hash anywhere', async () => {
    const agent = await signedInAgent(app, world.leadA.id);
    const res = await agent.get(packDownloadUrl(world.providerA.id)).buffer(true).parse(binary).expect(200);
    const workbook = await workbookOf(res.body);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([
      'Summary',
      'Answers',
      'Evidence',
      'Decisions',
      'Chase log',
      'Publications',
    ]);
    expect(sheetRows(workbook, 'Evidence')[1]?.[0]).toBe('Accessible information policy.txt');
    const cells = workbook.worksheets.flatMap((sheet) =>
      sheetRows(workbook, sheet.name).flatMap((row) => row.map((cell) => String(cell))),
    );
    expect(cells.filter((cell) => /SHA-?256|fingerprint|[0-9a-f]{64}/i.test(cell))).toEqual([]);
  });

  it('lists the provider’s equality publications of the period’s financial year: status, address, date published, who checked it and when', async () => {
    const checkedAt = new Date('2026-10-20T09:30:00Z');
    await db.prisma.publication.create({
      data: {
        providerId: world.providerA.id,
        obligationCode: 'wres-report',
        obligationVersion: 1,
        year: 2026,
        status: 'checked',
        url: 'https://www.alpha.example.nhs.uk/wres-2026',
        publishedOn: new Date('2026-10-01'),
        recordedById: world.leadA.id,
        recordedAt: new Date('2026-10-01T10:00:00Z'),
        checkedById: world.manager.id,
        checkedAt,
      },
    });
    const agent = await signedInAgent(app, world.leadA.id);
    const page = textOf((await agent.get(packUrl(world.providerA.id)).expect(200)).text);
    expect(page).toContain('Equality publications, 2026/27');
    expect(page).toContain(
      `Workforce Race Equality Standard (WRES) report Status Checked Due by - Published at https://www.alpha.example.nhs.uk/wres-2026 Date published 1 October 2026 Checked ${world.manager.displayName},`,
    );
    // Its kind of organisation is not recorded: the other obligations say what is missing.
    expect(page).toContain('Not known: Applies to NHS trusts and NHS foundation trusts.');

    const res = await agent.get(packDownloadUrl(world.providerA.id)).buffer(true).parse(binary).expect(200);
    const rows = sheetRows(await workbookOf(res.body), 'Publications');
    expect(rows[0]).toEqual([
      'Financial year',
      'Obligation',
      'Status',
      'Due date',
      'Reason',
      'Published at',
      'Date published',
      'Checked by',
      'Checked at',
    ]);
    expect(rows).toHaveLength(1 + 10);
    const wres = rows.find((row) => row[1] === 'Workforce Race Equality Standard (WRES) report');
    expect(wres?.slice(0, 3)).toEqual([
      '2026/27',
      'Workforce Race Equality Standard (WRES) report',
      'Checked',
    ]);
    expect(wres?.slice(5, 8)).toEqual([
      'https://www.alpha.example.nhs.uk/wres-2026',
      '2026-10-01',
      world.manager.displayName,
    ]);
    expect(new Date(String(wres?.[8])).toISOString()).toBe(checkedAt.toISOString());
    await db.prisma.publication.deleteMany({ where: { providerId: world.providerA.id } });
  });

  it('refuses another provider’s pack to a lead as not found', async () => {
    const agent = await signedInAgent(app, world.leadB.id);
    await agent.get(packUrl(world.providerA.id)).expect(404);
    await agent.get(packDownloadUrl(world.providerA.id)).expect(404);
    await agent.get(packUrl(world.providerB.id)).expect(200);
  });

  it('lets a lead choose only their own provider, and sends the choice to the pack', async () => {
    const agent = await signedInAgent(app, world.leadB.id);
    const page = await agent.get(paths.exports.packChoose).expect(200);
    expect(page.text).toContain(world.providerB.id);
    expect(page.text).not.toContain(world.providerA.id);
    const chosen = await agent
      .get(`${paths.exports.packChoose}?providerId=${world.providerB.id}&periodId=${world.period.id}`)
      .expect(302);
    expect(chosen.headers.location).toBe(packUrl(world.providerB.id));
    const missing = await agent.get(`${paths.exports.packChoose}?providerId=&periodId=`).expect(400);
    expect(textOf(missing.text)).toContain('Select a provider');
  });
});
