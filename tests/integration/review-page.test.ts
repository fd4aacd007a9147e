import { bandFor } from '../../src/frameworks/results.js';
import { findResultsBasis } from '../../src/frameworks/results.queries.js';
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
  attachEvidence,
  changeAnswer,
  decideEveryRequirement,
  detachEvidence,
  sectionHtml,
  submitReturn,
  summaryKeys,
  textOf,
} from '../support/review-fixtures.js';

// The review page: the frozen snapshot (never the live answers), what changed on a resubmission,
// and the computed results from the imported standards.
const NOW = new Date('2027-01-15T12:00:00.000Z');

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  world = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

/** The "Changed since last submission" part of a requirement's section: the keys it lists. */
function changedFields(html: string, code: string): string[] | 'No change' {
  const section = sectionHtml(html, `requirement-${code.replace('.', '-')}`);
  if (textOf(section).includes('No change since the last submission')) return 'No change';
  const start = section.indexOf('Changed since last submission');
  const end = section.indexOf('Review decision');
  if (start < 0 || end < 0) throw new Error(`Requirement ${code} says nothing about changes`);
  return summaryKeys(section.slice(start, end));
}

test('a resubmission shows, per requirement, exactly what changed since the last submission', async () => {
  const returnId = world.returnA.id;
  const lead = world.leadA.id;
  await answerReturn(db.prisma, returnId, lead, (code) => (code === '1.3' ? { rating: 'basic' } : undefined));
  const kept = await attachEvidence(
    db.prisma,
    returnId,
    '1.1',
    { fileName: 'policy.txt', content: 'AIS policy' },
    lead,
  );
  const dropped = await attachEvidence(
    db.prisma,
    returnId,
    '2.1',
    { fileName: 'old-audit.txt', content: 'Old' },
    lead,
  );
  const first = await submitReturn(db.prisma, returnId, lead, new Date('2026-12-01T10:00:00.000Z'));
  await decideEveryRequirement(db.prisma, first.id, world.manager.id, (code) =>
    code === '1.2'
      ? { decision: 'returned', reason: 'Explain how you ask at first contact.' }
      : { decision: 'accepted' },
  );
  await db.prisma.returnReview.create({
    data: {
      submissionId: first.id,
      reviewerId: world.manager.id,
      decision: 'returned',
      newDueDate: new Date('2027-01-31'),
    },
  });
  await db.prisma.return.update({ where: { id: returnId }, data: { status: 'in_progress' } });

  // The provider changes some answers, then submits again.
  await changeAnswer(db.prisma, returnId, '1.1', { rating: 'basic' });
  await changeAnswer(db.prisma, returnId, '1.2', { narrative: 'We ask every patient at registration.' });
  await changeAnswer(
    db.prisma,
    returnId,
    '1.3',
    {
      action: {
        description: 'Train all front-desk staff',
        owner: 'Practice manager',
        dueDate: new Date('2027-06-30'),
      },
    },
    lead,
  );
  await detachEvidence(db.prisma, returnId, '2.1', dropped.evidenceId);
  await attachEvidence(db.prisma, returnId, '2.1', { fileName: 'new-audit.txt', content: 'New audit' }, lead);
  await submitReturn(db.prisma, returnId, lead, new Date('2027-01-12T10:00:00.000Z'));
  // A live edit after submission: the review must not show it.
  await changeAnswer(db.prisma, returnId, '3.1', { narrative: 'LIVE EDIT AFTER SUBMISSION' });

  const agent = await signedInAgent(app, world.manager.id);
  const page = await agent.get(pathTo(paths.review.show, { returnId })).expect(200);
  const html = page.text;

  expect(textOf(html)).toContain('Resubmission (submission 2)');
  expect(changedFields(html, '1.1')).toEqual(['Rating']);
  expect(textOf(sectionHtml(html, 'requirement-1-1'))).toContain('Was: Exemplar Now: Basic');
  expect(changedFields(html, '1.2')).toEqual(['Narrative']);
  expect(textOf(sectionHtml(html, 'requirement-1-2'))).toContain(
    'Was: How we meet 1.2. Now: We ask every patient at registration.',
  );
  expect(textOf(sectionHtml(html, 'requirement-1-2'))).toContain(
    'Returned last time by Cora Manager: Explain how you ask at first contact.',
  );
  expect(changedFields(html, '1.3')).toEqual(['Actions']);
  expect(textOf(sectionHtml(html, 'requirement-1-3'))).toContain(
    'Was: (blank) Now: Train all front-desk staff (Practice manager, due 30 June 2027, Not started)',
  );
  expect(changedFields(html, '2.1')).toEqual(['Evidence added', 'Evidence removed']);
  expect(textOf(sectionHtml(html, 'requirement-2-1'))).toContain(
    'Evidence added new-audit.txt Evidence removed old-audit.txt',
  );
  for (const code of [
    '2.2',
    '2.3',
    '3.1',
    '3.2',
    '4.1',
    '4.2',
    '5.1',
    '5.2',
    '5.3',
    '6.1',
    '6.2',
    '6.3',
    '6.4',
  ]) {
    expect(changedFields(html, code)).toBe('No change');
  }

  // The snapshot, not the live answers; evidence with its hash and a download link.
  expect(html).not.toContain('LIVE EDIT AFTER SUBMISSION');
  const evidence = sectionHtml(html, 'requirement-1-1');
  expect(evidence).toContain(`href="${pathTo(paths.evidence.download, { evidenceId: kept.evidenceId })}"`);
  expect(evidence).toContain(kept.sha256);
  // The new submission is undecided: the old decisions stay with the old submission.
  expect(textOf(sectionHtml(html, 'requirement-1-1'))).toContain('Not decided');

  const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((match) => match[1]);
  expect(new Set(ids).size).toBe(ids.length);
});

