import type { DbClient } from '../db/prisma.js';
import { isoDate } from '../format.js';
import { Prisma } from '../generated/prisma/client.js';
import type { EmailStatus, ReturnStatus } from '../generated/prisma/enums.js';

// The only file of the reminders feature that talks to the database. The outbox statements are SQL
// on purpose: INSERT ... ON CONFLICT DO NOTHING, FOR UPDATE SKIP LOCKED and the audit event written
// by the same statement as the change it records are what make sending exactly-once.

export type Tx = Prisma.TransactionClient;

const CHASED_STATUSES = ['not_started', 'in_progress', 'returned'];

// ---------------------------------------------------------------------------------------------
// Enqueueing chasers

export interface ChasedReturnRow {
  id: string;
  status: ReturnStatus;
  dueDate: Date;
  providerId: string;
  providerName: string;
  periodLabel: string;
  frameworkName: string;
  versionCode: string;
  managerName: string;
  managerEmail: string;
  managerActive: boolean;
}

/**
 * The next `limit` returns after `after` (by id) that are still owed by an active provider and due
 * on or before `horizon`, locked FOR SHARE until the transaction ends: a submission waits for the
 * batch, so a chaser is never written for a return already submitted.
 */
export async function lockChasedReturns(
  tx: Tx,
  options: { after: string; horizon: Date; limit: number },
): Promise<ChasedReturnRow[]> {
  const rows = await tx.$queryRaw<(Omit<ChasedReturnRow, 'dueDate'> & { dueDate: string })[]>`
    SELECT r.id::text AS "id", r.status::text AS "status", to_char(r.due_date, 'YYYY-MM-DD') AS "dueDate",
           r.provider_id::text AS "providerId", p.name AS "providerName", pe.label AS "periodLabel",
           f.name AS "frameworkName", fv.code AS "versionCode",
           m.display_name AS "managerName", m.email AS "managerEmail", m.active AS "managerActive"
    FROM returns r
    JOIN providers p ON p.id = r.provider_id AND p.active
    JOIN contracts c ON c.id = r.contract_id
    JOIN users m ON m.id = c.contract_manager_id
    JOIN reporting_periods pe ON pe.id = r.period_id
    JOIN framework_versions fv ON fv.id = r.framework_version_id
    JOIN frameworks f ON f.id = fv.framework_id
    WHERE r.status::text = ANY(${CHASED_STATUSES}::text[])
      AND r.due_date <= ${isoDate(options.horizon)}::date
      AND r.id > ${options.after}::uuid
    ORDER BY r.id
    LIMIT ${options.limit}
    FOR SHARE OF r`;
  return rows.map((row) => ({ ...row, dueDate: new Date(`${row.dueDate}T00:00:00Z`) }));
}

export interface LeadRow {
  providerId: string;
  email: string;
  displayName: string;
}

/** Active leads of the providers, by email (contributors are not chased: a lead submits). */
export function findLeadsOfProviders(tx: Tx, providerIds: string[]): Promise<LeadRow[]> {
  return tx.$queryRaw<LeadRow[]>`
    SELECT m.provider_id::text AS "providerId", u.email, u.display_name AS "displayName"
    FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.provider_id = ANY(${providerIds}::uuid[]) AND m.role = 'lead' AND u.active AND u.role = 'provider_lead'
    ORDER BY lower(u.email)`;
}

export interface ManagerRow {
  providerId: string;
  email: string;
  displayName: string;
}

/**
 * The active contract managers of the providers' contracts in force on `today`: copied into a
 * publication's escalated chaser, as a return's contract manager is into its own.
 */
export function findContractManagersOfProviders(
  tx: Tx,
  providerIds: string[],
  today: Date,
): Promise<ManagerRow[]> {
  return tx.$queryRaw<ManagerRow[]>`
    SELECT DISTINCT c.provider_id::text AS "providerId", u.email, u.display_name AS "displayName"
    FROM contracts c JOIN users u ON u.id = c.contract_manager_id
    WHERE c.provider_id = ANY(${providerIds}::uuid[]) AND u.active
      AND c.start_date <= ${isoDate(today)}::date
      AND (c.end_date IS NULL OR c.end_date >= ${isoDate(today)}::date)
    ORDER BY "providerId", u.email`;
}

/** Which of these idempotency keys are already in the outbox. */
export async function findExistingKeys(tx: Tx, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await tx.$queryRaw<{ key: string }[]>`
    SELECT idempotency_key AS "key" FROM outbox_emails WHERE idempotency_key = ANY(${keys}::text[])`;
  return rows.map((row) => row.key);
}

