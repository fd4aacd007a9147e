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
import { daysBetween, stageFor } from '../reminders/ladder.js';
import {
  findExistingKeys,
  findLeadsOfProviders,
  insertEmailsWithAudit,
  type NewEmail,
} from '../reminders/queries.js';
import { SERVICE_NAME } from '../view-locals.js';
import { yearLabel, yearOf } from './derive.js';
import { listProvidersWithFacts } from './queries.js';
import { statusesForProviders } from './publications.service.js';

// Chasers for overdue equality publications, on the same ladder and outbox as returns: each overdue
// rung reached (7 days overdue, then every 7 days by default) writes one email per provider lead,
// once, whatever re-runs: the key publication:<provider>:<obligation>:<year>:<rung>@<due date>:<lead>
// is unique in the outbox. What fell due this financial year or last is chased.

export interface PublicationChaserCounts {
  providersChecked: number;
  chasersQueued: number;
  alreadyQueued: number;
  /** Overdue publications of providers with no active lead (nobody to chase). */
  overdueWithoutLeads: number;
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

export async function enqueuePublicationChasers(
  deps: PublicationChaserDeps,
  now: Date,
): Promise<PublicationChaserCounts> {
  const today = ukToday(now);
  const counts: PublicationChaserCounts = {
    providersChecked: 0,
    chasersQueued: 0,
    alreadyQueued: 0,
    overdueWithoutLeads: 0,
  };
  const providers = await listProvidersWithFacts(deps.prisma);
  counts.providersChecked = providers.length;
  if (providers.length === 0) return counts;
  const thisYear = yearOf(today);
  for (const year of [thisYear - 1, thisYear]) {
    const statuses = await statusesForProviders(
      deps.prisma,
      deps.caches.obligations.all,
      providers,
      year,
      today,
    );
    await deps.prisma.$transaction(async (tx) => {
      const leads = await findLeadsOfProviders(
        tx,
        providers.map((provider) => provider.id),
      );
      const chasers: NewEmail[] = [];
      for (const provider of providers) {
        const providerLeads = leads.filter((lead) => lead.providerId === provider.id);
        for (const status of statuses.get(provider.id) ?? []) {
          if (status.state !== 'overdue' || !status.dueOn) continue;
          const stage = stageFor(
            deps.config.reminders.ladder,
            { status: 'in_progress', dueDate: status.dueOn },
            today,
          );
          if (!stage || stage.offset <= 0) continue;
          if (providerLeads.length === 0) counts.overdueWithoutLeads += 1;
          for (const lead of providerLeads) {
            const key = publicationChaserKey(
              provider.id,
              status.obligation.code,
              year,
              stage.key,
              lead.email,
            );
            const pageUrl = `${deps.config.publicBaseUrl}${pathTo(paths.publications.provider, { providerId: provider.id })}?year=${year}`;
            const rendered = publicationChaserEmail({
              recipientName: lead.displayName,
              providerName: provider.name,
              obligationName: status.obligation.name,
              yearLabel: yearLabel(year),
              dueDate: status.dueOn,
              today,
              pageUrl,
              organisationName: deps.config.organisationName,
            });
            chasers.push({
              idempotencyKey: key,
              returnId: null,
              stage: stage.key,
              dueDate: isoDate(status.dueOn),
              toAddress: lead.email,
              ccAddresses: [],
              subject: rendered.subject,
              textBody: rendered.text,
              htmlBody: rendered.html,
              nextAttemptAt: now.toISOString(),
              createdAt: now.toISOString(),
              publication: { providerId: provider.id, obligationCode: status.obligation.code, year },
            });
          }
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
  }
  return counts;
}

export interface PublicationChaserData {
  recipientName: string;
  providerName: string;
  obligationName: string;
  yearLabel: string;
  dueDate: Date;
  today: Date;
  pageUrl: string;
  organisationName: string;
}

/** The words of a chaser for an overdue publication, in plain text and HTML (every value escaped). */
export function publicationChaserEmail(data: PublicationChaserData): RenderedEmail {
  const due = formatDate(data.dueDate);
  const overdue = plural(daysBetween(data.dueDate, data.today), 'day');
  const subject = `Overdue: ${data.obligationName} for ${data.providerName} was due on ${due}`;
  const heading = `A publication is ${overdue} overdue`;
  const lead = `The ${data.obligationName} for ${data.providerName} (${data.yearLabel}) was due on ${due}. It is now ${overdue} overdue, and no publication has been recorded.`;
  const action =
    'Publish it on your website, then record the web address and the date published (and a copy, if you can) in the service.';
  const linkText = `Record the ${data.obligationName} for ${data.providerName}`;
  const why = `You are receiving this email because you are a provider lead for ${data.providerName} on the ${SERVICE_NAME} service run by ${data.organisationName}.`;
  const text = [
    `Dear ${data.recipientName},`,
    '',
    lead,
    '',
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
      paragraph(action),
      `<p>${link(data.pageUrl, linkText)}</p>`,
      `<p style="${FOOTNOTE_STYLE}">${escapeHtml(why)}</p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}
