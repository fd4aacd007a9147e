import type { DbClient } from '../db/prisma.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';

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
}

const evidenceItemSelect = {
  id: true,
  fileName: true,
  fileSha256: true,
  uploadedAt: true,
  coversFrom: true,
  coversTo: true,
  file: { select: { sizeBytes: true, mediaType: true } },
} as const;

interface EvidenceItemRow {
  id: string;
  fileName: string;
  fileSha256: string;
  uploadedAt: Date;
  coversFrom: Date | null;
  coversTo: Date | null;
  file: { sizeBytes: number; mediaType: string };
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
      frameworkVersion: { select: { code: true, framework: { select: { name: true } } } },
    },
  });
}

export async function findResponseId(
  prisma: DbClient,
  returnId: string,
  requirementId: string,
): Promise<string | undefined> {
  const row = await prisma.response.findUnique({
    where: { returnId_requirementId: { returnId, requirementId } },
    select: { id: true },
  });
  return row?.id;
}

/** The response evidence is linked to, made (empty) if the provider has not answered yet. */
export async function ensureResponse(
  prisma: DbClient,
  returnId: string,
  requirementId: string,
): Promise<string> {
  const [created] = await prisma.response.createManyAndReturn({
    data: [{ returnId, requirementId }],
    skipDuplicates: true,
    select: { id: true },
  });
  if (created) return created.id;
  const row = await prisma.response.findUniqueOrThrow({
    where: { returnId_requirementId: { returnId, requirementId } },
    select: { id: true },
  });
  return row.id;
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
    select: { id: true, providerId: true, fileName: true, fileSha256: true },
  });
}

/** Stores the bytes once per SHA-256, whoever uploads them; true when this call stored them. */
export async function insertEvidenceFileIfNew(
  prisma: DbClient,
  file: { sha256: string; content: Uint8Array<ArrayBuffer>; sizeBytes: number; mediaType: string },
): Promise<boolean> {
  const { count } = await prisma.evidenceFile.createMany({ data: [file], skipDuplicates: true });
  return count === 1;
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
      file: { select: { content: true, mediaType: true, sizeBytes: true } },
    },
  });
}