export interface NewEmail {
  idempotencyKey: string;
  returnId: string | null;
  stage: string | null;
  dueDate: string | null;
  toAddress: string;
  ccAddresses: string[];
  subject: string;
  textBody: string;
  htmlBody: string;
  /** ISO timestamps from the job's clock: when the decision was taken, and the first try. */
  nextAttemptAt: string;
  createdAt: string;
  /** A chaser for an overdue publication: the one it chases (the sender re-checks it). */
  publication?: PublicationSubject;
  /** A chaser for WRES or WDES returns: the provider, data year and standards (the sender re-checks them). */
  workforce?: WorkforceSubject;
  /** An overdue-actions digest: what it was written from (the sender re-checks its actions). */
  actionDigest?: Prisma.InputJsonValue;
}

export interface PublicationSubject {
  providerId: string;
  obligationCode: string;
  year: number;
}

export interface WorkforceSubject {
  providerId: string;
  year: number;
  standards: string[];
}

/** An email to one person about no return (sign-in links, invitations, access added), queued now. */
export function personalEmail(
  idempotencyKey: string,
  toAddress: string,
  email: { subject: string; text: string; html: string },
  now: Date,
): NewEmail {
  return {
    idempotencyKey,
    returnId: null,
    stage: null,
    dueDate: null,
    toAddress,
    ccAddresses: [],
    subject: email.subject,
    textBody: email.text,
    htmlBody: email.html,
    nextAttemptAt: now.toISOString(),
    createdAt: now.toISOString(),
  };
}

export interface QueuedEmail {
  id: string;
  idempotencyKey: string;
}

/**
 * Writes the emails to the outbox, skipping any whose idempotency key is already there (a re-run,
 * another instance, a crash and restart), and an audit event for each email actually written, in
 * one statement: the audit can never disagree with the outbox.
 */
