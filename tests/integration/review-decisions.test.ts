import type supertest from 'supertest';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  importTestStandards,
} from '../support/fixtures.js';
import {
  answerReturn,
  changeAnswer,
  decideEveryRequirement,
  reviewState,
  sectionHtml,
  submitReturn,
  textOf,
} from '../support/review-fixtures.js';

// Per-requirement decisions and the overall decision, each refusal, and their audit events.
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

type Agent = ReturnType<typeof supertest.agent>;

/** A fresh AIS 2025 return of provider A, answered and submitted. */
async function submittedReturn() {
  const provider = await createProvider(db.prisma);
  const contract = await createContract(db.prisma, provider.id, world.manager.id);
  const row = await createReturn(db.prisma, {
    contractId: contract.id,
    providerId: provider.id,
    frameworkVersionId: world.ais.id,
    periodId: world.period.id,
  });
  await answerReturn(db.prisma, row.id, world.leadA.id);
  const submission = await submitReturn(
    db.prisma,
    row.id,
    world.leadA.id,
    new Date('2027-01-10T09:00:00.000Z'),
  );
  return { returnId: row.id, submission };
}

async function requirement(code: string) {
  return db.prisma.requirement.findFirstOrThrow({ where: { frameworkVersionId: world.ais.id, code } });
}

async function manager(): Promise<{ agent: Agent; token: string }> {
  const agent = await signedInAgent(app, world.manager.id);
  const token = csrfTokenFrom((await agent.get(paths.home).expect(200)).text);
  return { agent, token };
}

function decide(agent: Agent, returnId: string, fields: Record<string, string>) {
  return agent.post(pathTo(paths.review.decide, { returnId })).type('form').send(fields);
}

const returnFields = (token: string, due = { day: '28', month: '2', year: '2027' }, comment = '') => ({
  _csrf: token,
  decision: 'return',
  'newDueDate-day': due.day,
  'newDueDate-month': due.month,
  'newDueDate-year': due.year,
  comment,
});

