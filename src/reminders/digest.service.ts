import { formatDate, isoDate, ukToday } from '../format.js';
import { standardName } from '../frameworks/names.js';
import { pathTo, paths } from '../paths.js';
import { currentRequestId } from '../request-context.js';
import { SERVICE_NAME } from '../view-locals.js';
import { digestEmail } from './emails.js';
import type { EnqueueDeps } from './enqueue.service.js';
import {
  findOverdueReturnsByManager,
  insertEmailsWithAudit,
  type NewEmail,
  type OverdueReturnRow,
} from './queries.js';

// The weekly digest (DIGEST_ENABLED, JOBS_DIGEST_CRON): one email to each contract manager listing
// the overdue returns on their contracts. Keyed digest:<manager>:<UK date>, so a re-run the same day
// writes nothing new.

export interface DigestCounts {
  digestsQueued: number;
  overdueReturns: number;
}

export async function enqueueDigests(deps: EnqueueDeps, now: Date): Promise<DigestCounts> {
  const today = ukToday(now);
  const rows = await findOverdueReturnsByManager(deps.prisma, today);
  const byManager = new Map<string, OverdueReturnRow[]>();
  for (const row of rows) {
    const list = byManager.get(row.managerId) ?? [];
    list.push(row);
    byManager.set(row.managerId, list);
  }
  const emails: NewEmail[] = [...byManager.entries()].map(([managerId, lines]) => {
    const first = lines[0];
    const rendered = digestEmail({
      recipientName: first?.managerName ?? '',
      today,
      lines: lines.map((line) => ({
        providerName: line.providerName,
        standardName: standardName(line.frameworkName, line.versionCode),
        periodLabel: line.periodLabel,
        dueDate: new Date(`${line.dueDate}T00:00:00Z`),
        returnUrl: deps.config.publicBaseUrl + pathTo(paths.returns.show, { returnId: line.returnId }),
      })),
      serviceName: SERVICE_NAME,
      organisationName: deps.config.organisationName,
    });
    return {
      idempotencyKey: `digest:${managerId}:${isoDate(today)}`,
      returnId: null,
      stage: `digest ${formatDate(today)}`,
      dueDate: null,
      toAddress: first?.managerEmail ?? '',
      ccAddresses: [],
      subject: rendered.subject,
      textBody: rendered.text,
      htmlBody: rendered.html,
      nextAttemptAt: now.toISOString(),
      createdAt: now.toISOString(),
    };
  });
  const queued = await deps.prisma.$transaction((tx) =>
    insertEmailsWithAudit(tx, emails, { action: 'digest.queued', requestId: currentRequestId() ?? null }),
  );
  return { digestsQueued: queued.length, overdueReturns: rows.length };
}
