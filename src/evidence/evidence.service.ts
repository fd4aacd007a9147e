import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import { assertCanEditForProvider, assertCanSeeProvider } from '../auth/access.js';
import type { Db, DbClient } from '../db/prisma.js';
import type { DataDeps } from '../deps.js';
import { Conflict, NotFound } from '../errors.js';
import { isoDate } from '../format.js';
import { standardName } from '../frameworks/names.js';
import { requirementOfVersion } from '../frameworks/version-content.js';
import type { EvidenceScanStatus, ReturnStatus } from '../generated/prisma/enums.js';
import { findService } from '../returns/queries.js';
import { assertEditable, isEditable } from '../returns/rules.js';
import type { CurrentUser } from '../auth/current-user.js';
import { isDownloadable } from './evidence-list.js';
import { fileContentProblem, type FileCheckOptions } from './file-checks.js';
import { fileNameProblem, tidyFileName } from './file-name.js';
import { formatFileSize } from './format.js';
import type { Inspections } from './inspections.js';
import { ALLOWED_TYPES_MESSAGE, detectEvidenceMediaType, nameMismatchMessage } from './media-type.js';
import {
  createEvidenceLinkIfNew,
  deleteEvidenceLink,
  ensureResponse,
  evidenceFileForDownload,
  evidenceForResponses,
  findEvidence,
  findFileScan,
  findOrCreateEvidence,
  findResponseId,
  findReturnForEvidence,
  insertEvidenceFileIfNew,
  lockReturnStatus,
  providerEvidence,
  recordScan,
  type EvidenceItem,
} from './queries.js';
import { auditQuarantine, logScan, scanRecord, type ScanningDeps } from './scanning.js';
import type { PeriodCovered } from './schemas.js';

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
  /** The service answered for (issue 14: EDS 2022 Domain 1), when the page names one. */
  service: { id: string; name: string } | undefined;
  /** Absent until the provider answers or links evidence. */
  responseId: string | undefined;
}

/** Loads the target, refusing (404) a return the user may not see or a requirement not in it. */
async function visibleTarget(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  serviceId: string | undefined,
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
  // A service named must be one of this return's, for a requirement answered per service. Without
  // one, a per-service requirement's evidence is the first service's (an older link).
  const service = serviceId === undefined ? undefined : await findService(prisma, row.id, serviceId);
  if (serviceId !== undefined) {
    const perService = requirement.group.code === row.frameworkVersion.perServiceGroupCode;
    if (!service || !perService) throw new NotFound();
  }
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
    service: service ? { id: service.id, name: service.name } : undefined,
    responseId: await findResponseId(prisma, row.id, requirement.id, service?.id),
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
  serviceId?: string,
): Promise<EvidenceTarget> {
  const target = await visibleTarget(deps, user, returnId, requirementId, serviceId);
  assertCanEditForProvider(user, target.providerId);
  assertEditable(target.status);
  return target;
}

/** The target's response, made now if the provider has not answered yet. */
async function responseOf(tx: DbClient, target: EvidenceTarget): Promise<string> {
  // Responses are never deleted: one that existed when the target was read still does.
  return target.responseId ?? ensureResponse(tx, target.returnId, target.requirementId, target.service?.id);
}

export interface EvidencePage {
  target: EvidenceTarget;
  canEdit: boolean;
  /** A lead of the provider who cannot change the evidence now (the return is submitted or accepted). */
  frozenForLead: boolean;
  linked: EvidenceItem[];
  /** The provider's other evidence that may be added here (only when the user can edit). */
  library: EvidenceItem[];
}

export async function evidencePage(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  serviceId?: string,
): Promise<EvidencePage> {
  const { prisma } = deps;
  const target = await visibleTarget(deps, user, returnId, requirementId, serviceId);
  const isLead = user.role === 'provider_lead';
  const canEdit = isLead && isEditable(target.status);
  const linked = target.responseId
    ? ((await evidenceForResponses(prisma, [target.responseId])).get(target.responseId) ?? [])
    : [];
  const linkedIds = new Set(linked.map((item) => item.id));
  const library = canEdit
    ? (await providerEvidence(prisma, target.providerId)).filter(
        (item) => !linkedIds.has(item.id) && canBeLinked(item.scanStatus),
      )
    : [];
  return { target, canEdit, frozenForLead: isLead && !canEdit, linked, library };
}

/** A quarantined file is never added to another answer. */
function canBeLinked(scanStatus: EvidenceScanStatus): boolean {
  return scanStatus !== 'infected';
}

/** A file as the upload form delivered it (hashed and counted while it streamed in). */
export interface ReceivedFile {
  name: string;
  content: Buffer<ArrayBuffer>;
  sha256: string;
  sizeBytes: number;
}

/** A received file that passed every check: its tidied name and the type its content shows. */
export interface CheckedFile extends ReceivedFile {
  fileName: string;
  mediaType: string;
}

