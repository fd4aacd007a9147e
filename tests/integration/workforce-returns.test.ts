import type { Express } from 'express';
import { pathTo, paths } from '../../src/paths.js';
import { sha256 } from '../../src/hash.js';
import { entriesOf } from '../../src/workforce/entry.js';
import { readWorkforceStandards } from '../../src/workforce/indicator-files.js';
import { canonicalJson, type JsonValue } from '../../src/returns/snapshot.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, type Agent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createProviderLead, createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';

// WRES and WDES returns through the pages, against a real PostgreSQL: every calculation against
// figures worked out by hand in the comments, every refusal with its message (and the input kept),
// the lifecycle (submit, return with a reason, resubmit, accept) and isolation between providers.

let db: TestDatabase;
let app: Express;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let leadA: Agent;
let leadB: Agent;
let manager: Agent;
let viewer: Agent;
let contributorA: Agent;
const tokens = new Map<Agent, string>();

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
  const contributor = await createProviderLead(db.prisma, world.providerA.id, {
    displayName: 'Cleo Contributor',
  });
  await db.prisma.membership.update({
    where: { userId_providerId: { userId: contributor.id, providerId: world.providerA.id } },
    data: { role: 'contributor' },
  });
  [leadA, leadB, manager, viewer, contributorA] = await Promise.all([
    signedInAgent(app, world.leadA.id),
    signedInAgent(app, world.leadB.id),
    signedInAgent(app, world.manager.id),
    signedInAgent(app, world.viewer.id),
    signedInAgent(app, contributor.id),
  ]);
  for (const agent of [leadA, leadB, manager, viewer, contributorA])
    tokens.set(agent, csrfTokenFrom((await agent.get(paths.localSignIn).expect(200)).text));
});
afterAll(async () => {
  await db.drop();
});

/** Text of a page with its tags removed and entities decoded, for reading figures in sentences. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .replaceAll('&quot;', '"')
    .replace(/\s+/g, ' ');
}

/** Posts a form with the agent's session CSRF token (read once per agent from the sign-in page). */
function post(agent: Agent, url: string, fields: Record<string, string>) {
  const token = tokens.get(agent);
  if (!token) throw new Error('no token for this agent');
  return agent
    .post(url)
    .type('form')
    .send({ _csrf: token, ...fields });
}

async function startReturn(agent: Agent, providerId: string, standard: 'WRES' | 'WDES', year: string) {
  const page = pathTo(paths.workforce.provider, { providerId });
  const response = await post(agent, page, { standard, year }).expect(302);
  const location = String(response.headers.location);
  const id = /\/workforce\/returns\/([0-9a-f-]+)/.exec(location)?.[1];
  if (!id) throw new Error(`no return in ${location}`);
  return id;
}

const entryUrl = (returnId: string, indicatorCode: string) =>
  pathTo(paths.workforce.entry, { returnId, indicatorCode });

/** Saves an entry (302) and reads what the page then shows. */
async function enter(agent: Agent, returnId: string, code: string, fields: Record<string, string>) {
  await post(agent, entryUrl(returnId, code), fields).expect(302);
  return textOf((await agent.get(entryUrl(returnId, code)).expect(200)).text);
}

/** Every field of an entry, "0" unless given: indicator and metric 1 ask for a count per group per band. */
function allFields(standardCode: 'WRES' | 'WDES', code: string, given: Record<string, string>) {
  const standard = readWorkforceStandards().find((item) => item.code === standardCode);
  const entry = standard && entriesOf(standard).find((item) => item.code === code);
  if (!entry) throw new Error(`no ${standardCode} ${code}`);
  return Object.fromEntries(entry.fields.map((field) => [field.name, given[field.name] ?? '0']));
}

