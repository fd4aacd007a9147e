import { sha256 as digestOf } from '../../src/hash.js';
import type { Db } from '../../src/db/prisma.js';
import type { ReviewDecision } from '../../src/generated/prisma/enums.js';
import { readVersionMappings } from '../../src/frameworks/version-mappings.js';
import { STANDARD_MAPPINGS_DIR } from '../../src/project-root.js';
import { findSnapshotSource } from '../../src/returns/queries.js';
import { upsertRequirementReview } from '../../src/review/queries.js';
import { parseSnapshot } from '../../src/review/snapshot-diff.js';
import { buildReturnSnapshot, snapshotDigest } from '../../src/returns/snapshot.js';

// Submitted returns made directly in the database, as the provider side would leave them: answers
// and evidence on the live responses, then a submission row holding their snapshot and its digest.

export interface AnswerPatch {
  /** A level code of the requirement's scale, or null to leave it unrated. */
  rating?: string | null;
  narrative?: string;
  /** An action added to the requirement (issue 14: actions are records linked to requirements). */
  action?: { description: string; owner: string; dueDate: Date };
}

async function addLinkedAction(
  prisma: Db,
  returnId: string,
  requirementId: string,
  action: NonNullable<AnswerPatch['action']>,
  userId: string,
): Promise<void> {
  const { providerId } = await prisma.return.findUniqueOrThrow({ where: { id: returnId } });
  await prisma.action.create({
    data: {
      ...action,
      providerId,
      createdById: userId,
      links: { create: { requirementId, returnId, linkedById: userId } },
    },
  });
}

async function responsesByCode(prisma: Db, returnId: string) {
  const responses = await prisma.response.findMany({
    where: { returnId },
    include: {
      requirement: { include: { ratingScale: { include: { levels: { orderBy: { position: 'asc' } } } } } },
    },
  });
  return new Map(responses.map((response) => [response.requirement.code, response]));
}

/**
 * Answers every requirement: by default the top level of its scale and a narrative naming it; `patch`
 * overrides any field per requirement code.
 */
export async function answerReturn(
  prisma: Db,
  returnId: string,
  userId: string,
  patch: (code: string) => AnswerPatch | undefined = () => undefined,
): Promise<void> {
  for (const [code, response] of await responsesByCode(prisma, returnId)) {
    const levels = response.requirement.ratingScale.levels;
    const own = patch(code) ?? {};
    const ratingCode = own.rating === undefined ? levels.at(-1)?.code : own.rating;
    const level = ratingCode === null ? null : levels.find((candidate) => candidate.code === ratingCode);
    if (level === undefined) throw new Error(`No level ${String(ratingCode)} for requirement ${code}`);
    await prisma.response.update({
      where: { id: response.id },
      data: {
        ratingLevelId: level?.id ?? null,
        narrative: own.narrative ?? `How we meet ${code}.`,
        updatedById: userId,
      },
    });
    if (own.action) await addLinkedAction(prisma, returnId, response.requirementId, own.action, userId);
  }
  await prisma.return.update({
    where: { id: returnId },
    data: { status: 'in_progress', startedAt: new Date() },
  });
}

/** Changes one requirement's answer (before a resubmission). */
export async function changeAnswer(
  prisma: Db,
  returnId: string,
  code: string,
  patch: AnswerPatch,
  userId?: string,
): Promise<void> {
  const response = (await responsesByCode(prisma, returnId)).get(code);
  if (!response) throw new Error(`No requirement ${code}`);
  const level =
    patch.rating === undefined
      ? undefined
      : patch.rating === null
        ? null
        : response.requirement.ratingScale.levels.find((candidate) => candidate.code === patch.rating);
  if (level === undefined && patch.rating !== undefined) throw new Error(`No level ${String(patch.rating)}`);
  await prisma.response.update({
    where: { id: response.id },
    data: {
      ...(level === undefined ? {} : { ratingLevelId: level?.id ?? null }),
      ...(patch.narrative === undefined ? {} : { narrative: patch.narrative }),
    },
  });
  if (patch.action) {
    if (!userId) throw new Error('Adding an action needs the user who adds it');
    await addLinkedAction(prisma, returnId, response.requirementId, patch.action, userId);
  }
}

