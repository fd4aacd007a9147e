import { pathTo, paths, withService } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createProviderLead,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { textOf } from '../support/review-fixtures.js';
import {
  addEvidence,
  answerEveryRequirement,
  answerFields,
  formVersion,
  postForm,
  returnPath,
  type Agent,
  type World,
} from './returns-helpers.js';

// Issue 14: an EDS 2022 return answers Domain 1 once per service: each service's outcomes on their own
// pages (?service=<id>), its own status on the task list, its own evidence; check answers by service;
// submission refused until there are enough services and each has every outcome answered.

let db: TestDatabase;
let w: World;
let app: ReturnType<typeof buildTestApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
});
afterAll(async () => {
  await db.drop();
});

/** A new EDS 2022 return as a period opens it, its "All services" renamed Maternity, and Outpatients. */
async function twoServiceReturn() {
  const ret = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: (await frameworkVersion(db.prisma, 'EDS', '2022')).id,
    periodId: (await createPeriod(db.prisma)).id,
  });
  const first = await db.prisma.returnService.findFirstOrThrow({ where: { returnId: ret.id } });
  const maternity = await db.prisma.returnService.update({
    where: { id: first.id },
    data: { name: 'Maternity', whyChosen: 'Longest waits' },
  });
  const outpatients = await db.prisma.returnService.create({
    data: { returnId: ret.id, name: 'Outpatients', whyChosen: 'Most patients', position: 2 },
  });
  const requirements = await db.prisma.requirement.findMany({
    where: { frameworkVersionId: ret.frameworkVersionId },
    include: { ratingScale: { include: { levels: { orderBy: { position: 'asc' } } } } },
  });
  const byCode = (code: string) => {
    const found = requirements.find((requirement) => requirement.code === code);
    if (!found) throw new Error(`no requirement ${code}`);
    return found;
  };
  return { ret, maternity, outpatients, byCode };
}

const pagePath = (returnId: string, requirementId: string, serviceId?: string) =>
  withService(pathTo(paths.returns.requirement, { returnId, requirementId }), serviceId);

async function answer(
  agent: Agent,
  path: string,
  fields: Partial<Record<string, string>>,
): Promise<{ status: number; location: string | undefined; text: string }> {
  const page = await agent.get(path).expect(200);
  const response = await agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfTokenFrom(page.text), version: formVersion(page.text), ...answerFields(fields) });
  return { status: response.status, location: response.headers.location, text: response.text };
}

