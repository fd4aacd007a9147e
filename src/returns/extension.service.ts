import { recordAudit } from '../audit/audit.js';
import { assertCommissionerEditor } from '../auth/access.js';
import type { Db } from '../db/prisma.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { formatDate, isoDate } from '../format.js';
import type { CurrentUser } from '../auth/current-user.js';
import { extendReturn, findReturnForExtension } from './queries.js';
import type { ExtensionInput } from './schemas.js';

// A contract manager (or an administrator) can agree a later due date for one return. The original
// due date is kept, so reports can show which returns were extended.

function assertExtendable(status: ReturnStatus): void {
  if (status === 'accepted') {
    throw new Conflict('This return has been accepted, so its due date can no longer be extended');
  }
}

export async function getReturnForExtension(prisma: Db, user: CurrentUser, returnId: string) {
  assertCommissionerEditor(user);
  const found = await findReturnForExtension(prisma, returnId);
  if (!found) throw new NotFound();
  assertExtendable(found.status);
  return found;
}

export async function agreeExtension(prisma: Db, user: CurrentUser, returnId: string, input: ExtensionInput) {
  assertCommissionerEditor(user);
  return prisma.$transaction(async (tx) => {
    const before = await findReturnForExtension(tx, returnId);
    if (!before) throw new NotFound();
    assertExtendable(before.status);
    if (input.dueDate <= before.dueDate) {
      throw new ValidationFailed({
        dueDate: `New due date must be after the current due date, ${formatDate(before.dueDate)}`,
      });
    }
    const change = { dueDate: input.dueDate, extensionReason: input.reason };
    if (!(await extendReturn(tx, returnId, before.version, change))) {
      throw new Conflict(
        'Someone else changed this return while you were working on it. Reload the page and try again.',
      );
    }
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.extension_agreed',
      entityType: 'return',
      entityId: returnId,
      returnId,
      before: {
        dueDate: isoDate(before.dueDate),
        originalDueDate: isoDate(before.originalDueDate),
        extensionReason: before.extensionReason,
      },
      after: {
        dueDate: isoDate(change.dueDate),
        originalDueDate: isoDate(before.originalDueDate),
        extensionReason: change.extensionReason,
      },
    });
    return before.period;
  });
}
