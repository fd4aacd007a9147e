import { digestAtSend } from '../actions/action-chasers.js';
import { expandEmailLinks } from '../auth/email-links.js';
import { nextAttemptAt } from '../backoff.js';
import type { Config } from '../config.js';
import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { deliveryError, MailDeliveryError, type Mailer } from '../mail/mailer.js';
import { currentRequestId } from '../request-context.js';
import { isChased } from './ladder.js';
import {
  claimEmails,
  markFinished,
  markForRetry,
  markSent,
  releaseClaim,
  rewriteClaimedEmail,
  type ClaimedEmail,
} from './queries.js';

// Delivers the outbox. A sender claims due rows with a lease (FOR UPDATE SKIP LOCKED: two senders
// never take the same row), sends each through the mailer and records the outcome at once:
//   accepted by the server       -> sent (straight away, to keep the window below as small as can be)
//   refused with a 5xx reply     -> failed, keeping the server's reply
//   anything else                -> pending again, next attempt after an exponential back-off;
//                                   failed after the last attempt
// A row whose sender crashed stays 'sending' until its lease runs out, then any sender claims it again.
//
// Delivery is at-least-once, not exactly-once, in one case only: a sender that dies (or loses its
// database connection) after the SMTP server accepted an email but before the row is marked sent will
// send that email again when the lease runs out. The resend carries the same Message-ID, so mail
// programs can recognise it. Chasers are never written twice (the idempotency key), and a row is never
// lost: it is pending, sending with a lease, or finished.
//
// Shut-down (the signal) stops the sender between emails: an email being handed to the SMTP server
// finishes and is recorded; the rest of the batch goes back to pending untouched, for the next run.

export interface SenderDeps {
  prisma: Db;
  mailer: Mailer;
  config: Pick<Config, 'mail' | 'publicBaseUrl'>;
  logger: Logger;
  clock: () => Date;
  /** Writes single-use links into emails as they go out (they are never stored: email-links.ts). */
  sessionSecret: string;
}

export interface SendCounts {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  cancelled: number;
  /** Outcomes not recorded because another sender had re-claimed the row (this one was too slow). */
  lostLease: number;
  /** Claimed but not started before shut-down: back to pending as they were. */
  released: number;
}

export interface SendOptions {
  /** Rows claimed at a time (default 20 per SMTP connection). */
  batchSize?: number;
  /** Stop claiming new batches after this long (default 50 s, inside a one-minute schedule). */
  timeBudgetMs?: number;
  /** Aborted at shut-down: no further email is started. */
  signal?: AbortSignal;
}

/** Sends due emails until none are left (or the time budget is spent). */
export async function sendDueEmails(deps: SenderDeps, options: SendOptions = {}): Promise<SendCounts> {
  const transport = deps.config.mail.transport;
  const batchSize = options.batchSize ?? (transport.kind === 'smtp' ? transport.poolSize * 20 : 50);
  // Two emails in flight per mailer connection (one sending, one ready while the last is recorded); the
  // rest wait here, where shut-down can stop them.
  const lanes = transport.kind === 'smtp' ? transport.poolSize * 2 : 1;
  const stopAt = performance.now() + (options.timeBudgetMs ?? 50_000);
  const counts: SendCounts = {
    claimed: 0,
    sent: 0,
    retrying: 0,
    failed: 0,
    cancelled: 0,
    lostLease: 0,
    released: 0,
  };
  while (performance.now() < stopAt && !options.signal?.aborted) {
    const claimed = await claimBatch(deps, batchSize);
    if (claimed.length === 0) break;
    counts.claimed += claimed.length;
    const outcomes = await deliverBatch(deps, claimed, lanes, options.signal);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') counts[outcome.value] += 1;
      // Recording the outcome failed (the database went away): the lease brings the row back.
      else deps.logger.error({ err: outcome.reason as unknown }, 'could not record an email outcome');
    }
  }
  return counts;
}

/** Claims a batch: first rows whose sender's lease ran out, then due pending rows. */
export async function claimBatch(deps: Pick<SenderDeps, 'prisma' | 'config' | 'clock'>, limit: number) {
  const now = deps.clock();
  const leaseUntil = new Date(now.getTime() + deps.config.mail.leaseSeconds * 1000);
  const expired = await claimEmails(deps.prisma, { now, leaseUntil, limit, expiredLeases: true });
  if (expired.length >= limit) return expired;
  const due = await claimEmails(deps.prisma, {
    now,
    leaseUntil,
    limit: limit - expired.length,
    expiredLeases: false,
  });
  return [...expired, ...due];
}

type Outcome = Exclude<keyof SendCounts, 'claimed'>;

/** Delivers a batch `lanes` at a time; once `signal` is aborted, the emails not yet started are released. */
async function deliverBatch(
  deps: SenderDeps,
  rows: ClaimedEmail[],
  lanes: number,
  signal: AbortSignal | undefined,
): Promise<PromiseSettledResult<Outcome>[]> {
  const outcomes: PromiseSettledResult<Outcome>[] = [];
  let next = 0;
  const lane = async () => {
    for (let row = rows[next++]; row; row = rows[next++]) {
      const work = signal?.aborted ? release(deps, row) : deliver(deps, row);
      outcomes.push(
        await work.then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, rows.length) }, lane));
  return outcomes;
}