test('a first submission says nothing about changes', async () => {
  const period = await db.prisma.reportingPeriod.create({
    data: { label: '2031/32', startDate: new Date('2031-04-01'), endDate: new Date('2032-03-31') },
  });
  const row = await createReturn(db.prisma, {
    contractId: world.contractB.id,
    providerId: world.providerB.id,
    frameworkVersionId: world.ais.id,
    periodId: period.id,
  });
  await answerReturn(db.prisma, row.id, world.leadB.id);
  await submitReturn(db.prisma, row.id, world.leadB.id);
  const agent = await signedInAgent(app, world.manager.id);
  const page = await agent.get(pathTo(paths.review.show, { returnId: row.id })).expect(200);
  expect(page.text).toContain('First submission');
  expect(page.text).not.toContain('Changed since last submission');
  expect(page.text).not.toContain('No change since the last submission');
});

describe('computed results on the review page', () => {
  test('AIS: the level per step is its weakest requirement’s', async () => {
    const period = await db.prisma.reportingPeriod.create({
      data: { label: '2032/33', startDate: new Date('2032-04-01'), endDate: new Date('2033-03-31') },
    });
    const row = await createReturn(db.prisma, {
      contractId: world.contractB.id,
      providerId: world.providerB.id,
      frameworkVersionId: world.ais.id,
      periodId: period.id,
    });
    await answerReturn(db.prisma, row.id, world.leadB.id, (code) =>
      code === '4.2' ? { rating: 'intermediate' } : undefined,
    );
    await submitReturn(db.prisma, row.id, world.leadB.id);
    const agent = await signedInAgent(app, world.viewer.id);
    const text = textOf((await agent.get(pathTo(paths.review.show, { returnId: row.id })).expect(200)).text);
    expect(text).toContain('Level per step');
    expect(text).toContain('Step 4: Share Intermediate');
    expect(text).toContain('Step 3: Flag Exemplar');
    expect(text).toMatch(/Requirements per level .*Intermediate 1 .*Exemplar 16/);
  });

  test('EDS 2022: the total score and the overall rating from the bands in the database', async () => {
    const eds2022 = await frameworkVersion(db.prisma, 'EDS', '2022');
    const period = await db.prisma.reportingPeriod.create({
      data: { label: '2033/34', startDate: new Date('2033-04-01'), endDate: new Date('2034-03-31') },
    });
    const row = await createReturn(db.prisma, {
      contractId: world.contractA.id,
      providerId: world.providerA.id,
      frameworkVersionId: eds2022.id,
      periodId: period.id,
    });
    await answerReturn(db.prisma, row.id, world.leadA.id, () => ({ rating: 'achieving' }));
    await submitReturn(db.prisma, row.id, world.leadA.id);

    const basis = await findResultsBasis(db.prisma, eds2022.id);
    if (!basis) throw new Error('EDS 2022 is not imported');
    const outcomes = await db.prisma.requirement.count({ where: { frameworkVersionId: eds2022.id } });
    const achieving = basis.levels.find((level) => level.code === 'achieving')?.score ?? -1;
    const total = outcomes * achieving;
    const expected = bandFor(total, basis.bands);
    expect(expected).not.toBeNull();

    const agent = await signedInAgent(app, world.manager.id);
    const url = pathTo(paths.review.show, { returnId: row.id });
    let text = textOf((await agent.get(url).expect(200)).text);
    expect(text).toContain(`Total score ${total} out of ${outcomes * 3}`);
    expect(text).toContain(`Overall rating ${expected?.label ?? ''}`);
    expect(text).toContain('Domain 1: Commissioned or provided services');

    // The thresholds are data: change the band in the database and the rating follows.
    await db.prisma.overallRatingBand.updateMany({
      where: { frameworkVersionId: eds2022.id, label: expected?.label ?? '' },
      data: { label: 'Locally achieving' },
    });
    text = textOf((await agent.get(url).expect(200)).text);
    expect(text).toContain('Overall rating Locally achieving');
  });
});