/**
 * The checks on a file before anything is stored: present, within the limit, a sensible name, an
 * allowed type agreeing with its name, and nothing the app refuses inside (zip bombs, macros, PDF
 * scripts, web page markup). The inspection of its inside waits its turn in `inspections`.
 */
export async function checkUploadedFile(
  file: ReceivedFile | 'too-large' | undefined,
  options: FileCheckOptions,
  inspections: Inspections,
): Promise<{ ok: true; file: CheckedFile } | { ok: false; error: string }> {
  if (file === 'too-large') {
    return { ok: false, error: `The file must be smaller than ${formatFileSize(options.maxBytes)}` };
  }
  if (!file) return { ok: false, error: 'Select a file' };
  const nameProblem = fileNameProblem(file.name);
  if (nameProblem) return { ok: false, error: nameProblem };
  if (file.sizeBytes === 0) return { ok: false, error: 'The selected file is empty' };
  const fileName = tidyFileName(file.name);
  const mediaType = await detectEvidenceMediaType(file.content, fileName);
  if (!mediaType) return { ok: false, error: ALLOWED_TYPES_MESSAGE };
  const problem =
    nameMismatchMessage(mediaType, fileName) ??
    (await inspections.run((signal) => fileContentProblem(mediaType, file.content, options, signal)));
  return problem ? { ok: false, error: problem } : { ok: true, file: { ...file, fileName, mediaType } };
}

export interface StoredUpload {
  evidenceId: string;
  alreadyInLibrary: boolean;
  alreadyLinked: boolean;
  /** What became of the virus scan: the page says so. */
  scanStatus: EvidenceScanStatus;
}

/**
 * Scans a checked file and stores it in one transaction: the file once per SHA-256 with its scan's
 * outcome, one evidence item per provider and file, and its link to this requirement's response.
 * Bytes scanned before keep their verdict; a file still waiting for a scan gets another try now. A
 * file the scanner flags is kept in quarantine (never downloadable), linked so that the uploader and
 * staff see why, and audited. The target comes from `assertCanChangeEvidence`; the transaction checks
 * the return's status again.
 */
export async function storeUpload(
  deps: ScanningDeps,
  user: CurrentUser,
  target: EvidenceTarget,
  file: CheckedFile,
  period: PeriodCovered,
): Promise<StoredUpload> {
  const { prisma } = deps;
  const scan = await scanIfWaiting(deps, file);
  return prisma.$transaction(
    async (tx) => {
      assertEditable((await lockReturnStatus(tx, target.returnId)) ?? 'accepted');
      const responseId = await responseOf(tx, target);
      const { evidence, scanStatus } = await saveFileAndEvidence(
        tx,
        user,
        target.providerId,
        file,
        scan,
        period,
        [target.returnId],
      );
      const linked = await createEvidenceLinkIfNew(tx, {
        evidenceId: evidence.id,
        responseId,
        linkedById: user.id,
      });
      if (linked) await auditLink(tx, user, target, evidence, 'evidence.linked');
      return {
        evidenceId: evidence.id,
        alreadyInLibrary: !evidence.created,
        alreadyLinked: !linked,
        scanStatus,
      };
    },
    // Storing a large file takes longer than Prisma's default five seconds.
    { timeout: 60_000 },
  );
}

/**
 * Stores a checked file in a provider's evidence library, scanned as any upload is, for another
 * feature's record (a publication's copy of its document): `then` runs in the same transaction with
 * the stored item, so the record and the file are saved together or not at all. The caller has
 * checked that the user may add to this provider's records.
 */
export async function storeProviderFile<T>(
  deps: ScanningDeps,
  user: CurrentUser,
  providerId: string,
  file: CheckedFile,
  then: (tx: DbClient, stored: { evidenceId: string; scanStatus: EvidenceScanStatus }) => Promise<T>,
): Promise<T> {
  const scan = await scanIfWaiting(deps, file);
  return deps.prisma.$transaction(
    async (tx) => {
      const { evidence, scanStatus } = await saveFileAndEvidence(
        tx,
        user,
        providerId,
        file,
        scan,
        { coversFrom: null, coversTo: null },
        [],
      );
      return then(tx, { evidenceId: evidence.id, scanStatus });
    },
    { timeout: 60_000 },
  );
}

interface ScanBeforeStoring {
  known: { scanStatus: EvidenceScanStatus } | undefined;
  waiting: boolean;
  record: ReturnType<typeof scanRecord> | undefined;
}

/** Bytes scanned before keep their verdict; a new file, or one still waiting, is scanned now. */
async function scanIfWaiting(deps: ScanningDeps, file: CheckedFile): Promise<ScanBeforeStoring> {
  const known = await findFileScan(deps.prisma, file.sha256);
  const waiting = !known || known.scanStatus === 'pending' || known.scanStatus === 'unscanned';
  let record: ReturnType<typeof scanRecord> | undefined;
  if (waiting) {
    // Outside the transaction: no lock is held while the scanner works.
    const verdict = await deps.scanner.scan(file.content);
    logScan(deps.logger, file.sha256, verdict);
    record = scanRecord(
      verdict,
      known ?? { scanStatus: 'pending', scanAttempts: 0 },
      deps.clock(),
      deps.config.scanner.retryBaseSeconds,
    );
  }
  return { known, waiting, record };
}

