import type { DbClient } from '../db/prisma.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';

// The Prisma calls of the commissioner's "needs attention" panel (src/home/attention.ts), across
// every period: a handful of counts, each one indexed query (returns by status and due date).

export interface AttentionCountsInput {
  today: Date;
  dueSoonUntil: Date;
  awaitingProvider: ReturnStatus[];
  /** The contract manager whose own submitted returns are counted apart (undefined: nobody's). */
  contractManagerId: string | undefined;
}

export async function findAttentionCounts(db: DbClient, input: AttentionCountsInput) {
  const owed = { status: { in: input.awaitingProvider } };
  const [
    overdue,
    oldestOverdue,
    submitted,
    oldestSubmitted,
    mine,
    oldestMine,
    dueSoon,
    returned,
    failedEmails,
  ] = await Promise.all([
    db.return.count({ where: { ...owed, dueDate: { lt: input.today } } }),
    db.return.findFirst({
      where: { ...owed, dueDate: { lt: input.today } },
      select: { dueDate: true },
      orderBy: { dueDate: 'asc' },
    }),
    db.return.count({ where: { status: 'submitted' } }),
    db.return.findFirst({
      where: { status: 'submitted' },
      select: { submittedAt: true },
      orderBy: { submittedAt: 'asc' },
    }),
    input.contractManagerId
      ? db.return.count({
          where: { status: 'submitted', contract: { contractManagerId: input.contractManagerId } },
        })
      : Promise.resolve(0),
    input.contractManagerId
      ? db.return.findFirst({
          where: { status: 'submitted', contract: { contractManagerId: input.contractManagerId } },
          select: { submittedAt: true },
          orderBy: { submittedAt: 'asc' },
        })
      : Promise.resolve(null),
    db.return.count({ where: { ...owed, dueDate: { gte: input.today, lte: input.dueSoonUntil } } }),
    db.return.count({ where: { status: 'returned' } }),
    db.outboxEmail.count({ where: { status: 'failed' } }),
  ]);
  return {
    overdue,
    oldestOverdueDue: oldestOverdue?.dueDate,
    submitted,
    oldestSubmittedAt: oldestSubmitted?.submittedAt ?? undefined,
    mine,
    oldestMineSubmittedAt: oldestMine?.submittedAt ?? undefined,
    dueSoon,
    returned,
    failedEmails,
  };
}
