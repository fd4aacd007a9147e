import type { ReturnStatus } from '../generated/prisma/enums.js';

// How far a return has got: the state of each requirement and group on the task list, and the
// return's own status as a tag. Pure functions, so the list, the task list and the check-answers
// page all agree.

export type RequirementState = 'not_started' | 'in_progress' | 'completed' | 'carried_forward';

/** The parts of a response that decide its state (undefined: no response row yet). */
export interface AnswerFields {
  ratingLevelId: string | null;
  narrative: string;
  notApplicable: boolean;
  notApplicableReason: string;
  carriedForward: boolean;
}

export function requirementState(answer: AnswerFields | undefined): RequirementState {
  if (!answer) return 'not_started';
  // Rated with a narrative, or "not applicable" with its reason.
  const complete =
    (answer.ratingLevelId !== null && answer.narrative.trim() !== '') ||
    (answer.notApplicable && answer.notApplicableReason.trim() !== '');
  // A carried-forward answer counts only once the provider has looked at it and saved it.
  if (complete) return answer.carriedForward ? 'carried_forward' : 'completed';
  const anything = answer.ratingLevelId !== null || answer.notApplicable || answer.narrative.trim() !== '';
  return anything ? 'in_progress' : 'not_started';
}

/** A group is as far as its requirements: all done, none begun, waiting for confirmation, or between. */
export function groupState(states: readonly RequirementState[]): RequirementState {
  if (states.every((state) => state === 'completed')) return 'completed';
  if (states.every((state) => state === 'not_started')) return 'not_started';
  if (states.every((state) => state === 'completed' || state === 'carried_forward')) return 'carried_forward';
  return 'in_progress';
}

export interface TagParams {
  text: string;
  colour: string | false;
  border?: false;
  classes?: string;
}

// The NHS task list shows "Completed" as plain text and the states still needing work as coloured tags.
export const REQUIREMENT_STATE_TAGS: Record<RequirementState, TagParams> = {
  not_started: { text: 'Not started', colour: 'grey' },
  in_progress: { text: 'In progress', colour: 'blue' },
  carried_forward: { text: 'Carried forward: confirm', colour: 'yellow' },
  completed: { text: 'Completed', colour: false, border: false, classes: 'nhsuk-u-font-weight-normal' },
};

/** A requirement the reviewer sent back, until the provider changes its answer or evidence. */
export const RETURNED_REQUIREMENT_TAG: TagParams = { text: 'Returned - needs changes', colour: 'orange' };

export const RETURN_STATUS_TAGS: Record<ReturnStatus, TagParams> = {
  not_started: { text: 'Not started', colour: 'grey' },
  in_progress: { text: 'In progress', colour: 'blue' },
  submitted: { text: 'Submitted', colour: 'purple' },
  returned: { text: 'Returned', colour: 'orange' },
  accepted: { text: 'Accepted', colour: 'green' },
};

export const OVERDUE_TAG: TagParams = { text: 'Overdue', colour: 'red' };

/** A past period's return loaded from a spreadsheet by staff (issue 15), beside its status. */
export const IMPORTED_TAG: TagParams = { text: 'Imported from a spreadsheet', colour: 'white' };

/** A return's status in words, saying so when it was imported from a spreadsheet (exports, heat map). */
export function statusWords(status: ReturnStatus, imported: boolean): string {
  const text = RETURN_STATUS_TAGS[status].text;
  return imported ? `${text}, ${IMPORTED_TAG.text.toLowerCase()}` : text;
}

export const AWAITING_PROVIDER: readonly ReturnStatus[] = ['not_started', 'in_progress', 'returned'];

/** Overdue: the provider still owes the return and its due date (UK calendar) has passed. */
export function isOverdue(status: ReturnStatus, dueDate: Date, today: Date): boolean {
  return AWAITING_PROVIDER.includes(status) && dueDate.getTime() < today.getTime();
}
