import { readVersionMappings } from '../../src/frameworks/version-mappings.js';
import { STANDARD_MAPPINGS_DIR } from '../../src/project-root.js';
import { withService } from '../../src/paths.js';
import { findSnapshotSource } from '../../src/returns/queries.js';
import { buildReturnSnapshot } from '../../src/returns/snapshot.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createProviderLead,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import {
  answerFields,
  formVersion,
  freshReturns,
  postForm,
  requirementPath,
  requirementsInOrder,
  returnPath,
  rowLinking,
  type World,
} from './returns-helpers.js';

let db: TestDatabase;
let base: World;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  base = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

/** The file's world with new returns of its own, and the AIS 2025 requirements in order. */
async function world() {
  const requirements = await requirementsInOrder(db.prisma, base.ais.id);
  const first = requirements[0];
  const second = requirements[1];
  const last = requirements.at(-1);
  if (!first || !second || !last) throw new Error('AIS 2025 has too few requirements');
  return { ...base, ...(await freshReturns(db.prisma, base)), requirements, first, second, last };
}

describe('returns list', () => {
  test('a lead sees only their providers’ returns, earliest due first, with status and overdue as text', async () => {
    const w = await world();
    const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
    const edsReturn = await createReturn(
      db.prisma,
      {
        contractId: w.contractA.id,
        providerId: w.providerA.id,
        frameworkVersionId: eds.id,
        periodId: w.period.id,
      },
      { dueDate: new Date('2027-02-28'), originalDueDate: new Date('2027-02-28'), status: 'in_progress' },
    );
    // 1 March 2027: the EDS return (due 28 February) is overdue, the AIS one (31 March) is not.
    const app = buildTestApp(db, { clock: () => new Date('2027-03-01T09:00:00Z') });
    const lead = await signedInAgent(app, w.leadA.id);
    const page = await lead.get('/returns').expect(200);
    expect(page.text).toContain('Alpha Hospitals NHS Trust');
    expect(page.text).not.toContain('Bravo Care Home');
    expect(page.text).not.toContain(returnPath(w.returnB.id));
    const edsRow = rowLinking(page.text, returnPath(edsReturn.id));
    const aisRow = rowLinking(page.text, returnPath(w.returnA.id));
    expect(page.text.indexOf(edsRow)).toBeLessThan(page.text.indexOf(aisRow));
    expect(edsRow).toContain('Equality Delivery System 2022');
    expect(edsRow).toContain(w.period.label);
    expect(edsRow).toContain('28 February 2027');
    expect(edsRow).toMatch(/nhsuk-tag--blue">In progress</);
    expect(edsRow).toMatch(/nhsuk-tag--red">Overdue</);
    expect(aisRow).toContain('Accessible Information Standard 2025');
    expect(aisRow).toMatch(/nhsuk-tag--grey">Not started</);
    expect(aisRow).not.toContain('Overdue');
  });

  test('staff see every provider’s returns', async () => {
    const w = await world();
    const app = buildTestApp(db);
    for (const user of [w.manager, w.viewer, w.admin]) {
      const page = await (await signedInAgent(app, user.id)).get('/returns').expect(200);
      expect(page.text).toContain(returnPath(w.returnA.id));
      expect(page.text).toContain(returnPath(w.returnB.id));
    }
  });
});

describe('task list', () => {
  test('shows each step with its requirements and their state, and the way to check answers', async () => {
    const w = await world();
    const [level] = w.first.ratingScale.levels;
    await db.prisma.response.updateMany({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
      data: { ratingLevelId: level?.id ?? null, narrative: 'We ask at registration.' },
    });
    await db.prisma.response.updateMany({
      where: { returnId: w.returnA.id, requirementId: w.second.id },
      data: { narrative: 'We are adding a carers question.' },
    });
    const app = buildTestApp(db);
    const lead = await signedInAgent(app, w.leadA.id);
    const page = await lead.get(returnPath(w.returnA.id)).expect(200);
    expect(page.text).toContain('Step 1: Ask');
    expect(page.text).toContain('nhsuk-task-list');
    expect(page.text).toContain(requirementPath(w.returnA.id, w.first.id));
    const itemFor = (requirementId: string) =>
      rowLinking(page.text, requirementPath(w.returnA.id, requirementId), '</li>');
    expect(itemFor(w.first.id)).toContain('Completed');
    expect(itemFor(w.second.id)).toContain('In progress');
    expect(itemFor(w.last.id)).toContain('Not started');
    expect(page.text).toMatch(/Step status: <strong class="nhsuk-tag nhsuk-tag--blue">In progress/);
    expect(page.text).toContain(`You have completed 1 of ${w.requirements.length} requirements`);
    expect(page.text).toContain('31 March 2027');
    expect(page.text).toContain('Check your answers');
    expect(page.text).toContain('History of this return');
    // No earlier accepted return: nothing to carry forward.
    expect(page.text).not.toContain('Copy answers from');
  });

  test('shows an agreed extension, and the reviewer’s reasons while the return stands returned', async () => {
    const w = await world();
    await db.prisma.return.update({
      where: { id: w.returnA.id },
      data: {
        status: 'returned',
        submittedAt: new Date('2027-03-01T10:00:00Z'),
        dueDate: new Date('2027-04-30'),
        extensionReason: 'New records system going live',
      },
    });
    const submission = await db.prisma.returnSubmission.create({
      data: {
        returnId: w.returnA.id,
        sequence: 1,
        submittedById: w.leadA.id,
        declaration: 'Declared',
        // The answers as they stand: a real snapshot, so nothing counts as changed since.
        snapshot: buildReturnSnapshot(
          await findSnapshotSource(db.prisma, w.returnA.id, await readVersionMappings(STANDARD_MAPPINGS_DIR)),
        ),
        snapshotSha256: 'a'.repeat(64),
      },
    });
    await db.prisma.returnReview.create({
      data: {
        submissionId: submission.id,
        reviewerId: w.manager.id,
        decision: 'returned',
        comment: 'Please add evidence for step 1.',
      },
    });
    await db.prisma.requirementReview.createMany({
      data: [
        {
          submissionId: submission.id,
          requirementId: w.first.id,
          reviewerId: w.manager.id,
          decision: 'returned',
          reason: 'No audit of new records is attached.',
        },
        {
          submissionId: submission.id,
          requirementId: w.second.id,
          reviewerId: w.manager.id,
          decision: 'accepted',
        },
      ],
    });
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const page = await lead.get(returnPath(w.returnA.id)).expect(200);
    expect(page.text).toContain('30 April 2027');
    expect(page.text).toContain('Extended from 31 March 2027: New records system going live');
    expect(page.text).toContain('Please add evidence for step 1.');
    expect(page.text).toContain('Returned: No audit of new records is attached.');
    expect(page.text).toMatch(/nhsuk-tag--orange">Returned</);
    const url = requirementPath(w.returnA.id, w.first.id);
    const statusOf = (html: string) =>
      /nhsuk-task-list__status"[^>]*>([\s\S]*?)<\/div>/.exec(rowLinking(html, url, '</li>'))?.[1] ?? '';
    // Sent back and not yet changed: "Returned - needs changes", as text in an orange tag, not "Completed".
    expect(statusOf(page.text)).toMatch(/nhsuk-tag--orange">Returned - needs changes</);
    const requirementPage = await lead.get(url).expect(200);
    expect(requirementPage.text).toContain('No audit of new records is attached.');

    // Once the lead changes the answer, the task list shows how far it is; the reason stays as a hint.
    const level = w.first.ratingScale.levels[0]?.code ?? '';
    await lead
      .post(url)
      .type('form')
      .send({
        _csrf: csrfTokenFrom(requirementPage.text),
        version: formVersion(requirementPage.text),
        ...answerFields({ rating: level, narrative: 'The audit of new records is now attached.' }),
      })
      .expect(302);
    const after = await lead.get(returnPath(w.returnA.id)).expect(200);
    expect(statusOf(after.text)).toContain('Completed');
    expect(statusOf(after.text)).not.toContain('Returned');
    expect(after.text).toContain('Returned: No audit of new records is attached.');
  });

  test('staff see the task list read-only', async () => {
    const w = await world();
    const manager = await signedInAgent(buildTestApp(db), w.manager.id);
    const page = await manager.get(returnPath(w.returnA.id)).expect(200);
    expect(page.text).toContain('View all answers');
    expect(page.text).not.toContain('Check your answers');
    const requirement = await manager.get(requirementPath(w.returnA.id, w.first.id)).expect(200);
    expect(requirement.text).toContain('<dt class="nhsuk-summary-list__key">Narrative</dt>');
    expect(requirement.text).not.toContain('name="narrative"');
    expect(requirement.text).not.toContain('Add or manage evidence');
  });

  test('an unknown or malformed id is not found', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    await lead.get(returnPath('not-a-uuid')).expect(404);
    await lead.get(returnPath('00000000-0000-4000-8000-000000000000')).expect(404);
    // A requirement of another framework version is not part of this return.
    const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
    const [edsRequirement] = await requirementsInOrder(db.prisma, eds.id);
    await lead.get(requirementPath(w.returnA.id, edsRequirement?.id ?? '')).expect(404);
    await lead.get(requirementPath(w.returnA.id, 'nope')).expect(404);
  });
});

describe('answering a requirement', () => {
  test('the page shows guidance, the rating scale with descriptions and an empty form', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const page = await lead.get(requirementPath(w.returnA.id, w.first.id)).expect(200);
    expect(page.text).toContain(`${w.first.code} ${w.first.title}`);
    expect(page.text).toContain('Evidence expected');
    for (const level of w.first.ratingScale.levels) {
      expect(page.text).toContain(`value="${level.code}"`);
      expect(page.text).toContain(level.label);
    }
    expect(page.text).toContain('name="narrative"');
    // Actions are records of their own (issue 14): added from the requirement, not typed into the answer.
    expect(page.text).toContain(
      `href="${requirementPath(w.returnA.id, w.first.id)}/actions">Add or link an action`,
    );
    expect(page.text).not.toContain('name="actionPlan"');
    expect(page.text).toContain('Save and continue');
    expect(page.text).toContain('Save as draft');
    expect(formVersion(page.text)).toBe('1');
    expect(page.text).toContain('<h2 class="nhsuk-heading-m" id="evidence-heading-');
  });

  test('"Save and continue" needs a rating and a narrative, keeps what was typed, saves nothing', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    const response = await postForm(lead, url, url, {
      ...answerFields(),
      version: '1',
    });
    expect(response.status).toBe(400);
    expect(response.text).toContain('<title>Error: ');
    expect(response.text).toContain(`<a href="#rating">Select a rating for requirement ${w.first.code}</a>`);
    expect(response.text).toContain(
      `<a href="#narrative">Enter a narrative for requirement ${w.first.code}</a>`,
    );

    const saved = await db.prisma.response.findFirstOrThrow({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
    });
    expect(saved).toMatchObject({ version: 1, narrative: '' });
  });

  test('"Save as draft" keeps an incomplete answer, starts the return and records the change', async () => {
    const w = await world();
    const now = new Date('2026-11-02T09:30:00Z');
    const lead = await signedInAgent(buildTestApp(db, { clock: () => now }), w.leadA.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    const response = await postForm(lead, url, url, {
      ...answerFields({ narrative: '  We ask at registration.  ', action: 'draft' }),
      version: '1',
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(returnPath(w.returnA.id));
    const saved = await db.prisma.response.findFirstOrThrow({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
    });
    expect(saved).toMatchObject({
      narrative: 'We ask at registration.',
      ratingLevelId: null,
      version: 2,
      updatedById: w.leadA.id,
      carriedForward: false,
    });
    const ret = await db.prisma.return.findUniqueOrThrow({ where: { id: w.returnA.id } });
    expect(ret).toMatchObject({ status: 'in_progress', startedAt: now });
    const events = await db.prisma.auditEvent.findMany({
      where: { returnId: w.returnA.id },
      orderBy: { id: 'asc' },
    });
    expect(events.map((event) => event.action)).toEqual(['response.saved', 'return.started']);
    expect(events[0]).toMatchObject({
      actorId: w.leadA.id,
      entityType: 'response',
      entityId: saved.id,
      before: { narrative: '' },
      after: { narrative: 'We ask at registration.' },
    });
    const taskList = await lead.get(returnPath(w.returnA.id));
    expect(taskList.text).toMatch(/nhsuk-tag--blue">In progress</);
  });

  test('a draft refuses a rating from another scale, and keeps the text', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    const badRating = await postForm(lead, url, url, {
      ...answerFields({ narrative: 'Kept text', rating: 'excelling-plus', action: 'draft' }),
      version: '1',
    });
    expect(badRating.status).toBe(400);
    expect(badRating.text).toContain(`Select a rating from the list for requirement ${w.first.code}`);
    const saved = await db.prisma.response.findFirstOrThrow({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
    });
    expect(saved.version).toBe(1);
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: w.returnA.id } })).status).toBe(
      'not_started',
    );
  });

  test('"Save and continue" with a complete answer goes to the next requirement, and from the last to the task list', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const level = w.first.ratingScale.levels.at(-1);
    const first = requirementPath(w.returnA.id, w.first.id);
    const response = await postForm(lead, first, first, {
      ...answerFields({
        rating: level?.code ?? '',
        narrative: 'Asked at every contact.',
      }),
      version: '1',
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(requirementPath(w.returnA.id, w.second.id));
    const saved = await db.prisma.response.findFirstOrThrow({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
    });
    expect(saved).toMatchObject({ ratingLevelId: level?.id, narrative: 'Asked at every contact.' });
    const again = await lead.get(first);
    expect(again.text).toMatch(new RegExp(`value="${level?.code ?? ''}" checked`));

    const last = requirementPath(w.returnA.id, w.last.id);
    const fromLast = await postForm(lead, last, last, {
      ...answerFields({ rating: w.last.ratingScale.levels[0]?.code ?? '', narrative: 'Done.' }),
      version: '1',
    });
    expect(fromLast.headers.location).toBe(returnPath(w.returnA.id));
  });

  test('EDS messages name the outcome', async () => {
    const w = await world();
    const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
    const edsReturn = await createReturn(db.prisma, {
      contractId: w.contractA.id,
      providerId: w.providerA.id,
      frameworkVersionId: eds.id,
      periodId: w.period.id,
    });
    const [outcome] = await requirementsInOrder(db.prisma, eds.id);
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    // Domain 1 is answered per service (issue 14): the page of the return's first, "All services".
    const service = await db.prisma.returnService.findFirstOrThrow({ where: { returnId: edsReturn.id } });
    const url = withService(requirementPath(edsReturn.id, outcome?.id ?? ''), service.id);
    const response = await postForm(lead, url, url, { ...answerFields(), version: '1' });
    expect(response.status).toBe(400);
    expect(response.text).toContain('Enter a narrative for outcome 1A');
  });

  test('a return with no response rows yet (as the demo seeds) is answered by creating the response', async () => {
    const w = await world();
    await db.prisma.response.deleteMany({ where: { returnId: w.returnA.id } });
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    const page = await lead.get(url).expect(200);
    expect(formVersion(page.text)).toBe('0');
    expect(page.text).toContain('Save an answer first');
    const response = await postForm(lead, url, url, {
      ...answerFields({ narrative: 'First words', action: 'draft' }),
      version: '0',
    });
    expect(response.status).toBe(302);
    const saved = await db.prisma.response.findFirstOrThrow({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
    });
    expect(saved).toMatchObject({ narrative: 'First words', version: 1, updatedById: w.leadA.id });
  });
});

describe('two people editing the same answer', () => {
  test('the second save is told who changed it and when, keeps their text, and overwrites nothing', async () => {
    const w = await world();
    const colleague = await createProviderLead(db.prisma, w.providerA.id, { displayName: 'Carla Colleague' });
    const app = buildTestApp(db);
    const first = await signedInAgent(app, w.leadA.id);
    const second = await signedInAgent(app, colleague.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    const rating = w.first.ratingScale.levels[1]?.code ?? '';

    const pageOfFirst = await first.get(url);
    const pageOfSecond = await second.get(url);
    expect(formVersion(pageOfFirst.text)).toBe('1');
    expect(formVersion(pageOfSecond.text)).toBe('1');

    const saved = await postForm(first, url, url, {
      ...answerFields({ rating, narrative: 'Lena’s narrative' }),
      version: '1',
    });
    expect(saved.status).toBe(302);

    // A validation error in between keeps the version the form was opened with.
    const invalid = await postForm(second, url, url, {
      ...answerFields({ narrative: 'Carla’s narrative' }),
      version: '1',
    });
    expect(invalid.status).toBe(400);
    expect(formVersion(invalid.text)).toBe('1');

    const conflict = await postForm(second, url, url, {
      ...answerFields({ rating, narrative: 'Carla’s narrative' }),
      version: '1',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.text).toContain('This answer was changed by Lena Lead-A at ');
    expect(conflict.text).toContain(
      'after you opened it. Your text is below; check it against the saved answer and save again.',
    );
    expect(conflict.text).toContain('Lena’s narrative');
    expect(conflict.text).toContain('>Carla’s narrative</textarea>');
    expect(formVersion(conflict.text)).toBe('2');

    const stored = await db.prisma.response.findFirstOrThrow({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
    });
    expect(stored).toMatchObject({
      narrative: 'Lena’s narrative',
      version: 2,
      updatedById: w.leadA.id,
    });
    expect(
      await db.prisma.auditEvent.count({ where: { returnId: w.returnA.id, action: 'response.saved' } }),
    ).toBe(1);

    // Having compared the two, the second person saves again on purpose.
    const resaved = await postForm(second, url, url, {
      ...answerFields({ rating, narrative: 'Carla’s narrative' }),
      version: formVersion(conflict.text),
    });
    expect(resaved.status).toBe(302);
    const final = await db.prisma.response.findUniqueOrThrow({ where: { id: stored.id } });
    expect(final).toMatchObject({ narrative: 'Carla’s narrative', version: 3, updatedById: colleague.id });
  });

  test('saving the same answer as the one now stored is not a conflict', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    const fields = { ...answerFields({ narrative: 'Same words', action: 'draft' }), version: '1' };
    expect((await postForm(lead, url, url, fields)).status).toBe(302);
    expect((await postForm(lead, url, url, fields)).status).toBe(302);
    const stored = await db.prisma.response.findFirstOrThrow({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
    });
    expect(stored.version).toBe(2);
  });
});
