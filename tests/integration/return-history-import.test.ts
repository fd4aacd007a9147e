import ExcelJS from 'exceljs';
import supertest from 'supertest';
import { sha256 } from '../../src/hash.js';
import { pathTo, paths } from '../../src/paths.js';
import { ANSWERS_SHEET, TOKEN_SHEET } from '../../src/returns/workbook-file.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import {
  createContract,
  createProviderLead,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { hasSharedStrings } from '../support/register-files.js';
import { requirementsInOrder, type Agent } from './returns-helpers.js';

// Issue 15: a past period's answers loaded from a spreadsheet as history, by staff who edit the
// register, through the real routes against a real PostgreSQL. The app's clock is frozen on
// 5 December 2026: 2024/25 has ended, 2026/27 has not.

const NOW = new Date('2026-12-05T10:00:00Z');

let db: TestDatabase;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let app: ReturnType<typeof buildTestApp>;
let past: { id: string };
let pastEds: { periodId: string; versionId: string };
let eds: { id: string };

const target = (periodId: string, versionId: string) => `${periodId}:${versionId}`;
const importPath = (providerId: string) => pathTo(paths.imports.history, { providerId });
const previewPath = (providerId: string) => pathTo(paths.imports.historyPreview, { providerId });

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const standards = await db.prisma.framework.findMany();
  const versionOf = (code: string) => (code === 'AIS' ? world.ais.id : eds.id);
  // Last year's period, never opened (no returns), and the current one with its standards.
  past = await db.prisma.reportingPeriod.create({
    data: {
      label: '2024/25',
      startDate: new Date('2024-04-01'),
      endDate: new Date('2025-03-31'),
      standards: {
        create: standards.map((framework) => ({
          frameworkId: framework.id,
          frameworkVersionId: versionOf(framework.code),
          dueDate: new Date('2025-03-31'),
        })),
      },
    },
  });
  pastEds = { periodId: past.id, versionId: eds.id };
  await db.prisma.periodStandard.createMany({
    data: standards.map((framework) => ({
      periodId: world.period.id,
      frameworkId: framework.id,
      frameworkVersionId: versionOf(framework.code),
      dueDate: new Date('2027-03-31'),
    })),
  });
  app = buildTestApp(db, { clock: () => NOW });
});
afterAll(async () => {
  await db.drop();
});

function binary(response: supertest.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => {
    callback(null, Buffer.concat(chunks));
  });
}

function get(agent: Agent, url: string) {
  return agent
    .get(url)
    .buffer(true)
    .parse(binary as never);
}

/** A workbook from `url`, changed by `edit`, saved as a spreadsheet program saves it. */
async function filledIn(
  agent: Agent,
  url: string,
  edit: (sheet: ExcelJS.Worksheet, book: ExcelJS.Workbook) => void,
) {
  const response = await get(agent, url).expect(200);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(response.body as never);
  const sheet = workbook.getWorksheet(ANSWERS_SHEET);
  if (!sheet) throw new Error('no Answers sheet');
  edit(sheet, workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer({ useSharedStrings: true }));
}

const templateUrl = (providerId: string, value: string) =>
  `${pathTo(paths.imports.historyTemplate, { providerId })}?${new URLSearchParams({ target: value }).toString()}`;

async function upload(
  agent: Agent,
  providerId: string,
  value: string,
  content: Buffer,
  name = 'AIS 2024-25.xlsx',
) {
  const page = await agent.get(importPath(providerId)).expect(200);
  return agent
    .post(importPath(providerId))
    .field('_csrf', csrfTokenFrom(page.text))
    .field('target', value)
    .attach('file', content, name);
}

async function confirm(agent: Agent, providerId: string) {
  const preview = await agent.get(previewPath(providerId)).expect(200);
  const response = await agent
    .post(previewPath(providerId))
    .type('form')
    .send({ _csrf: csrfTokenFrom(preview.text) });
  return { preview: preview.text, response };
}

