import type { Db, DbClient } from '../db/prisma.js';
import type { PublicationStatus } from '../generated/prisma/enums.js';

const factFields = {
  id: true,
  name: true,
  odsCode: true,
  active: true,
  sector: true,
  headcountBand: true,
  turnoverBand: true,
  financialYearEndMonth: true,
  providesMentalHealthServices: true,
} as const;

export function findProviderFacts(db: DbClient, providerId: string) {
  return db.provider.findUnique({ where: { id: providerId }, select: factFields });
}

export type ProviderWithFacts = NonNullable<Awaited<ReturnType<typeof findProviderFacts>>>;

/** Providers by id (a lead's own), or every active provider (staff), by name. */
export function listProvidersWithFacts(db: Db, ids?: readonly string[]) {
  return db.provider.findMany({
    where: ids ? { id: { in: [...ids] } } : { active: true },
    select: factFields,
    orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
  });
}

const publicationFields = {
  id: true,
  providerId: true,
  obligationCode: true,
  obligationVersion: true,
  year: true,
  status: true,
  url: true,
  publishedOn: true,
  recordedAt: true,
  checkedAt: true,
  recordedBy: { select: { displayName: true } },
  checkedBy: { select: { displayName: true } },
  evidence: {
    select: {
      id: true,
      fileName: true,
      file: { select: { scanStatus: true, mediaType: true, sizeBytes: true } },
    },
  },
} as const;

/** The providers' publication records for the year, and their latest before it (rolling duties). */
export async function publicationsAround(db: Db, providerIds: readonly string[], year: number) {
  const inYear = await db.publication.findMany({
    where: { providerId: { in: [...providerIds] }, year },
    select: publicationFields,
  });
  const before = await db.publication.groupBy({
    by: ['providerId', 'obligationCode'],
    where: { providerId: { in: [...providerIds] }, year: { lt: year } },
    _max: { publishedOn: true },
  });
  return { inYear, before };
}

export type PublicationRow = Awaited<ReturnType<typeof publicationsAround>>['inYear'][number];

export function findPublication(db: DbClient, providerId: string, obligationCode: string, year: number) {
  return db.publication.findUnique({
    where: { providerId_obligationCode_year: { providerId, obligationCode, year } },
    select: publicationFields,
  });
}

/** Locks the record (if any) for a change in this transaction. */
export async function lockPublication(
  db: DbClient,
  providerId: string,
  obligationCode: string,
  year: number,
) {
  await db.$queryRaw`SELECT id FROM publications
    WHERE provider_id = ${providerId}::uuid AND obligation_code = ${obligationCode} AND year = ${year} FOR UPDATE`;
}

export interface PublicationData {
  providerId: string;
  obligationCode: string;
  obligationVersion: number;
  year: number;
  url: string;
  publishedOn: Date;
  evidenceId: string | null;
  recordedById: string;
  recordedAt: Date;
}

/** Records (or re-records) a publication: a change by anyone sends it back to be checked again. */
export function upsertPublication(db: DbClient, data: PublicationData) {
  const unchecked = { status: 'published' as PublicationStatus, checkedById: null, checkedAt: null };
  return db.publication.upsert({
    where: {
      providerId_obligationCode_year: {
        providerId: data.providerId,
        obligationCode: data.obligationCode,
        year: data.year,
      },
    },
    create: { ...data, ...unchecked },
    update: { ...data, ...unchecked },
    select: { id: true, status: true, url: true, publishedOn: true, evidenceId: true },
  });
}

export function markChecked(db: DbClient, id: string, checkedById: string, checkedAt: Date) {
  return db.publication.update({
    where: { id },
    data: { status: 'checked', checkedById, checkedAt },
    select: { id: true, status: true, checkedAt: true },
  });
}
