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
import { answerReturn, reviewState, submitReturn, textOf } from '../support/review-fixtures.js';
import { requirementsInOrder } from './returns-helpers.js';

// Review flows: "Save and next" through the requirements, "Accept the return" offered only when it
// can succeed, and every requirement decided from one page in one form (no JavaScript needed).

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
  await submitReturn(db.prisma, row.id, world.leadA.id, new Date('2027-01-10T09:00:00.000Z'));
  const requirements = await requirementsInOrder(db.prisma, world.ais.id);
  return { returnId: row.id, requirements };
}

async function manager(): Promise<{ agent: Agent; token: string }> {
  const agent = await signedInAgent(app, world.manager.id);
  const token = csrfTokenFrom((await agent.get(paths.home).expect(200)).text);
  return { agent, token };
}

const allPath = (returnId: string) => pathTo(paths.review.all, { returnId });
const ACCEPT_BUTTON = /<button[^>]*>\s*Accept the return\s*</;

describe('one requirement at a time', () => {
  test('"Save and next" saves and opens the next requirement; after the last, the decision', async () => {
    const { returnId, requirements } = await submittedReturn();
    const { agent, token } = await manager();
    const [first, second] = requirements;
    const last = requirements.at(-1);
    if (!first || !second || !last) throw new Error('AIS 2025 has too few requirements');
    const url = (requirementId: string) => pathTo(paths.review.requirement, { returnId, requirementId });
    const page = await agent.get(url(first.id)).expect(200);
    expect(page.text).toMatch(/<button[^>]*name="then"[^>]*value="next"[^>]*>\s*Save and next/);
    const next = await agent
      .post(url(first.id))
      .type('form')
      .send({ _csrf: token, decision: 'accepted', then: 'next' })
      .expect(302);
    expect(next.headers.location).toBe(url(second.id));
    const end = await agent
      .post(url(last.id))
      .type('form')
      .send({ _csrf: token, decision: 'returned', reason: 'Say who checks it.', then: 'next' })
      .expect(302);
    expect(end.headers.location).toBe(`${pathTo(paths.review.show, { returnId })}#decide`);
    // "Save decision" alone goes back to the requirement on the review page, which shows it inline.
    const back = await agent
      .post(url(second.id))
      .type('form')
      .send({ _csrf: token, decision: 'accepted' })
      .expect(302);
    expect(back.headers.location).toMatch(new RegExp(`/review#requirement-`));
    const review = await agent.get(pathTo(paths.review.show, { returnId })).expect(200);
    const lastSection = review.text.slice(review.text.indexOf(`${last.code} ${last.title}`));
    expect(textOf(lastSection.slice(0, lastSection.indexOf('</section>')))).toContain(
      'Returned by Cora Manager',
    );
    expect(textOf(lastSection.slice(0, lastSection.indexOf('</section>')))).toContain(
      'Reason: Say who checks it.',
    );
  });
});

describe('"Accept the return" is offered only when it can succeed', () => {
  test('not while any requirement is undecided or returned; once every one is accepted', async () => {
    const { returnId, requirements } = await submittedReturn();
    const { agent, token } = await manager();
    const reviewPage = async () =>
      (await agent.get(pathTo(paths.review.show, { returnId })).expect(200)).text;

    let html = await reviewPage();
    expect(html).not.toMatch(ACCEPT_BUTTON);
    expect(textOf(html)).toContain(
      `You can accept the return once every requirement is accepted: ${requirements.length} not decided yet.`,
    );

    const fields: Record<string, string> = { _csrf: token };
    for (const item of requirements) fields[`decision-${item.id}`] = 'accepted';
    const lastId = requirements.at(-1)?.id ?? '';
    fields[`decision-${lastId}`] = 'returned';
    fields[`reason-${lastId}`] = 'Add the date of the audit.';
    await agent.post(allPath(returnId)).type('form').send(fields).expect(302);
    html = await reviewPage();
    expect(html).not.toMatch(ACCEPT_BUTTON);
    expect(textOf(html)).toContain(
      'You can accept the return once every requirement is accepted: 1 returned.',
    );

    fields[`decision-${lastId}`] = 'accepted';
    await agent.post(allPath(returnId)).type('form').send(fields).expect(302);
    html = await reviewPage();
    expect(html).toMatch(ACCEPT_BUTTON);
  });
});

