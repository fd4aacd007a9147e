import ExcelJS from 'exceljs';
import type supertest from 'supertest';
import { computeResults, type TotalScoreResults } from '../../src/frameworks/results.js';
import { findResultsBasis } from '../../src/frameworks/results.queries.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createProviderLead,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { answerReturn, sectionHtml, submitReturn, textOf } from '../support/review-fixtures.js';
import { postForm, type World } from './returns-helpers.js';

// Issue 14: the EDS report of an EDS 2022 return, as a print page and an XLSX workbook, in the order
// of NHS England's EDS reporting template; every score and total as the shared results functions
// compute them; the grading record and the action plan in both; for whoever may see the return.

let db: TestDatabase;
let w: World;
let app: ReturnType<typeof buildTestApp>;
let returnId: string;
let results: TotalScoreResults;
let contributorId: string;

const RATINGS: Record<string, string> = {
  '1A': 'achieving',
  '1B': 'developing',
  '1C': 'excelling',
  '1D': 'achieving',
  '2A': 'undeveloped',
  '2B': 'developing',
  '2C': 'achieving',
  '2D': 'developing',
  '3A': 'achieving',
  '3B': 'achieving',
  '3C': 'developing',
};
const HOSTILE = '=HYPERLINK("http://evil.example","Click")';

const reportPath = (id: string) => pathTo(paths.returns.edsReport, { returnId: id });
const workbookPath = (id: string) => pathTo(paths.returns.edsReportXlsx, { returnId: id });

function binary(res: supertest.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

function sheetRows(workbook: ExcelJS.Workbook, name: string): unknown[][] {
  const sheet = workbook.getWorksheet(name);
  if (!sheet) throw new Error(`No sheet ${name}`);
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
  contributorId = (await createProviderLead(db.prisma, w.providerA.id)).id;
  await db.prisma.membership.update({
    where: { userId_providerId: { userId: contributorId, providerId: w.providerA.id } },
    data: { role: 'contributor' },
  });
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const period = await createPeriod(db.prisma, '2026/27');
  const ret = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: eds.id,
    periodId: period.id,
  });
  returnId = ret.id;
  await answerReturn(db.prisma, returnId, w.leadA.id, (code) => ({
    rating: RATINGS[code] ?? null,
    narrative: code === '1B' ? HOSTILE : `Evidence for ${code}: audits and patient feedback.`,
    ...(code === '2A'
      ? {
          action: {
            description: 'Offer weight-management sessions to every staff group',
            owner: 'Head of occupational health',
            dueDate: new Date('2027-09-30'),
          },
        }
      : {}),
  }));
  await db.prisma.gradingRecord.create({
    data: {
      returnId,
      firstDate: new Date('2027-01-12'),
      lastDate: new Date('2027-01-19'),
      groups: ['patients-community', 'peer-organisation'],
      howAgreed: 'Each score agreed by the panel by majority',
      dissent: 'The staff network asked for 2B to be scored lower.',
      updatedById: w.leadA.id,
      updatedAt: new Date('2027-01-19T12:00:00Z'),
    },
  });
  await submitReturn(db.prisma, returnId, w.leadA.id, new Date('2027-02-01T10:00:00Z'));
  await db.prisma.publication.create({
    data: {
      providerId: w.providerA.id,
      obligationCode: 'eds-report',
      obligationVersion: 1,
      year: 2026,
      status: 'published',
      url: 'https://www.alpha.nhs.uk/equality/eds-2026',
      publishedOn: new Date('2027-02-20'),
      recordedById: w.leadA.id,
      recordedAt: new Date('2027-02-20T12:00:00Z'),
    },
  });
  const basis = await findResultsBasis(db.prisma, eds.id);
  if (!basis) throw new Error('no EDS 2022 basis');
  const answers = await db.prisma.response.findMany({
    where: { returnId },
    include: { requirement: { include: { group: true } }, ratingLevel: true },
  });
  const computed = computeResults(
    answers.map((answer) => ({
      groupCode: answer.requirement.group.code,
      requirementCode: answer.requirement.code,
      requirementTitle: answer.requirement.title,
      ratingLevelCode: answer.ratingLevel?.code ?? null,
    })),
    basis,
  );
  if (computed.kind !== 'total-score') throw new Error('EDS 2022 is scored by totals');
  results = computed;
});
afterAll(async () => {
  await db.drop();
});

