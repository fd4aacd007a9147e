import { randomUUID } from 'node:crypto';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { textOf } from '../support/review-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
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

const NOW = new Date('2026-06-01T09:00:00Z');
const carryPath = (returnId: string) => pathTo(paths.returns.carryForward, { returnId });

/** An earlier financial year (the fixture periods are 2026/27). */
function earlierPeriod(startYear: number) {
  return db.prisma.reportingPeriod.create({
    data: {
      label: `${startYear}/${String(startYear + 1).slice(2)} ${randomUUID().slice(0, 6)}`,
      startDate: new Date(`${startYear}-04-01`),
      endDate: new Date(`${startYear + 1}-03-31`),
    },
  });
}

/** A completed return of a contract in an earlier period, with the given status. */
async function earlierReturn(
  w: World,
  contract: { id: string; providerId: string },
  options: { frameworkVersionId: string; startYear: number; status: 'accepted' | 'returned' | 'submitted' },
) {
  const period = await earlierPeriod(options.startYear);
  const ret = await createReturn(db.prisma, {
    contractId: contract.id,
    providerId: contract.providerId,
    frameworkVersionId: options.frameworkVersionId,
    periodId: period.id,
  });
  const lead = contract.providerId === w.providerA.id ? w.leadA : w.leadB;
  await answerEveryRequirement(db.prisma, ret, lead.id);
  await db.prisma.return.update({
    where: { id: ret.id },
    data: { status: options.status, submittedAt: new Date(`${options.startYear + 1}-03-20T12:00:00Z`) },
  });
  return { ...ret, period };
}

async function responseOf(returnId: string, requirementId: string) {
  return db.prisma.response.findFirstOrThrow({
    where: { returnId, requirementId },
    include: { evidenceLinks: true },
  });
}

