import type { HeadcountBand, ProviderSector, TurnoverBand } from '../generated/prisma/enums.js';
import {
  HEADCOUNT_BANDS,
  SECTOR_LABELS,
  TURNOVER_BANDS,
  type BandRange,
} from '../providers/provider-profile.js';
import type { ApplicabilityRule, DueRule, ObligationFile } from './obligation-file.schema.js';

/**
 * What a provider owes, from its recorded facts and the obligation files: pure functions, no clock,
 * no database. A fact not recorded makes the answer "not known" (saying which fact), never a guess.
 *
 * A year is the NHS financial year named by its first year: 2025 is 1 April 2025 to 31 March 2026.
 * What is due "in" a year is what falls due between those dates.
 */

export interface ProviderFacts {
  sector: ProviderSector | null;
  headcountBand: HeadcountBand | null;
  turnoverBand: TurnoverBand | null;
  financialYearEndMonth: number | null;
  providesMentalHealthServices: boolean | null;
}

type Answer = 'yes' | 'no' | 'unknown';

interface RuleOutcome {
  answer: Answer;
  /** Why not (for "no") or what is missing (for "unknown"), as sentences. */
  reasons: string[];
}

/** "Care home" to "care home" inside a sentence; "NHS trust" keeps its capitals. */
const lower = (text: string) =>
  /^[A-Z]{2}/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);

function bandAtLeast(band: BandRange, threshold: number): Answer {
  if (band.min >= threshold) return 'yes';
  if (band.below !== undefined && band.below <= threshold) return 'no';
  return 'unknown';
}

function sectorOutcome(
  sector: ProviderSector | null,
  listed: readonly ProviderSector[],
  inList: boolean,
): RuleOutcome {
  if (!sector) return { answer: 'unknown', reasons: ['Its kind of organisation is not recorded.'] };
  const matches = listed.includes(sector) === inList;
  return matches
    ? { answer: 'yes', reasons: [] }
    : { answer: 'no', reasons: [`It is recorded as: ${lower(SECTOR_LABELS[sector])}.`] };
}

export function evaluateRule(rule: ApplicabilityRule, facts: ProviderFacts): RuleOutcome {
  if ('always' in rule) return { answer: 'yes', reasons: [] };
  if ('sectorIn' in rule) return sectorOutcome(facts.sector, rule.sectorIn, true);
  if ('sectorNotIn' in rule) return sectorOutcome(facts.sector, rule.sectorNotIn, false);
  if ('headcountAtLeast' in rule) {
    if (!facts.headcountBand)
      return { answer: 'unknown', reasons: ['Its number of employees is not recorded.'] };
    const band = HEADCOUNT_BANDS[facts.headcountBand];
    const answer = bandAtLeast(band, rule.headcountAtLeast);
    return {
      answer,
      reasons: answer === 'yes' ? [] : [`It has ${lower(band.label)}.`],
    };
  }
  if ('turnoverAtLeast' in rule) {
    if (!facts.turnoverBand) return { answer: 'unknown', reasons: ['Its annual turnover is not recorded.'] };
    const band = TURNOVER_BANDS[facts.turnoverBand];
    const answer = bandAtLeast(band, rule.turnoverAtLeast);
    return { answer, reasons: answer === 'yes' ? [] : [`Its annual turnover is ${lower(band.label)}.`] };
  }
  if ('providesMentalHealthServices' in rule) {
    const provides = facts.providesMentalHealthServices;
    if (provides === null) {
      return { answer: 'unknown', reasons: ['Whether it provides mental health services is not recorded.'] };
    }
    return provides === rule.providesMentalHealthServices
      ? { answer: 'yes', reasons: [] }
      : {
          answer: 'no',
          reasons: [
            provides ? 'It provides mental health services.' : 'It does not provide mental health services.',
          ],
        };
  }
  const parts = ('all' in rule ? rule.all : rule.any).map((part) => evaluateRule(part, facts));
  const reasonsOf = (answer: Answer) => [
    ...new Set(parts.filter((part) => part.answer === answer).flatMap((part) => part.reasons)),
  ];
  if ('all' in rule) {
    if (parts.some((part) => part.answer === 'no')) return { answer: 'no', reasons: reasonsOf('no') };
    if (parts.some((part) => part.answer === 'unknown'))
      return { answer: 'unknown', reasons: reasonsOf('unknown') };
    return { answer: 'yes', reasons: [] };
  }
  if (parts.some((part) => part.answer === 'yes')) return { answer: 'yes', reasons: [] };
  if (parts.every((part) => part.answer === 'no')) return { answer: 'no', reasons: reasonsOf('no') };
  return { answer: 'unknown', reasons: reasonsOf('unknown') };
}

// ---------------------------------------------------------------------------------------------
// Dates (UTC midnight, as the app stores dates)

const utc = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day));

/** The last day of a month, months counted on from any year and month (month 14 is next February). */
function endOfMonth(year: number, month: number): Date {
  return new Date(Date.UTC(year, month, 0));
}

/** A day of a month, pulled back to the month's last day (29 February in a common year is the 28th). */
function dayOfMonth(year: number, month: number, day: number): Date {
  const last = endOfMonth(year, month);
  return day > last.getUTCDate() ? last : utc(year, month, day);
}

function addMonths(date: Date, months: number): Date {
  const total = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(total / 12);
  return dayOfMonth(year, (total % 12) + 1, date.getUTCDate());
}

