import type { ReturnStatus } from '../generated/prisma/enums.js';
import { isoDate } from '../format.js';

// The reminder ladder: on which days, counted from a return's due date, its provider is chased.
// Configuration, not code (REMINDER_LADDER); these are pure functions of the ladder, the return and
// the UK calendar day, so the job, the pages and the tests all agree.

export interface Ladder {
  /** Fixed rungs, in days from the due date (negative: before it), ascending. */
  rungs: number[];
  /** Then every `every` days from `from` days overdue (the "+7r" rung), if configured. */
  repeat: { from: number; every: number } | undefined;
  /** From this many days overdue the contract manager is copied in (escalation). */
  escalateAfterDays: number;
}

export const DEFAULT_LADDER = '-14,-3,0,+7r';

const RUNG = /^([+-]?)(\d{1,3})(r?)$/;

/**
 * Parses a ladder such as "-14,-3,0,+7r": days from the due date, comma separated, ascending; a
 * last rung ending in "r" repeats every that many days overdue (+7r: 7, 14, 21 ... days overdue).
 */
export function parseLadder(
  text: string,
  escalateAfterDays: number,
): { ok: true; ladder: Ladder } | { ok: false; problem: string } {
  const parts = text.split(',').map((part) => part.trim());
  const rungs: number[] = [];
  let repeat: Ladder['repeat'];
  let previous: number | undefined;
  for (const [index, part] of parts.entries()) {
    const match = RUNG.exec(part);
    if (!match) {
      return {
        ok: false,
        problem: `"${part}" is not a rung: use days from the due date such as -14, 0 or +7, and +7r to repeat`,
      };
    }
    const days = Number(match[2]) * (match[1] === '-' ? -1 : 1);
    if (previous !== undefined && previous >= days) {
      return { ok: false, problem: 'rungs must be in ascending order without repeats' };
    }
    previous = days;
    if (match[3] === 'r') {
      if (index !== parts.length - 1 || days <= 0) {
        return {
          ok: false,
          problem: 'only the last rung may repeat, and it must be after the due date (+7r)',
        };
      }
      repeat = { from: days, every: days };
    } else {
      rungs.push(days);
    }
  }
  if (rungs.length === 0 && !repeat) return { ok: false, problem: 'the ladder needs at least one rung' };
  return { ok: true, ladder: { rungs, repeat, escalateAfterDays } };
}

/** Returns in these states still owe their provider's answers, so they are chased. */
const CHASED: readonly ReturnStatus[] = ['not_started', 'in_progress', 'returned'];

export function isChased(status: ReturnStatus): boolean {
  return CHASED.includes(status);
}

export interface Stage {
  /** Days from the due date this rung is for (negative: before it). */
  offset: number;
  /** Unique per return and due date: "-14@2027-03-31". A new due date starts a new ladder. */
  key: string;
  /** The contract manager is copied in. */
  escalated: boolean;
}

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to`, both calendar dates (UTC midnight). */
export function daysBetween(from: Date, to: Date): number {
  return Math.round((to.getTime() - from.getTime()) / DAY_MS);
}

/** The latest rung reached by `daysFromDue`, if any. */
export function rungReached(ladder: Ladder, daysFromDue: number): number | undefined {
  let reached: number | undefined;
  for (const rung of ladder.rungs) if (rung <= daysFromDue) reached = rung;
  if (ladder.repeat && daysFromDue >= ladder.repeat.from) {
    const { from, every } = ladder.repeat;
    reached = from + Math.floor((daysFromDue - from) / every) * every;
  }
  return reached;
}

/**
 * The chaser a return is due on a UK calendar day: the latest rung reached, so a day the job did not
 * run is caught up the next day (but earlier rungs are not sent all at once). Nothing for a return
 * that is submitted or accepted. The stage key carries the due date, so an extension (or a return
 * sent back with a new due date) moves the whole ladder.
 */
export function stageFor(
  ladder: Ladder,
  chasedReturn: { status: ReturnStatus; dueDate: Date },
  today: Date,
): Stage | undefined {
  if (!isChased(chasedReturn.status)) return undefined;
  const offset = rungReached(ladder, daysBetween(chasedReturn.dueDate, today));
  if (offset === undefined) return undefined;
  return {
    offset,
    key: `${offsetLabel(offset)}@${isoDate(chasedReturn.dueDate)}`,
    escalated: offset >= ladder.escalateAfterDays,
  };
}

/** "-14", "0", "+7": how stages are written in keys and configuration. */
export function offsetLabel(offset: number): string {
  return offset > 0 ? `+${offset}` : String(offset);
}

/** Returns further ahead than this many days cannot have a stage yet. */
export function earliestRung(ladder: Ladder): number {
  return ladder.rungs[0] ?? ladder.repeat?.from ?? 0;
}

/** "14 days before the due date", "On the due date", "7 days overdue": for the chase history. */
export function describeStage(stage: string): string {
  const offset = Number(stage.split('@')[0]);
  if (!Number.isFinite(offset)) return stage;
  if (offset === 0) return 'On the due date';
  const days = Math.abs(offset) === 1 ? '1 day' : `${Math.abs(offset)} days`;
  return offset < 0 ? `${days} before the due date` : `${days} overdue`;
}
