import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import {
  answerReturn,
  attachEvidence,
  changeAnswer,
  decideEveryRequirement,
  submitReturn,
  textOf,
} from '../support/review-fixtures.js';
import { freshReturns, postForm, returnPath, type World } from './returns-helpers.js';

// A returned return is honest about what is left: its returned requirements say "Returned - needs
// changes" (and do not count as completed) until their answer or evidence changes; check your
// answers lists them with the reviewer's reasons and shows evidence; and it cannot go back with a
// returned requirement unchanged unless the lead tells the reviewer why, which the reviewer then sees.

const NOW = new Date('2027-04-10T09:00:00.000Z');
const RETURNED_AT = new Date('2027-04-02T10:00:00.000Z'); // 11am in the UK (summer time)

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: World;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  world = await createTwoProviderWorld(db.prisma);
});

afterAll(async () => {
  await db.drop();
});

/** A fully answered AIS 2025 return of provider A, submitted and returned with 1.1 and 1.2 to change. */
async function returnedReturn() {
  const { returnA } = await freshReturns(db.prisma, world);
  await answerReturn(db.prisma, returnA.id, world.leadA.id);
  const evidence = await attachEvidence(
    db.prisma,
    returnA.id,
    '1.3',
    { fileName: 'Board minutes.txt', content: `Minutes ${returnA.id}` },
    world.leadA.id,
  );
  const submission = await submitReturn(
    db.prisma,
    returnA.id,
    world.leadA.id,
    new Date('2027-03-30T10:00:00Z'),
  );
  await decideEveryRequirement(db.prisma, submission.id, world.manager.id, (code) =>
    code === '1.1' || code === '1.2'
      ? { decision: 'returned', reason: `Give an example for ${code}` }
      : { decision: 'accepted' },
  );
  await db.prisma.returnReview.create({
    data: {
      submissionId: submission.id,
      reviewerId: world.manager.id,
      decision: 'returned',
      comment: 'Nearly there',
      decidedAt: RETURNED_AT,
    },
  });
  await db.prisma.return.update({ where: { id: returnA.id }, data: { status: 'returned' } });
  const requirements = await db.prisma.requirement.findMany({
    where: { frameworkVersionId: world.ais.id, code: { in: ['1.1', '1.2'] } },
  });
  const idOf = (code: string) => requirements.find((requirement) => requirement.code === code)?.id ?? '';
  return { returnId: returnA.id, evidence, first: idOf('1.1'), second: idOf('1.2') };
}

/** The task list item of a requirement, as text. */
function taskText(html: string, requirementId: string): string {
  const at = html.indexOf(`/requirements/${requirementId}"`);
  if (at < 0) throw new Error(`No task for ${requirementId}`);
  return textOf(html.slice(html.lastIndexOf('<li', at), html.indexOf('</li>', at)));
}

const checkPath = (returnId: string) => pathTo(paths.returns.checkAnswers, { returnId });
const submitPath = (returnId: string) => pathTo(paths.returns.submit, { returnId });

test('the task list marks returned requirements and their step, and counts them as not done', async () => {
  const w = await returnedReturn();
  const lead = await signedInAgent(app, world.leadA.id);
  const html = (await lead.get(returnPath(w.returnId)).expect(200)).text;
  const text = textOf(html);
  expect(text).toContain('Your contract manager returned it at 11am on 2 April 2027.');
  expect(text).toContain(
    'You have completed 15 of 17 requirements. 2 returned requirements still need changes.',
  );
  expect(text).not.toContain('completed 17 of 17');
  expect(taskText(html, w.first)).toContain('Returned: Give an example for 1.1 Returned - needs changes');
  expect(text).toContain('Step 1: Ask Step status: Returned - needs changes');

  // Saving the answer again as it was is not a change (the old rule went by the time of the save).
  await db.prisma.response.updateMany({
    where: { returnId: w.returnId, requirementId: w.first },
    data: { updatedAt: NOW },
  });
  expect(taskText((await lead.get(returnPath(w.returnId))).text, w.first)).toContain(
    'Returned - needs changes',
  );

  // A changed narrative, or a change of evidence, is a change.
  await changeAnswer(db.prisma, w.returnId, '1.1', { narrative: 'For example, our clinic letters.' });
  await attachEvidence(
    db.prisma,
    w.returnId,
    '1.2',
    { fileName: 'Example letter.txt', content: `Letter ${w.returnId}` },
    world.leadA.id,
  );
  const after = (await lead.get(returnPath(w.returnId))).text;
  expect(taskText(after, w.first)).not.toContain('needs changes');
  expect(taskText(after, w.second)).not.toContain('needs changes');
  expect(textOf(after)).toContain('You have completed 17 of 17 requirements.');
});