test('copies the last accepted answers and evidence, marked for confirmation, in one audited change', async () => {
  const w = { ...base, ...(await freshReturns(db.prisma, base)) };
  const requirements = await requirementsInOrder(db.prisma, w.ais.id);
  const [first, second] = requirements;
  if (!first || !second) throw new Error('AIS 2025 has too few requirements');
  // An older accepted return and a later one that was only returned: the accepted 2025/26 one wins.
  await earlierReturn(w, w.contractA, { frameworkVersionId: w.ais.id, startYear: 2024, status: 'accepted' });
  const accepted = await earlierReturn(w, w.contractA, {
    frameworkVersionId: w.ais.id,
    startYear: 2025,
    status: 'accepted',
  });
  const earlierFirst = await responseOf(accepted.id, first.id);
  // An open action from last year's return (issue 14): it carries as itself, never copied.
  const openAction = await db.prisma.action.create({
    data: {
      providerId: w.providerA.id,
      description: 'Audit new records quarterly',
      owner: 'Records team',
      dueDate: new Date('2026-09-30'),
      status: 'in_progress',
      links: { create: { requirementId: first.id, returnId: accepted.id } },
    },
  });
  const lastYearOnly = await addEvidence(db.prisma, {
    providerId: w.providerA.id,
    responseId: earlierFirst.id,
    userId: w.leadA.id,
    fileName: 'audit-2025.txt',
    coversFrom: new Date('2025-04-01'),
    coversTo: new Date('2026-03-31'),
  });
  const stillCurrent = await addEvidence(db.prisma, {
    providerId: w.providerA.id,
    responseId: earlierFirst.id,
    userId: w.leadA.id,
    fileName: 'policy-2026.txt',
    coversFrom: new Date('2026-01-01'),
    coversTo: new Date('2026-12-31'),
  });

  const app = buildTestApp(db, { clock: () => NOW });
  const lead = await signedInAgent(app, w.leadA.id);
  const taskList = await lead.get(returnPath(w.returnA.id)).expect(200);
  expect(taskList.text).toContain(`Copy answers from ${accepted.period.label}`);
  expect(taskList.text).toContain(`action="${carryPath(w.returnA.id)}"`);

  const response = await postForm(lead, returnPath(w.returnA.id), carryPath(w.returnA.id), {});
  expect(response.status).toBe(302);
  expect(response.headers.location).toBe(returnPath(w.returnA.id));

  const ret = await db.prisma.return.findUniqueOrThrow({ where: { id: w.returnA.id } });
  expect(ret).toMatchObject({ status: 'in_progress', carriedFromReturnId: accepted.id, startedAt: NOW });
  const copied = await responseOf(w.returnA.id, first.id);
  expect(copied).toMatchObject({
    narrative: `Narrative for ${first.code}`,
    ratingLevelId: earlierFirst.ratingLevelId,
    carriedForward: true,
    version: 2,
    updatedById: w.leadA.id,
  });
  expect(copied.evidenceLinks.map((link) => link.evidenceId).sort()).toEqual(
    [lastYearOnly.id, stillCurrent.id].sort(),
  );
  expect(await db.prisma.response.count({ where: { returnId: w.returnA.id, carriedForward: true } })).toBe(
    requirements.length,
  );
  // The earlier return is untouched.
  expect(await responseOf(accepted.id, first.id)).toMatchObject({ carriedForward: false, version: 1 });
  const audit = await db.prisma.auditEvent.findMany({ where: { returnId: w.returnA.id } });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({
    action: 'return.carried_forward',
    actorId: w.leadA.id,
    before: { status: 'not_started', carriedFrom: null },
    after: { status: 'in_progress', carriedFrom: accepted.period.label, evidenceLinked: 2 },
  });

  const after = await lead.get(returnPath(w.returnA.id)).expect(200);
  expect(after.text).not.toContain('Copy answers from');
  expect(after.text).toContain(`carried forward from the accepted ${accepted.period.label} return`);
  expect(rowLinking(after.text, requirementPath(w.returnA.id, first.id), '</li>')).toContain(
    'Carried forward: confirm',
  );

  // Evidence whose period ended before this return's period began is flagged; the rest is not.
  const page = await lead.get(requirementPath(w.returnA.id, first.id)).expect(200);
  expect(page.text).toContain(`carried forward from your accepted ${accepted.period.label} return`);
  const staleItem = page.text.slice(
    page.text.indexOf('audit-2025.txt'),
    page.text.indexOf('</li>', page.text.indexOf('audit-2025.txt')),
  );
  const currentItem = page.text.slice(
    page.text.indexOf('policy-2026.txt'),
    page.text.indexOf('</li>', page.text.indexOf('policy-2026.txt')),
  );
  expect(staleItem).toContain('Older than this period');
  expect(currentItem).not.toContain('Older than this period');
  // The open action shows on this period's requirement, the same record (one action, one link).
  expect(page.text).toContain(`href="/actions/${openAction.id}"`);
  expect(page.text).toContain('Audit new records quarterly');
  expect(await db.prisma.action.count()).toBe(1);
  expect(await db.prisma.actionLink.count()).toBe(1);

  // Saving the answer, unchanged, confirms it.
  const url = requirementPath(w.returnA.id, first.id);
  const level = first.ratingScale.levels.find((candidate) => candidate.id === earlierFirst.ratingLevelId);
  const confirmed = await postForm(lead, url, url, {
    ...answerFields({
      rating: level?.code ?? '',
      narrative: `Narrative for ${first.code}`,
    }),
    version: formVersion(page.text),
  });
  expect(confirmed.status).toBe(302);
  expect(await responseOf(w.returnA.id, first.id)).toMatchObject({ carriedForward: false, version: 3 });
  const confirmedEvent = await db.prisma.auditEvent.findFirstOrThrow({
    where: { returnId: w.returnA.id, action: 'response.saved' },
  });
  expect(confirmedEvent).toMatchObject({
    before: { carriedForward: true },
    after: { carriedForward: false },
  });
  const finalList = await lead.get(returnPath(w.returnA.id));
  expect(rowLinking(finalList.text, requirementPath(w.returnA.id, first.id), '</li>')).toContain('Completed');
});

