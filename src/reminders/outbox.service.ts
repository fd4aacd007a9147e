import { recordAudit } from '../audit/audit.js';
import { assertCanSeeProvider, assertCommissionerEditor, permissionsFor } from '../auth/access.js';
import type { Db } from '../db/prisma.js';
import { Conflict, NotFound } from '../errors.js';
import { formatDateTime } from '../format.js';
import { standardName } from '../frameworks/names.js';
import type { EmailStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import type { TagParams } from '../returns/progress.js';
import type { CurrentUser } from '../auth/current-user.js';
import { describeStage } from './ladder.js';
import {
  countEmailsByStatus,
  findEmail,
  findEmailsByStatus,
  findEmailsOfReturn,
  requeueFailedEmail,
} from './queries.js';

// What the app shows of the outbox: a return's chase history (whoever may see the return), and the
// outbox page where administrators and contract managers see undelivered emails and retry them.

export const EMAIL_STATUS_TAGS: Record<EmailStatus, TagParams> = {
  pending: { text: 'Waiting to send', colour: 'grey' },
  sending: { text: 'Sending', colour: 'blue' },
  sent: { text: 'Sent', colour: 'green' },
  failed: { text: 'Not delivered', colour: 'red' },
  cancelled: { text: 'Not sent', colour: 'white' },
};

interface EmailRow {
  status: EmailStatus;
  attempts: number;
  nextAttemptAt: Date;
  sentAt: Date | null;
  lastError: string | null;
}

/**
 * What went wrong with an email, for its reader: staff get the mail server's own words ("550 5.1.1 ..."),
 * which are technical details; provider people get plain words, and nothing about a refused copy (the
 * contract manager's address is the commissioner's to mend). A cancellation's reason is always ours.
 */
export function deliveryProblem(email: Pick<EmailRow, 'status' | 'lastError'>, technical: boolean): string {
  if (technical || email.status === 'cancelled') return email.lastError ?? '';
  return email.status === 'failed'
    ? 'The email could not be delivered; the commissioning team can see why.'
    : '';
}

/**
 * The delivery state in words: "Sent at 7:01am on 17 March 2027", "Will try again at ...".
 */
function deliveryDetail(email: EmailRow, technical = true): string {
  switch (email.status) {
    case 'sent':
      return email.sentAt ? `Sent at ${formatDateTime(email.sentAt)}` : 'Sent';
    case 'pending':
      return email.attempts === 0
        ? 'Not tried yet'
        : `Tried ${email.attempts === 1 ? 'once' : `${email.attempts} times`}; will try again at ${formatDateTime(email.nextAttemptAt)}`;
    case 'sending':
      return 'Being sent now';
    case 'failed':
    case 'cancelled':
      return deliveryProblem(email, technical);
  }
}

export interface ChaseHistoryRow {
  queuedAt: string;
  stage: string;
  to: string;
  cc: string[];
  subject: string;
  tag: TagParams;
  detail: string;
  /** Set when the email was sent but a copy was refused (e.g. the contract manager's address). */
  note: string | undefined;
}

/**
 * Every chaser about a return: what was sent to whom and when, and where delivery stands. The return
 * as its page read it (id and provider).
 */
export async function chaseHistory(
  prisma: Db,
  user: CurrentUser,
  ret: { id: string; providerId: string },
): Promise<ChaseHistoryRow[]> {
  assertCanSeeProvider(user, ret.providerId);
  const { seeTechnicalDetails } = permissionsFor(user);
  const emails = await findEmailsOfReturn(prisma, ret.id);
  return emails.map((email) => ({
    queuedAt: formatDateTime(email.createdAt),
    stage: email.stage ? describeStage(email.stage) : 'Email',
    to: email.toAddress,
    cc: email.ccAddresses,
    subject: email.subject,
    tag: EMAIL_STATUS_TAGS[email.status],
    detail: deliveryDetail(email, seeTechnicalDetails),
    note: (email.status === 'sent' && deliveryProblem(email, seeTechnicalDetails)) || undefined,
  }));
}

const PAGE_LIMIT = 200;

/** The outbox page: counts by state, the undelivered emails and those waiting for another try. */
export async function outboxPage(prisma: Db, user: CurrentUser) {
  assertCommissionerEditor(user);
  const [counts, failed, waiting] = await Promise.all([
    countEmailsByStatus(prisma),
    findEmailsByStatus(prisma, ['failed'], PAGE_LIMIT),
    findEmailsByStatus(prisma, ['pending', 'sending'], PAGE_LIMIT),
  ]);
  const describe = (email: Awaited<ReturnType<typeof findEmailsByStatus>>[number]) => ({
    id: email.id,
    subject: email.subject,
    to: email.toAddress,
    cc: email.ccAddresses,
    attempts: email.attempts,
    lastTried: email.lastAttemptAt ? formatDateTime(email.lastAttemptAt) : 'Not tried yet',
    detail: deliveryDetail(email),
    lastError: email.lastError ?? '',
    yours: email.return?.contract.contractManagerId === user.id,
    returnLink: email.return
      ? {
          href: pathTo(paths.returns.show, { returnId: email.return.id }),
          text: `${email.return.provider.name}: ${standardName(email.return.frameworkVersion.framework.name, email.return.frameworkVersion.code)}, ${email.return.period.label}`,
        }
      : undefined,
  });
  return {
    counts,
    failed: failed.map(describe),
    // Only those that have been tried: a queue of fresh emails is normal.
    waiting: waiting.filter((email) => email.attempts > 0).map(describe),
    limit: PAGE_LIMIT,
  };
}

/** Sends a failed email again with a fresh set of attempts; audited. */
export async function retryEmail(prisma: Db, user: CurrentUser, emailId: string, now: Date): Promise<string> {
  assertCommissionerEditor(user);
  return prisma.$transaction(async (tx) => {
    const email = await findEmail(tx, emailId);
    if (!email) throw new NotFound();
    if (!(await requeueFailedEmail(tx, emailId, now))) {
      throw new Conflict(
        email.status === 'sent'
          ? 'This email has already been sent'
          : 'This email is already waiting to be sent again. Reload the outbox page.',
      );
    }
    await recordAudit(tx, {
      actorId: user.id,
      action: 'email.retry_requested',
      entityType: 'outbox_email',
      entityId: emailId,
      ...(email.returnId ? { returnId: email.returnId } : {}),
      before: { status: 'failed', attempts: email.attempts, reason: email.lastError },
      after: { status: 'pending', attempts: 0 },
    });
    return email.toAddress;
  });
}
