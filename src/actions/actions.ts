import type { ActionStatus } from '../generated/prisma/enums.js';
import { formatDate } from '../format.js';
import { daysOverdueText } from '../returns/returns-list.js';
import type { TagParams } from '../returns/progress.js';

// Issue 14: an action's state in words, the same on every page, in exports and in chasers. Pure
// functions of the action and the UK calendar day.

export const ACTION_STATUS_TAGS: Record<ActionStatus, TagParams> = {
  not_started: { text: 'Not started', colour: 'grey' },
  in_progress: { text: 'In progress', colour: 'blue' },
  done: { text: 'Done', colour: 'green' },
  cancelled: { text: 'Cancelled', colour: 'white' },
};

export const ACTION_STATUS_LABELS: Record<ActionStatus, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  done: 'Done',
  cancelled: 'Cancelled',
};

/** Still to do: shown on later periods' returns, listed first, chased when overdue. */
export const OPEN_ACTION_STATUSES: readonly ActionStatus[] = ['not_started', 'in_progress'];

export function isOpenAction(status: ActionStatus): boolean {
  return OPEN_ACTION_STATUSES.includes(status);
}

const DAY_MS = 86_400_000;

/** Whole days an open action is past its due date (0: not overdue). */
export function actionDaysOverdue(
  action: { status: ActionStatus; dueDate: Date | null },
  today: Date,
): number {
  if (!isOpenAction(action.status) || !action.dueDate) return 0;
  return Math.max(0, Math.round((today.getTime() - action.dueDate.getTime()) / DAY_MS));
}

/** "Due 31 March 2027", "Due 31 March 2027: 12 days overdue", or "No due date". */
export function actionDueText(action: { status: ActionStatus; dueDate: Date | null }, today: Date): string {
  if (!action.dueDate) return 'No due date';
  const days = actionDaysOverdue(action, today);
  const due = `Due ${formatDate(action.dueDate)}`;
  return days > 0 ? `${due}: ${daysOverdueText(days)}` : due;
}

/**
 * One line per action for exports, the workbook and the review of a snapshot: "Description (owner,
 * due 31 March 2027, In progress)". Actions from before issue 14 had no status.
 */
export function actionLine(action: {
  description: string;
  owner: string;
  dueDate: Date | null;
  status?: ActionStatus;
}): string {
  const facts = [
    action.owner,
    action.dueDate ? `due ${formatDate(action.dueDate)}` : '',
    action.status ? ACTION_STATUS_LABELS[action.status] : '',
  ].filter((fact) => fact !== '');
  return facts.length > 0 ? `${action.description} (${facts.join(', ')})` : action.description;
}
