import { Prisma } from '../generated/prisma/client.js';
import type { DbClient } from '../db/prisma.js';
import type { ProviderType, ReturnStatus } from '../generated/prisma/enums.js';

// The only file of the matrix feature that talks to Prisma. Every function is ONE statement whatever
// the number of providers: the matrix page's query count must not grow with the register.

/** Reporting periods, newest first, with how many returns each has (the default is the newest with any). */
export function findPeriods(db: DbClient) {
  return db.reportingPeriod.findMany({
    select: { id: true, label: true, _count: { select: { returns: true } } },
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

export interface MatrixRowFilter {
  periodId: string;
  type: ProviderType | undefined;
  contractManagerId: string | undefined;
  search: string;
}

export interface MatrixProviderRow {
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
  }[];
}

interface ProviderJson extends Omit<MatrixProviderRow, 'returns'> {
  returns: (Omit<MatrixProviderRow['returns'][number], 'dueDate'> & { dueDate: string })[];
}

/**
 * Providers (active, or with a return in the period) with their returns in the period, each with its
 * tally (return_tallies: its rated answers counted per group and level, kept by triggers), name order:
 * one statement that builds the whole list as one JSON text (decoded with JSON.parse, far cheaper
 * than decoding thousands of nested rows).
 */
export async function findMatrixProviders(
  db: DbClient,
  filter: MatrixRowFilter,
): Promise<MatrixProviderRow[]> {
  const search = filter.search.trim();
  const pattern = `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
  const conditions = [
    Prisma.sql`(p.active OR EXISTS (SELECT 1 FROM returns x WHERE x.provider_id = p.id AND x.period_id = ${filter.periodId}::uuid))`,
  ];
  if (filter.type) conditions.push(Prisma.sql`p.type = ${filter.type}::provider_type`);
  if (filter.contractManagerId)
    conditions.push(
      Prisma.sql`EXISTS (SELECT 1 FROM contracts c WHERE c.provider_id = p.id AND c.contract_manager_id = ${filter.contractManagerId}::uuid)`,
    );
  if (search) conditions.push(Prisma.sql`(p.name ILIKE ${pattern} OR p.ods_code ILIKE ${pattern})`);
  const rows = await db.$queryRaw<{ list: string }[]>`
    SELECT coalesce(json_agg(json_build_object(
             'id', p.id, 'name', p.name, 'odsCode', p.ods_code, 'type', p.type,
             'returns', coalesce((
               SELECT json_agg(json_build_object(
                        'id', r.id, 'status', r.status, 'dueDate', r.due_date,
                        'frameworkVersionId', r.framework_version_id, 'frameworkId', v.framework_id,
                        'tally', t.tally))
                 FROM returns r JOIN framework_versions v ON v.id = r.framework_version_id
                 LEFT JOIN return_tallies t ON t.return_id = r.id
                WHERE r.provider_id = p.id AND r.period_id = ${filter.periodId}::uuid), '[]'::json)
           ) ORDER BY p.name, p.ods_code), '[]'::json)::text AS list
      FROM providers p
     WHERE ${Prisma.join(conditions, ' AND ')}`;
  const providers = JSON.parse(rows[0]?.list ?? '[]') as ProviderJson[];
  return providers.map((provider) => ({
    ...provider,
    returns: provider.returns.map((item) => ({ ...item, dueDate: new Date(`${item.dueDate}T00:00:00Z`) })),
  }));
}
