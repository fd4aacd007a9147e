import { z } from 'zod';
import { isCommissionerEditor, providerScope } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DbClient } from '../db/prisma.js';
import { ukToday } from '../format.js';
import { firstValues, pageNumberField, type FormBody } from '../forms.js';
import { standardName } from '../frameworks/names.js';
import { ReturnStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import { AWAITING_PROVIDER, RETURN_STATUS_TAGS, isOverdue } from './progress.js';
import {
  findReturnsListChoices,
  findReturnsListPage,
  type ReturnsListFilter,
  type ReturnsListSort,
} from './queries.js';

// The returns list (/returns): every return a user may see, in every period, narrowed by a GET form
// (period, standard, state, due date, and for a contract manager their own contracts), sorted and
// paged. Anything in the URL that does not fit is ignored, so a shared or edited link always shows
// a page. Provider leads and contributors only ever see their own providers' returns: the scope from
// access.ts is part of every query, whatever the URL says.

export const RETURNS_PAGE_SIZE = 50;
/** "Due soon": the due date is today or within this many days. */
export const DUE_SOON_DAYS = 14;
const DAY_MS = 86_400_000;

const optionalText = z
  .string()
  .trim()
  .max(100)
  .optional()
  .catch(undefined)
  .transform((value) => (value === '' ? undefined : value));

const SORTS = ['due', 'waiting', 'provider'] as const satisfies readonly ReturnsListSort[];
const DUE_FILTERS = ['overdue', 'soon'] as const;

export const returnsListQuerySchema = z.object({
  period: z.uuid().optional().catch(undefined),
  standard: optionalText,
  state: z.enum(ReturnStatus).optional().catch(undefined),
  due: z.enum(DUE_FILTERS).optional().catch(undefined),
  mine: z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) => value === 'yes'),
  sort: z
    .enum(SORTS)
    .optional()
    .catch(undefined)
    .transform((value) => value ?? 'due'),
  page: pageNumberField,
});

export type ReturnsListQuery = z.infer<typeof returnsListQuerySchema>;

export function parseReturnsListQuery(query: FormBody): ReturnsListQuery {
  return returnsListQuerySchema.parse(firstValues(query));
}

/** The list's URL for these filters (defaults left out), as the home page's counts link to it. */
export function returnsListHref(query: Partial<ReturnsListQuery>): string {
  const params = new URLSearchParams();
  if (query.period) params.set('period', query.period);
  if (query.standard) params.set('standard', query.standard);
  if (query.state) params.set('state', query.state);
  if (query.due) params.set('due', query.due);
  if (query.mine) params.set('mine', 'yes');
  if (query.sort && query.sort !== 'due') params.set('sort', query.sort);
  if (query.page && query.page > 1) params.set('page', String(query.page));
  const search = params.toString();
  return search ? `${paths.returns.list}?${search}` : paths.returns.list;
}

/** "1 day overdue", "12 days overdue". */
export function daysOverdueText(days: number): string {
  return `${days.toLocaleString('en-GB')} ${days === 1 ? 'day' : 'days'} overdue`;
}

/** Whether the "only contracts I manage" choice means anything for this user. */
function managesContracts(user: CurrentUser): boolean {
  return user.role === 'contract_manager';
}

/** The filter for a query: the user's provider scope always, the state and due-date choices together. */
export function returnsListFilter(
  user: CurrentUser,
  query: ReturnsListQuery,
  today: Date,
): ReturnsListFilter {
  let statuses: ReturnStatus[] | undefined = query.state ? [query.state] : undefined;
  let dueBefore: Date | undefined;
  let dueOnOrAfter: Date | undefined;
  let dueOnOrBefore: Date | undefined;
  if (query.due) {
    // Overdue and due soon are about returns the provider still owes (isOverdue in progress.ts).
    statuses = (statuses ?? [...AWAITING_PROVIDER]).filter((status) => AWAITING_PROVIDER.includes(status));
    if (query.due === 'overdue') {
      dueBefore = today;
    } else {
      dueOnOrAfter = today;
      dueOnOrBefore = new Date(today.getTime() + DUE_SOON_DAYS * DAY_MS);
    }
  }
  return {
    providerScope: providerScope(user),
    periodId: query.period,
    frameworkCode: query.standard,
    statuses,
    dueBefore,
    dueOnOrAfter,
    dueOnOrBefore,
    contractManagerId: query.mine && managesContracts(user) ? user.id : undefined,
  };
}