describe('answering per service', () => {
  test('1A is answered for each service apart, and "Save and continue" goes service by service', async () => {
    const { ret, maternity, outpatients, byCode } = await twoServiceReturn();
    const lead = await signedInAgent(app, w.leadA.id);
    const oneA = byCode('1A');
    const level = oneA.ratingScale.levels[2]?.code ?? '';

    const page = await lead.get(pagePath(ret.id, oneA.id, maternity.id)).expect(200);
    expect(page.text).toMatch(/<h1>1A [^<]+ – Maternity<\/h1>/);
    expect(page.text).toMatch(/<title>Requirement 1A, Maternity - /);
    expect(page.text).toContain(`action="${pagePath(ret.id, oneA.id, maternity.id)}"`);

    const saved = await answer(lead, pagePath(ret.id, oneA.id, maternity.id), {
      rating: level,
      narrative: 'Maternity narrative',
    });
    expect(saved.status).toBe(302);
    expect(saved.location).toBe(pagePath(ret.id, byCode('1B').id, maternity.id));
    await answer(lead, pagePath(ret.id, oneA.id, outpatients.id), {
      narrative: 'Outpatients draft',
      action: 'draft',
    });
    const answers = await db.prisma.response.findMany({
      where: { returnId: ret.id, requirementId: oneA.id },
      select: { serviceId: true, narrative: true, ratingLevelId: true },
    });
    expect(answers).toHaveLength(2);
    expect(answers.find((row) => row.serviceId === maternity.id)?.narrative).toBe('Maternity narrative');
    expect(answers.find((row) => row.serviceId === outpatients.id)).toMatchObject({
      narrative: 'Outpatients draft',
      ratingLevelId: null,
    });
    // Each page shows its own service's answer.
    expect((await lead.get(pagePath(ret.id, oneA.id, outpatients.id)).expect(200)).text).toContain(
      'Outpatients draft',
    );

    // The last outcome of Maternity goes on to Outpatients' first; Outpatients' last to Domain 2.
    const lastOfMaternity = await answer(lead, pagePath(ret.id, byCode('1D').id, maternity.id), {
      narrative: 'x',
    });
    expect(lastOfMaternity.status).toBe(400);
    const next = await answer(lead, pagePath(ret.id, byCode('1D').id, maternity.id), {
      rating: level,
      narrative: 'Maternity 1D',
    });
    expect(next.location).toBe(pagePath(ret.id, oneA.id, outpatients.id));
    const toDomain2 = await answer(lead, pagePath(ret.id, byCode('1D').id, outpatients.id), {
      rating: level,
      narrative: 'Outpatients 1D',
    });
    expect(toDomain2.location).toBe(pagePath(ret.id, byCode('2A').id));

    // The history names the service of each answer.
    const history = textOf(
      (await lead.get(pathTo(paths.returns.history, { returnId: ret.id })).expect(200)).text,
    );
    expect(history).toContain('1A, Outpatients');
  });

  test('the task list shows each service’s outcomes with their own status', async () => {
    const { ret, maternity, outpatients, byCode } = await twoServiceReturn();
    const lead = await signedInAgent(app, w.leadA.id);
    const level = byCode('1A').ratingScale.levels[0]?.code ?? '';
    await answer(lead, pagePath(ret.id, byCode('1A').id, maternity.id), { rating: level, narrative: 'Done' });
    await answer(lead, pagePath(ret.id, byCode('1B').id, outpatients.id), {
      narrative: 'Begun',
      action: 'draft',
    });
    const taskList = await lead.get(returnPath(ret.id)).expect(200);
    const text = textOf(taskList.text);
    expect(text).toMatch(
      /Maternity Maternity status: In progress 1A .*? – Maternity Completed 1B .*? – Maternity Not started/,
    );
    expect(text).toMatch(
      /Outpatients Outpatients status: In progress 1A .*? – Outpatients Not started 1B .*? – Outpatients In progress/,
    );
    for (const service of [maternity, outpatients]) {
      for (const code of ['1A', '1B', '1C', '1D']) {
        expect(taskList.text).toContain(`href="${pagePath(ret.id, byCode(code).id, service.id)}"`);
      }
    }
    // Domain 2 stays as it was: one link per outcome, no service.
    expect(taskList.text).toContain(`href="${pagePath(ret.id, byCode('2A').id)}"`);
    expect(text).toMatch(/Services assessed in Domain 1 Maternity, Outpatients Completed/);
    // The workbook (one row per outcome) is refused for several services: no link, a sentence why.
    const workbook = pathTo(paths.returns.workbook, { returnId: ret.id });
    expect(taskList.text).not.toContain(`href="${workbook}"`);
    expect(taskList.text).not.toContain(pathTo(paths.returns.workbookUpload, { returnId: ret.id }));
    expect(text).toContain(
      'This return cannot be downloaded as a spreadsheet because it assesses more than one service in Domain 1',
    );
    await lead.get(workbook).expect(409);
    // With one service left, the link is back.
    await db.prisma.returnService.delete({ where: { id: outpatients.id } });
    expect((await lead.get(returnPath(ret.id)).expect(200)).text).toContain(`href="${workbook}"`);
  });

  test('a per-service page needs a service of this return', async () => {
    const { ret, maternity, byCode } = await twoServiceReturn();
    const other = await twoServiceReturn();
    const lead = await signedInAgent(app, w.leadA.id);
    const oneA = byCode('1A');
    // An older link without a service: the first service's page.
    const older = await lead.get(pagePath(ret.id, oneA.id)).expect(302);
    expect(older.headers.location).toBe(pagePath(ret.id, oneA.id, maternity.id));
    await lead.get(pagePath(ret.id, oneA.id, other.maternity.id)).expect(404);
    await lead.get(`${pagePath(ret.id, oneA.id)}?service=not-an-id`).expect(404);
    await lead
      .get(`${pagePath(ret.id, oneA.id)}?service=${maternity.id}&service=${maternity.id}`)
      .expect(404);
    // Domain 2 is not answered per service.
    await lead.get(pagePath(ret.id, byCode('2A').id, maternity.id)).expect(404);
    const page = await lead.get(pagePath(ret.id, oneA.id, maternity.id)).expect(200);
    await lead
      .post(pagePath(ret.id, oneA.id, other.maternity.id))
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text), version: '0', ...answerFields({ narrative: 'Wrong' }) })
      .expect(404);

    // No services at all: the lead is sent to name them; a viewer to the task list.
    await db.prisma.returnService.deleteMany({ where: { returnId: ret.id } });
    const none = await lead.get(pagePath(ret.id, oneA.id)).expect(302);
    expect(none.headers.location).toBe(pathTo(paths.returns.services, { returnId: ret.id }));
    const viewer = await signedInAgent(app, w.viewer.id);
    expect((await viewer.get(pagePath(ret.id, oneA.id)).expect(302)).headers.location).toBe(
      returnPath(ret.id),
    );
    const taskList = textOf((await lead.get(returnPath(ret.id)).expect(200)).text);
    expect(taskList).toContain('Add the services you assessed first.');
  });

  test('evidence and actions added from a service’s page stay with that service', async () => {
    const { ret, maternity, outpatients, byCode } = await twoServiceReturn();
    const lead = await signedInAgent(app, w.leadA.id);
    const oneA = byCode('1A');
    await answer(lead, pagePath(ret.id, oneA.id, outpatients.id), { narrative: 'Draft', action: 'draft' });
    const maternityAnswer = await db.prisma.response.findFirstOrThrow({
      where: { returnId: ret.id, requirementId: oneA.id, serviceId: maternity.id },
    });
    const evidence = await addEvidence(db.prisma, {
      providerId: w.providerA.id,
      responseId: maternityAnswer.id,
      userId: w.leadA.id,
      fileName: 'Maternity audit.pdf',
    });
    const page = await lead.get(pagePath(ret.id, oneA.id, outpatients.id)).expect(200);
    const evidencePage = withService(
      pathTo(paths.evidence.upload, { returnId: ret.id, requirementId: oneA.id }),
      outpatients.id,
    );
    expect(page.text).toContain(`href="${evidencePage}"`);
    expect(page.text).not.toContain('Maternity audit.pdf');

    const manage = await lead.get(evidencePage).expect(200);
    expect(manage.text).toContain('Evidence for 1A, Outpatients');
    const linkPath = withService(
      pathTo(paths.evidence.link, { returnId: ret.id, requirementId: oneA.id }),
      outpatients.id,
    );
    expect(manage.text).toContain(`action="${linkPath.replace('&', '&amp;')}"`);
    const linked = await lead
      .post(linkPath)
      .type('form')
      .send({ _csrf: csrfTokenFrom(manage.text), evidenceId: evidence.id })
      .expect(302);
    expect(linked.headers.location).toBe(`${evidencePage}&done=linked`);
    const outpatientsAnswer = await db.prisma.response.findFirstOrThrow({
      where: { returnId: ret.id, requirementId: oneA.id, serviceId: outpatients.id },
      include: { evidenceLinks: true },
    });
    expect(outpatientsAnswer.evidenceLinks.map((link) => link.evidenceId)).toEqual([evidence.id]);

    // Removed from the service's page, back to the same page; Maternity's link stays.
    const unlinkPath = withService(
      pathTo(paths.evidence.unlink, { returnId: ret.id, requirementId: oneA.id, evidenceId: evidence.id }),
      outpatients.id,
    );
    const withFile = await lead.get(pagePath(ret.id, oneA.id, outpatients.id)).expect(200);
    expect(withFile.text).toContain(`action="${unlinkPath}"`);
    const unlinked = await lead
      .post(unlinkPath)
      .type('form')
      .send({ _csrf: csrfTokenFrom(withFile.text), returnTo: 'requirement' })
      .expect(302);
    expect(unlinked.headers.location).toBe(pagePath(ret.id, oneA.id, outpatients.id));
    expect(await db.prisma.evidenceLink.count({ where: { evidenceId: evidence.id } })).toBe(1);

    // An action added from Outpatients' page goes back there.
    const addAction = withService(
      pathTo(paths.actions.add, { returnId: ret.id, requirementId: oneA.id }),
      outpatients.id,
    );
    expect(withFile.text).toContain(`href="${addAction}"`);
    const added = await postForm(lead, addAction, addAction, {
      description: 'Interpreters booked at referral',
      owner: 'Outpatients manager',
      'dueDate-day': '30',
      'dueDate-month': '9',
      'dueDate-year': '2027',
    });
    expect(added.status).toBe(302);
    expect(added.headers.location).toBe(`${pagePath(ret.id, oneA.id, outpatients.id)}#actions`);
  });
});

