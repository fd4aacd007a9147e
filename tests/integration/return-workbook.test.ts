import ExcelJS from 'exceljs';
import supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { ANSWERS_SHEET, NOT_APPLICABLE_LABEL, TOKEN_SHEET } from '../../src/returns/workbook-file.js';
import { verifyWorkbookToken } from '../../src/returns/workbook-token.js';
import { buildTestApp, signedInAgent, TEST_SESSION_SECRET } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { requirementsInOrder, type Agent } from './returns-helpers.js';

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
  await db.prisma.response.upsert({
    where: { returnId_requirementId: { returnId: world.returnA.id, requirementId: first.id } },
    create: {
      returnId: world.returnA.id,
      requirementId: first.id,
      ratingLevelId: level.id,
      narrative: 'We audit every quarter',
      version: 3,
      updatedById: world.leadA.id,
    },
    update: {
      ratingLevelId: level.id,
      narrative: 'We audit every quarter',
      version: 3,
      notApplicable: false,
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
    'Actions planned',
    'Action owner',
    'Action date',
  ]);
  expect(sheet.rowCount).toBe(requirements.length + 1);
  expect(sheet.getCell('A2').text).toBe(first.code);
  expect(sheet.getCell('D2').text).toBe(level.label);
  expect(sheet.getCell('F2').text).toBe('We audit every quarter');

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
  expect(history.text).toContain('Downloaded on behalf of');
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