/** Stores a file as the provider's evidence (once per content) and links it to a requirement's response. */
export async function attachEvidence(
  prisma: Db,
  returnId: string,
  code: string,
  file: { fileName: string; content: string },
  userId: string,
): Promise<{ evidenceId: string; sha256: string }> {
  const response = (await responsesByCode(prisma, returnId)).get(code);
  if (!response) throw new Error(`No requirement ${code}`);
  const { providerId } = await prisma.return.findUniqueOrThrow({ where: { id: returnId } });
  const content = Buffer.from(file.content);
  const sha256 = digestOf(content);
  await prisma.evidenceFile.createMany({
    data: [
      { sha256, content, sizeBytes: content.byteLength, mediaType: 'text/plain', scanStatus: 'unscanned' },
    ],
    skipDuplicates: true,
  });
  const evidence = await prisma.evidence.upsert({
    where: { providerId_fileSha256: { providerId, fileSha256: sha256 } },
    create: { providerId, fileSha256: sha256, fileName: file.fileName, uploadedById: userId },
    update: {},
  });
  await prisma.evidenceLink.create({
    data: { evidenceId: evidence.id, responseId: response.id, linkedById: userId },
  });
  return { evidenceId: evidence.id, sha256 };
}

export async function detachEvidence(
  prisma: Db,
  returnId: string,
  code: string,
  evidenceId: string,
): Promise<void> {
  const response = (await responsesByCode(prisma, returnId)).get(code);
  if (!response) throw new Error(`No requirement ${code}`);
  await prisma.evidenceLink.delete({
    where: { evidenceId_responseId: { evidenceId, responseId: response.id } },
  });
}

/** Freezes the live answers as the next submission and marks the return submitted. */
export async function submitReturn(
  prisma: Db,
  returnId: string,
  submittedById: string,
  submittedAt: Date = new Date(),
) {
  const snapshot = buildReturnSnapshot(
    await findSnapshotSource(prisma, returnId, await readVersionMappings(STANDARD_MAPPINGS_DIR)),
  );
  const sequence = (await prisma.returnSubmission.count({ where: { returnId } })) + 1;
  const submission = await prisma.returnSubmission.create({
    data: {
      returnId,
      sequence,
      submittedById,
      submittedAt,
      declaration: 'I confirm these answers are accurate.',
      snapshot,
      snapshotSha256: snapshotDigest(snapshot),
    },
  });
  await prisma.return.update({
    where: { id: returnId },
    data: { status: 'submitted', submittedAt, decidedAt: null },
  });
  return submission;
}

/**
 * Decides every requirement of a submission directly (set-up for tests about the overall decision):
 * each service's answer of a per-service requirement on its own, `decide` told the service's name.
 */
export async function decideEveryRequirement(
  prisma: Db,
  submissionId: string,
  reviewerId: string,
  decide: (
    code: string,
    serviceName?: string,
  ) => { decision: ReviewDecision; reason?: string } | undefined = () => ({
    decision: 'accepted',
  }),
): Promise<void> {
  const submission = await prisma.returnSubmission.findUniqueOrThrow({
    where: { id: submissionId },
    include: { return: { include: { frameworkVersion: { include: { requirements: true } } } } },
  });
  const answers = parseSnapshot(submission.snapshot).responses;
  for (const requirement of submission.return.frameworkVersion.requirements) {
    const services = answers
      .filter((answer) => answer.requirementCode === requirement.code && answer.serviceId)
      .map((answer) => ({ id: answer.serviceId ?? null, name: answer.serviceName }));
    for (const service of services.length > 0 ? services : [{ id: null, name: undefined }]) {
      const choice = decide(requirement.code, service.name);
      if (!choice) continue;
      await upsertRequirementReview(prisma, {
        submissionId,
        requirementId: requirement.id,
        serviceId: service.id,
        reviewerId,
        decision: choice.decision,
        reason: choice.reason ?? '',
        decidedAt: new Date(),
      });
    }
  }
}

/** The state of a return and its review rows, to prove a refused request changed nothing. */
export async function reviewState(prisma: Db, returnId: string) {
  const row = await prisma.return.findUniqueOrThrow({
    where: { id: returnId },
    include: {
      submissions: { include: { review: true, requirementReviews: { orderBy: { requirementId: 'asc' } } } },
    },
  });
  const audit = await prisma.auditEvent.count({ where: { returnId } });
  return { row, audit };
}

// ---------------------------------------------------------------------------------------------
// Reading pages

/** Visible text of some HTML: tags dropped, entities for quotes and ampersands decoded, spaces collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The HTML of the <section> with the given id. */
export function sectionHtml(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`No element with id ${id}`);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end);
}

/** The summary-list keys (dt text) inside some HTML. */
export function summaryKeys(html: string): string[] {
  return [...html.matchAll(/<dt class="nhsuk-summary-list__key">([\s\S]*?)<\/dt>/g)].map((match) =>
    textOf(match[1] ?? ''),
  );
}

/** The text of each body row of the first table in some HTML. */
export function tableRowTexts(html: string): string[] {
  const body = /<tbody[^>]*>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((match) => textOf(match[1] ?? ''));
}