/** Everything an import could write. */
async function writes() {
  return {
    returns: await db.prisma.return.count(),
    imports: await db.prisma.returnImport.count(),
    submissions: await db.prisma.returnSubmission.count(),
    // Sign-ins are audited too: only what concerns returns counts here.
    audit: await db.prisma.auditEvent.count({
      where: { returnId: { not: null }, action: { not: 'return.workbook_downloaded' } },
    }),
  };
}

test('a contract manager loads last year’s AIS answers: preview, one transaction, accepted and marked imported everywhere', async () => {
  const manager = await signedInAgent(app, world.manager.id);
  const value = target(past.id, world.ais.id);
  const page = await manager.get(importPath(world.providerA.id)).expect(200);
  expect(page.text).toContain('Accessible Information Standard 2025, 2024/25');
  // The current period has not ended: it is not offered.
  expect(page.text).not.toContain(`value="${target(world.period.id, world.ais.id)}"`);
  const hub = await manager.get(pathTo(paths.providers.show, { providerId: world.providerA.id })).expect(200);
  expect(hub.text).toContain(importPath(world.providerA.id));

  const requirements = await requirementsInOrder(db.prisma, world.ais.id);
  const [first, second] = requirements;
  const level = first?.ratingScale.levels.at(-1);
  if (!first || !second || !level) throw new Error('AIS 2025 has too few requirements');
  const template = await get(manager, templateUrl(world.providerA.id, value)).expect(200);
  const blank = new ExcelJS.Workbook();
  await blank.xlsx.load(template.body as never);
  // A blank template: no answers, no token.
  expect(blank.getWorksheet(TOKEN_SHEET)).toBeUndefined();
  expect(blank.worksheets[0]?.getCell('A1').text).toContain('2024/25');
  const content = await filledIn(manager, templateUrl(world.providerA.id, value), (sheet) => {
    sheet.getCell('D2').value = level.label;
    sheet.getCell('F2').value = 'Flagged on every record since 2023';
    // The Actions column is not read: actions are records kept in the app.
    sheet.getCell('G2').value = 'Audit the flags';
    // The whole of step 1 rated, so the preview has a result to show.
    sheet.getCell('D3').value = second.ratingScale.levels[0]?.label ?? '';
    sheet.getCell('D4').value = level.label;
  });
  // As a spreadsheet program saves it: text in shared strings.
  expect(hasSharedStrings(content)).toBe(true);

  const before = await writes();
  const uploaded = await upload(manager, world.providerA.id, value, content);
  expect(uploaded.status).toBe(302);
  expect(uploaded.headers.location).toBe(previewPath(world.providerA.id));
  expect(await writes()).toEqual(before);

  const { preview, response } = await confirm(manager, world.providerA.id);
  expect(preview).toContain('Check the past answers');
  expect(preview).toContain('Flagged on every record since 2023');
  // The Actions column is not read (actions are records kept in the app).
  expect(preview).not.toContain('Audit the flags');
  expect(preview).toContain('3 requirements are answered in the workbook');
  // Worked out by the shared results functions, as the matrix and trends will show it.
  expect(/Result: [^<]*/.exec(preview)?.[0]).toMatch(/^Result: 1 of \d+ steps rated; lowest: /);
  expect(response.status).toBe(302);

  const created = await db.prisma.return.findFirstOrThrow({
    where: { providerId: world.providerA.id, periodId: past.id },
    include: {
      imported: true,
      responses: { include: { requirement: true, ratingLevel: true } },
      submissions: true,
    },
  });
  expect(response.headers.location).toBe(pathTo(paths.returns.show, { returnId: created.id }));
  expect(created).toMatchObject({
    status: 'accepted',
    contractId: world.contractA.id,
    frameworkVersionId: world.ais.id,
    dueDate: new Date('2025-03-31'),
  });
  expect(created.imported).toEqual({
    returnId: created.id,
    importedById: world.manager.id,
    importedAt: NOW,
    fileName: 'AIS 2024-25.xlsx',
    fileSha256: sha256(content),
  });
  expect(created.responses).toHaveLength(requirements.length);
  const byCode = new Map(created.responses.map((row) => [row.requirement.code, row]));
  expect(byCode.get(first.code)).toMatchObject({
    narrative: 'Flagged on every record since 2023',
    ratingLevel: { code: level.code },
  });
  // Its snapshot is the one submission (what trends read).
  expect(created.submissions).toHaveLength(1);
  expect(created.submissions[0]?.submittedById).toBe(world.manager.id);
  const audit = await db.prisma.auditEvent.findFirstOrThrow({
    where: { action: 'return.history_imported', returnId: created.id },
  });
  expect(audit.actorId).toBe(world.manager.id);
  expect(audit.after).toMatchObject({ period: '2024/25', fileSha256: sha256(content), status: 'accepted' });
  expect((await writes()).audit).toBe(before.audit + 1);

  // Shown as imported on the return's page (to staff and the provider's lead), the provider's page
  // and its trends; nobody can change it.
  const returnPage = await manager.get(pathTo(paths.returns.show, { returnId: created.id })).expect(200);
  expect(returnPage.text).toContain('Imported from a spreadsheet');
  expect(returnPage.text).toContain('Cora Manager');
  expect(returnPage.text).not.toContain(pathTo(paths.returns.workbook, { returnId: created.id }));
  const lead = await signedInAgent(app, world.leadA.id);
  const leadPage = await lead.get(pathTo(paths.returns.show, { returnId: created.id })).expect(200);
  expect(leadPage.text).toContain('Imported from a spreadsheet');
  expect(leadPage.text).not.toContain('Check your answers');
  const requirementUrl = pathTo(paths.returns.requirement, { returnId: created.id, requirementId: first.id });
  const form = await lead.get(requirementUrl).expect(200);
  await lead
    .post(requirementUrl)
    .type('form')
    .send({ _csrf: csrfTokenFrom(form.text), narrative: 'Changed later', version: '1', action: 'draft' })
    .expect(409);
  const hubAfter = await manager
    .get(pathTo(paths.providers.show, { providerId: world.providerA.id }))
    .expect(200);
  expect(hubAfter.text).toContain('Returns for 2024/25');
  expect(hubAfter.text).toContain('Imported from a spreadsheet');

  // Wherever its result appears, it says it was imported: the matrix and its CSV, the heat map,
  // trends (all providers and the provider's), the requirement export and the review pack.
  const matrix = await manager.get(`${paths.matrix.show}?period=${past.id}`).expect(200);
  expect(matrix.text).toMatch(
    />Accepted<\/strong> <strong class="nhsuk-tag nhsuk-tag--white">Imported from a spreadsheet</,
  );
  const matrixCsv = await manager.get(`${paths.matrix.export}?period=${past.id}`).expect(200);
  expect(matrixCsv.text).toContain('Accepted, imported from a spreadsheet');
  const heatmap = await manager
    .get(`${paths.heatmap}?${new URLSearchParams({ period: past.id, standard: world.ais.id }).toString()}`)
    .expect(200);
  expect(heatmap.text).toContain('Accepted, imported from a spreadsheet');
  expect(heatmap.text).toContain('imported 10am on 5 December 2026');
  for (const url of [paths.trends, pathTo(paths.providers.trends, { providerId: world.providerA.id })]) {
    const trends = await manager.get(url).expect(200);
    expect(trends.text).toContain('2024/25 (1 return imported from a spreadsheet)');
  }
  const exported = await manager
    .get(
      `${paths.exports.requirements}?${new URLSearchParams({ periodId: past.id, format: 'csv' }).toString()}`,
    )
    .expect(200);
  expect(exported.text).toContain('Accepted, imported from a spreadsheet');
  const pack = await manager
    .get(`${pathTo(paths.exports.pack, { providerId: world.providerA.id })}?periodId=${past.id}`)
    .expect(200);
  expect(pack.text).toContain('Accepted, imported from a spreadsheet');

  // Nobody downloads or uploads it as a workbook: it is history (staff on the provider's behalf,
  // and the provider's lead).
  const refusal = 'This return was imported from a spreadsheet as a past period’s answers';
  for (const agent of [manager, lead]) {
    const download = await agent.get(pathTo(paths.returns.workbook, { returnId: created.id })).expect(409);
    expect(download.text).toContain(refusal);
  }
  const uploadPage = await lead
    .get(pathTo(paths.returns.workbookUpload, { returnId: created.id }))
    .expect(409);
  expect(uploadPage.text).toContain(refusal);
  const leadHome = await lead.get('/').expect(200);
  await lead
    .post(pathTo(paths.returns.workbookUpload, { returnId: created.id }))
    .field('_csrf', csrfTokenFrom(leadHome.text))
    .attach('file', content, 'AIS 2024-25.xlsx')
    .expect(409);
  expect((await writes()).audit).toBe(before.audit + 1);

  // The same target again is refused: an import never replaces a return.
  const again = await upload(manager, world.providerA.id, value, content);
  expect(again.status).toBe(400);
  expect(again.text).toContain('has already been imported from a spreadsheet');
});