describe('every requirement on one page', () => {
  test('shows each requirement with its answer, decision and reason fields, each name once', async () => {
    const { returnId, requirements } = await submittedReturn();
    const { agent } = await manager();
    const html = (await agent.get(allPath(returnId)).expect(200)).text;
    expect(html).toContain('<h1>Decide every requirement</h1>');
    for (const item of requirements) {
      expect(html).toContain(`${item.code} ${item.title}`);
      expect(html).toContain(`id="decision-${item.id}"`);
      expect(html).toContain(`id="reason-${item.id}"`);
    }
    // No control name of the form appears on two controls (radios share theirs by design).
    const start = html.indexOf(`action="${allPath(returnId)}"`);
    const form = html.slice(start, html.indexOf('</form>', start));
    const names = [
      ...form.matchAll(/<(?:textarea|select|input(?![^>]*type="radio"))[^>]*name="([^"]+)"/g),
    ].map((match) => match[1]);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    // Linked from the review page.
    const review = (await agent.get(pathTo(paths.review.show, { returnId })).expect(200)).text;
    expect(review).toContain(`href="${allPath(returnId)}"`);
  });

  test('an error saves nothing and shows the page again with every input kept, linked from the summary', async () => {
    const { returnId, requirements } = await submittedReturn();
    const { agent, token } = await manager();
    const [first, second, third] = requirements;
    if (!first || !second || !third) throw new Error('AIS 2025 has too few requirements');
    const before = await reviewState(db.prisma, returnId);
    const response = await agent
      .post(allPath(returnId))
      .type('form')
      .send({
        _csrf: token,
        [`decision-${first.id}`]: 'accepted',
        [`decision-${second.id}`]: 'returned',
        [`reason-${second.id}`]: '',
        [`reason-${third.id}`]: 'A reason with no decision',
      })
      .expect(400);
    expect(response.text).toMatch(/<title>Error: Decide every requirement/);
    expect(response.text).toContain(`href="#reason-${second.id}"`);
    expect(textOf(response.text)).toContain(`Enter a reason for returning requirement ${second.code}`);
    expect(response.text).toContain(`href="#decision-${third.id}"`);
    expect(textOf(response.text)).toContain(`Select whether to accept or return requirement ${third.code}`);
    // The targets are controls that take focus.
    expect(response.text).toMatch(new RegExp(`<textarea[^>]*id="reason-${second.id}"`));
    expect(response.text).toMatch(new RegExp(`<input[^>]*id="decision-${third.id}"`));
    // Input kept.
    expect(response.text).toMatch(new RegExp(`id="decision-${first.id}"[^>]*value="accepted"[^>]*checked`));
    expect(response.text).toMatch(
      new RegExp(`name="decision-${second.id}"[^>]*value="returned"[^>]*checked`),
    );
    expect(response.text).toContain('A reason with no decision</textarea>');
    expect(await reviewState(db.prisma, returnId)).toEqual(before);
  });

  test('saves every decision at once, audited; posting the same again records nothing new', async () => {
    const { returnId, requirements } = await submittedReturn();
    const { agent, token } = await manager();
    const fields: Record<string, string> = { _csrf: token };
    for (const item of requirements) fields[`decision-${item.id}`] = 'accepted';
    const [first] = requirements;
    if (!first) throw new Error('AIS 2025 has no requirements');
    fields[`decision-${first.id}`] = 'returned';
    fields[`reason-${first.id}`] = 'Show the flag in the record.';
    const response = await agent.post(allPath(returnId)).type('form').send(fields).expect(302);
    expect(response.headers.location).toBe(`${pathTo(paths.review.show, { returnId })}#decide`);
    const reviews = await db.prisma.requirementReview.findMany({ where: { submission: { returnId } } });
    expect(reviews).toHaveLength(requirements.length);
    expect(reviews.find((item) => item.requirementId === first.id)).toMatchObject({
      decision: 'returned',
      reason: 'Show the flag in the record.',
      reviewerId: world.manager.id,
    });
    const audited = () =>
      db.prisma.auditEvent.count({ where: { returnId, entityType: 'requirement_review' } });
    expect(await audited()).toBe(requirements.length);
    // The form opens with the decisions made, and sending it unchanged changes nothing.
    const again = (await agent.get(allPath(returnId)).expect(200)).text;
    expect(again).toMatch(new RegExp(`id="decision-${first.id}-2"[^>]*value="returned"[^>]*checked`));
    expect(again).toContain('Show the flag in the record.</textarea>');
    await agent.post(allPath(returnId)).type('form').send(fields).expect(302);
    expect(await audited()).toBe(requirements.length);
  });

  test('only reviewers: viewers and provider leads are refused', async () => {
    const { returnId } = await submittedReturn();
    for (const user of [world.viewer, world.leadA, world.leadB]) {
      const agent = await signedInAgent(app, user.id);
      await agent.get(allPath(returnId)).expect(403);
    }
  });
});
