import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import {
  answerReturn,
  changeAnswer,
  decideEveryRequirement,
  submitReturn,
  textOf,
} from '../support/review-fixtures.js';

// A provider lead's home page is their work: each return of their providers with its state, due date
// or days overdue and the one next action, overdue first; and the latest decisions on their returns.

const NOW = new Date('2027-04-10T09:00:00.000Z');
const LATER_DUE = new Date('2027-06-30');

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  world = await createTwoProviderWorld(db.prisma);
  const earlier = await db.prisma.reportingPeriod.create({
    data: { label: '2025/26', startDate: new Date('2025-04-01'), endDate: new Date('2026-03-31') },
  });
  const on = (frameworkVersionId: string, periodId: string) => ({
    contractId: world.contractA.id,
    providerId: world.providerA.id,
    frameworkVersionId,
    periodId,
  });
  const [eds2022, eds2, ais2016] = await Promise.all([
    frameworkVersion(db.prisma, 'EDS', '2022'),
    frameworkVersion(db.prisma, 'EDS', '2'),
    frameworkVersion(db.prisma, 'AIS', '2016'),
  ]);

  // Not started, and last year's AIS return was accepted: start from its answers.
  await db.prisma.return.update({ where: { id: world.returnA.id }, data: { dueDate: LATER_DUE } });
  ids.notStarted = world.returnA.id;
  const accepted = await createReturn(db.prisma, on(world.ais.id, earlier.id), {
    dueDate: new Date('2026-03-31'),
  });
  await answerReturn(db.prisma, accepted.id, world.leadA.id);
  const acceptedSubmission = await submitReturn(
    db.prisma,
    accepted.id,
    world.leadA.id,
    new Date('2027-03-01T10:00:00Z'),
  );
  await decideEveryRequirement(db.prisma, acceptedSubmission.id, world.manager.id);
  await db.prisma.returnReview.create({
    data: {
      submissionId: acceptedSubmission.id,
      reviewerId: world.manager.id,
      decision: 'accepted',
      comment: 'Thorough answers',
      decidedAt: new Date('2027-03-20T11:00:00Z'),
    },
  });
  await db.prisma.return.update({
    where: { id: accepted.id },
    data: { status: 'accepted', decidedAt: new Date('2027-03-20T11:00:00Z') },
  });
  ids.accepted = accepted.id;

  // In progress, due later.
  const inProgress = await createReturn(db.prisma, on(eds2022.id, world.period.id), {
    status: 'in_progress',
    dueDate: LATER_DUE,
  });
  ids.inProgress = inProgress.id;

  // Returned a year ago with two requirements to fix; one fixed since: overdue, one left.
  const returned = await createReturn(db.prisma, on(eds2.id, earlier.id), {
    dueDate: new Date('2026-03-31'),
  });
  await answerReturn(db.prisma, returned.id, world.leadA.id);
  const returnedSubmission = await submitReturn(
    db.prisma,
    returned.id,
    world.leadA.id,
    new Date('2026-03-20T10:00:00Z'),
  );
  await decideEveryRequirement(db.prisma, returnedSubmission.id, world.manager.id, (code) =>
    code === '1.1' || code === '1.2'
      ? { decision: 'returned', reason: `Say more about ${code}` }
      : { decision: 'accepted' },
  );
  await db.prisma.returnReview.create({
    data: {
      submissionId: returnedSubmission.id,
      reviewerId: world.manager.id,
      decision: 'returned',
      decidedAt: new Date('2026-04-02T15:30:00Z'),
    },
  });
  await db.prisma.return.update({ where: { id: returned.id }, data: { status: 'returned' } });
  await changeAnswer(db.prisma, returned.id, '1.1', { narrative: 'More about 1.1, as asked.' });
  ids.returned = returned.id;

  // Submitted, waiting for review.
  const submitted = await createReturn(db.prisma, on(ais2016.id, world.period.id), { dueDate: LATER_DUE });
  await answerReturn(db.prisma, submitted.id, world.leadA.id);
  await submitReturn(db.prisma, submitted.id, world.leadA.id, new Date('2027-04-01T09:00:00Z'));
  ids.submitted = submitted.id;
});

afterAll(async () => {
  await db.drop();
});