const WRES_FIGURES: Record<string, Record<string, string>> = {
  // Non-clinical band 2: White 30, BME 10. Clinical band 5: White 50, BME 40, unknown 10. Clinical
  // VSM: White 6, BME 2 (8 staff: small). Every other band 0.
  '1': allFields('WRES', '1', {
    'non-clinical-2-white': '30',
    'non-clinical-2-bme': '10',
    'clinical-5-white': '50',
    'clinical-5-bme': '40',
    'clinical-5-unknown': '10',
    'clinical-vsm-white': '6',
    'clinical-vsm-bme': '2',
  }),
  '2': { 'white-outOf': '300', 'white-events': '45', 'bme-outOf': '150', 'bme-events': '12' },
  '3': { 'bme-outOf': '400', 'bme-events': '6', 'white-outOf': '1,600', 'white-events': '20' },
  '4': { 'white-outOf': '2000', 'white-events': '900', 'bme-outOf': '500', 'bme-events': '150' },
  '5': { white: '25.5', bme: '30' },
  '6': { white: '20', bme: '27.4' },
  '7': { white: '58.2', bme: '44.9' },
  '8': { white: '6.1', bme: '14.3' },
  '9': { boardGroup: '2', boardTotal: '12', workforceGroup: '500', workforceTotal: '2500' },
};

