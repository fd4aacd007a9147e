import type { DbClient } from '../db/prisma.js';
import type {
  HeadcountBand,
  ProviderSector,
  ProviderType,
  ReturnStatus,
  TurnoverBand,
} from '../generated/prisma/enums.js';

// The only file of the matrix feature that talks to Prisma. Every function is ONE statement whatever
// the number of providers: the matrix page's query count must not grow with the register.

/** Reporting periods, newest first, with how many returns each has (the default is the newest with any). */
export function findPeriods(db: DbClient) {
  return db.reportingPeriod.findMany({
    select: { id: true, label: true, startDate: true, _count: { select: { returns: true } } },
    orderBy: [{ startDate: 'desc' }, { label: 'desc' }],
  });
}

/**
 * The framework versions of a period (those it asks for and those its returns use), each with its
 * requirements in order: one column per framework.
 */
export function findPeriodVersions(db: DbClient, periodId: string) {
  return db.frameworkVersion.findMany({
    where: { OR: [{ periodStandards: { some: { periodId } } }, { returns: { some: { periodId } } }] },
    relationLoadStrategy: 'join',
    select: {
      id: true,
      name: true,
      framework: { select: { id: true, code: true, name: true } },
      requirements: {
        select: { id: true, code: true, title: true, group: { select: { code: true } } },
        orderBy: [{ position: 'asc' }, { code: 'asc' }],
      },
    },
    orderBy: [{ framework: { code: 'asc' } }, { code: 'asc' }],
  });
}

/** People who manage at least one contract: the contract manager filter. */
export function findContractManagers(db: DbClient) {
  return db.user.findMany({
    where: { managedContracts: { some: {} } },
    select: { id: true, displayName: true },
    orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
  });
}

/**
 * A fingerprint of everything the matrix shows: of matrix_changes, where triggers add a row for every
 * statement that changes it (see that migration), the row count, the highest id and the sum of the
 * rows' transaction ids. It changes whenever such a statement commits, in whatever order concurrent
 * writers commit. One statement over at most about a thousand small rows.
 */
export async function findMatrixFingerprint(db: DbClient): Promise<string> {
  const rows = await db.$queryRaw<{ fingerprint: string }[]>`
    SELECT count(*) || ' ' || coalesce(max(id), 0) || ' ' || coalesce(sum(xmin::text::bigint), 0) AS fingerprint
      FROM matrix_changes`;
  return rows[0]?.fingerprint ?? '';
}

/** Which contract manager manages each provider's contracts: the contract manager filter. */
export function findContractManagerLinks(db: DbClient) {
  return db.contract.findMany({ select: { providerId: true, contractManagerId: true } });
}

/** What a provider's obligations depend on (src/obligations/derive.ts). */
interface FactColumns {
  sector: ProviderSector | null;
  headcountBand: HeadcountBand | null;
  turnoverBand: TurnoverBand | null;
  financialYearEndMonth: number | null;
  providesMentalHealthServices: boolean | null;
}

export interface MatrixProviderRow extends FactColumns {
  id: string;
  name: string;
  odsCode: string;
  type: ProviderType;
  returns: {
    id: string;
    status: ReturnStatus;
    dueDate: Date;
    frameworkVersionId: string;
    frameworkId: string;
    /** Its rated answers counted per group and level: JSON text of [groupCode, levelCode, count]; null if none. */
    tally: string | null;
    /** A past return imported from a spreadsheet (issue 15). */
    imported: boolean;
  }[];
}

interface MatrixQueryRow extends FactColumns {
  id: string;
  name: string;
  odsCode: string;
  type: ProviderType;
  returnId: string | null;
  status: ReturnStatus | null;
  dueDate: Date | null;
  frameworkVersionId: string | null;
  frameworkId: string | null;
  tally: string | null;
  imported: boolean;
}

/**
 * Providers (active, or with a return in the period) with their returns in the period, each with its
 * tally (return_tallies: its rated answers counted per group and level, kept by triggers), name order.
 * One flat join (a row per provider and return), grouped here: several times cheaper for PostgreSQL
 * than building nested JSON per provider.
 */
export async function findMatrixProviders(db: DbClient, periodId: string): Promise<MatrixProviderRow[]> {
  const rows = await db.$queryRaw<MatrixQueryRow[]>`
    SELECT p.id, p.name, p.ods_code AS "odsCode", p.type::text AS type, p.sector::text AS sector,
           p.headcount_band::text AS "headcountBand", p.turnover_band::text AS "turnoverBand",
           p.financial_year_end_month AS "financialYearEndMonth",
           p.provides_mental_health_services AS "providesMentalHealthServices",
           r.id AS "returnId", r.status::text AS status, r.due_date AS "dueDate",
           r.framework_version_id AS "frameworkVersionId", v.framework_id AS "frameworkId", t.tally,
           EXISTS (SELECT 1 FROM return_imports i WHERE i.return_id = r.id) AS imported
      FROM providers p
      LEFT JOIN returns r ON r.provider_id = p.id AND r.period_id = ${periodId}::uuid
      LEFT JOIN framework_versions v ON v.id = r.framework_version_id
      LEFT JOIN return_tallies t ON t.return_id = r.id
     WHERE p.active OR r.id IS NOT NULL
     ORDER BY p.name, p.ods_code, p.id`;
  const providers: MatrixProviderRow[] = [];
  for (const row of rows) {
    let provider = providers.at(-1);
    if (provider?.id !== row.id) {
      provider = {
        id: row.id,
        name: row.name,
        odsCode: row.odsCode,
        type: row.type,
        sector: row.sector,
        headcountBand: row.headcountBand,
        turnoverBand: row.turnoverBand,
        financialYearEndMonth: row.financialYearEndMonth,
        providesMentalHealthServices: row.providesMentalHealthServices,
        returns: [],
      };
      providers.push(provider);
    }
    if (row.returnId && row.status && row.dueDate && row.frameworkVersionId && row.frameworkId)
      provider.returns.push({
        id: row.returnId,
        status: row.status,
        dueDate: row.dueDate,
        frameworkVersionId: row.frameworkVersionId,
        frameworkId: row.frameworkId,
        tally: row.tally,
        imported: row.imported,
      });
  }
  return providers;
}
