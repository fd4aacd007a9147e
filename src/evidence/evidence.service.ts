import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import { assertCanEditForProvider, assertCanSeeProvider } from '../auth/access.js';
import type { Db, DbClient } from '../db/prisma.js';
import type { DataDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { standardName } from '../frameworks/names.js';
import { requirementOfVersion } from '../frameworks/version-content.js';
import { parseForm, type FieldErrors, type FormBody } from '../forms.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { assertEditable, isEditable } from '../returns/rules.js';
import type { CurrentUser } from '../auth/current-user.js';
import { fileNameProblem, tidyFileName } from './file-name.js';
import { formatFileSize } from './format.js';
import {
  ALLOWED_TYPES_MESSAGE,
  detectEvidenceMediaType,
  isZipBased,
  nameMismatchMessage,
} from './media-type.js';
import {
  createEvidenceLinkIfNew,
  deleteEvidenceLink,
  ensureResponse,
  evidenceFileForDownload,
  evidenceForResponses,
  findEvidence,
  findOrCreateEvidence,
  findResponseId,
  findReturnForEvidence,
  insertEvidenceFileIfNew,
  lockReturnStatus,
  providerEvidence,
  type EvidenceItem,
} from './queries.js';
import { linkEvidenceSchema, parsePeriodCovered, type PeriodCoveredValues } from './schemas.js';
import { inspectZip } from './zip-archive.js';

// Evidence rules: who may add, link, remove and download evidence, what a file must be, and that a
// file is stored once however often it is uploaded. Every change is audited in its transaction.

const uuid = z.uuid();

function assertIds(...ids: string[]): void {
  if (!ids.every((id) => uuid.safeParse(id).success)) throw new NotFound();
}

/** The requirement of a return an evidence page or change is about. */
export interface EvidenceTarget {
  returnId: string;
  requirementId: string;
  providerId: string;
  providerName: string;
  status: ReturnStatus;
  periodLabel: string;
  periodStart: Date;
  standardName: string;
  requirementCode: string;
  requirementTitle: string;
  /** Absent until the provider answers or links evidence. */
  responseId: string | undefined;
}

/** Loads the target, refusing (404) a return the user may not see or a requirement not in it. */
async function visibleTarget(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
): Promise<EvidenceTarget> {
  assertIds(returnId, requirementId);
  const row = await findReturnForEvidence(prisma, returnId);
  if (!row) throw new NotFound();
  assertCanSeeProvider(user, row.providerId);
  const requirement = await requirementOfVersion(
    caches.versions,
    prisma,
    row.frameworkVersionId,
    requirementId,
  );
  if (!requirement) throw new NotFound();
  return {
    returnId: row.id,
    requirementId: requirement.id,
    providerId: row.providerId,
    providerName: row.provider.name,
    status: row.status,
    periodLabel: row.period.label,
    periodStart: row.period.startDate,
    standardName: standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code),
    requirementCode: requirement.code,
    requirementTitle: requirement.title,
    responseId: await findResponseId(prisma, row.id, requirement.id),
  };
}

/**
 * Before anything is read from an upload: only a lead of the return's provider changes its evidence
 * (another provider's lead: 404; staff: 403), and only while the return is editable (409).
 */
export async function assertCanChangeEvidence(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
): Promise<EvidenceTarget> {
  const target = await visibleTarget(deps, user, returnId, requirementId);
  assertCanEditForProvider(user, target.providerId);
  assertEditable(target.status);
  return target;
}

/** The target's response, made now if the provider has not answered yet. */
async function responseOf(tx: DbClient, target: EvidenceTarget): Promise<string> {
  // Responses are never deleted: one that existed when the target was read still does.
  return target.responseId ?? ensureResponse(tx, target.returnId, target.requirementId);
}

/** Evidence whose period covered ended before the return's period began. */
export function isOlderThanPeriod(coversTo: Date | null, periodStart: Date): boolean {
  return coversTo !== null && coversTo.getTime() < periodStart.getTime();
}

export interface EvidencePage {
  target: EvidenceTarget;
  canEdit: boolean;
  linked: (EvidenceItem & { stale: boolean })[];
  /** The provider's other evidence, to link here (only when the user can edit). */
  library: EvidenceItem[];
}