describe('the print page', () => {
  test('has every part of the template, with the results functions’ totals and rating', async () => {
    const lead = await signedInAgent(app, w.leadA.id);
    const res = await lead.get(reportPath(returnId)).expect(200);
    const html = res.text;
    expect(html).toContain('<title>EDS report: Alpha Hospitals NHS Trust, 2026/27');
    // No JavaScript of its own: no more scripts than the layout gives every page.
    const layoutPage = await lead.get(pathTo(paths.returns.show, { returnId })).expect(200);
    expect(html.match(/<script/g)?.length).toBe(layoutPage.text.match(/<script/g)?.length);

    const about = textOf(sectionHtml(html, 'about'));
    expect(about).toContain(`Organisation Alpha Hospitals NHS Trust (ODS code ${w.providerA.odsCode})`);
    expect(about).toContain('EDS lead Lena Lead-A (submitted the return)');
    expect(about).toContain('Date of grading 12 January 2027 to 19 January 2027');
    expect(about).toContain('Submitted to the integrated care board 1 February 2027');
    expect(about).toContain(
      'Published on the organisation’s website https://www.alpha.nhs.uk/equality/eds-2026',
    );
    expect(about).toContain('Date published 20 February 2027');

    // results.groups and the total are the shared functions' own.
    expect(results.groups.map((group) => group.subtotal)).toEqual([8, 4, 5]);
    for (const group of results.groups) {
      const section = sectionHtml(html, `domain-${group.code}`);
      expect(section).toContain(`<caption class="nhsuk-table__caption nhsuk-table__caption--s">`);
      expect(textOf(section)).toContain(
        `Domain ${group.code} score: ${group.subtotal} out of ${group.maximum}`,
      );
    }
    const domain1 = textOf(sectionHtml(html, 'domain-1'));
    expect(domain1).toContain('1C Patients are kept free from harm');
    expect(domain1).toMatch(/1C [^]*Score 3 Rating Excelling Evidence summary Evidence for 1C/);
    // Escaped as text, never markup.
    expect(domain1.replace(/&#34;/g, '"')).toContain(HOSTILE);

    const overall = textOf(sectionHtml(html, 'overall'));
    expect(overall).toContain(`Total score Result ${results.totalText}`);
    expect(overall).toContain(`Overall rating Result ${results.ratingText}`);
    expect(results.ratingText).toBe('Developing');
    expect(overall).toContain('Total score 22 to 32 Overall rating Achieving');

    const grading = textOf(sectionHtml(html, 'grading'));
    expect(grading).toContain('Who took part Patients and community groups, Peers from another organisation');
    expect(grading).toContain('How the scores were agreed Each score agreed by the panel by majority');
    expect(grading).toContain('Dissent The staff network asked for 2B to be scored lower.');

    const actions = textOf(sectionHtml(html, 'actions'));
    expect(actions).toContain('Offer weight-management sessions to every staff group');
    expect(actions).toContain('Head of occupational health');
    expect(actions).toContain('30 September 2027');
  });

  test('is linked from the return and from the provider hub', async () => {
    const lead = await signedInAgent(app, w.leadA.id);
    const page = await lead.get(pathTo(paths.returns.show, { returnId })).expect(200);
    expect(page.text).toContain(`href="${reportPath(returnId)}"`);
    // An AIS return has no EDS report.
    const ais = await lead.get(pathTo(paths.returns.show, { returnId: w.returnA.id })).expect(200);
    expect(ais.text).not.toContain('eds-report');
    const manager = await signedInAgent(app, w.manager.id);
    const hub = await manager.get(pathTo(paths.providers.show, { providerId: w.providerA.id })).expect(200);
    expect(hub.text).toContain(`href="${reportPath(returnId)}"`);
  });
});

describe('the workbook', () => {
  test('has every section, values equal to the results functions, formula-looking text as text', async () => {
    const viewer = await signedInAgent(app, w.viewer.id);
    const res = await viewer.get(workbookPath(returnId)).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.headers['content-disposition']).toMatch(/eds-report-[a-z0-9-]+-2026-27\.xlsx/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.body as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([
      'Report',
      'Domain 1',
      'Domain 2',
      'Domain 3',
      'Overall rating',
      'Grading',
      'Action plan',
    ]);
    const report = Object.fromEntries(sheetRows(workbook, 'Report').slice(1) as [string, string][]);
    expect(report['EDS lead']).toBe('Lena Lead-A (submitted the return)');
    expect(report['Date published']).toBe('20 February 2027');

    for (const group of results.groups) {
      const rows = sheetRows(workbook, `Domain ${group.code}`);
      expect(rows[0]).toEqual([
        'Outcome',
        'Outcome title',
        'Score',
        'Rating',
        'Evidence summary',
        'Why not applicable',
      ]);
      const total = rows.at(-1) ?? [];
      expect(total[2]).toBe(group.subtotal);
      expect(total[3]).toBe(`${group.subtotal} out of ${group.maximum}`);
      expect(rows.length - 2).toBe(group.requirementCount);
    }
    const domain1 = sheetRows(workbook, 'Domain 1');
    expect(domain1[3]?.slice(0, 4)).toEqual([
      '1C',
      expect.stringContaining('free from harm'),
      3,
      'Excelling',
    ]);
    const hostile = workbook.getWorksheet('Domain 1')?.getRow(3).getCell(5);
    expect(hostile?.type).toBe(ExcelJS.ValueType.String);
    expect(hostile?.value).toBe(HOSTILE);

    const overall = Object.fromEntries(sheetRows(workbook, 'Overall rating').slice(1) as [string, string][]);
    expect(overall['Total score']).toBe(results.totalText);
    expect(overall['Overall rating']).toBe(results.ratingText);

    const grading = Object.fromEntries(sheetRows(workbook, 'Grading').slice(1) as [string, string][]);
    expect(grading['Date of grading']).toBe('12 January 2027 to 19 January 2027');
    expect(grading.Dissent).toBe('The staff network asked for 2B to be scored lower.');

    const actions = sheetRows(workbook, 'Action plan');
    expect(actions.slice(1)).toEqual([
      [
        '2',
        '2A',
        expect.stringContaining('obesity'),
        'Offer weight-management sessions to every staff group',
        'Head of occupational health',
        '2027-09-30',
      ],
    ]);
  });
});

describe('who may see it', () => {
  test('the provider’s people and staff; another provider’s lead is told it does not exist', async () => {
    for (const userId of [w.leadA.id, contributorId, w.viewer.id, w.manager.id, w.admin.id]) {
      const agent = await signedInAgent(app, userId);
      await agent.get(reportPath(returnId)).expect(200);
      await agent.get(workbookPath(returnId)).buffer(true).parse(binary).expect(200);
    }
    const other = await signedInAgent(app, w.leadB.id);
    const page = await other.get(reportPath(returnId)).expect(404);
    expect(page.text).not.toContain('Alpha Hospitals');
    await other.get(workbookPath(returnId)).expect(404);
  });

  test('a return of another standard has no report', async () => {
    const manager = await signedInAgent(app, w.manager.id);
    await manager.get(reportPath(w.returnA.id)).expect(404);
    await manager.get(workbookPath(w.returnA.id)).expect(404);
  });
});

describe('where and when it was published, and sent to NHS England', () => {
  const formPath = (id: string) => pathTo(paths.returns.edsReportPublication, { returnId: id });
  const fields = (values: Record<string, string>) => ({
    url: '',
    'publishedOn-day': '',
    'publishedOn-month': '',
    'publishedOn-year': '',
    'sentOn-day': '',
    'sentOn-month': '',
    'sentOn-year': '',
    ...values,
  });

  const returnPage = (id: string) => pathTo(paths.returns.show, { returnId: id });
  const progressOf = (html: string) => {
    const start = html.indexOf('id="eds-report-progress"');
    if (start < 0) throw new Error('The page does not say where the EDS report stands');
    return textOf(html.slice(start, html.indexOf('</ul>', start)));
  };

  test('the return’s page says where it stands, with the form’s link for those who may record it', async () => {
    const lead = await signedInAgent(app, w.leadA.id);
    const page = (await lead.get(returnPage(returnId)).expect(200)).text;
    const progress = progressOf(page);
    expect(progress).toContain('Published on 20 February 2027 at https://www.alpha.nhs.uk/equality/eds-2026');
    expect(progress).toContain('Not sent to NHS England yet');
    expect(page).toContain('href="https://www.alpha.nhs.uk/equality/eds-2026"');
    expect(page).toContain(`href="${formPath(returnId)}"`);
    expect(textOf(page)).toContain(
      'Change where and when it was published, and when it was sent to NHS England',
    );
    const manager = await signedInAgent(app, w.manager.id);
    expect((await manager.get(returnPage(returnId)).expect(200)).text).toContain(
      `href="${formPath(returnId)}"`,
    );
    // Those who may read the return but not record its report see where it stands, not the form.
    for (const userId of [w.viewer.id, contributorId]) {
      const agent = await signedInAgent(app, userId);
      const seen = (await agent.get(returnPage(returnId)).expect(200)).text;
      expect(progressOf(seen)).toContain('Not sent to NHS England yet');
      expect(seen).not.toContain(formPath(returnId));
    }
    const other = await signedInAgent(app, w.leadB.id);
    const refused = await other.get(returnPage(returnId)).expect(404);
    expect(refused.text).not.toContain('alpha.nhs.uk');
    expect(refused.text).not.toContain('20 February 2027');
  });

  test('refuses bad input keeping it, then updates the one publication record and audits both', async () => {
    const lead = await signedInAgent(app, w.leadA.id);
    const bad = await postForm(
      lead,
      formPath(returnId),
      formPath(returnId),
      fields({
        url: 'http://www.alpha.nhs.uk/eds',
        'publishedOn-day': '1',
        'publishedOn-month': '1',
        'publishedOn-year': '2999',
        'sentOn-day': '31',
        'sentOn-month': '2',
        'sentOn-year': '2027',
      }),
    );
    expect(bad.status).toBe(400);
    const text = textOf(bad.text);
    expect(text).toContain('There is a problem');
    expect(text).toContain('Enter a web address that starts with https://');
    expect(text).toContain('Date published must be today or in the past');
    expect(text).toContain('Date sent to NHS England must be a real date');
    expect(bad.text).toContain('value="http://www.alpha.nhs.uk/eds"');
    expect(bad.text).toContain('value="2999"');
    // A publication is recorded already: its address cannot be left out here.
    const noUrl = await postForm(lead, formPath(returnId), formPath(returnId), fields({}));
    expect(noUrl.status).toBe(400);
    expect(textOf(noUrl.text)).toContain('Enter the web address where the report is published');
    const sentFuture = await postForm(
      lead,
      formPath(returnId),
      formPath(returnId),
      fields({
        url: 'https://www.alpha.nhs.uk/equality/eds-2026',
        'publishedOn-day': '20',
        'publishedOn-month': '2',
        'publishedOn-year': '2027',
        'sentOn-day': '1',
        'sentOn-month': '1',
        'sentOn-year': '2999',
      }),
    );
    expect(textOf(sentFuture.text)).toContain('Date sent to NHS England must be today or in the past');
    expect(await db.prisma.edsReportSending.count()).toBe(0);

    const saved = await postForm(
      lead,
      formPath(returnId),
      formPath(returnId),
      fields({
        url: 'www.alpha.nhs.uk/equality/eds-report',
        'publishedOn-day': '1',
        'publishedOn-month': '3',
        'publishedOn-year': '2026',
        'sentOn-day': '2',
        'sentOn-month': '3',
        'sentOn-year': '2026',
      }),
    );
    expect(saved.status).toBe(302);
    expect(saved.headers.location).toBe(reportPath(returnId));
    const publications = await db.prisma.publication.findMany({
      where: { providerId: w.providerA.id, obligationCode: 'eds-report' },
    });
    expect(publications).toHaveLength(1);
    expect(publications[0]).toMatchObject({
      year: 2026,
      url: 'https://www.alpha.nhs.uk/equality/eds-report',
      publishedOn: new Date('2026-03-01'),
      recordedById: w.leadA.id,
    });
    const sending = await db.prisma.edsReportSending.findUniqueOrThrow({ where: { returnId } });
    expect(sending.sentOn).toEqual(new Date('2026-03-02'));
    const audit = await db.prisma.auditEvent.findMany({
      where: { action: { in: ['publication.recorded', 'return.eds_report_sent_recorded'] } },
    });
    expect(audit.map((event) => event.action).sort()).toEqual([
      'publication.recorded',
      'return.eds_report_sent_recorded',
    ]);
    const report = textOf((await lead.get(reportPath(returnId)).expect(200)).text);
    expect(report).toContain(
      'Published on the organisation’s website https://www.alpha.nhs.uk/equality/eds-report',
    );
    expect(report).toContain('Sent to NHS England 2 March 2026');
    const progress = progressOf((await lead.get(returnPage(returnId)).expect(200)).text);
    expect(progress).toContain('Published on 1 March 2026 at https://www.alpha.nhs.uk/equality/eds-report');
    expect(progress).toContain('Sent to NHS England on 2 March 2026');

    // Saving the same again records nothing more.
    await postForm(
      lead,
      formPath(returnId),
      formPath(returnId),
      fields({
        url: 'https://www.alpha.nhs.uk/equality/eds-report',
        'publishedOn-day': '1',
        'publishedOn-month': '3',
        'publishedOn-year': '2026',
        'sentOn-day': '2',
        'sentOn-month': '3',
        'sentOn-year': '2026',
      }),
    );
    expect(
      await db.prisma.auditEvent.count({
        where: { action: { in: ['publication.recorded', 'return.eds_report_sent_recorded'] } },
      }),
    ).toBe(2);
  });

  test('viewers and contributors may not record it; another provider’s lead is told it does not exist', async () => {
    const viewer = await signedInAgent(app, w.viewer.id);
    await viewer.get(formPath(returnId)).expect(403);
    const contributor = await signedInAgent(app, contributorId);
    await contributor.get(formPath(returnId)).expect(403);
    const other = await signedInAgent(app, w.leadB.id);
    await other.get(formPath(returnId)).expect(404);
    const manager = await signedInAgent(app, w.manager.id);
    await manager.get(formPath(returnId)).expect(200);
  });
});
