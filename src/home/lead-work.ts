import { canEditForProvider } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DataDeps } from '../deps.js';
import { formatDate, formatDateTime, ukToday } from '../format.js';
import { standardName } from '../frameworks/names.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import { versionMappings } from '../frameworks/version-mappings.js';
import { pathTo, paths } from '../paths.js';
import { isOverdue, OVERDUE_TAG, RETURN_STATUS_TAGS, type TagParams } from '../returns/progress.js';
import { findCarryForwardSource } from '../returns/queries.js';
import { returnedReview } from '../returns/returned.js';
import { findLeadReturns, findRecentDecisions, type LeadReturnRow } from './lead-work.queries.js';

// "Your work": a provider lead's returns, each with where it stands and the one thing to do next,
// and the latest decisions on them.

const DAY_MS = 86_400_000;
/** Accepted returns stay on the list this long after the decision, for "View decision". */
const ACCEPTED_SHOWN_DAYS = 90;
const RECENT_DECISIONS = 5;

export interface LeadWorkItem {
  returnId: string;
  /** "Accessible Information Standard 2025 return, 2026/27". */
  title: string;
  providerName: string;
  tag: TagParams;
  /** The "Overdue" tag beside the state, when it is. */
  overdueTag: TagParams | null;
  /** "Due 31 March 2027", "Overdue by 12 days (due 31 March 2027)", "Submitted: waiting for review". */
  dueText: string;
  overdue: boolean;
  /** The one next step, or none (a submitted return waits for the reviewer). */
  action: { text: string; href: string } | null;
  /** "View the return", when the action does not already lead there. */
  viewHref: string;
}

export interface LeadDecision {
  returnId: string;
  title: string;
  providerName: string;
  tag: TagParams;
  /** "Accepted by Dana Manager at 11am on 28 November 2026". */
  byText: string;
  comment: string;
  href: string;
}

export interface LeadWork {
  items: LeadWorkItem[];
  overdueCount: number;
  decisions: LeadDecision[];
}

export async function leadWork(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  now: Date,
): Promise<LeadWork> {
  const today = ukToday(now);
  const mappings = await versionMappings(caches.versionMappings);
  const rows = await findLeadReturns(
    prisma,
    user.providerIds,
    new Date(now.getTime() - ACCEPTED_SHOWN_DAYS * DAY_MS),
  );
  const items: LeadWorkItem[] = [];
  // One return after another: a lead has a handful, and only some need a second look.
  for (const row of rows) items.push(await workItem(prisma, mappings, user, row, today));
  // Overdue first (most overdue first), then by due date as found.
  items.sort((a, b) => Number(b.overdue) - Number(a.overdue));

  const decisions = await findRecentDecisions(prisma, user.providerIds, RECENT_DECISIONS);
  return {
    items,
    overdueCount: items.filter((item) => item.overdue).length,
    decisions: decisions.map((decision) => {
      const item = decision.submission.return;
      const accepted = decision.decision === 'accepted';
      return {
        returnId: item.id,
        title: returnTitle(item),
        providerName: item.provider.name,
        tag: RETURN_STATUS_TAGS[accepted ? 'accepted' : 'returned'],
        byText: `${accepted ? 'Accepted' : 'Returned'} by ${decision.reviewer.displayName} at ${formatDateTime(decision.decidedAt)}`,
        comment: decision.comment,
        href: pathTo(paths.returns.show, { returnId: item.id }),
      };
    }),
  };
}

function returnTitle(row: {
  period: { label: string };
  frameworkVersion: { code: string; framework: { name: string } };
}): string {
  return `${standardName(row.frameworkVersion.framework.name, row.frameworkVersion.code)} return, ${row.period.label}`;
}

async function workItem(
  prisma: DataDeps['prisma'],
  mappings: readonly VersionMapping[],
  user: CurrentUser,
  row: LeadReturnRow,
  today: Date,
): Promise<LeadWorkItem> {
  const overdue = isOverdue(row.status, row.dueDate, today);
  const days = Math.round((today.getTime() - row.dueDate.getTime()) / DAY_MS);
  const due = formatDate(row.dueDate);
  const show = pathTo(paths.returns.show, { returnId: row.id });
  const canEdit = canEditForProvider(user, row.providerId);
  let dueText = overdue ? `Overdue by ${plural(days, 'day')} (due ${due})` : `Due ${due}`;
  let action: LeadWorkItem['action'] = null;

  switch (row.status) {
    case 'not_started': {
      const source = canEdit
        ? await findCarryForwardSource(prisma, {
            contractId: row.contractId,
            frameworkId: row.frameworkVersion.frameworkId,
            periodStart: row.period.startDate,
          })
        : null;
      action = {
        text: source ? `Start from your ${source.period.label} answers` : 'Start',
        href: show,
      };
      break;
    }
    case 'in_progress':
      action = { text: 'Continue', href: show };
      break;
    case 'returned': {
      const review = await returnedReview(prisma, row.id, mappings);
      const left = review?.requirements.filter((requirement) => !requirement.changed).length ?? 0;
      action =
        left > 0
          ? { text: `Fix ${plural(left, 'returned requirement')}`, href: show }
          : {
              text: 'Check your answers and submit again',
              href: pathTo(paths.returns.checkAnswers, { returnId: row.id }),
            };
      break;
    }
    case 'submitted':
      dueText = 'Submitted: waiting for your contract manager’s review';
      break;
    case 'accepted':
      dueText = 'Nothing more to do for this return';
      action = { text: 'View decision', href: `${show}#decision` };
      break;
  }
  // Contributors answer but do not submit; people who cannot edit only look.
  if (!canEdit && action && row.status !== 'accepted') action = { text: 'View', href: show };
  return {
    returnId: row.id,
    title: returnTitle(row),
    providerName: row.provider.name,
    tag: RETURN_STATUS_TAGS[row.status],
    overdueTag: overdue ? OVERDUE_TAG : null,
    dueText,
    overdue,
    action,
    viewHref: show,
  };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
