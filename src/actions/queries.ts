import type { DbClient, Prisma } from '../db/prisma.js';
import type { ActionStatus } from '../generated/prisma/enums.js';
import { OPEN_ACTION_STATUSES } from './actions.js';

// The only file of the actions feature that talks to Prisma.

type Tx = Prisma.TransactionClient;

const linkSelect = {
  requirementId: true,
  returnId: true,
  requirement: {
    select: {
      id: true,
      code: true,
      title: true,
      frameworkVersion: { select: { name: true, code: true, frameworkId: true } },
    },
  },
} as const;

export const actionListSelect = {
  id: true,
  providerId: true,
  description: true,
  owner: true,
  dueDate: true,
  status: true,
  createdAt: true,
  provider: { select: { name: true } },
  links: { select: linkSelect, orderBy: { linkedAt: 'asc' } },
} as const;

export type ActionListRow = Prisma.ActionGetPayload<{ select: typeof actionListSelect }>;

// Open first, then by due date (none last), then oldest first.
const ACTION_ORDER: Prisma.ActionOrderByWithRelationInput[] = [
  { dueDate: { sort: 'asc', nulls: 'last' } },
  { createdAt: 'asc' },
];

/** The provider's actions linked to any requirement of any version of a standard. */
export function findFrameworkActions(db: DbClient, providerId: string, frameworkId: string) {
  return db.action.findMany({
    where: { providerId, links: { some: { requirement: { frameworkVersion: { frameworkId } } } } },
    select: actionListSelect,
    orderBy: ACTION_ORDER,
  });
}

/** Every action of some providers (the exports: a batch of returns at a time). */
export function findActionsOfProviders(db: DbClient, providerIds: readonly string[]) {
  return db.action.findMany({
    where: { providerId: { in: [...providerIds] } },
    select: actionListSelect,
    orderBy: ACTION_ORDER,
  });
}

export interface ActionsListFilter {
  /** A provider's people: their providers only, whatever else is asked. */
  providerScope: { in: string[] } | undefined;
  providerId: string | undefined;
  frameworkCode: string | undefined;
  status: ActionStatus | undefined;
  /** Open actions due before this day. */
  overdueOn: Date | undefined;
}

function overdueWhere(today: Date): Prisma.ActionWhereInput {
  return { status: { in: [...OPEN_ACTION_STATUSES] }, dueDate: { lt: today } };
}

function actionsListWhere(filter: ActionsListFilter): Prisma.ActionWhereInput {
  const and: Prisma.ActionWhereInput[] = [];
  if (filter.providerScope) and.push({ providerId: filter.providerScope });
  if (filter.providerId) and.push({ providerId: filter.providerId });
  if (filter.frameworkCode)
    and.push({
      links: { some: { requirement: { frameworkVersion: { framework: { code: filter.frameworkCode } } } } },
    });
  if (filter.status) and.push({ status: filter.status });
  if (filter.overdueOn) and.push(overdueWhere(filter.overdueOn));
  return { AND: and };
}

/** One page of the actions list, the number that match, and (over countFilter) per status and overdue. */
export async function findActionsListPage(
  db: DbClient,
  filter: ActionsListFilter,
  countFilter: ActionsListFilter,
  today: Date,
  page: { skip: number; take: number },
) {
  const where = actionsListWhere(filter);
  const countWhere = actionsListWhere(countFilter);
  const [rows, total, byStatus, overdue] = await Promise.all([
    db.action.findMany({
      where,
      select: actionListSelect,
      orderBy: [...ACTION_ORDER, { id: 'asc' }],
      skip: page.skip,
      take: page.take,
    }),
    db.action.count({ where }),
    db.action.groupBy({ by: ['status'], where: countWhere, _count: { _all: true } }),
    db.action.count({ where: { AND: [countWhere, overdueWhere(today)] } }),
  ]);
  return {
    rows,
    total,
    byStatus: new Map(byStatus.map((group) => [group.status, group._count._all])),
    overdue,
  };
}

/** The choices of the list's filters: the providers this user may see, and every standard. */
export async function findActionsListChoices(db: DbClient, providerScope: { in: string[] } | undefined) {
  const [providers, frameworks] = await Promise.all([
    db.provider.findMany({
      where: providerScope ? { id: providerScope } : {},
      select: { id: true, name: true },
      orderBy: [{ name: 'asc' }, { odsCode: 'asc' }],
    }),
    db.framework.findMany({ select: { code: true, name: true }, orderBy: { name: 'asc' } }),
  ]);
  return { providers, frameworks };
}

