import { Conflict } from '../errors.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';

/** A return can be changed by its provider only before submission, or after it was returned. */
const EDITABLE: readonly ReturnStatus[] = ['not_started', 'in_progress', 'returned'];

export function isEditable(status: ReturnStatus): boolean {
  return EDITABLE.includes(status);
}

/** Server-side guard: a submitted or accepted return is frozen whatever the page showed. */
export function assertEditable(status: ReturnStatus): void {
  if (!isEditable(status)) {
    throw new Conflict(
      status === 'submitted'
        ? 'This return has been submitted and cannot be changed unless the contract manager returns it'
        : 'This return has been accepted and can no longer be changed',
    );
  }
}