describe('a WRES return', () => {
  let returnId: string;
  beforeAll(async () => {
    returnId = await startReturn(leadA, world.providerA.id, 'WRES', '2025');
  });

  test('indicator 1: each group’s share of each band against the whole workforce, in tables that scroll in their own region', async () => {
    const page = await post(leadA, entryUrl(returnId, '1'), WRES_FIGURES['1'] ?? {}).expect(302);
    expect(page.headers.location).toContain('done=saved');
    const html = (await leadA.get(entryUrl(returnId, '1')).expect(200)).text;
    const text = textOf(html);
    // BME 10 + 40 + 2 = 52 of 40 + 100 + 8 = 148 staff: 52 ÷ 148 × 100 = 35.1%.
    expect(text).toContain('Result Black and minority ethnic (BME) staff: 35.1% of the workforce');
    expect(text).toContain('= 52 ÷ 148 × 100 = 35.1%');
    // Clinical band 5: 50, 40 and 10 of 100; clinical staff 56, 42, 10 of 108; whole workforce 86, 52, 10.
    expect(text).toContain('Band 5 50.0% (50) 40.0% (40) 10.0% (10) 100');
    expect(text).toContain('All clinical staff 51.9% (56) 38.9% (42) 9.3% (10) 108');
    expect(text).toContain('Whole workforce 58.1% (86) 35.1% (52) 6.8% (10) 148');
    expect(text).toContain(
      'Warning: Small numbers: fewer than 10 staff in clinical Very senior managers (VSM)',
    );
    expect(html).toContain('aria-label="Clinical staff by band (scrolls sideways)"');
    // The form groups each band's three counts under its legend.
    expect(html).toContain(
      '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Clinical staff: Band 5</legend>',
    );
  });

  test('indicator 2: relative likelihood to two decimals with the formula in words and numbers, outside the band', async () => {
    // White 45 ÷ 300 = 0.15; BME 12 ÷ 150 = 0.08; 0.15 ÷ 0.08 = 1.875, shown 1.88 (above 1.25).
    const text = await enter(leadA, returnId, '2', WRES_FIGURES['2'] ?? {});
    expect(text).toContain('Result 1.88');
    expect(text).toContain(
      '(White staff appointed ÷ White staff shortlisted) ÷ (Black and minority ethnic (BME) staff appointed ÷ Black and minority ethnic (BME) staff shortlisted): (45 ÷ 300) ÷ (12 ÷ 150) = 0.1500 ÷ 0.0800 = 1.88',
    );
    expect(text).toContain('Warning: Outside the parity band of 0.80 to 1.25');
  });

  test('indicator 3 inside the band (1,600 read with its comma), indicator 4, and no warnings', async () => {
    // BME 6 ÷ 400 = 0.015; White 20 ÷ 1,600 = 0.0125; 0.015 ÷ 0.0125 = 1.20.
    const three = await enter(leadA, returnId, '3', WRES_FIGURES['3'] ?? {});
    expect(three).toContain('Result 1.20');
    expect(three).toContain('(6 ÷ 400) ÷ (20 ÷ 1600) = 0.0150 ÷ 0.0125 = 1.20');
    expect(three).toContain('Warnings None');
    // White 900 ÷ 2,000 = 0.45; BME 150 ÷ 500 = 0.30; 0.45 ÷ 0.30 = 1.50.
    const four = await enter(leadA, returnId, '4', WRES_FIGURES['4'] ?? {});
    expect(four).toContain('Result 1.50');
    expect(four).toContain('(900 ÷ 2000) ÷ (150 ÷ 500) = 0.4500 ÷ 0.3000 = 1.50');
  });

  test('indicators 5 to 8: survey percentages and the gap between the groups', async () => {
    // 30.0 − 25.5 = +4.5 percentage points.
    const five = await enter(leadA, returnId, '5', WRES_FIGURES['5'] ?? {});
    expect(five).toContain('White staff: 25.5%; Black and minority ethnic (BME) staff: 30.0%');
    expect(five).toContain(
      'Black and minority ethnic (BME) staff 30.0% − White staff 25.5% = +4.5 percentage points',
    );
    for (const code of ['6', '7', '8']) await enter(leadA, returnId, code, WRES_FIGURES[code] ?? {});
    // 44.9 − 58.2 = −13.3.
    const seven = textOf((await leadA.get(entryUrl(returnId, '7')).expect(200)).text);
    expect(seven).toContain('= -13.3 percentage points');
  });

  test('indicator 9: the board gap in percentage points', async () => {
    // Board 2 ÷ 12 = 16.7%; workforce 500 ÷ 2,500 = 20.0%; 16.7 − 20.0 = −3.3 points.
    const text = await enter(leadA, returnId, '9', WRES_FIGURES['9'] ?? {});
    expect(text).toContain('Result -3.3 percentage points');
    expect(text).toContain('(2 ÷ 12 × 100) − (500 ÷ 2500 × 100) = 16.7% − 20.0% = -3.3 percentage points');
  });

  test('every refusal has its own message, keeps the input, and changes nothing', async () => {
    const before = await db.prisma.workforceAnswer.findMany({
      where: { returnId },
      orderBy: { indicatorCode: 'asc' },
    });
    const refused = async (code: string, fields: Record<string, string>) => {
      const response = await post(leadA, entryUrl(returnId, code), fields).expect(400);
      expect(response.text).toContain('There is a problem');
      for (const value of Object.values(fields))
        if (value !== '') expect(response.text).toContain(`value="${value}"`);
      return textOf(response.text);
    };
    expect(
      await refused('2', { 'white-outOf': '40', 'white-events': '50', 'bme-outOf': '10', 'bme-events': '1' }),
    ).toContain('The number of White staff appointed (50) cannot be more than the number shortlisted (40)');
    const notWhole = await refused('2', {
      'white-outOf': '12.5',
      'white-events': '',
      'bme-outOf': 'ten',
      'bme-events': '1',
    });
    expect(notWhole).toContain('The number of White staff shortlisted must be a whole number, 0 or more');
    expect(notWhole).toContain('Enter the number of White staff appointed');
    expect(notWhole).toContain(
      'The number of Black and minority ethnic (BME) staff shortlisted must be a whole number, 0 or more',
    );
    expect(await refused('5', { white: '101', bme: '-1' })).toEqual(
      expect.stringContaining('The percentage for White staff cannot be over 100'),
    );
    expect(await refused('5', { white: '101', bme: '-1' })).toContain(
      'The percentage for Black and minority ethnic (BME) staff cannot be below 0',
    );
    expect(await refused('5', { white: 'lots', bme: '' })).toContain(
      'The percentage for White staff must be a number, like 27.5',
    );
    const board = await refused('9', {
      boardGroup: '13',
      boardTotal: '12',
      workforceGroup: '10',
      workforceTotal: '0',
    });
    expect(board).toContain(
      'Black and minority ethnic (BME) board members (13) cannot be more than the whole board (12)',
    );
    expect(board).toContain('Enter the number of staff: it cannot be 0');
    expect(
      await refused('9', { boardGroup: '1', boardTotal: '12', workforceGroup: '501', workforceTotal: '500' }),
    ).toContain('Black and minority ethnic (BME) staff (501) cannot be more than the whole workforce (500)');
    const noStaff = await refused('1', allFields('WRES', '1', { 'clinical-8a-bme': 'some' }));
    expect(noStaff).toContain(
      'The number of Black and minority ethnic (BME) staff, clinical staff, Band 8a must be a whole number, 0 or more',
    );
    expect(await refused('1', allFields('WRES', '1', {}))).toContain(
      'Enter the staff in each band: there must be at least 1 member of staff',
    );
    expect(
      await db.prisma.workforceAnswer.findMany({ where: { returnId }, orderBy: { indicatorCode: 'asc' } }),
    ).toEqual(before);
  });

  test('check answers lists every figure and result; the lead submits; the submission is frozen with its SHA-256', async () => {
    const check = textOf(
      (await leadA.get(pathTo(paths.workforce.checkAnswers, { returnId })).expect(200)).text,
    );
    expect(check).toContain('Result 1.88');
    expect(check).toContain('Result -3.3 percentage points');
    // A contributor answers but does not submit.
    await post(contributorA, pathTo(paths.workforce.submit, { returnId }), {}).expect(403);
    await post(leadA, pathTo(paths.workforce.submit, { returnId }), {}).expect(302);
    const row = await db.prisma.workforceReturn.findUniqueOrThrow({
      where: { id: returnId },
      include: { submissions: true },
    });
    expect(row.status).toBe('submitted');
    const [submission] = row.submissions;
    expect(submission?.snapshotSha256).toBe(sha256(canonicalJson(submission?.snapshot as JsonValue)));
    expect(submission?.snapshot).toMatchObject({
      standard: 'WRES 2025',
      year: 2025,
      entries: expect.arrayContaining([
        expect.objectContaining({
          code: '2',
          shown: '1.88',
          flags: ['Outside the parity band of 0.80 to 1.25'],
        }),
      ]) as unknown,
    });
    // Frozen: no further change until it is returned.
    await post(leadA, entryUrl(returnId, '2'), WRES_FIGURES['2'] ?? {}).expect(409);
    await expect(
      db.prisma.workforceSubmission.update({
        where: { id: submission?.id ?? '' },
        data: { snapshotSha256: '0'.repeat(64) },
      }),
    ).rejects.toThrow();
  });

  test('the commissioner returns it with a reason, the lead changes and resubmits, then it is accepted', async () => {
    const show = pathTo(paths.workforce.show, { returnId });
    const review = pathTo(paths.workforce.review, { returnId });
    await post(viewer, review, { decision: 'accepted' }).expect(403);
    await post(leadA, review, { decision: 'accepted' }).expect(403);
    const noReason = await post(manager, review, { decision: 'returned', reason: ' ' }).expect(400);
    expect(textOf(noReason.text)).toContain('Enter the reason the provider needs to change the return');
    await post(manager, review, {
      decision: 'returned',
      reason: 'Indicator 2 looks like last year’s figures',
    }).expect(302);
    expect((await db.prisma.workforceReturn.findUniqueOrThrow({ where: { id: returnId } })).status).toBe(
      'returned',
    );
    expect(textOf((await leadA.get(show).expect(200)).text)).toContain(
      'Reason: Indicator 2 looks like last year’s figures',
    );
    // White 50 ÷ 300 = 0.1667; BME 12 ÷ 150 = 0.08; 2.0833, shown 2.08.
    const changed = await enter(leadA, returnId, '2', { ...WRES_FIGURES['2'], 'white-events': '50' });
    expect(changed).toContain('(50 ÷ 300) ÷ (12 ÷ 150) = 0.1667 ÷ 0.0800 = 2.08');
    expect((await db.prisma.workforceReturn.findUniqueOrThrow({ where: { id: returnId } })).status).toBe(
      'in_progress',
    );
    await post(leadA, pathTo(paths.workforce.submit, { returnId }), {}).expect(302);
    await post(manager, review, { decision: 'accepted' }).expect(302);
    const row = await db.prisma.workforceReturn.findUniqueOrThrow({
      where: { id: returnId },
      include: { submissions: { orderBy: { sequence: 'asc' } } },
    });
    expect(row.status).toBe('accepted');
    expect(row.submissions.map((item) => [item.sequence, item.decision])).toEqual([
      [1, 'returned'],
      [2, 'accepted'],
    ]);
    await post(manager, review, { decision: 'accepted' }).expect(409);
    const actions = await db.prisma.auditEvent.findMany({
      where: { entityType: 'workforce_return', entityId: returnId },
      orderBy: { id: 'asc' },
      select: { action: true },
    });
    expect(actions.map((event) => event.action)).toEqual(
      expect.arrayContaining([
        'workforce_return.started',
        'workforce_return.answered',
        'workforce_return.submitted',
        'workforce_return.returned',
        'workforce_return.accepted',
      ]),
    );
  });

  test('a second WRES return for the same year is refused on the form, input kept', async () => {
    const page = pathTo(paths.workforce.provider, { providerId: world.providerA.id });
    const response = await post(leadA, page, { standard: 'WRES', year: '2025' }).expect(400);
    expect(textOf(response.text)).toContain('There is already a WRES return for 2025 data');
    const missing = await post(leadA, page, {}).expect(400);
    expect(textOf(missing.text)).toContain('Select WRES or WDES');
    expect(textOf(missing.text)).toContain('Select the year of the data');
  });

  test('submitting an incomplete return names what is missing', async () => {
    const other = await startReturn(leadA, world.providerA.id, 'WRES', '2024');
    await enter(leadA, other, '2', WRES_FIGURES['2'] ?? {});
    const response = await post(leadA, pathTo(paths.workforce.submit, { returnId: other }), {}).expect(400);
    expect(textOf(response.text)).toContain(
      'Enter WRES indicator 1, WRES indicator 3, WRES indicator 4, WRES indicator 5, WRES indicator 6, WRES indicator 7, WRES indicator 8, WRES indicator 9 before you submit',
    );
    expect((await db.prisma.workforceReturn.findUniqueOrThrow({ where: { id: other } })).status).toBe(
      'in_progress',
    );
  });
});

