import type { DbClient } from '../db/prisma.js';
import type { EvidenceScanStatus, ReturnStatus } from '../generated/prisma/enums.js';

// The only file of the evidence feature that talks to Prisma. File contents are read by
// `evidenceFileForDownload` alone: lists never load the bytes.

/** One evidence item as pages list it (never the file's content). */
export interface EvidenceItem {
  id: string;
  fileName: string;
  sizeBytes: number;
  mediaType: string;
  sha256: string;
  uploadedAt: Date;
  coversFrom: Date | null;
  coversTo: Date | null;
  scanStatus: EvidenceScanStatus;
  /** What the virus scanner found (infected files only). */
  scanSignature: string | null;
}

const evidenceItemSelect = {
  id: true,
  fileName: true,
  fileSha256: true,
  uploadedAt: true,
  coversFrom: true,
  coversTo: true,
  file: { select: { sizeBytes: true, mediaType: true, scanStatus: true, scanSignature: true } },
} as const;

interface EvidenceItemRow {
  id: string;
  fileName: string;
  fileSha256: string;
  uploadedAt: Date;
  coversFrom: Date | null;
  coversTo: Date | null;
  file: {
    sizeBytes: number;
    mediaType: string;
    scanStatus: EvidenceScanStatus;
    scanSignature: string | null;
  };
}

function toEvidenceItem(row: EvidenceItemRow): EvidenceItem {
  return {
    id: row.id,
    fileName: row.fileName,
    sizeBytes: row.file.sizeBytes,
    mediaType: row.file.mediaType,
    sha256: row.fileSha256,
    uploadedAt: row.uploadedAt,
    coversFrom: row.coversFrom,
    coversTo: row.coversTo,
    scanStatus: row.file.scanStatus,
    scanSignature: row.file.scanSignature,
  };
}

/**
 * The evidence linked to each of the given responses, in one query for all of them. Every id asked
 * for is in the map (an empty list when nothing is linked); items are in the order they were linked.
 */
export async function evidenceForResponses(
  prisma: DbClient,
  responseIds: string[],
): Promise<Map<string, EvidenceItem[]>> {
  const result = new Map<string, EvidenceItem[]>(responseIds.map((id) => [id, []]));
  if (responseIds.length === 0) return result;
  const links = await prisma.evidenceLink.findMany({
    where: { responseId: { in: responseIds } },
    select: { responseId: true, evidence: { select: evidenceItemSelect } },
    orderBy: [{ linkedAt: 'asc' }, { evidenceId: 'asc' }],
  });
  for (const link of links) result.get(link.responseId)?.push(toEvidenceItem(link.evidence));
  return result;
}

/** The return an evidence page is about, with what the page and the access rules need. */
export async function findReturnForEvidence(prisma: DbClient, returnId: string) {
  return prisma.return.findUnique({
    where: { id: returnId },
    select: {
      id: true,
      providerId: true,
      status: true,
      frameworkVersionId: true,
      provider: { select: { name: true } },
      period: { select: { label: true, startDate: true } },
      frameworkVersion: {
        select: { code: true, perServiceGroupCode: true, framework: { select: { name: true } } },
      },
    },
  });
}

export async function findResponseId(
  prisma: DbClient,
  returnId: string,
  requirementId: string,
  serviceId?: string,
): Promise<string | undefined> {
  const row = await prisma.response.findFirst({
    where: { returnId, requirementId, ...(serviceId ? { serviceId } : {}) },
    select: { id: true },
    orderBy: { service: { position: 'asc' } },
  });
  return row?.id;
}

/** The response evidence is linked to, made (empty) if the provider has not answered yet. */
export async function ensureResponse(
  prisma: DbClient,
  returnId: string,
  requirementId: string,
  serviceId?: string,
): Promise<string> {
  // Without a service, a per-service requirement's answer goes to the first service (a trigger).
  const [created] = await prisma.response.createManyAndReturn({
    data: [{ returnId, requirementId, serviceId: serviceId ?? null }],
    skipDuplicates: true,
    select: { id: true },
  });
  if (created) return created.id;
  const id = await findResponseId(prisma, returnId, requirementId, serviceId);
  if (!id) throw new Error(`No answer to requirement ${requirementId} in return ${returnId}`);
  return id;
}

/**
 * Locks the return's row until the transaction ends and gives its status: a submission running at
 * the same moment waits, so evidence is never linked to a return that has just been frozen.
 */
export async function lockReturnStatus(
  prisma: DbClient,
  returnId: string,
): Promise<ReturnStatus | undefined> {
  const rows = await prisma.$queryRaw<{ status: ReturnStatus }[]>`
    SELECT status::text AS status FROM returns WHERE id = ${returnId}::uuid FOR UPDATE`;
  return rows[0]?.status;
}

/** A provider's evidence library (newest first), for "link existing evidence". */
export async function providerEvidence(prisma: DbClient, providerId: string): Promise<EvidenceItem[]> {
  const rows = await prisma.evidence.findMany({
    where: { providerId },
    select: evidenceItemSelect,
    orderBy: [{ uploadedAt: 'desc' }, { id: 'asc' }],
  });
  return rows.map(toEvidenceItem);
}