export async function insertEmailsWithAudit(
  tx: Tx,
  emails: NewEmail[],
  audit: { action: string; requestId: string | null },
): Promise<QueuedEmail[]> {
  if (emails.length === 0) return [];
  const rows = emails.map(({ publication, workforce, actionDigest, ...email }) => ({
    ...email,
    actionDigest: actionDigest ?? null,
    publicationProviderId: publication?.providerId ?? null,
    publicationObligationCode: publication?.obligationCode ?? null,
    publicationYear: publication?.year ?? null,
    workforceProviderId: workforce?.providerId ?? null,
    workforceYear: workforce?.year ?? null,
    workforceStandards: workforce?.standards ?? [],
  }));
  return tx.$queryRaw<QueuedEmail[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
        "idempotencyKey" text, "returnId" uuid, "stage" text, "dueDate" date, "toAddress" text,
        "ccAddresses" text[], "subject" text, "textBody" text, "htmlBody" text, "nextAttemptAt" timestamptz,
        "createdAt" timestamptz, "publicationProviderId" uuid, "publicationObligationCode" text,
        "publicationYear" integer, "workforceProviderId" uuid, "workforceYear" integer,
        "workforceStandards" text[], "actionDigest" jsonb)
    ), inserted AS (
      INSERT INTO outbox_emails (idempotency_key, return_id, stage, due_date, to_address, cc_addresses,
                                 subject, text_body, html_body, next_attempt_at, created_at,
                                 publication_provider_id, publication_obligation_code, publication_year,
                                 workforce_provider_id, workforce_year, workforce_standards, action_digest)
      SELECT "idempotencyKey", "returnId", "stage", "dueDate", "toAddress", "ccAddresses",
             "subject", "textBody", "htmlBody", "nextAttemptAt", "createdAt",
             "publicationProviderId", "publicationObligationCode", "publicationYear",
             "workforceProviderId", "workforceYear", "workforceStandards", "actionDigest"
      FROM input
      ORDER BY "idempotencyKey"
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, idempotency_key, return_id, stage, due_date, to_address, cc_addresses, subject
    ), audited AS (
      INSERT INTO audit_events (action, entity_type, entity_id, return_id, after, request_id)
      SELECT ${audit.action}, 'outbox_email', id::text, return_id,
             jsonb_build_object('stage', stage, 'dueDate', to_char(due_date, 'YYYY-MM-DD'), 'to', to_address,
                                'cc', to_jsonb(cc_addresses), 'subject', subject, 'status', 'pending'),
             ${audit.requestId}
      FROM inserted
    )
    SELECT id::text AS "id", idempotency_key AS "idempotencyKey" FROM inserted`;
}

// ---------------------------------------------------------------------------------------------
// Sending

export interface ClaimedEmail {
  id: string;
  idempotencyKey: string;
  returnId: string | null;
  toAddress: string;
  ccAddresses: string[];
  subject: string;
  textBody: string;
  htmlBody: string;
  /** Including this attempt. */
  attempts: number;
  /** The due date a chaser was written against, and the return as it is now. */
  dueDate: string | null;
  returnStatus: ReturnStatus | null;
  returnDueDate: string | null;
  /** A publication chaser: whether its publication has been recorded since (null for other emails). */
  publicationRecorded: boolean | null;
  /** A WRES or WDES chaser: whether every return it chases has been submitted since (null for others). */
  workforceSubmitted: boolean | null;
  /** An overdue-actions digest as written (null for other emails), and its actions as they are now. */
  actionDigest: unknown;
  actionStates: ActionState[] | null;
}

/** An action listed in a digest as it is when the digest is sent (a deleted one is missing). */
export interface ActionState {
  id: string;
  status: string;
  dueDate: string | null;
}

// A Prisma.sql fragment is spliced into the statement, not sent as a parameter.
const CLAIMED_COLUMNS = Prisma.sql`
  o.id::text AS "id", o.idempotency_key AS "idempotencyKey", o.return_id::text AS "returnId",
  o.to_address AS "toAddress", o.cc_addresses AS "ccAddresses", o.subject, o.text_body AS "textBody",
  o.html_body AS "htmlBody", o.attempts, to_char(o.due_date, 'YYYY-MM-DD') AS "dueDate",
  (SELECT r.status::text FROM returns r WHERE r.id = o.return_id) AS "returnStatus",
  (SELECT to_char(r.due_date, 'YYYY-MM-DD') FROM returns r WHERE r.id = o.return_id) AS "returnDueDate",
  CASE WHEN o.publication_provider_id IS NULL THEN NULL ELSE EXISTS (
    SELECT 1 FROM publications p
     WHERE p.provider_id = o.publication_provider_id AND p.obligation_code = o.publication_obligation_code
       AND p.year = o.publication_year) END AS "publicationRecorded",
  CASE WHEN o.workforce_provider_id IS NULL THEN NULL ELSE NOT EXISTS (
    SELECT 1 FROM unnest(o.workforce_standards) AS s(code)
     WHERE NOT EXISTS (
       SELECT 1 FROM workforce_returns w
        WHERE w.provider_id = o.workforce_provider_id AND w.standard_code = s.code
          AND w.year = o.workforce_year AND NOT (w.status::text = ANY(${CHASED_STATUSES}::text[]))))
  END AS "workforceSubmitted",
  o.action_digest AS "actionDigest",
  CASE WHEN o.action_digest IS NULL THEN NULL ELSE COALESCE((
    SELECT jsonb_agg(jsonb_build_object('id', a.id::text, 'status', a.status::text,
                                        'dueDate', to_char(a.due_date, 'YYYY-MM-DD')))
      FROM actions a
     WHERE a.id::text IN (SELECT listed->>'id' FROM jsonb_array_elements(o.action_digest->'actions') AS listed)),
    '[]'::jsonb) END AS "actionStates"`;

/**
 * Claims up to `limit` emails for one sender: due pending rows, and rows whose sender's lease ran out
 * (it crashed, or hung). SKIP LOCKED means two senders never claim the same row; the lease means a
 * crashed sender's rows come back. Each claim counts as an attempt.
 */
export async function claimEmails(
  db: DbClient,
  options: { now: Date; leaseUntil: Date; limit: number; expiredLeases: boolean },
): Promise<ClaimedEmail[]> {
  const { now, leaseUntil, limit } = options;
  return options.expiredLeases
    ? db.$queryRaw<ClaimedEmail[]>`
        UPDATE outbox_emails o
        SET status = 'sending', lease_expires_at = ${leaseUntil}::timestamptz, attempts = o.attempts + 1,
            last_attempt_at = ${now}::timestamptz
        WHERE o.id IN (
          SELECT id FROM outbox_emails
          WHERE status = 'sending' AND lease_expires_at < ${now}::timestamptz
          ORDER BY lease_expires_at, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING ${CLAIMED_COLUMNS}`
    : db.$queryRaw<ClaimedEmail[]>`
        UPDATE outbox_emails o
        SET status = 'sending', lease_expires_at = ${leaseUntil}::timestamptz, attempts = o.attempts + 1,
            last_attempt_at = ${now}::timestamptz
        WHERE o.id IN (
          SELECT id FROM outbox_emails
          WHERE status = 'pending' AND next_attempt_at <= ${now}::timestamptz
          ORDER BY next_attempt_at, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING ${CLAIMED_COLUMNS}`;
}

interface Outcome {
  id: string;
  /** The attempt that was claimed: if another sender has re-claimed the row since, nothing changes. */
  attempts: number;
  requestId: string | null;
}

/** Marks a claimed email sent (with any recipients the server refused) and audits it, in one statement. */
export async function markSent(
  db: DbClient,
  outcome: Outcome & { sentAt: Date; note: string | null },
): Promise<boolean> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH updated AS (
      UPDATE outbox_emails
      SET status = 'sent', sent_at = ${outcome.sentAt}::timestamptz, lease_expires_at = NULL,
          last_error = ${outcome.note}
      WHERE id = ${outcome.id}::uuid AND status = 'sending' AND attempts = ${outcome.attempts}
      RETURNING id, return_id, to_address, cc_addresses, attempts, sent_at
    ), audited AS (
      INSERT INTO audit_events (action, entity_type, entity_id, return_id, before, after, request_id)
      SELECT 'email.sent', 'outbox_email', id::text, return_id, jsonb_build_object('status', 'sending'),
             jsonb_build_object('status', 'sent', 'to', to_address, 'cc', to_jsonb(cc_addresses),
                                'attempts', attempts, 'sentAt', sent_at, 'refused', ${outcome.note}::text),
             ${outcome.requestId}
      FROM updated
    )
    SELECT id::text AS "id" FROM updated`;
  return rows.length === 1;
}

/**
 * Writes a claimed email again just before it is sent (a digest some of whose actions were closed
 * since it was queued), so the outbox holds what went out, and audits it with the reason.
 */
export async function rewriteClaimedEmail(
  db: DbClient,
  outcome: Outcome & { subject: string; textBody: string; htmlBody: string; reason: string },
): Promise<boolean> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH before AS (
      SELECT id, subject FROM outbox_emails
       WHERE id = ${outcome.id}::uuid AND status = 'sending' AND attempts = ${outcome.attempts}
    ), updated AS (
      UPDATE outbox_emails o
      SET subject = ${outcome.subject}, text_body = ${outcome.textBody}, html_body = ${outcome.htmlBody}
      FROM before
      WHERE o.id = before.id
      RETURNING o.id, o.return_id, before.subject AS old_subject, o.subject
    ), audited AS (
      INSERT INTO audit_events (action, entity_type, entity_id, return_id, before, after, request_id)
      SELECT 'email.rewritten', 'outbox_email', id::text, return_id, jsonb_build_object('subject', old_subject),
             jsonb_build_object('subject', subject, 'reason', ${outcome.reason}::text), ${outcome.requestId}
      FROM updated
    )
    SELECT id::text AS "id" FROM updated`;
  return rows.length === 1;
}

/** Puts a claimed email back to wait for its next attempt, keeping the error. */
export async function markForRetry(
  db: DbClient,
  outcome: Outcome & { nextAttemptAt: Date; error: string },
): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE outbox_emails
    SET status = 'pending', next_attempt_at = ${outcome.nextAttemptAt}::timestamptz, lease_expires_at = NULL,
        last_error = ${outcome.error}
    WHERE id = ${outcome.id}::uuid AND status = 'sending' AND attempts = ${outcome.attempts}`;
  return count === 1;
}