test('refusals write nothing: not ended, a live return there, wrong standard, unknown rating, tokens of live returns, not a workbook, no answers', async () => {
  const admin = await signedInAgent(app, world.admin.id);
  const leadA = await signedInAgent(app, world.leadA.id);
  const leadB = await signedInAgent(app, world.leadB.id);
  const aisValue = target(past.id, world.ais.id);
  const edsValue = target(pastEds.periodId, pastEds.versionId);
  // Provider B has a live (not imported) EDS return for 2024/25: never replaced.
  const contractB2 = await createContract(db.prisma, world.providerB.id, world.manager.id);
  await createReturn(db.prisma, {
    contractId: contractB2.id,
    providerId: world.providerB.id,
    frameworkVersionId: eds.id,
    periodId: past.id,
  });
  const edsTemplate = await filledIn(admin, templateUrl(world.providerA.id, edsValue), (sheet) => {
    sheet.getCell('F2').value = 'An EDS answer';
  });
  const [edsFirst] = await requirementsInOrder(db.prisma, eds.id);
  const unknownRating = await filledIn(admin, templateUrl(world.providerA.id, edsValue), (sheet) => {
    sheet.getCell('D2').value = 'Brilliant';
  });
  const blank = (await get(admin, templateUrl(world.providerA.id, edsValue)).expect(200)).body as Buffer;
  const liveA = await filledIn(
    leadA,
    pathTo(paths.returns.workbook, { returnId: world.returnA.id }),
    (sheet) => {
      sheet.getCell('F2').value = 'x';
    },
  );
  const liveB = await filledIn(
    leadB,
    pathTo(paths.returns.workbook, { returnId: world.returnB.id }),
    (sheet) => {
      sheet.getCell('F2').value = 'x';
    },
  );
  const tampered = await filledIn(
    leadA,
    pathTo(paths.returns.workbook, { returnId: world.returnA.id }),
    (_s, book) => {
      const cell = book.getWorksheet(TOKEN_SHEET)?.getCell('A2');
      if (!cell) throw new Error('no token');
      cell.value = `${cell.text.slice(0, 5)}${cell.text[5] === 'A' ? 'B' : 'A'}${cell.text.slice(6)}`;
    },
  );

  const before = await writes();
  const cases: [string, string, Buffer, string, string][] = [
    [
      world.providerA.id,
      target(world.period.id, world.ais.id),
      edsTemplate,
      'x.xlsx',
      'That period has not ended yet',
    ],
    [
      world.providerB.id,
      edsValue,
      edsTemplate,
      'x.xlsx',
      'already has its Equality Delivery System 2022 return for 2024/25',
    ],
    [
      world.providerB.id,
      aisValue,
      edsTemplate,
      'x.xlsx',
      'This workbook is not for Accessible Information Standard 2025',
    ],
    [
      world.providerA.id,
      edsValue,
      unknownRating,
      'x.xlsx',
      `Row 2: &#34;Brilliant&#34; is not a rating for ${edsFirst?.code ?? ''}`,
    ],
    [
      world.providerA.id,
      edsValue,
      liveA,
      'x.xlsx',
      'was downloaded from the Accessible Information Standard 2025 return for',
    ],
    [world.providerA.id, edsValue, liveB, 'x.xlsx', 'downloaded from another provider’s return'],
    [world.providerA.id, edsValue, tampered, 'x.xlsx', 'hidden sheet has been changed'],
    [world.providerA.id, edsValue, pdfFile(), 'x.xlsx', 'The file must be an Excel workbook (.xlsx)'],
    [
      world.providerA.id,
      edsValue,
      Buffer.from('Code,Rating\n1A,Excelling\n'),
      'x.csv',
      'The file must be an Excel workbook (.xlsx)',
    ],
    [world.providerA.id, edsValue, blank, 'x.xlsx', 'The workbook has no answers'],
    [world.providerA.id, 'not-a-target', edsTemplate, 'x.xlsx', 'Select the period and standard'],
  ];
  for (const [providerId, value, content, name, reason] of cases) {
    const response = await upload(admin, providerId, value, content, name);
    expect({ reason, status: response.status }).toEqual({ reason, status: 400 });
    const summary = /nhsuk-error-summary__list[\s\S]*?<\/ul>/.exec(response.text)?.[0];
    expect(summary).toContain(reason);
  }
  expect(await writes()).toEqual(before);
  // Nothing waits to be confirmed either.
  await admin.get(previewPath(world.providerA.id)).expect(302);
});