describe('deciding one requirement', () => {
  test('the form validates, keeps the input, then saves one decision per requirement, audited', async () => {
    const { returnId, submission } = await submittedReturn();
    const { agent, token } = await manager();
    const req = await requirement('2.1');
    const url = pathTo(paths.review.requirement, { returnId, requirementId: req.id });

    const form = await agent.get(url).expect(200);
    expect(form.text).toContain('Do you accept requirement 2.1?');
    expect(form.text).toContain('How we meet 2.1.');
    expect(form.text).toContain('name="_csrf"');

    const nothing = await agent.post(url).type('form').send({ _csrf: token }).expect(400);
    expect(nothing.text).toContain('There is a problem');
    expect(nothing.text).toContain('Select whether to accept or return requirement 2.1');
    expect(nothing.text).toContain('href="#decision"');

    const noReason = await agent
      .post(url)
      .type('form')
      .send({ _csrf: token, decision: 'returned', reason: '   ' })
      .expect(400);
    expect(noReason.text).toContain('Enter a reason for returning requirement 2.1');
    expect(noReason.text).toMatch(/value="returned" checked/);
    expect(await db.prisma.requirementReview.count({ where: { submissionId: submission.id } })).toBe(0);

    const accepted = await agent
      .post(url)
      .type('form')
      .send({ _csrf: token, decision: 'accepted' })
      .expect(302);
    expect(accepted.headers.location).toBe(`${pathTo(paths.review.show, { returnId })}#requirement-2-1`);

    const returned = await agent
      .post(url)
      .type('form')
      .send({ _csrf: token, decision: 'returned', reason: 'Say how needs are recorded in the GP system.' })
      .expect(302);
    expect(returned.headers.location).toContain('#requirement-2-1');

    const reviews = await db.prisma.requirementReview.findMany({ where: { submissionId: submission.id } });
    expect(reviews).toEqual([
      expect.objectContaining({
        requirementId: req.id,
        reviewerId: world.manager.id,
        decision: 'returned',
        reason: 'Say how needs are recorded in the GP system.',
        decidedAt: NOW,
      }),
    ]);

    const events = await db.prisma.auditEvent.findMany({
      where: { returnId, entityType: 'requirement_review' },
      orderBy: { id: 'asc' },
    });
    expect(events.map((event) => event.action)).toEqual([
      'requirement_review.decided',
      'requirement_review.changed',
    ]);
    expect(events[0]?.before).toBeNull();
    expect(events[0]?.after).toMatchObject({ requirementCode: '2.1', decision: 'accepted', reason: '' });
    expect(events[1]?.before).toMatchObject({ decision: 'accepted', reason: '' });
    expect(events[1]?.after).toMatchObject({
      decision: 'returned',
      reason: 'Say how needs are recorded in the GP system.',
      submissionSequence: 1,
      reviewerId: world.manager.id,
    });
    expect(events[1]?.actorId).toBe(world.manager.id);

    const page = await agent.get(pathTo(paths.review.show, { returnId })).expect(200);
    const section = textOf(sectionHtml(page.text, 'requirement-2-1'));
    expect(section).toContain('Returned by Cora Manager');
    expect(section).toContain('Reason: Say how needs are recorded in the GP system.');
    expect(textOf(sectionHtml(page.text, 'requirement-1-1'))).toContain('Not decided');
  });

  test('the decision form re-opens with the current decision', async () => {
    const { returnId, submission } = await submittedReturn();
    await decideEveryRequirement(db.prisma, submission.id, world.manager.id, (code) =>
      code === '1.2' ? { decision: 'returned', reason: 'Too vague.' } : undefined,
    );
    const { agent } = await manager();
    const req = await requirement('1.2');
    const form = await agent
      .get(pathTo(paths.review.requirement, { returnId, requirementId: req.id }))
      .expect(200);
    expect(form.text).toMatch(/value="returned" checked/);
    expect(form.text).toContain('Too vague.</textarea>');
  });
});

describe('accepting the return', () => {
  test('is refused while requirements are undecided, or returned; nothing changes', async () => {
    const { returnId, submission } = await submittedReturn();
    const { agent, token } = await manager();
    const before = await reviewState(db.prisma, returnId);

    const undecided = await decide(agent, returnId, { _csrf: token, decision: 'accept' }).expect(400);
    expect(undecided.text).toContain('There is a problem');
    expect(textOf(undecided.text)).toContain(
      'Decide every requirement before you accept the return: 17 not decided',
    );
    // The summary links to a control that takes focus: the link to decide every requirement.
    expect(undecided.text).toContain('href="#decide-all"');
    expect(undecided.text).toMatch(/<a id="decide-all"[^>]*href="[^"]+\/review\/all"/);
    expect(await reviewState(db.prisma, returnId)).toEqual(before);

    await decideEveryRequirement(db.prisma, submission.id, world.manager.id, (code) =>
      code === '3.2' ? { decision: 'returned', reason: 'No flag in the record.' } : { decision: 'accepted' },
    );
    const stateWithDecisions = await reviewState(db.prisma, returnId);
    const returned = await decide(agent, returnId, { _csrf: token, decision: 'accept' }).expect(400);
    expect(textOf(returned.text)).toContain(
      'You cannot accept the return while requirements are returned (3.2)',
    );
    expect(await reviewState(db.prisma, returnId)).toEqual(stateWithDecisions);
  });

  test('with every requirement accepted: the return is accepted, reviewed and audited; a second post is 409', async () => {
    const { returnId, submission } = await submittedReturn();
    await decideEveryRequirement(db.prisma, submission.id, world.manager.id);
    const { agent, token } = await manager();

    const response = await decide(agent, returnId, { _csrf: token, decision: 'accept' }).expect(302);
    expect(response.headers.location).toBe(pathTo(paths.review.show, { returnId }));

    const row = await db.prisma.return.findUniqueOrThrow({ where: { id: returnId } });
    expect(row).toMatchObject({ status: 'accepted', decidedAt: NOW, version: 2 });
    const review = await db.prisma.returnReview.findUniqueOrThrow({ where: { submissionId: submission.id } });
    expect(review).toMatchObject({
      decision: 'accepted',
      reviewerId: world.manager.id,
      newDueDate: null,
      decidedAt: NOW,
    });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { returnId, action: 'return.accepted' },
    });
    expect(event).toMatchObject({ actorId: world.manager.id, entityType: 'return', entityId: returnId });
    expect(event.before).toMatchObject({ status: 'submitted', decidedAt: null, version: 1 });
    expect(event.after).toMatchObject({
      status: 'accepted',
      decidedAt: NOW.toISOString(),
      version: 2,
      review: { decision: 'accepted', submissionSequence: 1 },
    });

    const page = await agent.get(pathTo(paths.review.show, { returnId })).expect(200);
    expect(textOf(page.text)).toContain('Decision on this submission Accepted by Cora Manager');
    expect(page.text).not.toContain('Accept the return</');

    const after = await reviewState(db.prisma, returnId);
    const again = await decide(agent, returnId, { _csrf: token, decision: 'accept' }).expect(409);
    expect(again.text).toContain('This return has already been accepted');
    await decide(agent, returnId, returnFields(token)).expect(409);
    const req = await requirement('1.1');
    const url = pathTo(paths.review.requirement, { returnId, requirementId: req.id });
    await agent.get(url).expect(409);
    await agent
      .post(url)
      .type('form')
      .send({ _csrf: token, decision: 'returned', reason: 'Late change' })
      .expect(409);
    expect(await reviewState(db.prisma, returnId)).toEqual(after);
  });
});

