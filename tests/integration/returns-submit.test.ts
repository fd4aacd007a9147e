import { pathTo, paths } from '../../src/paths.js';
import { snapshotDigest, type ReturnSnapshot } from '../../src/returns/snapshot.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import {
  addEvidence,
  answerEveryRequirement,
  answerFields,
  formVersion,
  freshReturns,
  postForm,
  requirementPath,
  requirementsInOrder,
  returnPath,
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

const NOW = new Date('2027-03-10T14:05:00Z');
const checkPath = (returnId: string) => pathTo(paths.returns.checkAnswers, { returnId });
const submitPath = (returnId: string) => pathTo(paths.returns.submit, { returnId });

async function world() {
  const requirements = await requirementsInOrder(db.prisma, base.ais.id);
  const first = requirements[0];
  if (!first) throw new Error('AIS 2025 has no requirements');
  return { ...base, ...(await freshReturns(db.prisma, base)), requirements, first };
}

/** Everything answered, with one evidence file on the first requirement. */
async function completedWorld() {
  const w = await world();
  await answerEveryRequirement(db.prisma, w.returnA, w.leadA.id);
  const response = await db.prisma.response.findFirstOrThrow({
    where: { returnId: w.returnA.id, requirementId: w.first.id },
  });
  const evidence = await addEvidence(db.prisma, {
    providerId: w.providerA.id,
    responseId: response.id,
    userId: w.leadA.id,
    fileName: 'registration-form.txt',
  });
  return { ...w, evidence };
}

async function storedState(returnId: string) {
  return {
    ret: await db.prisma.return.findUniqueOrThrow({ where: { id: returnId } }),
    responses: await db.prisma.response.findMany({ where: { returnId }, orderBy: { id: 'asc' } }),
    submissions: await db.prisma.returnSubmission.findMany({
      where: { returnId },
      orderBy: { sequence: 'asc' },
    }),
    events: await db.prisma.auditEvent.count({ where: { returnId } }),
  };
}

describe('check your answers', () => {
  test('lists every answer with change links and what is still to do, with no declaration until complete', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const page = await lead.get(checkPath(w.returnA.id)).expect(200);
    expect(page.text).toContain('Check your answers before you submit');
    expect(page.text).toContain(`Still to do (${w.requirements.length})`);
    expect(page.text).toContain(`${w.first.code} ${w.first.title}</a>: Not started`);
    expect(page.text).toContain(`href="${requirementPath(w.returnA.id, w.first.id)}#narrative"`);
    expect(page.text).toContain(
      `<span class="nhsuk-u-visually-hidden"> narrative for ${w.first.code}</span>`,
    );
    expect(page.text).not.toContain('name="declaration"');
  });

  test('a complete return offers the declaration; staff see the answers without change links or declaration', async () => {
    const w = await completedWorld();
    const app = buildTestApp(db);
    const page = await (await signedInAgent(app, w.leadA.id)).get(checkPath(w.returnA.id)).expect(200);
    expect(page.text).not.toContain('Still to do');
    expect(page.text).toContain(`Narrative for ${w.first.code}`);
    expect(page.text).toContain('name="declaration" type="checkbox" value="confirmed"');
    expect(page.text).toContain('I confirm these answers are accurate and complete');
    const staff = await (await signedInAgent(app, w.viewer.id)).get(checkPath(w.returnA.id)).expect(200);
    expect(staff.text).toContain('<h1>Answers</h1>');
    expect(staff.text).not.toContain('>Change<');
    expect(staff.text).not.toContain('name="declaration"');
  });

  test('an unconfirmed carried-forward answer is still to do', async () => {
    const w = await completedWorld();
    await db.prisma.response.updateMany({
      where: { returnId: w.returnA.id, requirementId: w.first.id },
      data: { carriedForward: true },
    });
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const page = await lead.get(checkPath(w.returnA.id)).expect(200);
    expect(page.text).toContain('Still to do (1)');
    expect(page.text).toContain('Carried forward: check and confirm the answer');
    const taskList = await lead.get(returnPath(w.returnA.id));
    expect(taskList.text).toContain('Carried forward: confirm');
  });
});

