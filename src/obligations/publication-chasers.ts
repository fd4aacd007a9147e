import type { Caches } from '../caches.js';
import type { Config } from '../config.js';
import type { Db } from '../db/prisma.js';
import { formatDate, isoDate, ukToday } from '../format.js';
import { pathTo, paths } from '../paths.js';
import { currentRequestId } from '../request-context.js';
import {
  escapeHtml,
  FOOTNOTE_STYLE,
  htmlDocument,
  link,
  paragraph,
  plural,
  type RenderedEmail,
} from '../reminders/emails.js';
import { daysBetween, stageFor, type Stage } from '../reminders/ladder.js';
import {
  findContractManagersOfProviders,
  findExistingKeys,
  findLeadsOfProviders,
  insertEmailsWithAudit,
  type NewEmail,
} from '../reminders/queries.js';
import { SERVICE_NAME } from '../view-locals.js';
import { yearLabel, yearOf } from './derive.js';
import { listProvidersWithFacts } from './queries.js';
import { statusesForProviders, type ObligationStatus } from './publications.service.js';

// Chasers for equality publications, on the return ladder (REMINDER_LADDER, the same config and
// functions as returns) and the same outbox: before the due date, on it and overdue, one email per
// provider lead for each rung reached, the provider's contract managers copied in from the escalation
// rung. Once, whatever re-runs: the key publication:<provider>:<obligation>:<year>:<rung>@<due date>:<lead>
// is unique in the outbox. Last year, this year and next are looked at: a due date early in next
// year has its first rungs this year (a 4 April date is chased from 21 March).

export interface PublicationChaserCounts {
  providersChecked: number;
  chasersQueued: number;
  alreadyQueued: number;
  /** Publications due a chaser of providers with no active lead (not chased until escalation). */
  withoutLeads: number;
}

export interface PublicationChaserDeps {
  prisma: Db;
  caches: Pick<Caches, 'obligations'>;
  config: Pick<Config, 'publicBaseUrl' | 'organisationName' | 'reminders'>;
}

export function publicationChaserKey(
  providerId: string,
  obligationCode: string,
  year: number,
  stageKey: string,
  recipient: string,
): string {
  return `publication:${providerId}:${obligationCode}:${year}:${stageKey}:${recipient.toLowerCase()}`;
}

interface Person {
  email: string;
  displayName: string;
}

export async function enqueuePublicationChasers(
  deps: PublicationChaserDeps,
  now: Date,
): Promise<PublicationChaserCounts> {
  const today = ukToday(now);
  const { ladder } = deps.config.reminders;
  const counts: PublicationChaserCounts = {
    providersChecked: 0,
    chasersQueued: 0,
    alreadyQueued: 0,
    withoutLeads: 0,
  };
  const providers = await listProvidersWithFacts(deps.prisma);
  counts.providersChecked = providers.length;
  if (providers.length === 0) return counts;
  const thisYear = yearOf(today);
  const owed: {
    provider: (typeof providers)[number];
    year: number;
    status: ObligationStatus;
    dueOn: Date;
    stage: Stage;
  }[] = [];
  // A rolling duty not recorded in one year is derived again, with the same due date, in the next:
  // it is chased once, under the earlier year.
  const seen = new Set<string>();
  for (const year of [thisYear - 1, thisYear, thisYear + 1]) {
    const statuses = await statusesForProviders(
      deps.prisma,
      deps.caches.obligations.all,
      providers,
      year,
      today,
    );
    for (const provider of providers) {
      for (const status of statuses.get(provider.id) ?? []) {
        if ((status.state !== 'due' && status.state !== 'overdue') || !status.dueOn) continue;
        const stage = stageFor(ladder, { status: 'not_started', dueDate: status.dueOn }, today);
        const once = `${provider.id}:${status.obligation.code}:${isoDate(status.dueOn)}`;
        if (!stage || seen.has(once)) continue;
        seen.add(once);
        owed.push({ provider, year, status, dueOn: status.dueOn, stage });
      }
    }
  }
  if (owed.length === 0) return counts;
  await deps.prisma.$transaction(async (tx) => {
    const providerIds = [...new Set(owed.map((item) => item.provider.id))];
    const leads = groupBy(await findLeadsOfProviders(tx, providerIds));
    const managers = groupBy(await findContractManagersOfProviders(tx, providerIds, today));
    const chasers: NewEmail[] = [];
    for (const { provider, year, status, dueOn, stage } of owed) {
      const providerManagers = stage.escalated ? (managers.get(provider.id) ?? []) : [];
      let recipients: Person[] = leads.get(provider.id) ?? [];
      if (recipients.length === 0) {
        counts.withoutLeads += 1;
        // Nobody at the provider to chase: from escalation its contract managers are (someone has to act).
        recipients = providerManagers;
      }
      for (const recipient of recipients) {
        const copied = providerManagers.filter(
          (manager) => manager.email.toLowerCase() !== recipient.email.toLowerCase(),
        );
        const key = publicationChaserKey(
          provider.id,
          status.obligation.code,
          year,
          stage.key,
          recipient.email,
        );
        const pageUrl = `${deps.config.publicBaseUrl}${pathTo(paths.publications.provider, { providerId: provider.id })}?year=${year}`;
        const rendered = publicationChaserEmail({
          recipientName: recipient.displayName,
          providerName: provider.name,
          obligationName: status.obligation.name,
          yearLabel: yearLabel(year),
          dueDate: dueOn,
          today,
          escalatedTo: copied.map((manager) => manager.displayName),
          pageUrl,
          organisationName: deps.config.organisationName,
        });
        chasers.push({
          idempotencyKey: key,
          returnId: null,
          stage: stage.key,
          dueDate: isoDate(dueOn),
          toAddress: recipient.email,
          ccAddresses: copied.map((manager) => manager.email),
          subject: rendered.subject,
          textBody: rendered.text,
          htmlBody: rendered.html,
          nextAttemptAt: now.toISOString(),
          createdAt: now.toISOString(),
          publication: { providerId: provider.id, obligationCode: status.obligation.code, year },
        });
      }
    }
    const existing = new Set(
      await findExistingKeys(
        tx,
        chasers.map((chaser) => chaser.idempotencyKey),
      ),
    );
    const fresh = chasers.filter((chaser) => !existing.has(chaser.idempotencyKey));
    const queued = await insertEmailsWithAudit(tx, fresh, {
      action: 'publication_chaser.queued',
      requestId: currentRequestId() ?? null,
    });
    counts.chasersQueued += queued.length;
    counts.alreadyQueued += chasers.length - queued.length;
  });
  return counts;
}