describe('a WDES return', () => {
  let returnId: string;
  beforeAll(async () => {
    returnId = await startReturn(manager, world.providerA.id, 'WDES', '2025');
  });

  test('the declaration rate is recorded beside the metrics', async () => {
    // 2,100 ÷ 2,500 × 100 = 84.0%.
    const text = await enter(leadA, returnId, 'declaration', { declared: '2100', headcount: '2500' });
    expect(text).toContain('Result 84.0%');
    expect(text).toContain('2100 ÷ 2500 × 100 = 84.0%');
    const refused = await post(leadA, entryUrl(returnId, 'declaration'), {
      declared: '3000',
      headcount: '2500',
    }).expect(400);
    expect(textOf(refused.text)).toContain(
      'Staff who declared (3000) cannot be more than the whole workforce (2500)',
    );
    const show = textOf((await leadA.get(pathTo(paths.workforce.show, { returnId })).expect(200)).text);
    expect(show.indexOf('the declaration rate')).toBeLessThan(show.indexOf('WDES metric 2'));
  });

  test('metric 2 with a small group, and metric 3 that cannot be worked out (no one in the capability process)', async () => {
    // Non-disabled 60 ÷ 400 = 0.15; Disabled 2 ÷ 8 = 0.25; 0.15 ÷ 0.25 = 0.60.
    const two = await enter(leadA, returnId, '2', {
      'non-disabled-outOf': '400',
      'non-disabled-events': '60',
      'disabled-outOf': '8',
      'disabled-events': '2',
    });
    expect(two).toContain('Result 0.60');
    expect(two).toContain('(60 ÷ 400) ÷ (2 ÷ 8) = 0.1500 ÷ 0.2500 = 0.60');
    expect(two).toContain('Warning: Outside the parity band of 0.80 to 1.25');
    expect(two).toContain(
      'Warning: Small numbers: only 8 Disabled staff shortlisted, fewer than 10; read with care',
    );
    // Disabled 3 ÷ 150 = 0.02; non-disabled 0 ÷ 3,000: no denominator, so kept with the reason.
    const three = await enter(leadA, returnId, '3', {
      'disabled-outOf': '150',
      'disabled-events': '3',
      'non-disabled-outOf': '3000',
      'non-disabled-events': '0',
    });
    expect(three).toContain('Result Cannot be worked out');
    expect(three).toContain(
      'No Non-disabled staff entered the formal capability process, so the likelihood cannot be worked out (it would divide by zero)',
    );
    // Disabled 3 ÷ 150 = 0.02; non-disabled 30 ÷ 3,000 = 0.01; 2.00.
    expect(
      await enter(leadA, returnId, '3', {
        'disabled-outOf': '150',
        'disabled-events': '3',
        'non-disabled-outOf': '3000',
        'non-disabled-events': '30',
      }),
    ).toContain('(3 ÷ 150) ÷ (30 ÷ 3000) = 0.0200 ÷ 0.0100 = 2.00');
  });

  test('metric 9a: the staff engagement score for each group and all staff, 0 to 10', async () => {
    // Non-disabled 7.0 − Disabled 6.5 = +0.5 points.
    const text = await enter(leadA, returnId, '9a', { disabled: '6.5', 'non-disabled': '7', overall: '6.9' });
    expect(text).toContain('Result Disabled staff: 6.5; Non-disabled staff: 7.0; All staff: 6.9');
    expect(text).toContain('Non-disabled staff 7.0 − Disabled staff 6.5 = +0.5 points');
    const over = await post(leadA, entryUrl(returnId, '9a'), {
      disabled: '11',
      'non-disabled': '7',
      overall: '-1',
    }).expect(400);
    expect(textOf(over.text)).toContain('The score for Disabled staff cannot be over 10');
    expect(textOf(over.text)).toContain('The score for all staff cannot be below 0');
    const refused = await post(leadA, entryUrl(returnId, '9a'), {
      disabled: '6',
      'non-disabled': 'high',
      overall: '',
    }).expect(400);
    const refusedText = textOf(refused.text);
    expect(refusedText).toContain('The score for Non-disabled staff must be a number, like 6.8');
    expect(refusedText).toContain('Enter the score for all staff');
    expect(refused.text).toContain('value="high"');
  });

  test('metric 1 by cluster, marked as not yet confirmed', async () => {
    // 3 Disabled of 60 in clinical cluster 2: 3 ÷ 60 × 100 = 5.0%.
    const text = await enter(
      leadA,
      returnId,
      '1',
      allFields('WDES', '1', {
        'clinical-cluster-2-disabled': '3',
        'clinical-cluster-2-non-disabled': '45',
        'clinical-cluster-2-unknown': '12',
      }),
    );
    expect(text).toContain('Result Disabled staff: 5.0% of the workforce');
    expect(text).toContain('Cluster 5: medical and dental consultants');
    expect(text).toContain('Not yet confirmed from a published source');
  });

  test('metric 8 (Disabled staff only), 9b narrative and 10 board gap', async () => {
    expect(await enter(leadA, returnId, '8', { disabled: '71.3' })).toContain('Result Disabled staff: 71.3%');
    const noExamples = await post(leadA, entryUrl(returnId, '9b'), { answer: 'yes', examples: '' }).expect(
      400,
    );
    expect(textOf(noExamples.text)).toContain('Enter examples of what the organisation has done');
    const unanswered = await post(leadA, entryUrl(returnId, '9b'), {}).expect(400);
    expect(textOf(unanswered.text)).toContain('Select yes or no');
    const narrative = await enter(leadA, returnId, '9b', {
      answer: 'yes',
      examples: 'A Disabled staff network meets the board twice a year',
    });
    expect(narrative).toContain('Result Yes');
    expect(narrative).toContain('A Disabled staff network meets the board twice a year');
    // Board 1 ÷ 14 = 7.1%; workforce 84 ÷ 2,500 = 3.4%; 7.14 − 3.36 = +3.8 points.
    const ten = await enter(leadA, returnId, '10', {
      boardGroup: '1',
      boardTotal: '14',
      workforceGroup: '84',
      workforceTotal: '2500',
    });
    expect(ten).toContain('Result +3.8 percentage points');
  });
});