export interface ReturnsListItem {
  id: string;
  /** The return's page; for a reviewer, a submitted return's review. */
  href: string;
  providerId: string;
  providerName: string;
  standardName: string;
  periodLabel: string;
  dueDate: Date;
  status: ReturnStatus;
  overdue: boolean;
  /** Whole days past the due date while overdue, else 0. */
  overdueDays: number;
  /** "12 days overdue" while overdue. */
  overdueText: string | undefined;
  submittedAt: Date | null;
}

export interface ReturnsListPage {
  query: ReturnsListQuery;
  items: ReturnsListItem[];
  total: number;
  /** Returns matching the other filters, per state ("Submitted: 3"), in lifecycle order. */
  counts: { status: ReturnStatus; text: string; count: number; href: string }[];
  periods: { value: string; text: string }[];
  standards: { value: string; text: string }[];
  states: { value: string; text: string }[];
  showMine: boolean;
  /** "Showing 51 to 100 of 120 returns"; absent when nothing matches. */
  range: { from: number; to: number } | undefined;
  previousHref: string | undefined;
  nextHref: string | undefined;
  pageNumber: number;
  pageCount: number;
  filtered: boolean;
}

export async function returnsListPage(
  db: DbClient,
  user: CurrentUser,
  query: ReturnsListQuery,
  now: Date,
): Promise<ReturnsListPage> {
  const today = ukToday(now);
  const reviewer = isCommissionerEditor(user);
  const filter = returnsListFilter(user, query, today);
  const [found, choices] = await Promise.all([
    findReturnsListPage(
      db,
      filter,
      returnsListFilter(user, { ...query, state: undefined }, today),
      query.sort,
      {
        skip: (query.page - 1) * RETURNS_PAGE_SIZE,
        take: RETURNS_PAGE_SIZE,
      },
    ),
    findReturnsListChoices(db),
  ]);
  const pageCount = Math.max(1, Math.ceil(found.total / RETURNS_PAGE_SIZE));
  const items = found.rows.map((row): ReturnsListItem => {
    const overdue = isOverdue(row.status, row.dueDate, today);
    const overdueDays = overdue ? Math.round((today.getTime() - row.dueDate.getTime()) / DAY_MS) : 0;
    return {
      id: row.id,
      href: pathTo(reviewer && row.status === 'submitted' ? paths.review.show : paths.returns.show, {
        returnId: row.id,
      }),
      providerId: row.providerId,
      providerName: row.provider.name,
      standardName: standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code),
      periodLabel: row.period.label,
      dueDate: row.dueDate,
      status: row.status,
      overdue,
      overdueDays,
      overdueText: overdue ? daysOverdueText(overdueDays) : undefined,
      submittedAt: row.submittedAt,
    };
  });
  const from = (query.page - 1) * RETURNS_PAGE_SIZE + 1;
  return {
    query,
    items,
    total: found.total,
    counts: Object.values(ReturnStatus).map((status) => ({
      status,
      text: RETURN_STATUS_TAGS[status].text,
      count: found.byStatus.get(status) ?? 0,
      href: returnsListHref({ ...query, state: status, page: 1 }),
    })),
    periods: choices.periods.map((period) => ({ value: period.id, text: period.label })),
    standards: choices.frameworks.map((framework) => ({ value: framework.code, text: framework.name })),
    states: Object.values(ReturnStatus).map((status) => ({
      value: status,
      text: RETURN_STATUS_TAGS[status].text,
    })),
    showMine: managesContracts(user),
    range: items.length > 0 ? { from, to: from + items.length - 1 } : undefined,
    previousHref: query.page > 1 ? returnsListHref({ ...query, page: query.page - 1 }) : undefined,
    nextHref: query.page < pageCount ? returnsListHref({ ...query, page: query.page + 1 }) : undefined,
    pageNumber: query.page,
    pageCount,
    filtered: Boolean(query.period ?? query.standard ?? query.state ?? query.due) || query.mine,
  };
}
