import { isCommissionerEditor } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DbClient } from '../db/prisma.js';
import { ukToday } from '../format.js';
import { paths } from '../paths.js';
import { AWAITING_PROVIDER } from '../returns/progress.js';
import { DUE_SOON_DAYS, returnsListHref } from '../returns/returns-list.js';
import { findAttentionCounts } from './attention-queries.js';

// The commissioner's home page starts with what needs attention, across every reporting period
// (an overdue return of an earlier year counts as much as this year's): each a count that links to
// the returns list filtered to exactly those returns (or to the outbox for failed emails).

const DAY_MS = 86_400_000;

export interface AttentionItem {
  id: string;
  label: string;
  count: number;
  /** Where the count leads: the filtered returns list, or the outbox. */
  href: string;
  /** What the link says to a screen reader after the count: "returns overdue". */
  linkText: string;
  /** One line under the count: "The longest by 300 days". */
  detail: string | undefined;
  /** A second link under it, such as every contract manager's returns awaiting review. */
  more: { text: string; href: string } | undefined;
}

const plural = (count: number, one: string, many: string) =>
  `${count.toLocaleString('en-GB')} ${count === 1 ? one : many}`;

function daysBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / DAY_MS));
}

export async function attentionItems(db: DbClient, user: CurrentUser, now: Date): Promise<AttentionItem[]> {
  const today = ukToday(now);
  const managesContracts = user.role === 'contract_manager';
  const counts = await findAttentionCounts(db, {
    today,
    dueSoonUntil: new Date(today.getTime() + DUE_SOON_DAYS * DAY_MS),
    awaitingProvider: [...AWAITING_PROVIDER],
    contractManagerId: managesContracts ? user.id : undefined,
  });
  const waitingSince = (submittedAt: Date | undefined) =>
    submittedAt
      ? `Waiting longest: ${plural(daysBetween(ukToday(submittedAt), today), 'day', 'days')}`
      : undefined;
  const items: AttentionItem[] = [
    {
      id: 'attention-overdue',
      label: 'Overdue',
      count: counts.overdue,
      href: returnsListHref({ due: 'overdue' }),
      linkText: counts.overdue === 1 ? 'return overdue' : 'returns overdue',
      detail: counts.oldestOverdueDue
        ? `The longest by ${plural(daysBetween(counts.oldestOverdueDue, today), 'day', 'days')}`
        : undefined,
      more: undefined,
    },
    managesContracts
      ? {
          id: 'attention-review',
          label: 'Awaiting your review',
          count: counts.mine,
          href: returnsListHref({ state: 'submitted', mine: true, sort: 'waiting' }),
          linkText: counts.mine === 1 ? 'return awaiting your review' : 'returns awaiting your review',
          detail: waitingSince(counts.oldestMineSubmittedAt),
          more:
            counts.submitted > counts.mine
              ? {
                  text: `${plural(counts.submitted, 'return', 'returns')} awaiting review in all`,
                  href: returnsListHref({ state: 'submitted', sort: 'waiting' }),
                }
              : undefined,
        }
      : {
          id: 'attention-review',
          label: 'Awaiting review',
          count: counts.submitted,
          href: returnsListHref({ state: 'submitted', sort: 'waiting' }),
          linkText: counts.submitted === 1 ? 'return awaiting review' : 'returns awaiting review',
          detail: waitingSince(counts.oldestSubmittedAt),
          more: undefined,
        },
    {
      id: 'attention-due-soon',
      label: `Due in the next ${DUE_SOON_DAYS} days`,
      count: counts.dueSoon,
      href: returnsListHref({ due: 'soon' }),
      linkText: `${counts.dueSoon === 1 ? 'return' : 'returns'} due in the next ${DUE_SOON_DAYS} days`,
      detail: undefined,
      more: undefined,
    },
    {
      id: 'attention-returned',
      label: 'Returned, waiting for the provider',
      count: counts.returned,
      href: returnsListHref({ state: 'returned' }),
      linkText: `${counts.returned === 1 ? 'return' : 'returns'} returned to the provider`,
      detail: undefined,
      more: undefined,
    },
  ];
  // The outbox is for those who can retry an email (administrators and contract managers).
  if (isCommissionerEditor(user)) {
    items.push({
      id: 'attention-emails',
      label: 'Emails that failed',
      count: counts.failedEmails,
      href: paths.outbox.list,
      linkText: counts.failedEmails === 1 ? 'email that failed' : 'emails that failed',
      detail: undefined,
      more: undefined,
    });
  }
  return items;
}
