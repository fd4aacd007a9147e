import { join } from 'node:path';
import { FileSystemConfigLoader, HtmlValidate } from 'html-validate';
import { pathTo, paths } from '../../src/paths.js';
import { PROJECT_ROOT } from '../../src/project-root.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { textOf } from '../support/review-fixtures.js';
import { answerEveryRequirement, postForm, returnPath, type World } from './returns-helpers.js';

// Issue 14: who graded an EDS return (date or dates, groups, how scores were agreed, dissent): a step
// on the task list, a form without JavaScript, required before submission, frozen with the submission,
// shown to the reviewer and in the contract review pack.

let db: TestDatabase;
let w: World;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

async function edsReturn(versionCode = '2022') {
  return createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', versionCode)).id,
    periodId: (await createPeriod(db.prisma)).id,
  });
}

const gradingPath = (returnId: string) => pathTo(paths.returns.grading, { returnId });

const VALID = {
  'firstDate-day': '12',
  'firstDate-month': '1',
  'firstDate-year': '2027',
  'lastDate-day': '19',
  'lastDate-month': '1',
  'lastDate-year': '2027',
  groups: ['patients-community', 'trade-unions'],
  howAgreed: 'Each outcome was scored by consensus at the panel.',
  dissent: 'The staff network wanted 2B one level lower.',
};

function post(
  agent: Awaited<ReturnType<typeof signedInAgent>>,
  returnId: string,
  fields: Record<string, unknown>,
) {
  return postForm(agent, gradingPath(returnId), gradingPath(returnId), fields as Record<string, string>);
}

describe('the grading form', () => {
  test('refuses bad input with an error summary, keeps what was typed and saves nothing', async () => {
    const ret = await edsReturn();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const page = await lead.get(gradingPath(ret.id)).expect(200);
    expect(page.text).toContain('Who graded the return');
    expect(page.text).toContain('Peers from another organisation');

    const bad = await post(lead, ret.id, {
      'firstDate-day': '31',
      'firstDate-month': '2',
      'firstDate-year': '2027',
      'lastDate-day': '',
      'lastDate-month': '',
      'lastDate-year': '',
      howAgreed: '   ',
      dissent: 'Kept text',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('There is a problem');
    expect(bad.text).toContain('<a href="#firstDate-day">Date of grading must be a real date</a>');
    expect(bad.text).toContain('<a href="#groups">Select the groups that took part in grading</a>');
    expect(bad.text).toContain('<a href="#howAgreed">Enter how the scores were agreed</a>');
    expect(bad.text).toContain('Kept text');
    expect(bad.text).toContain('value="31"');

    const backwards = await post(lead, ret.id, {
      ...VALID,
      'lastDate-day': '2',
      groups: ['not-a-group'],
    });
    expect(backwards.status).toBe(400);
    expect(backwards.text).toContain('Last date of grading must be the same as or after the date of grading');
    expect(backwards.text).toContain('Select the groups that took part');
    expect(await db.prisma.gradingRecord.count({ where: { returnId: ret.id } })).toBe(0);
  });

  test('saves the record, audits it, starts the return and completes its step', async () => {
    const ret = await edsReturn();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const before = await lead.get(returnPath(ret.id)).expect(200);
    expect(textOf(before.text)).toMatch(/Who graded the return\s*Not started/);

    const saved = await post(lead, ret.id, VALID);
    expect(saved.status).toBe(302);
    expect(saved.headers.location).toBe(returnPath(ret.id));
    const record = await db.prisma.gradingRecord.findUniqueOrThrow({ where: { returnId: ret.id } });
    expect(record).toMatchObject({
      firstDate: new Date('2027-01-12'),
      lastDate: new Date('2027-01-19'),
      groups: ['patients-community', 'trade-unions'],
      howAgreed: VALID.howAgreed,
      dissent: VALID.dissent,
      updatedById: w.leadA.id,
    });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { returnId: ret.id, action: 'return.grading_recorded' },
    });
    expect(event.after).toMatchObject({
      firstDate: '2027-01-12',
      groups: 'patients-community, trade-unions',
    });
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status).toBe('in_progress');

    const after = await lead.get(returnPath(ret.id)).expect(200);
    expect(textOf(after.text)).toMatch(/Who graded the return\s*Completed/);
    const form = await lead.get(gradingPath(ret.id)).expect(200);
    expect(form.text).toContain('value="patients-community" checked');
    expect(form.text).toContain(VALID.howAgreed);

    // Saving the same again changes nothing and records nothing.
    await post(lead, ret.id, VALID);
    expect(
      await db.prisma.auditEvent.count({ where: { returnId: ret.id, action: 'return.grading_recorded' } }),
    ).toBe(1);
  });

  test('does not exist for standards not graded by panels', async () => {
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    await lead.get(gradingPath(w.returnA.id)).expect(404);
    const taskList = await lead.get(returnPath(w.returnA.id)).expect(200);
    expect(taskList.text).not.toContain('Who graded the return');
  });

  test("another provider's lead never sees or changes it; staff cannot change it", async () => {
    const ret = await edsReturn('2');
    const app = buildTestApp(db);
    const leadB = await signedInAgent(app, w.leadB.id);
    await leadB.get(gradingPath(ret.id)).expect(404);
    const token = csrfTokenFrom((await leadB.get(paths.returns.list).expect(200)).text);
    await leadB
      .post(gradingPath(ret.id))
      .type('form')
      .send({ _csrf: token, ...VALID })
      .expect(404);
    const manager = await signedInAgent(app, w.manager.id);
    await manager.get(gradingPath(ret.id)).expect(403);
    const managerToken = csrfTokenFrom((await manager.get(paths.returns.list).expect(200)).text);
    await manager
      .post(gradingPath(ret.id))
      .type('form')
      .send({ _csrf: managerToken, ...VALID })
      .expect(403);
    expect(await db.prisma.gradingRecord.count({ where: { returnId: ret.id } })).toBe(0);
  });
});