/** Hands back a claimed email that was never started (shut-down): pending again, the attempt not counted. */
export async function releaseClaim(db: DbClient, claim: Pick<Outcome, 'id' | 'attempts'>): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE outbox_emails
    SET status = 'pending', lease_expires_at = NULL, attempts = attempts - 1
    WHERE id = ${claim.id}::uuid AND status = 'sending' AND attempts = ${claim.attempts}`;
  return count === 1;
}

/** Ends a claimed email as failed or cancelled, keeping the reason, and audits it. */
export async function markFinished(
  db: DbClient,
  outcome: Outcome & { status: Extract<EmailStatus, 'failed' | 'cancelled'>; reason: string },
): Promise<boolean> {
  const action = outcome.status === 'failed' ? 'email.failed' : 'email.cancelled';
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH updated AS (
      UPDATE outbox_emails
      SET status = ${outcome.status}::email_status, lease_expires_at = NULL, last_error = ${outcome.reason}
      WHERE id = ${outcome.id}::uuid AND status = 'sending' AND attempts = ${outcome.attempts}
      RETURNING id, return_id, to_address, attempts
    ), audited AS (
      INSERT INTO audit_events (action, entity_type, entity_id, return_id, before, after, request_id)
      SELECT ${action}, 'outbox_email', id::text, return_id, jsonb_build_object('status', 'sending'),
             jsonb_build_object('status', ${outcome.status}::text, 'to', to_address, 'attempts', attempts,
                                'reason', ${outcome.reason}::text),
             ${outcome.requestId}
      FROM updated
    )
    SELECT id::text AS "id" FROM updated`;
  return rows.length === 1;
}

