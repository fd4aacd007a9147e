import { recordAudit } from '../audit/audit.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DataDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { isoDate } from '../format.js';
import { needsGradingRecord } from './grading.js';
import {
  findGradingRecord,
  lockReturn,
  saveGradingRecord,
  type GradingData,
  type GradingRecordRow,
  type ReturnRow,
} from './queries.js';
import { assertEditable } from './rules.js';
import { editableReturn, startReturn, summarise } from './returns.service.js';

// Issue 14: the "Who graded the return" step of an EDS return. The provider's people who can answer
// the return (leads and contributors) record it while the return is editable; it is required before
// submission (returns.service.ts) and shown to the reviewer and in the exports.

function assertGraded(row: ReturnRow): void {
  // Standards not graded by panels have no such step: the page does not exist for them.
  if (!needsGradingRecord(row.frameworkVersion.framework.code)) throw new NotFound();
}

export async function gradingPage({ prisma }: DataDeps, user: CurrentUser, returnId: string, now: Date) {
  const row = await editableReturn(prisma, user, returnId);
  assertGraded(row);
  return { summary: summarise(user, row, now), record: await findGradingRecord(prisma, row.id) };
}

function auditFacts(record: GradingData | GradingRecordRow | null) {
  if (!record) return null;
  return {
    firstDate: isoDate(record.firstDate),
    lastDate: record.lastDate ? isoDate(record.lastDate) : null,
    groups: record.groups.join(', '),
    howAgreed: record.howAgreed,
    dissent: record.dissent,
  };
}

export async function recordGrading(
  { prisma }: DataDeps,
  user: CurrentUser,
  returnId: string,
  input: GradingData,
  now: Date,
): Promise<void> {
  const row = await editableReturn(prisma, user, returnId);
  assertGraded(row);
  await prisma.$transaction(async (tx) => {
    const status = await lockReturn(tx, row.id);
    if (!status) throw new NotFound();
    assertEditable(status);
    const before = await findGradingRecord(tx, row.id);
    const unchanged = JSON.stringify(auditFacts(before)) === JSON.stringify(auditFacts(input));
    if (unchanged) return;
    await saveGradingRecord(tx, row.id, input, user.id, now);
    await startReturn(tx, user, row.id, now);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.grading_recorded',
      entityType: 'return',
      entityId: row.id,
      returnId: row.id,
      ...(before ? { before: auditFacts(before) ?? undefined } : {}),
      after: auditFacts(input) ?? undefined,
    });
  });
}