export async function findEvidence(prisma: DbClient, evidenceId: string) {
  return prisma.evidence.findUnique({
    where: { id: evidenceId },
    select: {
      id: true,
      providerId: true,
      fileName: true,
      fileSha256: true,
      file: { select: { scanStatus: true } },
    },
  });
}

/** A scan's outcome as stored on the file. */
export interface ScanRecord {
  scanStatus: EvidenceScanStatus;
  scanSignature: string | null;
  scannedAt: Date | null;
  scanAttempts: number;
  nextScanAt: Date | null;
  scanError: string | null;
}

/** Stores the bytes once per SHA-256, whoever uploads them; true when this call stored them. */
export async function insertEvidenceFileIfNew(
  prisma: DbClient,
  file: {
    sha256: string;
    content: Uint8Array<ArrayBuffer>;
    sizeBytes: number;
    mediaType: string;
  } & ScanRecord,
): Promise<boolean> {
  const { count } = await prisma.evidenceFile.createMany({ data: [file], skipDuplicates: true });
  return count === 1;
}

/** What is known of a stored file's scan (undefined: no such file yet). */
export async function findFileScan(prisma: DbClient, sha256: string) {
  const row = await prisma.evidenceFile.findUnique({
    where: { sha256 },
    select: { scanStatus: true, scanSignature: true, scanAttempts: true },
  });
  return row ?? undefined;
}

/**
 * Records a scan's outcome on a file still waiting for one (pending or unscanned); false when another
 * scan got there first. Locks the row until the transaction ends.
 */
export async function recordScan(
  prisma: DbClient,
  sha256: string,
  record: Partial<ScanRecord>,
): Promise<boolean> {
  const { count } = await prisma.evidenceFile.updateMany({
    where: { sha256, scanStatus: { in: ['pending', 'unscanned'] } },
    data: record,
  });
  return count === 1;
}

/** Files waiting for a scan and due one: pending files first (uploads held up), then unscanned ones. */
export async function filesDueForScan(
  prisma: DbClient,
  now: Date,
  limit: number,
): Promise<{ sha256: string; scanStatus: EvidenceScanStatus; scanAttempts: number }[]> {
  return prisma.evidenceFile.findMany({
    where: {
      scanStatus: { in: ['pending', 'unscanned'] },
      OR: [{ nextScanAt: null }, { nextScanAt: { lte: now } }],
    },
    select: { sha256: true, scanStatus: true, scanAttempts: true },
    orderBy: [{ scanStatus: 'asc' }, { nextScanAt: { sort: 'asc', nulls: 'first' } }, { sha256: 'asc' }],
    take: limit,
  });
}

/** A file's bytes, for the rescan job (pages never read them). */
export async function fileContent(prisma: DbClient, sha256: string): Promise<Uint8Array | undefined> {
  const row = await prisma.evidenceFile.findUnique({ where: { sha256 }, select: { content: true } });
  return row?.content;
}

/** The returns whose answers a file is linked to (each provider's item of it), for the audit trail. */
export async function returnsLinkedToFile(prisma: DbClient, sha256: string): Promise<string[]> {
  const links = await prisma.evidenceLink.findMany({
    where: { evidence: { fileSha256: sha256 } },
    select: { response: { select: { returnId: true } } },
  });
  return [...new Set(links.map((link) => link.response.returnId))];
}

/** A provider's evidence item for a file, made if the provider has not uploaded that file before. */
export async function findOrCreateEvidence(
  prisma: DbClient,
  data: {
    providerId: string;
    fileSha256: string;
    fileName: string;
    coversFrom: Date | null;
    coversTo: Date | null;
    uploadedById: string;
  },
): Promise<{ id: string; fileName: string; created: boolean }> {
  const select = { id: true, fileName: true } as const;
  const [created] = await prisma.evidence.createManyAndReturn({ data: [data], skipDuplicates: true, select });
  if (created) return { ...created, created: true };
  const row = await prisma.evidence.findUniqueOrThrow({
    where: { providerId_fileSha256: { providerId: data.providerId, fileSha256: data.fileSha256 } },
    select,
  });
  return { ...row, created: false };
}

/** Links evidence to a response; false when it was linked already. */
export async function createEvidenceLinkIfNew(
  prisma: DbClient,
  data: { evidenceId: string; responseId: string; linkedById: string },
): Promise<boolean> {
  const { count } = await prisma.evidenceLink.createMany({ data: [data], skipDuplicates: true });
  return count === 1;
}

/** Removes one link; the count says whether there was one. */
export async function deleteEvidenceLink(
  prisma: DbClient,
  evidenceId: string,
  responseId: string,
): Promise<number> {
  const { count } = await prisma.evidenceLink.deleteMany({ where: { evidenceId, responseId } });
  return count;
}

/** The one read of a file's bytes, for download. */
export async function evidenceFileForDownload(prisma: DbClient, evidenceId: string) {
  return prisma.evidence.findUnique({
    where: { id: evidenceId },
    select: {
      id: true,
      providerId: true,
      fileName: true,
      file: {
        select: { content: true, mediaType: true, sizeBytes: true, scanStatus: true, scanSignature: true },
      },
    },
  });
}