// ---------------------------------------------------------------------------------------------
// Pages

const emailSelect = {
  id: true,
  returnId: true,
  stage: true,
  toAddress: true,
  ccAddresses: true,
  subject: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lastAttemptAt: true,
  sentAt: true,
  lastError: true,
  createdAt: true,
} as const;

/** Every email about a return, oldest first: its chase history. */
export function findEmailsOfReturn(db: DbClient, returnId: string) {
  return db.outboxEmail.findMany({
    where: { returnId },
    select: emailSelect,
    orderBy: [{ createdAt: 'asc' }, { toAddress: 'asc' }],
  });
}

const emailWithReturnSelect = {
  ...emailSelect,
  return: {
    select: {
      id: true,
      provider: { select: { name: true } },
      period: { select: { label: true } },
      frameworkVersion: { select: { code: true, framework: { select: { name: true } } } },
      contract: { select: { contractManagerId: true } },
    },
  },
} as const;

/** Emails in a state, most recently tried first (at most `limit`). */
export function findEmailsByStatus(db: DbClient, statuses: EmailStatus[], limit: number) {
  return db.outboxEmail.findMany({
    where: { status: { in: statuses } },
    select: emailWithReturnSelect,
    orderBy: [{ lastAttemptAt: { sort: 'desc', nulls: 'last' } }, { createdAt: 'desc' }],
    take: limit,
  });
}

export async function countEmailsByStatus(db: DbClient): Promise<Record<EmailStatus, number>> {
  const groups = await db.outboxEmail.groupBy({ by: ['status'], _count: { _all: true } });
  const counts: Record<EmailStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 };
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}

export function findEmail(db: DbClient, emailId: string) {
  return db.outboxEmail.findUnique({ where: { id: emailId }, select: emailSelect });
}

/** A failed email back to pending with a fresh set of attempts; false if it is not failed (any more). */
export async function requeueFailedEmail(tx: Tx, emailId: string, now: Date): Promise<boolean> {
  const result = await tx.outboxEmail.updateMany({
    where: { id: emailId, status: 'failed' },
    data: { status: 'pending', attempts: 0, nextAttemptAt: now, leaseExpiresAt: null },
  });
  return result.count === 1;
}

// ---------------------------------------------------------------------------------------------
// Digest

export interface OverdueReturnRow {
  managerId: string;
  managerName: string;
  managerEmail: string;
  returnId: string;
  providerName: string;
  periodLabel: string;
  frameworkName: string;
  versionCode: string;
  dueDate: string;
}

/** Overdue returns of active providers, by active contract manager, most overdue first. */
export function findOverdueReturnsByManager(db: DbClient, today: Date): Promise<OverdueReturnRow[]> {
  return db.$queryRaw<OverdueReturnRow[]>`
    SELECT m.id::text AS "managerId", m.display_name AS "managerName", m.email AS "managerEmail",
           r.id::text AS "returnId", p.name AS "providerName", pe.label AS "periodLabel",
           f.name AS "frameworkName", fv.code AS "versionCode", to_char(r.due_date, 'YYYY-MM-DD') AS "dueDate"
    FROM returns r
    JOIN providers p ON p.id = r.provider_id AND p.active
    JOIN contracts c ON c.id = r.contract_id
    JOIN users m ON m.id = c.contract_manager_id AND m.active
    JOIN reporting_periods pe ON pe.id = r.period_id
    JOIN framework_versions fv ON fv.id = r.framework_version_id
    JOIN frameworks f ON f.id = fv.framework_id
    WHERE r.status::text = ANY(${CHASED_STATUSES}::text[]) AND r.due_date < ${isoDate(today)}::date
    ORDER BY m.id, r.due_date, p.name, f.name`;
}
