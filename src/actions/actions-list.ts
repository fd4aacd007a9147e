import { z } from 'zod';
import { providerScope } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DbClient, Prisma } from '../db/prisma.js';
import { ukToday } from '../format.js';
import { firstValues, type FormBody } from '../forms.js';
import { ActionStatus } from '../generated/prisma/enums.js';
import { paths } from '../paths.js';
import { actionItem, type ActionItem } from './action-items.js';
import { ACTION_STATUS_LABELS, OPEN_ACTION_STATUSES } from './actions.js';
import { actionListSelect } from './queries.js';

// The actions list (/actions): staff see every provider's actions, a provider's people their own
// providers' (the scope from access.ts is part of every query, whatever the URL says). Narrowed by a
// GET form (provider, standard, status, overdue), soonest due first, 50 to a page.

export const ACTIONS_PAGE_SIZE = 50;

const STATUS_FILTERS = ['open', ...Object.values(ActionStatus)] as const;

export const actionsListQuerySchema = z.object({
  provider: z.uuid().optional().catch(undefined),
  standard: z.string().trim().max(100).optional().catch(undefined).transform((value) => value || undefined),
  status: z.enum(STATUS_FILTERS).optional().catch(undefined),
  overdue: z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) => value === 'yes'),
  page: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .catch(undefined)
    .transform((value) => value ?? 1),
});

export type ActionsListQuery = z.infer<typeof actionsListQuerySchema>;

export function parseActionsListQuery(query: FormBody): ActionsListQuery {
  return actionsListQuerySchema.parse(firstValues(query));
}

function hrefFor(query: ActionsListQuery, page: number): string {
  const params = new URLSearchParams();
  if (query.provider) params.set('provider', query.provider);
  if (query.standard) params.set('standard', query.standard);
  if (query.status) params.set('status', query.status);
  if (query.overdue) params.set('overdue', 'yes');
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return text ? `${paths.actions.list}?${text}` : paths.actions.list;
}

export interface ActionsListPage {
  query: ActionsListQuery;
  items: ActionItem[];
  total: number;
  overdueCount: number;
  providers: { value: string; text: string }[];
  standards: { value: string; text: string }[];
  statuses: { value: string; text: string }[];
  filtered: boolean;
  pageNumber: number;
  pageCount: number;
  range: { from: number; to: number };
  previousHref: string | undefined;
  nextHref: string | undefined;
  showProvider: boolean;
}

export async function actionsListPage(
  db: DbClient,
  user: CurrentUser,
  query: ActionsListQuery,
  now: Date,
): Promise<ActionsListPage> {
  const today = ukToday(now);
  const scope = providerScope(user);
  const base: Prisma.ActionWhereInput = {
    ...(scope ? { providerId: scope } : {}),
  };
  const overdueWhere: Prisma.ActionWhereInput = {
    status: { in: [...OPEN_ACTION_STATUSES] },
    dueDate: { lt: today },
  };
  const where: Prisma.ActionWhereInput = {
    AND: [
      base,
      query.provider ? { providerId: query.provider } : {},
      query.standard
        ? { links: { some: { requirement: { frameworkVersion: { framework: { code: query.standard } } } } } }
        : {},
      query.status === 'open'
        ? { status: { in: [...OPEN_ACTION_STATUSES] } }
        : query.status
          ? { status: query.status }
          : {},
      query.overdue ? overdueWhere : {},
    ],
  };
  const [total, overdueCount, providers, frameworks] = await Promise.all([
    db.action.count({ where }),
    db.action.count({ where: { AND: [where, overdueWhere] } }),
    db.provider.findMany({
      where: { ...(scope ? { id: scope } : {}), actions: { some: {} } },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    }),
    db.framework.findMany({ select: { code: true, name: true }, orderBy: { name: 'asc' } }),
  ]);
  const pageCount = Math.max(1, Math.ceil(total / ACTIONS_PAGE_SIZE));
  const rows = await db.action.findMany({
    where,
    select: actionListSelect,
    orderBy: [{ dueDate: { sort: 'asc', nulls: 'last' } }, { createdAt: 'asc' }, { id: 'asc' }],
    skip: (query.page - 1) * ACTIONS_PAGE_SIZE,
    take: ACTIONS_PAGE_SIZE,
  });
  const from = total === 0 ? 0 : (query.page - 1) * ACTIONS_PAGE_SIZE + 1;
  return {
    query,
    items: rows.map((row) => actionItem(row, today)),
    total,
    overdueCount,
    providers: providers.map((provider) => ({ value: provider.id, text: provider.name })),
    standards: frameworks.map((framework) => ({ value: framework.code, text: framework.name })),
    statuses: [
      { value: 'open', text: 'Open (not started or in progress)' },
      ...Object.values(ActionStatus).map((status) => ({ value: status, text: ACTION_STATUS_LABELS[status] })),
    ],
    filtered: Boolean(query.provider || query.standard || query.status || query.overdue),
    pageNumber: query.page,
    pageCount,
    range: { from, to: Math.min(total, from + rows.length - 1) },
    previousHref: query.page > 1 ? hrefFor(query, query.page - 1) : undefined,
    nextHref: query.page < pageCount ? hrefFor(query, query.page + 1) : undefined,
    showProvider: scope === undefined || scope.in.length > 1,
  };
}