export async function evidencePage(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
): Promise<EvidencePage> {
  const { prisma } = deps;
  const target = await visibleTarget(deps, user, returnId, requirementId);
  const canEdit = user.role === 'provider_lead' && isEditable(target.status);
  const linked = target.responseId
    ? ((await evidenceForResponses(prisma, [target.responseId])).get(target.responseId) ?? [])
    : [];
  const linkedIds = new Set(linked.map((item) => item.id));
  const library = canEdit
    ? (await providerEvidence(prisma, target.providerId)).filter((item) => !linkedIds.has(item.id))
    : [];
  return {
    target,
    canEdit,
    linked: linked.map((item) => ({ ...item, stale: isOlderThanPeriod(item.coversTo, target.periodStart) })),
    library,
  };
}

/** An upload as the form delivered it: the file (if one came, and was not too large) and the fields. */
export interface EvidenceUpload {
  file: { name: string; content: Buffer<ArrayBuffer>; sha256: string; sizeBytes: number } | undefined;
  tooLarge: boolean;
  fields: FormBody;
}

export type UploadResult =
  | { ok: true; evidenceId: string; alreadyInLibrary: boolean; alreadyLinked: boolean }
  | {
      ok: false;
      errors: FieldErrors;
      values: PeriodCoveredValues;
    };

/** How many times the upload limit an archive's contents may come to once decompressed. */
const ZIP_EXPANSION_LIMIT = 20;
const ZIP_MAX_ENTRIES = 10_000;

/** Why a zip-based file (Office, OpenDocument) is refused, or undefined when it is not. */
async function zipArchiveProblem(
  mediaType: string,
  content: Buffer,
  limits: { maxBytes: number },
): Promise<string | undefined> {
  if (!isZipBased(mediaType)) return undefined;
  const maxUncompressedBytes = limits.maxBytes * ZIP_EXPANSION_LIMIT;
  switch (await inspectZip(content, { maxEntries: ZIP_MAX_ENTRIES, maxUncompressedBytes })) {
    case 'ok':
      return undefined;
    case 'too-large':
      return `The selected file expands to more than ${formatFileSize(maxUncompressedBytes)} when opened: reduce its size and upload it again`;
    case 'too-many-entries':
      return `The selected file holds more than ${ZIP_MAX_ENTRIES.toLocaleString('en-GB')} parts when opened: reduce its size and upload it again`;
    case 'damaged':
      return 'The selected file is damaged: open it, save it again and upload the new copy';
  }
}

/**
 * Checks an upload and, if it is acceptable, stores it in one transaction: the file once per SHA-256,
 * one evidence item per provider and file, and its link to this requirement's response. A refused
 * upload stores nothing. The target comes from `assertCanChangeEvidence`; the transaction checks the
 * return's status again.
 */
export async function uploadEvidence(
  prisma: Db,
  user: CurrentUser,
  target: EvidenceTarget,
  upload: EvidenceUpload,
  limits: { maxBytes: number },
): Promise<UploadResult> {
  const { values, period, errors: periodErrors } = parsePeriodCovered(upload.fields);
  const errors: FieldErrors = {};
  const file = upload.file;
  const fileName = tidyFileName(file?.name ?? '');
  const nameProblem = file ? fileNameProblem(file.name) : undefined;
  let mediaType: string | undefined;
  if (upload.tooLarge) errors.file = `The file must be smaller than ${formatFileSize(limits.maxBytes)}`;
  else if (!file) errors.file = 'Select a file';
  else if (nameProblem) errors.file = nameProblem;
  else if (file.sizeBytes === 0) errors.file = 'The selected file is empty';
  else {
    mediaType = await detectEvidenceMediaType(file.content, fileName);
    const problem = mediaType
      ? (nameMismatchMessage(mediaType, fileName) ??
        (await zipArchiveProblem(mediaType, file.content, limits)))
      : ALLOWED_TYPES_MESSAGE;
    if (problem) {
      errors.file = problem;
      mediaType = undefined;
    }
  }
  Object.assign(errors, periodErrors);
  if (!file || !mediaType || Object.keys(errors).length > 0) return { ok: false, errors, values };
  const detectedType = mediaType;

  return prisma.$transaction(
    async (tx) => {
      assertEditable((await lockReturnStatus(tx, target.returnId)) ?? 'accepted');
      const responseId = await responseOf(tx, target);
      await insertEvidenceFileIfNew(tx, {
        sha256: file.sha256,
        content: file.content,
        sizeBytes: file.sizeBytes,
        mediaType: detectedType,
      });
      const evidence = await findOrCreateEvidence(tx, {
        providerId: target.providerId,
        fileSha256: file.sha256,
        fileName,
        coversFrom: period.coversFrom,
        coversTo: period.coversTo,
        uploadedById: user.id,
      });
      if (evidence.created) {
        await recordAudit(tx, {
          actorId: user.id,
          action: 'evidence.uploaded',
          entityType: 'evidence',
          entityId: evidence.id,
          returnId: target.returnId,
          after: {
            fileName,
            sha256: file.sha256,
            sizeBytes: file.sizeBytes,
            mediaType: detectedType,
            coversFrom: isoDate(period.coversFrom),
            coversTo: isoDate(period.coversTo),
          },
        });
      }
      const linked = await createEvidenceLinkIfNew(tx, {
        evidenceId: evidence.id,
        responseId,
        linkedById: user.id,
      });
      if (linked) await auditLink(tx, user, target, evidence, 'evidence.linked');
      return {
        ok: true as const,
        evidenceId: evidence.id,
        alreadyInLibrary: !evidence.created,
        alreadyLinked: !linked,
      };
    },
    // Storing a large file takes longer than Prisma's default five seconds.
    { timeout: 60_000 },
  );
}