/** The cards of "Your returns", each as text, in page order. */
function workCards(html: string): string[] {
  const list =
    /<ul class="nhsuk-list app-lead-work" id="your-returns">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return list
    .split(/<li class="nhsuk-card[^"]*">/)
    .slice(1)
    .map(textOf);
}

function actionHref(html: string, text: string): string | undefined {
  return new RegExp(`<a class="nhsuk-link nhsuk-u-font-weight-bold" href="([^"]+)">${text}<`).exec(html)?.[1];
}

test('each return with its state, due date or days overdue and the one next action, overdue first', async () => {
  const lead = await signedInAgent(app, world.leadA.id);
  const html = (await lead.get(paths.home).expect(200)).text;
  const cards = workCards(html);
  expect(cards).toHaveLength(5);
  // The overdue return first, with its days overdue and what is left to fix.
  expect(cards[0]).toContain('Equality Delivery System 2 return, 2025/26');
  expect(cards[0]).toContain('Returned Overdue');
  expect(cards[0]).toContain('Overdue by 375 days (due 31 March 2026)');
  expect(cards[0]).toContain('Fix 1 returned requirement');
  expect(html).toContain('1 return is overdue.');

  const card = (title: string) => cards.find((text) => text.startsWith(title)) ?? '';
  expect(card('Accessible Information Standard 2025 return, 2025/26')).toContain(
    'Accepted Nothing more to do for this return View decision',
  );
  expect(card('Accessible Information Standard 2025 return, 2025/26')).toContain('View decision');
  expect(card(`Accessible Information Standard 2025 return, ${world.period.label}`)).toContain(
    'Not started Due 30 June 2027 Start from your 2025/26 answers',
  );
  expect(card(`Equality Delivery System 2022 return, ${world.period.label}`)).toContain(
    'In progress Due 30 June 2027 Continue',
  );
  expect(card(`Accessible Information Standard 2016 return, ${world.period.label}`)).toContain(
    'Submitted: waiting for your contract manager’s review View your answers',
  );
  // Another provider's return is nowhere.
  expect(html).not.toContain(world.returnB.id);

  // Each action leads to the return (the decision's part of it for an accepted one).
  expect(actionHref(html, 'Continue')).toBe(pathTo(paths.returns.show, { returnId: ids.inProgress ?? '' }));
  expect(actionHref(html, 'Fix 1 returned requirement')).toBe(
    pathTo(paths.returns.show, { returnId: ids.returned ?? '' }),
  );
  const decisionHref = actionHref(html, 'View decision');
  expect(decisionHref).toBe(`${pathTo(paths.returns.show, { returnId: ids.accepted ?? '' })}#decision`);
  const decisionPage = (await lead.get(decisionHref?.split('#')[0] ?? '').expect(200)).text;
  expect(textOf(decisionPage)).toContain(
    'This return was accepted Cora Manager accepted it at 11am on 20 March 2027. Their comment: Thorough answers',
  );
  expect(decisionPage).toContain('id="decision"');
});

test('recent decisions on their returns, newest first, with who and when', async () => {
  const lead = await signedInAgent(app, world.leadA.id);
  const html = (await lead.get(paths.home).expect(200)).text;
  const decisions = /<ul class="nhsuk-list" id="recent-decisions">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  const items = decisions.split('<li>').slice(1).map(textOf);
  expect(items).toEqual([
    expect.stringContaining(
      'Accepted Accessible Information Standard 2025 return, 2025/26 Alpha Hospitals NHS Trust. Accepted by Cora Manager at 11am on 20 March 2027 Comment: Thorough answers',
    ),
    expect.stringContaining(
      'Returned Equality Delivery System 2 return, 2025/26 Alpha Hospitals NHS Trust. Returned by Cora Manager at 4:30pm on 2 April 2026',
    ),
  ]);
});

test('a lead of a provider with no returns is told so, and sees no one else’s', async () => {
  const lead = await signedInAgent(app, world.leadB.id);
  await db.prisma.return.update({ where: { id: world.returnB.id }, data: { status: 'in_progress' } });
  const html = (await lead.get(paths.home).expect(200)).text;
  const cards = workCards(html);
  expect(cards).toHaveLength(1);
  expect(cards[0]).toContain('Bravo Care Home');
  expect(html).not.toContain('Alpha Hospitals NHS Trust');
  expect(html).not.toContain('id="recent-decisions"');
});
