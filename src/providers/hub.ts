import { actionItem, type ActionItem } from '../actions/action-items.js';
import { actionsListHref } from '../actions/actions-list.js';
import { findProviderOpenActions } from '../actions/queries.js';
import { isCommissionerEditor } from '../auth/access.js';
import { findReportPublications } from '../eds-report/queries.js';
import { hasEdsReport, reportProgressLines, reportYear } from '../eds-report/report.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DbClient } from '../db/prisma.js';
import { ukToday } from '../format.js';
import { standardName } from '../frameworks/names.js';
import { computeResults, parseTally, responsesFromTally, type ResultsBasis } from '../frameworks/results.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import { resultLines } from '../frameworks/result-lines.js';
import { pathTo, paths } from '../paths.js';
import {
  IMPORTED_TAG,
  OVERDUE_TAG,
  RETURN_STATUS_TAGS,
  isOverdue,
  type TagParams,
} from '../returns/progress.js';
import { daysOverdueText } from '../returns/returns-list.js';
import { findProviderHistory, findProviderReturns } from './queries.js';

// The provider page is the hub for one provider: its returns by period (state, due date, result),
// and links to its review pack, its trends and its history, beside its contracts and people.
// Staff only (the route is staffOnly, as the register is).

const DAY_MS = 86_400_000;
const HISTORY_LENGTH = 15;

const HISTORY_LABELS: Record<string, string> = {
  'provider.created': 'Provider added to the register',
  'provider.updated': 'Provider details changed',
  'provider.deactivated': 'Provider deactivated',
  'provider.reactivated': 'Provider reactivated',
  'contract.created': 'Contract added',
  'contract.updated': 'Contract changed',
  'return.submitted': 'Return submitted',
  'return.accepted': 'Return accepted',
  'return.returned': 'Return sent back to the provider',
  'return.extension_agreed': 'Extension agreed',
  'return.history_imported': 'Past return imported from a spreadsheet',
};

export interface HubReturn {
  id: string;
  href: string;
  standardName: string;
  tags: TagParams[];
  dueDate: Date;
  overdueText: string | undefined;
  resultLines: string[];
  /** The return's EDS report and where it stands in words (issue 14: EDS 2022 only). */
  edsReport: { href: string; lines: string[] } | undefined;
}

export interface ProviderHub {
  periods: { label: string; returns: HubReturn[] }[];
  packHref: string;
  trendsHref: string;
  /** Staff who edit the register load past returns from spreadsheets (issue 15). */
  historyImportHref: string | undefined;
  history: { occurredAt: Date; who: string; what: string; returnHref: string | undefined }[];
  /** Its open actions (issue 14), soonest due first, and the actions list narrowed to it. */
  openActions: ActionItem[];
  actionsHref: string;
}

export async function providerHub(
  db: DbClient,
  user: CurrentUser,
  provider: { id: string; contracts: { id: string }[] },
  now: Date,
): Promise<ProviderHub> {
  const today = ukToday(now);
  const reviewer = isCommissionerEditor(user);
  const [returns, history, openActions, reportPublications] = await Promise.all([
    findProviderReturns(db, provider.id),
    findProviderHistory(
      db,
      provider.id,
      provider.contracts.map((contract) => contract.id),
      HISTORY_LENGTH,
    ),
    findProviderOpenActions(db, provider.id),
    findReportPublications(db, provider.id),
  ]);
  const publishedIn = new Map(reportPublications.map((row) => [row.year, row]));
  const bases = new Map<string, Promise<ResultsBasis | null>>();
  const basisOf = (versionId: string) => {
    let basis = bases.get(versionId);
    if (!basis) bases.set(versionId, (basis = findResultsBasis(db, versionId)));
    return basis;
  };
  const periods: ProviderHub['periods'] = [];
  for (const item of returns) {
    const basis = await basisOf(item.frameworkVersionId);
    const requirementsPerGroup = new Map<string, number>();
    for (const requirement of item.frameworkVersion.requirements) {
      const code = requirement.group.code;
      requirementsPerGroup.set(code, (requirementsPerGroup.get(code) ?? 0) + 1);
    }
    const lines = basis
      ? resultLines(
          computeResults(responsesFromTally(requirementsPerGroup, parseTally(item.tally?.tally)), basis),
          basis,
        )
      : [];
    const overdue = isOverdue(item.status, item.dueDate, today);
    const shown: HubReturn = {
      id: item.id,
      href: pathTo(reviewer && item.status === 'submitted' ? paths.review.show : paths.returns.show, {
        returnId: item.id,
      }),
      standardName: standardName(item.frameworkVersion.framework.name, item.frameworkVersion.code),
      tags: [
        RETURN_STATUS_TAGS[item.status],
        ...(overdue ? [OVERDUE_TAG] : []),
        ...(item.imported ? [IMPORTED_TAG] : []),
      ],
      dueDate: item.dueDate,
      overdueText: overdue
        ? daysOverdueText(Math.round((today.getTime() - item.dueDate.getTime()) / DAY_MS))
        : undefined,
      resultLines: lines,
      edsReport:
        basis && hasEdsReport(basis)
          ? {
              href: pathTo(paths.returns.edsReport, { returnId: item.id }),
              lines: reportProgressLines({
                publication: publishedIn.get(reportYear(item.period.startDate)) ?? null,
                sentOn: item.edsReportSending?.sentOn ?? null,
              }),
            }
          : undefined,
    };
    const period = periods.at(-1);
    if (period?.label === item.period.label) period.returns.push(shown);
    else periods.push({ label: item.period.label, returns: [shown] });
  }
  return {
    periods,
    packHref: pathTo(paths.exports.pack, { providerId: provider.id }),
    trendsHref: pathTo(paths.providers.trends, { providerId: provider.id }),
    historyImportHref: reviewer ? pathTo(paths.imports.history, { providerId: provider.id }) : undefined,
    history: history.map((event) => ({
      occurredAt: event.occurredAt,
      who: event.actor?.displayName ?? 'System',
      what:
        (HISTORY_LABELS[event.action] ?? event.action) +
        (event.return
          ? `: ${standardName(event.return.frameworkVersion.framework.name, event.return.frameworkVersion.code)}, ${event.return.period.label}`
          : ''),
      returnHref: event.return ? pathTo(paths.returns.history, { returnId: event.return.id }) : undefined,
    })),
    openActions: openActions.map((row) => actionItem(row, today)),
    actionsHref: actionsListHref({ provider: provider.id }),
  };
}