test('from another version, only requirements with the same code are copied, and ratings only where the level exists', async () => {
  const w = { ...base, ...(await freshReturns(db.prisma, base)) };
  const ais2016 = await frameworkVersion(db.prisma, 'AIS', '2016');
  await earlierReturn(w, w.contractB, {
    frameworkVersionId: ais2016.id,
    startYear: 2025,
    status: 'accepted',
  });
  const lead = await signedInAgent(buildTestApp(db), w.leadB.id);
  const response = await postForm(lead, returnPath(w.returnB.id), carryPath(w.returnB.id), {});
  expect(response.status).toBe(302);

  const oldCodes = new Set(
    (await requirementsInOrder(db.prisma, ais2016.id)).map((requirement) => requirement.code),
  );
  for (const requirement of await requirementsInOrder(db.prisma, w.ais.id)) {
    const answer = await responseOf(w.returnB.id, requirement.id);
    if (oldCodes.has(requirement.code)) {
      // AIS 2016 and 2025 rate on different scales: the narrative comes across, the rating does not.
      expect(answer).toMatchObject({ narrative: `Narrative for ${requirement.code}`, carriedForward: true });
      expect(answer.ratingLevelId).toBeNull();
    } else {
      expect(answer).toMatchObject({ narrative: '', carriedForward: false, version: 1 });
    }
  }
  expect(oldCodes.has('6.1')).toBe(false);
});

test('is not offered, and refused, without an accepted earlier return or once the return has started', async () => {
  const w = { ...base, ...(await freshReturns(db.prisma, base)) };
  // Provider B's only earlier return of this contract was returned, not accepted.
  const otherContract = await db.prisma.contract.create({
    data: {
      providerId: w.providerB.id,
      contractManagerId: w.manager.id,
      reference: `ICB-CF-${randomUUID().slice(0, 8)}`,
      startDate: new Date('2024-04-01'),
    },
  });
  const period = await earlierPeriod(2026);
  const target = await createReturn(db.prisma, {
    contractId: otherContract.id,
    providerId: w.providerB.id,
    frameworkVersionId: w.ais.id,
    periodId: period.id,
  });
  await earlierReturn(w, otherContract, {
    frameworkVersionId: w.ais.id,
    startYear: 2025,
    status: 'returned',
  });
  const lead = await signedInAgent(buildTestApp(db), w.leadB.id);
  const page = await lead.get(returnPath(target.id)).expect(200);
  expect(page.text).not.toContain('Copy answers from');
  const refused = await postForm(lead, returnPath(target.id), carryPath(target.id), {});
  expect(refused.status).toBe(409);
  expect(refused.text).toContain('There is no accepted return from an earlier period to start from');
  expect((await db.prisma.return.findUniqueOrThrow({ where: { id: target.id } })).status).toBe('not_started');

  // Contract A has an accepted earlier return, but this return has already been started.
  await earlierReturn(w, w.contractA, { frameworkVersionId: w.ais.id, startYear: 2025, status: 'accepted' });
  const leadA = await signedInAgent(buildTestApp(db), w.leadA.id);
  const [first] = await requirementsInOrder(db.prisma, w.ais.id);
  const url = requirementPath(w.returnA.id, first?.id ?? '');
  await postForm(leadA, url, url, {
    ...answerFields({ narrative: 'Started', action: 'draft' }),
    version: '1',
  });
  const started = await leadA.get(returnPath(w.returnA.id)).expect(200);
  expect(started.text).not.toContain('Copy answers from');
  const before = await db.prisma.response.findMany({
    where: { returnId: w.returnA.id },
    orderBy: { id: 'asc' },
  });
  const late = await postForm(leadA, returnPath(w.returnA.id), carryPath(w.returnA.id), {});
  expect(late.status).toBe(409);
  expect(late.text).toContain('This return has already been started');
  expect(
    await db.prisma.response.findMany({ where: { returnId: w.returnA.id }, orderBy: { id: 'asc' } }),
  ).toEqual(before);
});