describe('checking and submitting', () => {
  test('check answers shows Domain 1 by service; submission names what each service still needs', async () => {
    const { ret, maternity, outpatients, byCode } = await twoServiceReturn();
    const lead = await signedInAgent(app, w.leadA.id);
    await answerEveryRequirement(db.prisma, ret, w.leadA.id);
    await db.prisma.response.updateMany({
      where: { returnId: ret.id, requirementId: byCode('1C').id, serviceId: outpatients.id },
      data: { narrative: '' },
    });
    await db.prisma.gradingRecord.create({
      data: {
        returnId: ret.id,
        firstDate: new Date('2027-01-12'),
        groups: ['trade-unions'],
        howAgreed: 'By consensus',
        updatedById: w.leadA.id,
        updatedAt: new Date(),
      },
    });
    const check = pathTo(paths.returns.checkAnswers, { returnId: ret.id });
    const page = await lead.get(check).expect(200);
    const text = textOf(page.text);
    expect(text).toMatch(/Services assessed Maternity Longest waits .* Outpatients Most patients/);
    expect(text).toMatch(/Maternity 1A .*? – Maternity Rating/);
    expect(text).toContain(`Still to do (1)`);
    expect(text).toMatch(/1C [^:]+ for Outpatients : Needs a narrative/);
    expect(page.text).not.toContain('Submit return');

    const refused = await postForm(lead, check, pathTo(paths.returns.submit, { returnId: ret.id }), {
      declaration: 'confirmed',
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(
      `<a href="${pagePath(ret.id, byCode('1C').id, outpatients.id)}">1C for Outpatients: Needs a narrative</a>`,
    );
    expect((await db.prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status).toBe('in_progress');

    // Too few services: the minimum comes from the standard's data.
    await db.prisma.frameworkVersion.update({
      where: { id: ret.frameworkVersionId },
      data: { perServiceMinimum: 3 },
    });
    try {
      const fewer = await postForm(lead, check, pathTo(paths.returns.submit, { returnId: ret.id }), {
        declaration: 'confirmed',
      });
      expect(fewer.status).toBe(400);
      expect(fewer.text).toContain(
        `<a href="${pathTo(paths.returns.services, { returnId: ret.id })}">Add at least 3 services you assessed before you submit</a>`,
      );
      expect(textOf((await lead.get(check).expect(200)).text)).toContain(
        'Services assessed : add at least 3 services',
      );
    } finally {
      await db.prisma.frameworkVersion.update({
        where: { id: ret.frameworkVersionId },
        data: { perServiceMinimum: 1 },
      });
    }

    await answer(lead, pagePath(ret.id, byCode('1C').id, outpatients.id), {
      rating: byCode('1C').ratingScale.levels[0]?.code ?? '',
      narrative: 'Now complete',
    });
    const ready = await lead.get(check).expect(200);
    expect(ready.text).toContain('Submit return');
    const submitted = await postForm(lead, check, pathTo(paths.returns.submit, { returnId: ret.id }), {
      declaration: 'confirmed',
    });
    expect(submitted.status).toBe(302);
    expect(maternity.id).not.toBe(outpatients.id);
  });
});

describe('who may answer per service', () => {
  test('another provider’s lead gets 404; staff and viewers read only; a contributor answers', async () => {
    const { ret, maternity, byCode } = await twoServiceReturn();
    const path = pagePath(ret.id, byCode('1A').id, maternity.id);
    const fields = { version: '0', ...answerFields({ narrative: 'Not yours' }) };
    const leadB = await signedInAgent(app, w.leadB.id);
    await leadB.get(path).expect(404);
    const tokenB = csrfTokenFrom((await leadB.get(paths.returns.list).expect(200)).text);
    await leadB
      .post(path)
      .type('form')
      .send({ _csrf: tokenB, ...fields })
      .expect(404);
    for (const userId of [w.viewer.id, w.manager.id]) {
      const agent = await signedInAgent(app, userId);
      const page = await agent.get(path).expect(200);
      expect(page.text).not.toContain('name="rating"');
      await agent
        .post(path)
        .type('form')
        .send({ _csrf: csrfTokenFrom((await agent.get(paths.returns.list).expect(200)).text), ...fields })
        .expect(403);
    }
    const contributor = await createProviderLead(db.prisma, w.providerA.id, {
      displayName: 'Cy Contributor',
    });
    await db.prisma.membership.update({
      where: { userId_providerId: { userId: contributor.id, providerId: w.providerA.id } },
      data: { role: 'contributor' },
    });
    const contrib = await signedInAgent(app, contributor.id);
    expect((await answer(contrib, path, { narrative: 'By a contributor', action: 'draft' })).status).toBe(
      302,
    );
    expect(
      await db.prisma.response.findFirstOrThrow({
        where: { returnId: ret.id, requirementId: byCode('1A').id, serviceId: maternity.id },
      }),
    ).toMatchObject({ narrative: 'By a contributor' });
  });
});