describe('submitting', () => {
  test('without the declaration: 400 with the reason, nothing changes', async () => {
    const w = await completedWorld();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const before = await storedState(w.returnA.id);
    const response = await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), {});
    expect(response.status).toBe(400);
    expect(response.text).toContain(
      '<a href="#declaration">Confirm that these answers are accurate and complete</a>',
    );
    expect(response.text).toContain('id="declaration-error"');
    expect(await storedState(w.returnA.id)).toEqual(before);
  });

  test('an incomplete return is refused on the server whatever the page showed', async () => {
    const w = await world();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const before = await storedState(w.returnA.id);
    const response = await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), {
      declaration: 'confirmed',
    });
    expect(response.status).toBe(400);
    expect(response.text).toContain(
      'Complete every requirement and confirm carried-forward answers before you submit',
    );
    expect(await storedState(w.returnA.id)).toEqual(before);
  });

  test('a file the virus check later blocked stops the submission: the page names it, the server refuses', async () => {
    const w = await completedWorld();
    // A rescan found what the first scan missed.
    await db.prisma.evidenceFile.update({
      where: { sha256: w.evidence.fileSha256 },
      data: { scanStatus: 'infected', scanSignature: 'Test.Signature', scannedAt: NOW },
    });
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const page = await lead.get(checkPath(w.returnA.id)).expect(200);
    expect(page.text).toContain('Files blocked by the virus check (1)');
    expect(page.text).toContain(
      `<a class="nhsuk-link" href="${requirementPath(w.returnA.id, w.first.id)}#evidence-heading-${w.first.id}">${w.first.code}</a>: registration-form.txt`,
    );

    const before = await storedState(w.returnA.id);
    const response = await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), {
      declaration: 'confirmed',
    });
    expect(response.status).toBe(400);
    expect(response.text).toContain(
      '<a href="#blocked-evidence">Remove the files blocked by the virus check before you submit</a>',
    );
    expect(await storedState(w.returnA.id)).toEqual(before);

    // Removed from the answer, the return goes.
    await db.prisma.evidenceLink.deleteMany({ where: { evidenceId: w.evidence.id } });
    const submitted = await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), {
      declaration: 'confirmed',
    });
    expect(submitted.status).toBe(302);
  });

  test('freezes the return: a snapshot of every answer and evidence hash, its digest, status submitted', async () => {
    const w = await completedWorld();
    const lead = await signedInAgent(buildTestApp(db, { clock: () => NOW }), w.leadA.id);
    const response = await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), {
      declaration: 'confirmed',
    });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(pathTo(paths.returns.confirmation, { returnId: w.returnA.id }));

    const { ret, submissions } = await storedState(w.returnA.id);
    expect(ret).toMatchObject({ status: 'submitted', submittedAt: NOW });
    expect(submissions).toHaveLength(1);
    const [submission] = submissions;
    if (!submission) throw new Error('no submission');
    expect(submission).toMatchObject({ sequence: 1, submittedById: w.leadA.id, submittedAt: NOW });
    expect(submission.declaration).toBe(
      'I confirm these answers are accurate and complete to the best of my knowledge, and that I may ' +
        'submit them on behalf of Alpha Hospitals NHS Trust.',
    );
    const snapshot = submission.snapshot as unknown as ReturnSnapshot;
    expect(submission.snapshotSha256).toBe(snapshotDigest(snapshot));
    expect(snapshot.responses.map((answer) => answer.requirementCode)).toEqual(
      w.requirements.map((requirement) => requirement.code),
    );
    expect(snapshot.responses[0]).toMatchObject({
      narrative: `Narrative for ${w.first.code}`,
      evidence: [{ sha256: w.evidence.sha256, fileName: 'registration-form.txt' }],
    });
    const audit = await db.prisma.auditEvent.findFirstOrThrow({
      where: { returnId: w.returnA.id, action: 'return.submitted' },
    });
    expect(audit).toMatchObject({
      actorId: w.leadA.id,
      before: { status: 'in_progress' },
      after: { status: 'submitted', submission: 1, snapshotSha256: submission.snapshotSha256 },
    });

    const confirmation = await lead.get(response.headers.location ?? '').expect(200);
    expect(confirmation.text).toContain('<h1 class="nhsuk-panel__heading">Return submitted</h1>');
    // No hash for the provider's lead: plain words instead.
    expect(confirmation.text).not.toContain(submission.snapshotSha256);
    expect(confirmation.text).not.toMatch(/SHA-256|digest/i);
    // 14:05 UTC is 2:05pm in the UK before the clocks go forward.
    expect(confirmation.text).toContain('2:05pm on 10 March 2027');
    const taskList = await lead.get(returnPath(w.returnA.id));
    expect(taskList.text).toMatch(/nhsuk-tag--purple">Submitted</);
    expect(taskList.text).not.toContain('Check your answers');
  });

  test('a submitted return refuses every change on the server, and its pages are read-only', async () => {
    const w = await completedWorld();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    const formPage = await lead.get(url);
    const version = formVersion(formPage.text);
    await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), { declaration: 'confirmed' });
    const frozen = await storedState(w.returnA.id);

    const save = await postForm(lead, returnPath(w.returnA.id), url, {
      ...answerFields({
        rating: w.first.ratingScale.levels[0]?.code ?? '',
        narrative: 'Changed after submission',
      }),
      version,
    });
    expect(save.status).toBe(409);
    expect(save.text).toContain('This return has been submitted and cannot be changed');
    const carry = await postForm(
      lead,
      returnPath(w.returnA.id),
      pathTo(paths.returns.carryForward, { returnId: w.returnA.id }),
      {},
    );
    expect(carry.status).toBe(409);
    const again = await postForm(lead, returnPath(w.returnA.id), submitPath(w.returnA.id), {
      declaration: 'confirmed',
    });
    expect(again.status).toBe(409);
    expect(await storedState(w.returnA.id)).toEqual(frozen);

    const page = await lead.get(url).expect(200);
    expect(page.text).not.toContain('name="narrative"');
    expect(page.text).not.toContain('Add or manage evidence');

    // Accepted is just as frozen.
    await db.prisma.return.update({ where: { id: w.returnA.id }, data: { status: 'accepted' } });
    const accepted = await postForm(lead, returnPath(w.returnA.id), url, {
      ...answerFields({ narrative: 'Changed after acceptance', action: 'draft' }),
      version,
    });
    expect(accepted.status).toBe(409);
    expect(accepted.text).toContain('This return has been accepted and can no longer be changed');
    expect((await storedState(w.returnA.id)).responses).toEqual(frozen.responses);
  });

  test('after it is returned, edits change the live answers but never the stored snapshot; resubmission adds one', async () => {
    const w = await completedWorld();
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), { declaration: 'confirmed' });
    const [first] = (await storedState(w.returnA.id)).submissions;
    if (!first) throw new Error('no submission');

    // The review decision, as the reviewer's pages record it.
    await db.prisma.returnReview.create({
      data: {
        submissionId: first.id,
        reviewerId: w.manager.id,
        decision: 'returned',
        comment: 'More detail',
      },
    });
    await db.prisma.return.update({ where: { id: w.returnA.id }, data: { status: 'returned' } });

    const url = requirementPath(w.returnA.id, w.first.id);
    const page = await lead.get(url);
    const edited = await postForm(lead, url, url, {
      ...answerFields({
        rating: w.first.ratingScale.levels[1]?.code ?? '',
        narrative: 'More detail, as asked',
      }),
      version: formVersion(page.text),
    });
    expect(edited.status).toBe(302);

    const stored = await db.prisma.returnSubmission.findUniqueOrThrow({ where: { id: first.id } });
    expect(stored.snapshot).toEqual(first.snapshot);
    expect(stored.snapshotSha256).toBe(first.snapshotSha256);
    expect(snapshotDigest(stored.snapshot as unknown as ReturnSnapshot)).toBe(first.snapshotSha256);
    expect((stored.snapshot as unknown as ReturnSnapshot).responses[0]?.narrative).toBe(
      `Narrative for ${w.first.code}`,
    );

    const resubmitted = await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), {
      declaration: 'confirmed',
    });
    expect(resubmitted.status).toBe(302);
    const { ret, submissions } = await storedState(w.returnA.id);
    expect(ret.status).toBe('submitted');
    expect(submissions.map((submission) => submission.sequence)).toEqual([1, 2]);
    const second = submissions[1];
    expect(second?.snapshotSha256).not.toBe(first.snapshotSha256);
    expect((second?.snapshot as unknown as ReturnSnapshot).responses[0]?.narrative).toBe(
      'More detail, as asked',
    );
    expect(snapshotDigest(second?.snapshot as unknown as ReturnSnapshot)).toBe(second?.snapshotSha256);
  });
});