test('check your answers lists the returned requirements with their reasons, and every answer’s evidence', async () => {
  const w = await returnedReturn();
  const lead = await signedInAgent(app, world.leadA.id);
  const html = (await lead.get(checkPath(w.returnId)).expect(200)).text;
  const returned = textOf(
    /<div class="nhsuk-inset-text" id="returned">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '',
  );
  expect(returned).toContain('Returned by your contract manager (2)');
  expect(returned).toContain('Returned - needs changes Reason: Give an example for 1.1');
  expect(returned).toContain('Returned - needs changes Reason: Give an example for 1.2');
  expect(textOf(html)).toContain('Evidence Board minutes.txt');
  expect(textOf(html)).toContain('Evidence None attached');
  // A box for each returned requirement not changed, for the lead's answer to the reviewer.
  expect(html).toContain(`name="reply-${w.first}"`);
  expect(html).toContain(`name="reply-${w.second}"`);
});

test('resubmitting with a returned requirement unchanged is refused, unless the lead says why; the reviewer sees it', async () => {
  const w = await returnedReturn();
  const lead = await signedInAgent(app, world.leadA.id);
  const check = checkPath(w.returnId);

  // Nothing changed and nothing said: refused, nothing submitted, each box named in the errors.
  const refused = await postForm(lead, check, submitPath(w.returnId), { declaration: 'confirmed' });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain(
    `<a href="#reply-${w.first}">Change your answer to 1.1 as your contract manager asked, or tell them why you have not</a>`,
  );
  expect(refused.text).toContain(`href="#reply-${w.second}"`);
  expect(await db.prisma.returnSubmission.count({ where: { returnId: w.returnId } })).toBe(1);

  // 1.1 changed, 1.2 not: an answer for 1.2 is enough; what was typed is kept on a refusal.
  await changeAnswer(db.prisma, w.returnId, '1.1', { narrative: 'For example, our clinic letters.' });
  const still = await postForm(lead, check, submitPath(w.returnId), {
    declaration: 'confirmed',
    [`reply-${w.first}`]: '',
    [`reply-${w.second}`]: '   ',
  });
  expect(still.status).toBe(400);
  expect(still.text).not.toContain(`href="#reply-${w.first}"`);
  expect(still.text).toContain(`href="#reply-${w.second}"`);

  const tooLong = await postForm(lead, check, submitPath(w.returnId), {
    declaration: 'confirmed',
    [`reply-${w.second}`]: 'x'.repeat(2001),
  });
  expect(tooLong.status).toBe(400);
  expect(tooLong.text).toContain('Your answer to the reviewer must be 2,000 characters or fewer');
  expect(tooLong.text).toContain('x'.repeat(2001));

  const submitted = await postForm(lead, check, submitPath(w.returnId), {
    declaration: 'confirmed',
    [`reply-${w.second}`]: 'our policy already names an example in section 2',
  });
  expect(submitted.status).toBe(302);
  expect(await db.prisma.returnSubmission.count({ where: { returnId: w.returnId } })).toBe(2);
  const replies = await db.prisma.reviewReply.findMany({
    where: { requirementReview: { submission: { returnId: w.returnId } } },
    include: { requirementReview: true },
  });
  expect(replies).toEqual([
    expect.objectContaining({
      text: 'our policy already names an example in section 2',
      authorId: world.leadA.id,
      requirementReview: expect.objectContaining({ requirementId: w.second }) as unknown,
    }),
  ]);
  const audit = await db.prisma.auditEvent.findFirstOrThrow({
    where: { returnId: w.returnId, action: 'return.submitted' },
    orderBy: { occurredAt: 'desc' },
  });
  expect(audit.after).toMatchObject({ submission: 2, answeredReviewerOn: '1.2' });

  // The reviewer sees the answer beside what they asked, on the review page and the requirement's page.
  const manager = await signedInAgent(app, world.manager.id);
  const review = textOf(
    (await manager.get(pathTo(paths.review.show, { returnId: w.returnId })).expect(200)).text,
  );
  expect(review).toContain(
    'Returned last time by Cora Manager: Give an example for 1.2 The provider did not change it. Lena Lead-A said: no change because our policy already names an example in section 2',
  );
  const requirementPage = textOf(
    (
      await manager
        .get(pathTo(paths.review.requirement, { returnId: w.returnId, requirementId: w.second }))
        .expect(200)
    ).text,
  );
  expect(requirementPage).toContain(
    'The provider did not change it. Lena Lead-A said: no change because our policy already names an example in section 2',
  );
});