describe('isolation', () => {
  let returnId: string;
  beforeAll(async () => {
    returnId = await startReturn(leadA, world.providerA.id, 'WRES', '2023');
    await enter(leadA, returnId, '2', WRES_FIGURES['2'] ?? {});
  });

  test("another provider's lead finds none of provider A's pages or figures, and can change nothing", async () => {
    const urls = [
      pathTo(paths.workforce.provider, { providerId: world.providerA.id }),
      pathTo(paths.workforce.show, { returnId }),
      entryUrl(returnId, '2'),
      pathTo(paths.workforce.checkAnswers, { returnId }),
    ];
    for (const url of urls) {
      const response = await leadB.get(url);
      expect([url, response.status]).toEqual([url, 404]);
      expect(response.text).not.toContain('1.88');
    }
    const token = csrfTokenFrom(
      (await leadB.get(pathTo(paths.workforce.provider, { providerId: world.providerB.id })).expect(200))
        .text,
    );
    for (const url of [
      entryUrl(returnId, '2'),
      pathTo(paths.workforce.submit, { returnId }),
      pathTo(paths.workforce.provider, { providerId: world.providerA.id }),
    ]) {
      const response = await leadB
        .post(url)
        .type('form')
        .send({ _csrf: token, ...(WRES_FIGURES['3'] ?? {}), standard: 'WDES', year: '2022' });
      expect([url, response.status]).toEqual([url, 404]);
    }
    // B's own page lists none of A's returns.
    const own = await leadB
      .get(pathTo(paths.workforce.provider, { providerId: world.providerB.id }))
      .expect(200);
    expect(own.text).not.toContain(returnId);
    expect(
      await db.prisma.workforceReturn.count({ where: { providerId: world.providerA.id, year: 2022 } }),
    ).toBe(0);
  });

  test('staff read a provider’s figures but do not enter them', async () => {
    expect(textOf((await viewer.get(entryUrl(returnId, '2')).expect(200)).text)).toContain('Result 1.88');
    await post(viewer, entryUrl(returnId, '2'), WRES_FIGURES['2'] ?? {}).expect(403);
    await post(manager, entryUrl(returnId, '2'), WRES_FIGURES['2'] ?? {}).expect(403);
    await post(viewer, pathTo(paths.workforce.provider, { providerId: world.providerA.id }), {
      standard: 'WDES',
      year: '2022',
    }).expect(403);
  });
});