export type LinkResult = { ok: true; alreadyLinked: boolean } | { ok: false; errors: FieldErrors };

/** Links an item of the provider's library to this requirement; another provider's item is not found. */
export async function linkEvidence(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  body: FormBody,
): Promise<LinkResult> {
  const { prisma } = deps;
  const target = await assertCanChangeEvidence(deps, user, returnId, requirementId);
  const form = parseForm(linkEvidenceSchema, body);
  if (!form.ok) return { ok: false, errors: form.errors };
  const evidence = await findEvidence(prisma, form.data.evidenceId);
  if (evidence?.providerId !== target.providerId) throw new NotFound();
  return prisma.$transaction(async (tx) => {
    assertEditable((await lockReturnStatus(tx, target.returnId)) ?? 'accepted');
    const responseId = await responseOf(tx, target);
    const linked = await createEvidenceLinkIfNew(tx, {
      evidenceId: evidence.id,
      responseId,
      linkedById: user.id,
    });
    if (linked) await auditLink(tx, user, target, evidence, 'evidence.linked');
    return { ok: true as const, alreadyLinked: !linked };
  });
}

/**
 * Takes evidence off this requirement. The item stays in the provider's library (and in any
 * submission that included it).
 */
export async function unlinkEvidence(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  evidenceId: string,
): Promise<{ removed: boolean }> {
  const { prisma } = deps;
  const target = await assertCanChangeEvidence(deps, user, returnId, requirementId);
  assertIds(evidenceId);
  const evidence = await findEvidence(prisma, evidenceId);
  if (evidence?.providerId !== target.providerId) throw new NotFound();
  return prisma.$transaction(async (tx) => {
    assertEditable((await lockReturnStatus(tx, target.returnId)) ?? 'accepted');
    const responseId = await findResponseId(tx, target.returnId, target.requirementId);
    const removed = responseId ? (await deleteEvidenceLink(tx, evidence.id, responseId)) > 0 : false;
    if (removed) await auditLink(tx, user, target, evidence, 'evidence.unlinked');
    return { removed };
  });
}

async function auditLink(
  tx: Parameters<typeof recordAudit>[0],
  user: CurrentUser,
  target: EvidenceTarget,
  evidence: { id: string; fileName: string },
  action: 'evidence.linked' | 'evidence.unlinked',
): Promise<void> {
  const link = { evidenceId: evidence.id, fileName: evidence.fileName, requirement: target.requirementCode };
  await recordAudit(tx, {
    actorId: user.id,
    action,
    entityType: 'evidence_link',
    entityId: evidence.id,
    returnId: target.returnId,
    ...(action === 'evidence.linked' ? { after: link } : { before: link }),
  });
}

/** A file for download, to anyone who may see its provider (others: 404). */
export async function evidenceDownload(prisma: Db, user: CurrentUser, evidenceId: string) {
  assertIds(evidenceId);
  const row = await evidenceFileForDownload(prisma, evidenceId);
  if (!row) throw new NotFound();
  assertCanSeeProvider(user, row.providerId);
  return {
    fileName: row.fileName,
    mediaType: row.file.mediaType,
    content: row.file.content,
  };
}

function isoDate(date: Date | null): string | null {
  return date ? date.toISOString().slice(0, 10) : null;
}