describe('history', () => {
  test('lists the events newest first with who, what and the changed fields, and the submissions', async () => {
    const w = await world();
    const app = buildTestApp(db, { clock: () => NOW });
    const lead = await signedInAgent(app, w.leadA.id);
    const url = requirementPath(w.returnA.id, w.first.id);
    await postForm(lead, url, url, {
      ...answerFields({ narrative: 'First draft', action: 'draft' }),
      version: '1',
    });
    await postForm(lead, url, url, {
      ...answerFields({ narrative: 'Second draft', action: 'draft' }),
      version: '2',
    });
    // Something done by a job, with no user.
    await db.prisma.auditEvent.create({
      data: {
        action: 'reminder.sent',
        entityType: 'return',
        entityId: w.returnA.id,
        returnId: w.returnA.id,
        after: { stage: 'due_soon' },
      },
    });
    await answerEveryRequirement(db.prisma, w.returnA, w.leadA.id);
    await postForm(lead, checkPath(w.returnA.id), submitPath(w.returnA.id), { declaration: 'confirmed' });
    const submission = await db.prisma.returnSubmission.findFirstOrThrow({
      where: { returnId: w.returnA.id },
    });

    for (const user of [w.leadA, w.manager]) {
      const page = await (
        await signedInAgent(app, user.id)
      )
        .get(pathTo(paths.returns.history, { returnId: w.returnA.id }))
        .expect(200);
      const text = page.text.replace(/\s+/g, ' ');
      const order = [
        'Return submitted',
        'Reminder sent',
        `Answer saved: ${w.first.code}`,
        'Return started',
      ].map((what) => text.indexOf(`<td class="nhsuk-table__cell">${what}</td>`));
      expect(order.every((position) => position > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(text).toContain('<strong>Narrative:</strong> First draft <span aria-hidden="true">→</span>');
      expect(text).toContain('changed to</span> Second draft');
      expect(text).toContain('<strong>Status:</strong> Not started');
      expect(text).toContain('changed to</span> In progress');
      expect(text).toContain('<td class="nhsuk-table__cell">System</td>');
      expect(text).toContain('<td class="nhsuk-table__cell">Lena Lead-A</td>');
      // Staff see the snapshot's hash under "Technical details"; the provider's lead sees none.
      if (user === w.manager) {
        expect(text).toMatch(
          /<summary class="nhsuk-details__summary">\s*<span class="nhsuk-details__summary-text">Technical details</,
        );
        expect(text).toContain(submission.snapshotSha256);
      } else {
        expect(text).not.toContain(submission.snapshotSha256);
        expect(text).not.toMatch(/SHA-256|Technical details/);
      }
      expect(text).toContain('Not reviewed yet');
    }
  });
});
