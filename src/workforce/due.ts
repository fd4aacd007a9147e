import type { ReturnStatus } from '../generated/prisma/enums.js';
import { formatDate } from '../format.js';
import { deriveObligation, type Derived, type ProviderFacts } from '../obligations/derive.js';
import type { ObligationCatalogue } from '../obligations/obligation-files.js';
import { plural } from '../reminders/emails.js';
import { daysBetween, isChased } from '../reminders/ladder.js';
import type { WorkforceStandard } from './indicator-file.schema.js';

// When a WRES or WDES return is due: the standard's obligation file (wres-report, wdes-report) says
// who owes it and by when, as it does for the publication, so the return and the publication never
// disagree. A return's data year is the year of its 31 March, and the report on it is due in the NHS
// financial year that starts the next day (2026 data: by 31 October 2026, in 2026/27).

export type WorkforceDue =
  | { kind: 'due'; dueOn: Date }
  /**
   * No due date for this provider: not applicable, not due in the year, or a fact the rule needs is
   * not recorded (which one, for the matrix's cells).
   */
  | { kind: 'none'; state: Exclude<Derived['state'], 'due'>; reason: string };

export function workforceDue(
  obligations: ObligationCatalogue,
  standard: Pick<WorkforceStandard, 'obligation'>,
  facts: ProviderFacts,
  year: number,
): WorkforceDue {
  const obligation = obligations.byCode.get(standard.obligation);
  // The caches check each standard names an obligation file of the release.
  if (!obligation) throw new Error(`No obligation file ${standard.obligation}`);
  const derived = deriveObligation(obligation, facts, year);
  if (derived.state === 'due') return { kind: 'due', dueOn: derived.dueOn };
  return {
    kind: 'none',
    state: derived.state,
    reason: derived.state === 'not-applicable' ? `Not owed: ${derived.reason}` : derived.reason,
  };
}

/**
 * The due date in words for a return's pages and lists, on a UK calendar day: "31 October 2026",
 * "31 October 2026 (7 days overdue)" while the provider still owes it, or why there is none.
 */
export function dueText(due: WorkforceDue, status: ReturnStatus | undefined, today: Date): string {
  if (due.kind === 'none') return `No due date. ${due.reason}`;
  const date = formatDate(due.dueOn);
  const late = daysBetween(due.dueOn, today);
  if (status !== undefined && !isChased(status)) return date;
  if (late > 0) return `${date} (${plural(late, 'day')} overdue)`;
  if (late === 0) return `${date} (due today)`;
  return date;
}