describe('returning the return to the provider', () => {
  test('needs a returned requirement, and a real due date in the future; input is kept', async () => {
    const { returnId, submission } = await submittedReturn();
    await decideEveryRequirement(db.prisma, submission.id, world.manager.id);
    const { agent, token } = await manager();
    const before = await reviewState(db.prisma, returnId);

    const noneReturned = await decide(
      agent,
      returnId,
      returnFields(token, undefined, 'Please look again.'),
    ).expect(400);
    expect(textOf(noneReturned.text)).toContain(
      'Return at least one requirement with a reason before you send the return back to the provider',
    );
    expect(noneReturned.text).toContain('href="#decide-all"');
    expect(noneReturned.text).toContain('Please look again.</textarea>');

    const past = await decide(
      agent,
      returnId,
      returnFields(token, { day: '10', month: '1', year: '2027' }),
    ).expect(400);
    expect(past.text).toContain('The new due date must be in the future');
    expect(past.text).toContain('href="#newDueDate-day"');
    expect(past.text).toContain('value="10"');

    const today = await decide(
      agent,
      returnId,
      returnFields(token, { day: '15', month: '1', year: '2027' }),
    ).expect(400);
    expect(today.text).toContain('The new due date must be in the future');

    const missing = await decide(
      agent,
      returnId,
      returnFields(token, { day: '', month: '', year: '' }),
    ).expect(400);
    expect(missing.text).toContain('Enter the new due date');
    // Every problem at once: the missing date and the rule about returned requirements.
    expect(textOf(missing.text)).toContain('Return at least one requirement with a reason');

    const unreal = await decide(
      agent,
      returnId,
      returnFields(token, { day: '31', month: '2', year: '2027' }),
    ).expect(400);
    expect(unreal.text).toContain('The new due date must be a real date');

    const unknown = await decide(agent, returnId, { _csrf: token, decision: 'maybe' }).expect(400);
    expect(unknown.text).toContain('Choose whether to accept the return or return it');

    expect(await reviewState(db.prisma, returnId)).toEqual(before);
  });

  test('with a returned requirement: status returned, the new due date, the reasons kept, audited', async () => {
    const { returnId, submission } = await submittedReturn();
    await decideEveryRequirement(db.prisma, submission.id, world.manager.id, (code) =>
      code === '1.2' || code === '5.1'
        ? { decision: 'returned', reason: `Add evidence for ${code}.` }
        : { decision: 'accepted' },
    );
    const { agent, token } = await manager();

    await decide(
      agent,
      returnId,
      returnFields(token, { day: '28', month: '2', year: '2027' }, 'Two gaps to fill.'),
    )
      .expect(302)
      .expect('Location', pathTo(paths.review.show, { returnId }));

    const row = await db.prisma.return.findUniqueOrThrow({ where: { id: returnId } });
    expect(row).toMatchObject({
      status: 'returned',
      dueDate: new Date('2027-02-28T00:00:00.000Z'),
      originalDueDate: new Date('2027-03-31T00:00:00.000Z'),
      decidedAt: NOW,
    });
    const review = await db.prisma.returnReview.findUniqueOrThrow({ where: { submissionId: submission.id } });
    expect(review).toMatchObject({
      decision: 'returned',
      comment: 'Two gaps to fill.',
      newDueDate: new Date('2027-02-28T00:00:00.000Z'),
    });

    // What the provider side reads: the latest submission's returned requirements with their reasons.
    const latest = await db.prisma.returnSubmission.findFirstOrThrow({
      where: { returnId },
      orderBy: { sequence: 'desc' },
      include: {
        requirementReviews: { where: { decision: 'returned' }, include: { requirement: true } },
      },
    });
    const reasons = latest.requirementReviews.map((item) => [item.requirement.code, item.reason]);
    expect(reasons.sort()).toEqual([
      ['1.2', 'Add evidence for 1.2.'],
      ['5.1', 'Add evidence for 5.1.'],
    ]);

    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { returnId, action: 'return.returned' },
    });
    expect(event.before).toMatchObject({ status: 'submitted', dueDate: '2027-03-31' });
    expect(event.after).toMatchObject({
      status: 'returned',
      dueDate: '2027-02-28',
      review: { decision: 'returned', comment: 'Two gaps to fill.', newDueDate: '2027-02-28' },
    });

    const page = await agent.get(pathTo(paths.review.show, { returnId })).expect(200);
    const text = textOf(page.text);
    expect(text).toContain('Decision on this submission Returned by Cora Manager');
    expect(text).toContain('New due date: 28 February 2027');
    expect(text).toContain('Two gaps to fill.');

    const after = await reviewState(db.prisma, returnId);
    const again = await decide(agent, returnId, returnFields(token)).expect(409);
    expect(again.text).toContain('returned to the provider');
    await decide(agent, returnId, { _csrf: token, decision: 'accept' }).expect(409);
    expect(await reviewState(db.prisma, returnId)).toEqual(after);
  });

  test('a return that is not submitted cannot be decided (409), and nothing changes', async () => {
    const { returnId } = await submittedReturn();
    await db.prisma.return.update({ where: { id: returnId }, data: { status: 'in_progress' } });
    const { agent, token } = await manager();
    const before = await reviewState(db.prisma, returnId);
    const response = await decide(agent, returnId, { _csrf: token, decision: 'accept' }).expect(409);
    expect(response.text).toContain('This return is not waiting for review');
    await decide(agent, returnId, returnFields(token)).expect(409);
    await agent
      .post(pathTo(paths.review.acceptUnchanged, { returnId }))
      .type('form')
      .send({ _csrf: token })
      .expect(409);
    const req = await requirement('1.1');
    await agent
      .post(pathTo(paths.review.requirement, { returnId, requirementId: req.id }))
      .type('form')
      .send({ _csrf: token, decision: 'accepted' })
      .expect(409);
    expect(await reviewState(db.prisma, returnId)).toEqual(before);
    // The page still shows what was submitted, read-only.
    const page = await agent.get(pathTo(paths.review.show, { returnId })).expect(200);
    expect(page.text).not.toContain(`action="${pathTo(paths.review.decide, { returnId })}"`);
  });
});