/** The provider's open actions not yet linked to this requirement: what "link an action" offers. */
export function findLinkableActions(db: DbClient, providerId: string, requirementId: string) {
  return db.action.findMany({
    where: {
      providerId,
      status: { in: [...OPEN_ACTION_STATUSES] },
      links: { none: { requirementId } },
    },
    select: actionListSelect,
    orderBy: ACTION_ORDER,
  });
}

/** A provider's open actions, soonest due first (the provider's page). */
export function findProviderOpenActions(db: DbClient, providerId: string) {
  return db.action.findMany({
    where: { providerId, status: { in: [...OPEN_ACTION_STATUSES] } },
    select: actionListSelect,
    orderBy: ACTION_ORDER,
  });
}

/** Every version of these standards, with its requirements: where an action's links carry to. */
export function findVersionsOfFrameworks(db: DbClient, frameworkIds: readonly string[]) {
  return db.frameworkVersion.findMany({
    where: { frameworkId: { in: [...frameworkIds] } },
    select: {
      code: true,
      name: true,
      frameworkId: true,
      framework: { select: { code: true } },
      requirements: { select: { code: true, title: true }, orderBy: { position: 'asc' } },
    },
    orderBy: [{ frameworkId: 'asc' }, { code: 'asc' }],
  });
}

export function findAction(db: DbClient, actionId: string) {
  return db.action.findUnique({
    where: { id: actionId },
    select: {
      ...actionListSelect,
      createdBy: { select: { displayName: true } },
      updates: {
        select: {
          id: true,
          text: true,
          statusFrom: true,
          statusTo: true,
          createdAt: true,
          author: { select: { displayName: true } },
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      },
    },
  });
}

export type ActionRow = NonNullable<Awaited<ReturnType<typeof findAction>>>;

/** Locks the action's row until the transaction ends, so two updates never both change its status. */
export async function lockAction(
  tx: Tx,
  actionId: string,
): Promise<{ providerId: string; status: ActionStatus } | undefined> {
  const rows = await tx.$queryRaw<{ provider_id: string; status: ActionStatus }[]>`
    SELECT provider_id::text AS provider_id, status::text AS status FROM actions
     WHERE id = ${actionId}::uuid FOR UPDATE`;
  const row = rows[0];
  return row && { providerId: row.provider_id, status: row.status };
}

export function createAction(
  tx: Tx,
  data: {
    providerId: string;
    description: string;
    owner: string;
    dueDate: Date;
    createdById: string;
    createdAt: Date;
  },
) {
  return tx.action.create({ data: { ...data, updatedAt: data.createdAt }, select: { id: true } });
}

/** Links an action to a requirement; false when it was already linked (the first link stays). */
export async function linkActionToRequirement(
  tx: Tx,
  data: { actionId: string; requirementId: string; returnId: string; linkedById: string; linkedAt: Date },
): Promise<boolean> {
  const { count } = await tx.actionLink.createMany({ data: [data], skipDuplicates: true });
  return count > 0;
}

export function createActionUpdate(
  tx: Tx,
  data: {
    actionId: string;
    text: string;
    statusFrom: ActionStatus | null;
    statusTo: ActionStatus | null;
    authorId: string;
    createdAt: Date;
  },
) {
  return tx.actionUpdate.create({ data, select: { id: true } });
}

export async function setActionStatus(tx: Tx, actionId: string, status: ActionStatus, now: Date) {
  await tx.action.update({ where: { id: actionId }, data: { status, updatedAt: now } });
}

export async function touchAction(tx: Tx, actionId: string, now: Date) {
  await tx.action.update({ where: { id: actionId }, data: { updatedAt: now } });
}

/** Open actions past their due date, with what the overdue chasers need (issue 14). */
export function findOverdueOpenActions(db: DbClient, today: Date) {
  return db.action.findMany({
    where: overdueWhere(today),
    select: {
      id: true,
      providerId: true,
      description: true,
      owner: true,
      dueDate: true,
      createdAt: true,
      chasedStage: true,
      provider: { select: { name: true } },
    },
    orderBy: [...ACTION_ORDER, { id: 'asc' }],
  });
}

/** Records the rung each action was chased at, so the next run lists it only at a later rung. */
export async function markActionsChased(tx: Tx, chased: { id: string; stage: string }[]) {
  for (const { id, stage } of chased)
    await tx.action.update({ where: { id }, data: { chasedStage: stage }, select: { id: true } });
}
