import type { Config } from '../config.js';
import type { Db } from '../db/prisma.js';
import { isoDate, ukToday } from '../format.js';
import { standardName } from '../frameworks/names.js';
import { pathTo, paths } from '../paths.js';
import { currentRequestId } from '../request-context.js';
import { SERVICE_NAME } from '../view-locals.js';
import { chaserEmail } from './emails.js';
import { earliestRung, stageFor } from './ladder.js';
import {
  findExistingKeys,
  findLeadsOfProviders,
  insertEmailsWithAudit,
  lockChasedReturns,
  type ChasedReturnRow,
  type LeadRow,
  type NewEmail,
} from './queries.js';

// Decides which chasers are due today and writes them to the outbox: one transaction per batch of
// returns, holding the decision (the returns, locked FOR SHARE), the outbox rows and their audit
// events together. The idempotency key chaser:<return>:<stage>@<due date>:<recipient> with
// ON CONFLICT DO NOTHING makes the job safe to run again, on two instances at once, or after a crash.

const DAY_MS = 86_400_000;
const NO_ID = '00000000-0000-0000-0000-000000000000';

export interface EnqueueCounts {
  returnsChecked: number;
  chasersQueued: number;
  /** Already in the outbox from an earlier run. */
  alreadyQueued: number;
  /** Due a chaser but with no active provider lead to send it to (and not yet escalated). */
  returnsWithoutLeads: number;
}

export interface EnqueueDeps {
  prisma: Db;
  config: Pick<Config, 'publicBaseUrl' | 'organisationName' | 'reminders'>;
}

export function chaserKey(returnId: string, stageKey: string, recipient: string): string {
  return `chaser:${returnId}:${stageKey}:${recipient.toLowerCase()}`;
}

export async function enqueueChasers(
  deps: EnqueueDeps,
  now: Date,
  options: { batchSize?: number } = {},
): Promise<EnqueueCounts> {
  const batchSize = options.batchSize ?? 500;
  const today = ukToday(now);
  const { ladder } = deps.config.reminders;
  // Returns due further ahead than the first rung cannot be chased yet.
  const horizon = new Date(today.getTime() - earliestRung(ladder) * DAY_MS);
  const counts: EnqueueCounts = {
    returnsChecked: 0,
    chasersQueued: 0,
    alreadyQueued: 0,
    returnsWithoutLeads: 0,
  };
  let after = NO_ID;
  for (;;) {
    const batch = await deps.prisma.$transaction(async (tx) => {
      const returns = await lockChasedReturns(tx, { after, horizon, limit: batchSize });
      if (returns.length === 0) return undefined;
      const leads = await findLeadsOfProviders(tx, [...new Set(returns.map((row) => row.providerId))]);
      const { chasers, withoutLeads } = chasersFor(deps, returns, groupLeads(leads), now, today);
      // Emails are written (rendered) only for keys not already in the outbox; ON CONFLICT DO
      // NOTHING still decides if another run writes the same key meanwhile.
      const existing = new Set(
        await findExistingKeys(
          tx,
          chasers.map((chaser) => chaser.key),
        ),
      );
      const emails = chasers.filter((chaser) => !existing.has(chaser.key)).map((chaser) => chaser.write());
      const queued = await insertEmailsWithAudit(tx, emails, {
        action: 'chaser.queued',
        requestId: currentRequestId() ?? null,
      });
      return { returns, emails: chasers.length, queued: queued.length, withoutLeads };
    });
    if (!batch) break;
    counts.returnsChecked += batch.returns.length;
    counts.chasersQueued += batch.queued;
    counts.alreadyQueued += batch.emails - batch.queued;
    counts.returnsWithoutLeads += batch.withoutLeads;
    const last = batch.returns.at(-1);
    if (!last || batch.returns.length < batchSize) break;
    after = last.id;
  }
  return counts;
}

function groupLeads(leads: LeadRow[]): Map<string, LeadRow[]> {
  const byProvider = new Map<string, LeadRow[]>();
  for (const lead of leads) {
    const list = byProvider.get(lead.providerId) ?? [];
    list.push(lead);
    byProvider.set(lead.providerId, list);
  }
  return byProvider;
}

/** A chaser due: its idempotency key, and the email, written only if the key is new. */
interface Chaser {
  key: string;
  write: () => NewEmail;
}

/**
 * One email per provider lead for each return with a stage due today, the contract manager copied in
 * from the escalation rung. A provider with no active lead is not chased until escalation, when the
 * contract manager gets the chaser instead (someone has to act).
 */
function chasersFor(
  deps: EnqueueDeps,
  returns: ChasedReturnRow[],
  leadsByProvider: Map<string, LeadRow[]>,
  now: Date,
  today: Date,
): { chasers: Chaser[]; withoutLeads: number } {
  const chasers: Chaser[] = [];
  let withoutLeads = 0;
  for (const row of returns) {
    const stage = stageFor(deps.config.reminders.ladder, row, today);
    if (!stage) continue;
    const manager = row.managerActive ? { name: row.managerName, email: row.managerEmail } : undefined;
    const leads = leadsByProvider.get(row.providerId) ?? [];
    const recipients = leads.map((lead) => ({ name: lead.displayName, email: lead.email }));
    if (recipients.length === 0) {
      withoutLeads += 1;
      if (stage.escalated && manager) recipients.push(manager);
    }
    for (const recipient of recipients) {
      const copyManager =
        stage.escalated && manager && manager.email.toLowerCase() !== recipient.email.toLowerCase();
      const key = chaserKey(row.id, stage.key, recipient.email);
      chasers.push({
        key,
        write: () => {
          const rendered = chaserEmail({
            recipientName: recipient.name,
            providerName: row.providerName,
            standardName: standardName(row.frameworkName, row.versionCode),
            periodLabel: row.periodLabel,
            dueDate: row.dueDate,
            today,
            returnedForChanges: row.status === 'returned',
            escalatedTo: copyManager ? { name: manager.name } : undefined,
            returnUrl: deps.config.publicBaseUrl + pathTo(paths.returns.show, { returnId: row.id }),
            serviceName: SERVICE_NAME,
            organisationName: deps.config.organisationName,
          });
          return {
            idempotencyKey: key,
            returnId: row.id,
            stage: stage.key,
            dueDate: isoDate(row.dueDate),
            toAddress: recipient.email,
            ccAddresses: copyManager ? [manager.email] : [],
            subject: rendered.subject,
            textBody: rendered.text,
            htmlBody: rendered.html,
            nextAttemptAt: now.toISOString(),
            createdAt: now.toISOString(),
          };
        },
      });
    }
  }
  return { chasers, withoutLeads };
}