describe('accepting a resubmission’s unchanged requirements in one step', () => {
  test('accepts only what was accepted last time and is unchanged, each audited as a decision', async () => {
    const { returnId, submission } = await submittedReturn();
    const codes = (
      await db.prisma.requirement.findMany({
        where: { frameworkVersionId: world.ais.id },
        select: { code: true },
      })
    )
      .map((row) => row.code)
      .sort();
    const [returnedCode, changedCode, undecidedCode, ...unchanged] = codes;
    if (!returnedCode || !changedCode || !undecidedCode) throw new Error('AIS 2025 has too few requirements');
    // Submission 1: one returned, one left undecided, the rest accepted; then one accepted answer changes.
    await decideEveryRequirement(db.prisma, submission.id, world.manager.id, (code) =>
      code === returnedCode
        ? { decision: 'returned', reason: 'Attach the audit' }
        : code === undecidedCode
          ? undefined
          : { decision: 'accepted' },
    );
    await db.prisma.return.update({ where: { id: returnId }, data: { status: 'returned' } });
    await changeAnswer(db.prisma, returnId, changedCode, { narrative: 'Rewritten after it was accepted' });
    const second = await submitReturn(db.prisma, returnId, world.leadA.id, new Date('2027-01-12T09:00:00Z'));

    const { agent, token } = await manager();
    const reviewPath = pathTo(paths.review.show, { returnId });
    const action = pathTo(paths.review.acceptUnchanged, { returnId });
    const page = await agent.get(reviewPath).expect(200);
    expect(textOf(page.text)).toContain(
      `${String(unchanged.length)} requirements were accepted on submission 1 and have not changed since`,
    );
    expect(page.text).toContain(`action="${action}"`);

    const response = await agent.post(action).type('form').send({ _csrf: token }).expect(302);
    expect(response.headers.location).toBe(`${reviewPath}?accepted-unchanged=${String(unchanged.length)}`);
    const decided = await db.prisma.requirementReview.findMany({
      where: { submissionId: second.id },
      include: { requirement: { select: { code: true } } },
    });
    expect(decided.map((review) => review.requirement.code).sort()).toEqual(unchanged);
    expect(
      decided.every((review) => review.decision === 'accepted' && review.reviewerId === world.manager.id),
    ).toBe(true);
    const audits = await db.prisma.auditEvent.findMany({
      where: { returnId, action: 'requirement_review.decided' },
    });
    expect(audits).toHaveLength(unchanged.length);
    expect(audits[0]?.after).toMatchObject({
      decision: 'accepted',
      submissionSequence: 2,
      unchangedSinceAcceptedOn: 1,
    });

    // The page says what happened and offers it no more; posting again accepts nothing.
    const after = await agent.get(response.headers.location ?? '').expect(200);
    expect(textOf(after.text)).toContain(`You accepted ${String(unchanged.length)} unchanged requirements.`);
    expect(after.text).not.toContain(`action="${action}"`);
    const again = await agent.post(action).type('form').send({ _csrf: token }).expect(302);
    expect(again.headers.location).toBe(`${reviewPath}?accepted-unchanged=0`);
    expect(await db.prisma.requirementReview.count({ where: { submissionId: second.id } })).toBe(
      unchanged.length,
    );
  });

  test('a first submission offers nothing to carry over, and posting accepts nothing', async () => {
    const { returnId, submission } = await submittedReturn();
    const { agent, token } = await manager();
    const action = pathTo(paths.review.acceptUnchanged, { returnId });
    const page = await agent.get(pathTo(paths.review.show, { returnId })).expect(200);
    expect(page.text).not.toContain(`action="${action}"`);
    await agent.post(action).type('form').send({ _csrf: token }).expect(302);
    expect(await db.prisma.requirementReview.count({ where: { submissionId: submission.id } })).toBe(0);
  });
});
