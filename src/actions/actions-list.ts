import { z } from 'zod';
import { providerScope } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DbClient } from '../db/prisma.js';
import { ukToday } from '../format.js';
import { firstValues, pageNumberField, type FormBody } from '../forms.js';
import { ActionStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import { actionItem, type ActionItem } from './action-items.js';
import { ACTION_STATUS_LABELS } from './actions.js';
import { findActionsListChoices, findActionsListPage, type ActionsListFilter } from './queries.js';

// Issue 14: the actions list (/actions). Staff see every provider's actions; a provider's people see
// only their own providers' (the scope from access.ts is part of every query, whatever the URL says).
// A GET form narrows it by provider, standard, status and overdue; soonest due first; paged. Anything
// in the URL that does not fit is ignored, so a shared or edited link always shows a page.

export const ACTIONS_PAGE_SIZE = 50;

export const actionsListQuerySchema = z.object({
  provider: z.uuid().optional().catch(undefined),
  standard: z
    .string()
    .trim()
    .max(100)
    .optional()
    .catch(undefined)
    .transform((value) => (value === '' ? undefined : value)),
  status: z.enum(ActionStatus).optional().catch(undefined),
  overdue: z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) => value === 'yes'),
  page: pageNumberField,
});

export type ActionsListQuery = z.infer<typeof actionsListQuerySchema>;

export function parseActionsListQuery(query: FormBody): ActionsListQuery {
  return actionsListQuerySchema.parse(firstValues(query));
}

/** The list's URL for these filters (defaults left out): the provider page links to it. */
export function actionsListHref(query: Partial<ActionsListQuery>): string {
  const params = new URLSearchParams();
  if (query.provider) params.set('provider', query.provider);
  if (query.standard) params.set('standard', query.standard);
  if (query.status) params.set('status', query.status);
  if (query.overdue) params.set('overdue', 'yes');
  if (query.page && query.page > 1) params.set('page', String(query.page));
  const search = params.toString();
  return search ? `${paths.actions.list}?${search}` : paths.actions.list;
}

function actionsListFilter(user: CurrentUser, query: ActionsListQuery, today: Date): ActionsListFilter {
  return {
    providerScope: providerScope(user),
    providerId: query.provider,
    frameworkCode: query.standard,
    status: query.status,
    overdueOn: query.overdue ? today : undefined,
  };
}

export interface ActionsListPage {
  query: ActionsListQuery;
  items: (ActionItem & { providerHref: string | undefined })[];
  total: number;
  /** Actions matching the other filters, per status ("In progress: 3"), and how many are overdue. */
  counts: { text: string; count: number; href: string }[];
  providers: { value: string; text: string }[];
  standards: { value: string; text: string }[];
  statuses: { value: string; text: string }[];
  range: { from: number; to: number } | undefined;
  previousHref: string | undefined;
  nextHref: string | undefined;
  pageNumber: number;
  pageCount: number;
  filtered: boolean;
}

export async function actionsListPage(
  db: DbClient,
  user: CurrentUser,
  query: ActionsListQuery,
  now: Date,
): Promise<ActionsListPage> {
  const today = ukToday(now);
  const scope = providerScope(user);
  const filter = actionsListFilter(user, query, today);
  const [found, choices] = await Promise.all([
    findActionsListPage(
      db,
      filter,
      actionsListFilter(user, { ...query, status: undefined, overdue: false }, today),
      today,
      { skip: (query.page - 1) * ACTIONS_PAGE_SIZE, take: ACTIONS_PAGE_SIZE },
    ),
    findActionsListChoices(db, scope),
  ]);
  const pageCount = Math.max(1, Math.ceil(found.total / ACTIONS_PAGE_SIZE));
  // Staff open the provider's page; a provider's people have no register, so their link narrows the list.
  const staff = scope === undefined;
  const items = found.rows.map((row) => ({
    ...actionItem(row, today),
    providerHref: staff
      ? pathTo(paths.providers.show, { providerId: row.providerId })
      : actionsListHref({ provider: row.providerId }),
  }));
  const from = (query.page - 1) * ACTIONS_PAGE_SIZE + 1;
  const withoutState = { ...query, status: undefined, overdue: false, page: 1 };
  return {
    query,
    items,
    total: found.total,
    counts: [
      ...Object.values(ActionStatus).map((status) => ({
        text: ACTION_STATUS_LABELS[status],
        count: found.byStatus.get(status) ?? 0,
        href: actionsListHref({ ...withoutState, status }),
      })),
      { text: 'Overdue', count: found.overdue, href: actionsListHref({ ...withoutState, overdue: true }) },
    ],
    providers: choices.providers.map((provider) => ({ value: provider.id, text: provider.name })),
    standards: choices.frameworks.map((framework) => ({ value: framework.code, text: framework.name })),
    statuses: Object.values(ActionStatus).map((status) => ({
      value: status,
      text: ACTION_STATUS_LABELS[status],
    })),
    range: items.length > 0 ? { from, to: from + items.length - 1 } : undefined,
    previousHref: query.page > 1 ? actionsListHref({ ...query, page: query.page - 1 }) : undefined,
    nextHref: query.page < pageCount ? actionsListHref({ ...query, page: query.page + 1 }) : undefined,
    pageNumber: query.page,
    pageCount,
    filtered: Boolean(query.provider ?? query.standard ?? query.status) || query.overdue,
  };
}