async function release(deps: SenderDeps, row: ClaimedEmail): Promise<Outcome> {
  const done = await releaseClaim(deps.prisma, { id: row.id, attempts: row.attempts });
  return done ? 'released' : 'lostLease';
}

/**
 * Why a chaser claimed now is no longer wanted, read at claim time (the claim statement reads the
 * return, publication or WRES and WDES returns as they are now): the return was submitted or its due
 * date moved, the publication was recorded, or every WRES or WDES return chased was submitted, after
 * the chaser was queued.
 */
function noLongerWanted(row: ClaimedEmail): string | undefined {
  if (row.publicationRecorded) {
    return 'Not sent: the publication was recorded before this email went out';
  }
  if (row.workforceSubmitted) {
    return 'Not sent: the WRES or WDES return was submitted before this email went out';
  }
  if (!row.returnId || !row.dueDate) return undefined;
  if (!row.returnStatus || !isChased(row.returnStatus)) {
    return 'Not sent: the return was submitted before this email went out';
  }
  if (row.returnDueDate !== row.dueDate) {
    return 'Not sent: the return’s due date changed before this email went out';
  }
  return undefined;
}

/** One per outbox row, the same on every attempt. */
export function messageId(row: Pick<ClaimedEmail, 'id'>, publicBaseUrl: string): string {
  return `<${row.id}@${new URL(publicBaseUrl).hostname}>`;
}

async function deliver(deps: SenderDeps, row: ClaimedEmail): Promise<Outcome> {
  const { maxAttempts, retryBaseSeconds } = deps.config.mail;
  const requestId = currentRequestId() ?? null;
  const claim = { id: row.id, attempts: row.attempts, requestId };
  const recorded = (done: boolean, outcome: Outcome): Outcome => {
    if (done) return outcome;
    deps.logger.warn({ emailId: row.id }, 'email re-claimed by another sender after this lease ran out');
    return 'lostLease';
  };

  const unwanted = noLongerWanted(row);
  if (unwanted) {
    return recorded(
      await markFinished(deps.prisma, { ...claim, status: 'cancelled', reason: unwanted }),
      'cancelled',
    );
  }
  // An overdue-actions digest lists only the actions still open and due as written (issue 14).
  const digest =
    row.actionDigest === null ? undefined : digestAtSend(row.actionDigest, row.actionStates ?? []);
  if (digest?.kind === 'cancel') {
    return recorded(
      await markFinished(deps.prisma, { ...claim, status: 'cancelled', reason: digest.reason }),
      'cancelled',
    );
  }
  let email = { subject: row.subject, textBody: row.textBody, htmlBody: row.htmlBody };
  if (digest?.kind === 'rewrite') {
    email = { subject: digest.email.subject, textBody: digest.email.text, htmlBody: digest.email.html };
    // Recorded before it is sent: nothing goes out that the outbox does not hold.
    if (!(await rewriteClaimedEmail(deps.prisma, { ...claim, ...email, reason: digest.reason })))
      return recorded(false, 'lostLease');
  }
  if (row.attempts > maxAttempts) {
    // Only a row whose senders kept dying mid-send gets here.
    const reason = `Gave up after ${maxAttempts} attempts: no sender finished sending it`;
    return recorded(await markFinished(deps.prisma, { ...claim, status: 'failed', reason }), 'failed');
  }

  let refused: string | null = null;
  try {
    const result = await deps.mailer.send({
      messageId: messageId(row, deps.config.publicBaseUrl),
      to: row.toAddress,
      cc: row.ccAddresses,
      subject: email.subject,
      text: expandEmailLinks(email.textBody, deps.sessionSecret, deps.config.publicBaseUrl),
      html: expandEmailLinks(email.htmlBody, deps.sessionSecret, deps.config.publicBaseUrl),
      headers: { 'X-Tracker-Email-Key': row.idempotencyKey },
    });
    if (result.rejected.length > 0) {
      refused = `Refused for ${result.rejected.map((entry) => `${entry.address} (${entry.reason})`).join(', ')}`;
    }
  } catch (error) {
    const failure = error instanceof MailDeliveryError ? error : deliveryError(error);
    const now = deps.clock();
    if (failure.permanent || row.attempts >= maxAttempts) {
      deps.logger.warn(
        { emailId: row.id, attempts: row.attempts, permanent: failure.permanent },
        'email failed',
      );
      return recorded(
        await markFinished(deps.prisma, { ...claim, status: 'failed', reason: failure.message }),
        'failed',
      );
    }
    deps.logger.info({ emailId: row.id, attempts: row.attempts }, 'email not sent: will retry');
    return recorded(
      await markForRetry(deps.prisma, {
        ...claim,
        nextAttemptAt: nextAttemptAt(now, row.attempts, retryBaseSeconds),
        error: failure.message,
      }),
      'retrying',
    );
  }
  return recorded(await markSent(deps.prisma, { ...claim, sentAt: deps.clock(), note: refused }), 'sent');
}