test('a return made for the period after the preview was shown stops the import: nothing written', async () => {
  const manager = await signedInAgent(app, world.manager.id);
  const provider = await db.prisma.provider.create({
    data: { name: 'Charlie Clinic', odsCode: 'CHX01', type: 'care_home' },
  });
  const contract = await createContract(db.prisma, provider.id, world.manager.id);
  const value = target(past.id, world.ais.id);
  const content = await filledIn(manager, templateUrl(provider.id, value), (sheet) => {
    sheet.getCell('F2').value = 'From the spreadsheet';
  });
  expect((await upload(manager, provider.id, value, content)).status).toBe(302);
  // Meanwhile the period is opened for this contract.
  await createReturn(db.prisma, {
    contractId: contract.id,
    providerId: provider.id,
    frameworkVersionId: world.ais.id,
    periodId: past.id,
  });
  const before = await writes();
  const { response } = await confirm(manager, provider.id);
  expect(response.status).toBe(409);
  expect(response.text).toContain('already has its Accessible Information Standard 2025 return for 2024/25');
  expect(await writes()).toEqual(before);
});

test('only administrators and contract managers: leads, contributors, viewers are refused (403) and write nothing', async () => {
  const contributor = await createProviderLead(db.prisma, world.providerA.id, {
    displayName: 'Cai Contributor',
  });
  await db.prisma.membership.updateMany({ where: { userId: contributor.id }, data: { role: 'contributor' } });
  const manager = await signedInAgent(app, world.manager.id);
  const value = target(pastEds.periodId, pastEds.versionId);
  const content = await filledIn(manager, templateUrl(world.providerA.id, value), (sheet) => {
    sheet.getCell('F2').value = 'Not theirs to load';
  });
  const before = await writes();
  for (const user of [world.leadA, contributor, world.leadB, world.viewer]) {
    const agent = await signedInAgent(app, user.id);
    await agent.get(importPath(world.providerA.id)).expect(403);
    await agent.get(templateUrl(world.providerA.id, value)).expect(403);
    await agent.get(previewPath(world.providerA.id)).expect(403);
    const home = await agent.get('/').expect(200);
    const token = csrfTokenFrom(home.text);
    await agent
      .post(importPath(world.providerA.id))
      .field('_csrf', token)
      .field('target', value)
      .attach('file', content, 'x.xlsx')
      .expect(403);
    await agent.post(previewPath(world.providerA.id)).type('form').send({ _csrf: token }).expect(403);
  }
  const anonymous = await supertest.agent(app).get(importPath(world.providerA.id)).expect(302);
  expect(anonymous.headers.location).toContain(paths.signIn);
  expect(await writes()).toEqual(before);
  const admin = await signedInAgent(app, world.admin.id);
  await admin.get(importPath(world.providerA.id)).expect(200);
});