test('an EDS 2022 return carries its services, each with its own Domain 1 answers (issue 14)', async () => {
  const w = base;
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const accepted = await earlierReturn(w, w.contractB, {
    frameworkVersionId: eds.id,
    startYear: 2025,
    status: 'accepted',
  });
  // The earlier return assessed two services: "All services" renamed, and a second one answered apart.
  const [first] = await db.prisma.returnService.findMany({ where: { returnId: accepted.id } });
  if (!first) throw new Error('the earlier return has no service');
  await db.prisma.returnService.update({
    where: { id: first.id },
    data: { name: 'Maternity', whyChosen: 'Patients told us' },
  });
  const second = await db.prisma.returnService.create({
    data: { returnId: accepted.id, name: 'Community nursing', whyChosen: 'Complaints rose', position: 2 },
  });
  const domainOne = (await requirementsInOrder(db.prisma, eds.id)).filter(
    (requirement) => requirement.group.code === '1',
  );
  for (const requirement of domainOne) {
    const top = requirement.ratingScale.levels.at(-1);
    await db.prisma.response.create({
      data: {
        returnId: accepted.id,
        requirementId: requirement.id,
        serviceId: second.id,
        ratingLevelId: top?.id ?? null,
        narrative: `Community ${requirement.code}`,
      },
    });
  }
  const period = await db.prisma.reportingPeriod.create({
    data: {
      label: `2026/27 ${randomUUID().slice(0, 6)}`,
      startDate: new Date('2026-04-01'),
      endDate: new Date('2027-03-31'),
    },
  });
  const target = await createReturn(db.prisma, {
    contractId: w.contractB.id,
    providerId: w.providerB.id,
    frameworkVersionId: eds.id,
    periodId: period.id,
  });
  const lead = await signedInAgent(buildTestApp(db, { clock: () => NOW }), w.leadB.id);
  expect((await postForm(lead, returnPath(target.id), carryPath(target.id), {})).status).toBe(302);

  const services = await db.prisma.returnService.findMany({
    where: { returnId: target.id },
    orderBy: { position: 'asc' },
    include: { responses: { include: { requirement: true }, orderBy: { requirement: { position: 'asc' } } } },
  });
  expect(services.map((service) => [service.name, service.whyChosen])).toEqual([
    ['Maternity', 'Patients told us'],
    ['Community nursing', 'Complaints rose'],
  ]);
  expect(services[0]?.responses.map((response) => response.narrative)).toEqual(
    domainOne.map((requirement) => `Narrative for ${requirement.code}`),
  );
  expect(services[1]?.responses.map((response) => [response.narrative, response.carriedForward])).toEqual(
    domainOne.map((requirement) => [`Community ${requirement.code}`, true]),
  );
  // Domains 2 and 3 are answered once, with no service.
  const others = await db.prisma.response.count({ where: { returnId: target.id, serviceId: null } });
  expect(others).toBe((await requirementsInOrder(db.prisma, eds.id)).length - domainOne.length);
  // The task list shows both services' outcomes to confirm, and no "All services".
  const taskList = textOf((await lead.get(returnPath(target.id)).expect(200)).text);
  expect(taskList).toMatch(/Services assessed in Domain 1 Maternity, Community nursing Completed/);
  expect(taskList).toMatch(/Community nursing Community nursing status: Carried forward: confirm/);
  expect(taskList).not.toContain('All services');
});

test('services named in a new EDS 2022 return start it: carrying forward can no longer replace them', async () => {
  const w = base;
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const accepted = await earlierReturn(w, w.contractB, {
    frameworkVersionId: eds.id,
    startYear: 2023,
    status: 'accepted',
  });
  const period = await db.prisma.reportingPeriod.create({
    data: {
      label: `2024/25 ${randomUUID().slice(0, 6)}`,
      startDate: new Date('2024-04-01'),
      endDate: new Date('2025-03-31'),
    },
  });
  const target = await createReturn(db.prisma, {
    contractId: w.contractB.id,
    providerId: w.providerB.id,
    frameworkVersionId: eds.id,
    periodId: period.id,
  });
  const lead = await signedInAgent(buildTestApp(db, { clock: () => NOW }), w.leadB.id);
  expect(textOf((await lead.get(returnPath(target.id)).expect(200)).text)).toContain(
    `Start from your ${accepted.period.label} return`,
  );
  const add = pathTo(paths.returns.serviceAdd, { returnId: target.id });
  expect((await postForm(lead, add, add, { name: 'Maternity', whyChosen: 'Chosen now' })).status).toBe(302);
  const page = textOf((await lead.get(returnPath(target.id)).expect(200)).text);
  expect(page).not.toContain('Start from your');
  expect((await postForm(lead, returnPath(target.id), carryPath(target.id), {})).status).toBe(409);
  expect(
    (
      await db.prisma.returnService.findMany({ where: { returnId: target.id }, orderBy: { position: 'asc' } })
    ).map((service) => service.name),
  ).toEqual(['All services', 'Maternity']);
});