describe('due dates', () => {
  // On 7 November 2026: 2026 data were due by 31 October 2026 (data/obligations/wres-report.json and
  // wdes-report.json); what was submitted is due that day without "overdue".
  const frozen = () => new Date('2026-11-07T09:00:00Z');
  let frozenApp: Express;
  let lead: Agent;
  let leadOfB: Agent;

  beforeAll(async () => {
    frozenApp = buildTestApp(db, { clock: frozen });
    [lead, leadOfB] = await Promise.all([
      signedInAgent(frozenApp, world.leadA.id),
      signedInAgent(frozenApp, world.leadB.id),
    ]);
    tokens.set(lead, csrfTokenFrom((await lead.get(paths.localSignIn).expect(200)).text));
    tokens.set(leadOfB, csrfTokenFrom((await leadOfB.get(paths.localSignIn).expect(200)).text));
  });

  test('a return and its provider’s list show its due date from the obligation, or why there is none', async () => {
    await db.prisma.provider.update({ where: { id: world.providerA.id }, data: { sector: 'nhs_trust' } });
    await db.prisma.provider.update({ where: { id: world.providerB.id }, data: { sector: 'gp_practice' } });
    const wdes = await startReturn(lead, world.providerA.id, 'WDES', '2026');
    const show = textOf((await lead.get(pathTo(paths.workforce.show, { returnId: wdes })).expect(200)).text);
    expect(show).toContain('Due: 31 October 2026 (7 days overdue)');
    const list = textOf(
      (await lead.get(pathTo(paths.workforce.provider, { providerId: world.providerA.id })).expect(200)).text,
    );
    expect(list).toContain(
      'WDES 2026 Standard Workforce Disability Equality Standard Data 2026 data (as at 31 March 2026) Due 31 October 2026 (7 days overdue) Status Not started',
    );
    // The 2025 WRES return was accepted above: due 31 October 2025, nothing more said.
    expect(list).toContain('Data 2025 data (as at 31 March 2025) Due 31 October 2025 Status Accepted');

    // WDES does not apply to a GP practice, and the page says why (WRES neither, by the unverified rule).
    const gp = await startReturn(leadOfB, world.providerB.id, 'WDES', '2026');
    expect(
      textOf((await leadOfB.get(pathTo(paths.workforce.show, { returnId: gp })).expect(200)).text),
    ).toContain(
      'Due: No due date. Not owed: Applies to NHS trusts and NHS foundation trusts. It is recorded as: GP practice.',
    );
    // A provider whose kind is not recorded: what to record.
    await db.prisma.provider.update({ where: { id: world.providerB.id }, data: { sector: null } });
    expect(
      textOf((await leadOfB.get(pathTo(paths.workforce.show, { returnId: gp })).expect(200)).text),
    ).toContain(
      'Due: No due date. Applies to NHS trusts and NHS foundation trusts. Its kind of organisation is not recorded. Record it on the provider page.',
    );
  });
});