function groupBy<Row extends { providerId: string }>(rows: Row[]): Map<string, Row[]> {
  const byProvider = new Map<string, Row[]>();
  for (const row of rows) byProvider.set(row.providerId, [...(byProvider.get(row.providerId) ?? []), row]);
  return byProvider;
}

export interface PublicationChaserData {
  recipientName: string;
  providerName: string;
  obligationName: string;
  yearLabel: string;
  dueDate: Date;
  today: Date;
  /** The contract managers copied in (escalation), by name; none before it. */
  escalatedTo: string[];
  pageUrl: string;
  organisationName: string;
}

/** The words of a chaser for a publication, due soon, today or overdue, in text and HTML (every value escaped). */
export function publicationChaserEmail(data: PublicationChaserData): RenderedEmail {
  const due = formatDate(data.dueDate);
  const daysOverdue = daysBetween(data.dueDate, data.today);
  const what = `The ${data.obligationName} for ${data.providerName} (${data.yearLabel})`;
  let subject: string;
  let heading: string;
  let lead: string;
  if (daysOverdue < 0) {
    const inDays = plural(-daysOverdue, 'day');
    subject = `Reminder: ${data.obligationName} for ${data.providerName} is due on ${due}`;
    heading = `A publication is due in ${inDays}`;
    lead = `${what} is due on ${due}, in ${inDays}.`;
  } else if (daysOverdue === 0) {
    subject = `Due today: ${data.obligationName} for ${data.providerName}`;
    heading = 'A publication is due today';
    lead = `${what} is due today, ${due}, and no publication has been recorded.`;
  } else {
    const overdue = plural(daysOverdue, 'day');
    subject = `Overdue: ${data.obligationName} for ${data.providerName} was due on ${due}`;
    heading = `A publication is ${overdue} overdue`;
    lead = `${what} was due on ${due}. It is now ${overdue} overdue, and no publication has been recorded.`;
  }
  const notes =
    data.escalatedTo.length > 0
      ? [
          `Because it is ${plural(daysOverdue, 'day')} overdue, your contract manager at ${data.organisationName}, ${data.escalatedTo.join(' and ')}, is copied into this email.`,
        ]
      : [];
  const action =
    'Publish it on your website, then record the web address and the date published (and a copy, if you can) in the service.';
  const linkText = `Record the ${data.obligationName} for ${data.providerName}`;
  const why = `You are receiving this email because you are a provider lead for ${data.providerName} on the ${SERVICE_NAME} service run by ${data.organisationName}.`;
  const text = [
    `Dear ${data.recipientName},`,
    '',
    lead,
    '',
    ...notes.flatMap((note) => [note, '']),
    action,
    '',
    `${linkText}:`,
    data.pageUrl,
    '',
    why,
    '',
  ].join('\n');
  const html = htmlDocument(
    subject,
    [
      `<h1 style="font-size: 28px; line-height: 1.2;">${escapeHtml(heading)}</h1>`,
      paragraph(`Dear ${data.recipientName},`),
      paragraph(lead),
      ...notes.map(paragraph),
      paragraph(action),
      `<p>${link(data.pageUrl, linkText)}</p>`,
      `<p style="${FOOTNOTE_STYLE}">${escapeHtml(why)}</p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}