/** The file once per SHA-256 with its scan's outcome, and one evidence item per provider and file. */
async function saveFileAndEvidence(
  tx: DbClient,
  user: CurrentUser,
  providerId: string,
  file: CheckedFile,
  { known, waiting, record }: ScanBeforeStoring,
  period: PeriodCovered,
  returnIds: readonly string[],
): Promise<{ evidence: { id: string; fileName: string; created: boolean }; scanStatus: EvidenceScanStatus }> {
  // The scan's outcome, when this upload is the one that records it.
  const recorded =
    record &&
    ((await insertEvidenceFileIfNew(tx, {
      sha256: file.sha256,
      content: file.content,
      sizeBytes: file.sizeBytes,
      mediaType: file.mediaType,
      ...record,
    })) ||
      (await recordScan(tx, file.sha256, record)))
      ? record
      : undefined;
  // A verdict, once given, never changes: only a scan that lost a race needs to read the winner's.
  const scanStatus =
    recorded?.scanStatus ?? (known && !waiting ? known : await findFileScan(tx, file.sha256))?.scanStatus;
  if (!scanStatus) throw new Error('the evidence file was not stored');
  if (recorded?.scanStatus === 'infected' && recorded.scanSignature) {
    await auditQuarantine(tx, { sha256: file.sha256, signature: recorded.scanSignature }, user.id, returnIds);
  }
  const evidence = await findOrCreateEvidence(tx, {
    providerId,
    fileSha256: file.sha256,
    fileName: file.fileName,
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
      returnId: returnIds[0],
      after: {
        fileName: file.fileName,
        sha256: file.sha256,
        sizeBytes: file.sizeBytes,
        mediaType: file.mediaType,
        coversFrom: period.coversFrom && isoDate(period.coversFrom),
        coversTo: period.coversTo && isoDate(period.coversTo),
      },
    });
  }
  return { evidence, scanStatus };
}

/**
 * Links an item of the provider's library to this requirement; another provider's item is not found.
 * A quarantined file cannot be linked (409).
 */
export async function linkEvidence(
  { prisma }: DataDeps,
  user: CurrentUser,
  target: EvidenceTarget,
  evidenceId: string,
): Promise<{ alreadyLinked: boolean }> {
  const evidence = await findEvidence(prisma, evidenceId);
  if (evidence?.providerId !== target.providerId) throw new NotFound();
  if (!canBeLinked(evidence.file.scanStatus)) {
    throw new Conflict('That file was blocked by the virus check, so it cannot be added to an answer.');
  }
  return prisma.$transaction(async (tx) => {
    assertEditable((await lockReturnStatus(tx, target.returnId)) ?? 'accepted');
    const responseId = await responseOf(tx, target);
    const linked = await createEvidenceLinkIfNew(tx, {
      evidenceId: evidence.id,
      responseId,
      linkedById: user.id,
    });
    if (linked) await auditLink(tx, user, target, evidence, 'evidence.linked');
    return { alreadyLinked: !linked };
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
  serviceId?: string,
): Promise<{ removed: boolean }> {
  const { prisma } = deps;
  const target = await assertCanChangeEvidence(deps, user, returnId, requirementId, serviceId);
  assertIds(evidenceId);
  const evidence = await findEvidence(prisma, evidenceId);
  if (evidence?.providerId !== target.providerId) throw new NotFound();
  return prisma.$transaction(async (tx) => {
    assertEditable((await lockReturnStatus(tx, target.returnId)) ?? 'accepted');
    const responseId = await findResponseId(tx, target.returnId, target.requirementId, target.service?.id);
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

/**
 * A file for download, to anyone who may see its provider (others: 404), once it may be downloaded:
 * a file waiting for its virus scan, or quarantined, is refused (409) saying which.
 */
export async function evidenceDownload(prisma: Db, user: CurrentUser, evidenceId: string) {
  assertIds(evidenceId);
  const row = await evidenceFileForDownload(prisma, evidenceId);
  if (!row) throw new NotFound();
  assertCanSeeProvider(user, row.providerId);
  if (row.file.scanStatus === 'pending') {
    throw new Conflict(
      'This file is still being checked for viruses. It can be downloaded once the check has finished: try again in a few minutes.',
    );
  }
  if (!isDownloadable(row.file.scanStatus)) {
    throw new Conflict(
      `This file cannot be downloaded: the virus check found ${row.file.scanSignature ?? 'malware'} in it.`,
    );
  }
  return {
    fileName: row.fileName,
    mediaType: row.file.mediaType,
    content: row.file.content,
  };
}