describe('submission, review and the pack', () => {
  test('an EDS return needs it before submission; it is frozen, shown to the reviewer and in the pack', async () => {
    const ret = await edsReturn();
    await answerEveryRequirement(db.prisma, ret, w.leadA.id);
    const app = buildTestApp(db);
    const lead = await signedInAgent(app, w.leadA.id);
    const check = pathTo(paths.returns.checkAnswers, { returnId: ret.id });
    const checkPage = await lead.get(check).expect(200);
    expect(textOf(checkPage.text)).toMatch(/Still to do \(1\).*Who graded the return\s*: Not recorded/);
    expect(checkPage.text).not.toContain('Submit return');

    const refused = await postForm(lead, check, pathTo(paths.returns.submit, { returnId: ret.id }), {
      declaration: 'confirmed',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('<a href="#grading">Record who graded the return before you submit</a>');
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status).toBe('in_progress');

    expect((await post(lead, ret.id, VALID)).status).toBe(302);
    const ready = await lead.get(check).expect(200);
    const readyText = textOf(ready.text);
    expect(readyText).toContain('12 January 2027 to 19 January 2027');
    expect(readyText).toContain('Patients and community groups, Trade unions');
    expect(ready.text).toContain('Submit return');
    const submitted = await postForm(lead, check, pathTo(paths.returns.submit, { returnId: ret.id }), {
      declaration: 'confirmed',
    });
    expect(submitted.status).toBe(302);
    const submission = await db.prisma.returnSubmission.findFirstOrThrow({ where: { returnId: ret.id } });
    expect(submission.snapshot).toMatchObject({
      grading: {
        firstDate: '2027-01-12',
        lastDate: '2027-01-19',
        groups: ['patients-community', 'trade-unions'],
      },
    });
    // Frozen: the form is closed once submitted.
    await lead.get(gradingPath(ret.id)).expect(409);

    const manager = await signedInAgent(app, w.manager.id);
    const review = textOf(
      (await manager.get(pathTo(paths.review.show, { returnId: ret.id })).expect(200)).text,
    );
    expect(review).toContain('Who graded the return');
    expect(review).toContain('Each outcome was scored by consensus at the panel.');
    expect(review).toContain('The staff network wanted 2B one level lower.');

    const pack = textOf(
      (
        await manager
          .get(`${pathTo(paths.exports.pack, { providerId: w.providerA.id })}?periodId=${ret.periodId}`)
          .expect(200)
      ).text,
    );
    expect(pack).toContain('How the scores were agreed');
    expect(pack).toContain('Each outcome was scored by consensus at the panel.');
  });
});

describe('its pages', () => {
  test('are valid HTML, empty, with errors and filled in', async () => {
    const validator = new HtmlValidate(new FileSystemConfigLoader());
    const problems = async (html: string) =>
      (await validator.validateString(html, join(PROJECT_ROOT, 'page.html'))).results.flatMap((result) =>
        result.messages.map((message) => `${message.ruleId}: ${message.message}`),
      );
    const ret = await edsReturn();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const empty = await lead.get(gradingPath(ret.id)).expect(200);
    expect(await problems(empty.text)).toEqual([]);
    const withErrors = await post(lead, ret.id, { howAgreed: '' });
    expect(withErrors.status).toBe(400);
    expect(withErrors.text).toContain('<title>Error: ');
    expect(await problems(withErrors.text)).toEqual([]);
    await post(lead, ret.id, VALID);
    for (const path of [returnPath(ret.id), pathTo(paths.returns.checkAnswers, { returnId: ret.id })]) {
      expect(await problems((await lead.get(path).expect(200)).text)).toEqual([]);
    }
  });
});
