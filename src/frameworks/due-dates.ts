import { formatDayMonth } from '../format.js';

/** A standard version's usual due date rule (issue 14: per version, with its source). */
export interface DueRule {
  dueMonth: number;
  dueDay: number;
  dueNational: boolean;
  dueSource: string;
  dueVerified: boolean;
}

/** A version's usual due date (e.g. EDS 2022 28 February) in the final year of a period. */
export function defaultDueDate(periodEnd: Date, version: Pick<DueRule, 'dueMonth' | 'dueDay'>): Date {
  return new Date(Date.UTC(periodEnd.getUTCFullYear(), version.dueMonth - 1, version.dueDay));
}

/**
 * The rule in plain English for the pages that show it, e.g. "Usually due 31 March. There is no
 * national reporting date: this is a local date set by the commissioner." Says when it is unverified.
 */
export function dueRuleText(rule: DueRule): string {
  const day = formatDayMonth(rule.dueMonth, rule.dueDay);
  const basis = rule.dueNational
    ? 'This is the national reporting date.'
    : 'There is no national reporting date for this version: this is a local date the commissioner sets.';
  const checked = rule.dueVerified ? '' : ' Not yet confirmed by a published source.';
  return `Usually due ${day}. ${basis}${checked}`;
}