export interface YearWindow {
  from: Date;
  to: Date;
}

/** 2025 -> 1 April 2025 to 31 March 2026. */
export function yearWindow(year: number): YearWindow {
  return { from: utc(year, 4, 1), to: utc(year + 1, 3, 31) };
}

/** "2025/26". */
export function yearLabel(year: number): string {
  return `${year}/${String((year + 1) % 100).padStart(2, '0')}`;
}

/** The NHS financial year a date falls in (its first year). */
export function yearOf(date: Date): number {
  return date.getUTCMonth() >= 3 ? date.getUTCFullYear() : date.getUTCFullYear() - 1;
}

const within = (date: Date, window: YearWindow) => date >= window.from && date <= window.to;

type DueOutcome =
  | { kind: 'due'; dueOn: Date }
  | { kind: 'not-due'; nextDueOn: Date | null }
  | { kind: 'unknown'; reason: string };

/**
 * When the obligation falls due in the year. `lastPublishedOn` is the provider's latest recorded
 * publication before the year (for rolling duties such as equality information).
 */
export function dueInYear(
  rule: DueRule,
  facts: ProviderFacts,
  year: number,
  lastPublishedOn: Date | null = null,
): DueOutcome {
  const window = yearWindow(year);
  switch (rule.kind) {
    case 'yearly': {
      let month = rule.month;
      let day = rule.day;
      if (rule.bySector.length > 0) {
        if (!facts.sector) return { kind: 'unknown', reason: 'Its kind of organisation is not recorded.' };
        const variant = rule.bySector.find(
          (candidate) => facts.sector && candidate.sectorIn.includes(facts.sector),
        );
        if (variant) ({ month, day } = variant);
      }
      const first = dayOfMonth(year, month, day);
      return { kind: 'due', dueOn: within(first, window) ? first : dayOfMonth(year + 1, month, day) };
    }
    case 'afterYearEnd': {
      const yearEndMonth = facts.financialYearEndMonth;
      if (!yearEndMonth) return { kind: 'unknown', reason: 'Its financial year end is not recorded.' };
      for (const candidateYear of [year - 1, year, year + 1]) {
        const dueOn = endOfMonth(candidateYear, yearEndMonth + rule.months);
        if (within(dueOn, window)) return { kind: 'due', dueOn };
      }
      throw new Error('unreachable: a yearly date always falls once in a year');
    }
    case 'rolling': {
      if (lastPublishedOn) {
        const dueOn = addMonths(lastPublishedOn, rule.months);
        return dueOn <= window.to ? { kind: 'due', dueOn } : { kind: 'not-due', nextDueOn: dueOn };
      }
      const [y, m, d] = rule.cycleFrom.split('-').map(Number) as [number, number, number];
      let dueOn = utc(y, m, d);
      while (dueOn < window.from) dueOn = addMonths(dueOn, rule.months);
      return within(dueOn, window) ? { kind: 'due', dueOn } : { kind: 'not-due', nextDueOn: dueOn };
    }
  }
}

export type Obligation = ObligationFile;

export type Derived =
  | { state: 'not-applicable'; reason: string }
  | { state: 'not-known'; reason: string }
  | { state: 'not-due'; reason: string; nextDueOn: Date | null }
  | { state: 'due'; dueOn: Date };

/** Whether the obligation applies to the provider, and if so when it falls due in the year. */
export function deriveObligation(
  obligation: ObligationFile,
  facts: ProviderFacts,
  year: number,
  lastPublishedOn: Date | null = null,
): Derived {
  const applies = evaluateRule(obligation.appliesTo.rule, facts);
  if (applies.answer === 'no') {
    return {
      state: 'not-applicable',
      reason: [`${obligation.appliesTo.summary}.`, ...applies.reasons].join(' '),
    };
  }
  if (applies.answer === 'unknown') {
    return {
      state: 'not-known',
      reason: [
        `${obligation.appliesTo.summary}.`,
        ...applies.reasons,
        'Record it on the provider page.',
      ].join(' '),
    };
  }
  const due = dueInYear(obligation.due.rule, facts, year, lastPublishedOn);
  if (due.kind === 'unknown') {
    return {
      state: 'not-known',
      reason: `${due.reason} Record it on the provider page to work out the due date.`,
    };
  }
  const firstDueOn = obligation.due.firstDueOn ? new Date(`${obligation.due.firstDueOn}T00:00:00Z`) : null;
  if (due.kind === 'due' && firstDueOn && due.dueOn < firstDueOn) {
    return {
      state: 'not-due',
      reason: `Not due in ${yearLabel(year)}: first due by the date below.`,
      nextDueOn: firstDueOn,
    };
  }
  if (due.kind === 'not-due') {
    return { state: 'not-due', reason: `Not due in ${yearLabel(year)}.`, nextDueOn: due.nextDueOn };
  }
  return { state: 'due', dueOn: due.dueOn };
}

/** Every obligation for one provider and year, in file order. */
export function deriveAll(
  all: readonly ObligationFile[],
  facts: ProviderFacts,
  year: number,
  lastPublished: ReadonlyMap<string, Date> = new Map(),
): { obligation: ObligationFile; derived: Derived }[] {
  return all.map((obligation) => ({
    obligation,
    derived: deriveObligation(obligation, facts, year, lastPublished.get(obligation.code) ?? null),
  }));
}
