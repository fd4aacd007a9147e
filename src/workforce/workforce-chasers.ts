import type { Caches } from '../caches.js';
import type { Config } from '../config.js';
import type { Db } from '../db/prisma.js';
import { formatDate, isoDate, ukToday } from '../format.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { yearOf } from '../obligations/derive.js';
import { listProvidersWithFacts } from '../obligations/queries.js';
import { FIRST_YEAR } from '../obligations/schemas.js';
import { pathTo, paths } from '../paths.js';
import { currentRequestId } from '../request-context.js';
import {
  emailTable,
  escapeHtml,
  FOOTNOTE_STYLE,
  htmlDocument,
  link,
  paragraph,
  plural,
  type RenderedEmail,
} from '../reminders/emails.js';
import { daysBetween, isChased, stageFor, type Stage } from '../reminders/ladder.js';
import {
  findContractManagersOfProviders,
  findExistingKeys,
  findLeadsOfProviders,
  insertEmailsWithAudit,
  type NewEmail,
} from '../reminders/queries.js';
import { SERVICE_NAME } from '../view-locals.js';
import { workforceDue } from './due.js';
import { workforceStandard } from './indicator-files.js';
import { workforceReturnsOfYears } from './queries.js';

// Chasers for WRES and WDES returns, on the returns' reminder ladder (REMINDER_LADDER) and through the
// same outbox as the return and publication chasers.
//
// Who is chased: an active provider the standard's obligation applies to (data/obligations: WRES to
// every sector but GP practices and local authorities, unverified; WDES to NHS trusts and foundation
// trusts), for a data year whose due date the ladder has reached, unless its return for that year has
// been submitted or accepted. A provider that has not started the return is chased too: the duty, not
// the row, is what is owed (its email links to the page where the return is started). A provider whose
// sector (or another fact the rule needs) is not recorded is not chased: it is "not known" on its pages.
//
// One email per provider lead and rung: the provider's returns whose rung falls on the same day for
// the same due date (WRES and WDES, both due 31 October) are listed in one email, so a trust's lead
// gets one email, not two. The contract managers of the provider's contracts in force are copied in
// from the escalation rung, and chased instead when the provider has no lead. Once, whatever re-runs:
// workforce:<provider>:<year>:<rung>@<due date>:<lead> is unique in the outbox. The email names the
// provider, year and standards it chases; the sender drops it if all were submitted meanwhile.
// Like publication chasers, last year, this year and next are looked at (from 2020, the first year
// a return can be started).

export interface WorkforceChaserCounts {
  providersChecked: number;
  chasersQueued: number;
  alreadyQueued: number;
  /** Providers with returns due a chaser and no active lead (not chased until escalation). */
  withoutLeads: number;
}

export interface WorkforceChaserDeps {
  prisma: Db;
  caches: Pick<Caches, 'obligations' | 'workforce'>;
  config: Pick<Config, 'publicBaseUrl' | 'organisationName' | 'reminders'>;
}

export function workforceChaserKey(
  providerId: string,
  year: number,
  stageKey: string,
  recipient: string,
): string {
  return `workforce:${providerId}:${year}:${stageKey}:${recipient.toLowerCase()}`;
}

/** One return owed: its standard, and its row if the provider has started it. */
interface Owed {
  code: string;
  name: string;
  returnId: string | undefined;
  status: ReturnStatus;
}

interface Chase {
  provider: { id: string; name: string };
  year: number;
  dueOn: Date;
  stage: Stage;
  owed: Owed[];
}

export async function enqueueWorkforceChasers(
  deps: WorkforceChaserDeps,
  now: Date,
): Promise<WorkforceChaserCounts> {
  const today = ukToday(now);
  const { ladder } = deps.config.reminders;
  const counts: WorkforceChaserCounts = {
    providersChecked: 0,
    chasersQueued: 0,
    alreadyQueued: 0,
    withoutLeads: 0,
  };
  const providers = await listProvidersWithFacts(deps.prisma);
  counts.providersChecked = providers.length;
  const thisYear = yearOf(today);
  const years = [thisYear - 1, thisYear, thisYear + 1].filter((year) => year >= FIRST_YEAR);
  const codes = [...new Set(deps.caches.workforce.all.map((standard) => standard.code))].sort();
  if (providers.length === 0 || years.length === 0) return counts;
  const rows = await workforceReturnsOfYears(deps.prisma, years);
  const rowOf = new Map(rows.map((row) => [`${row.providerId}:${row.standardCode}:${row.year}`, row]));
  const chases = new Map<string, Chase>();
  for (const provider of providers) {
    for (const year of years) {
      for (const code of codes) {
        const standard = workforceStandard(deps.caches.workforce, code);
        if (!standard) continue;
        const due = workforceDue(deps.caches.obligations, standard, provider, year);
        if (due.kind !== 'due') continue;
        const row = rowOf.get(`${provider.id}:${code}:${year}`);
        const status = row?.status ?? 'not_started';
        if (!isChased(status)) continue;
        const stage = stageFor(ladder, { status, dueDate: due.dueOn }, today);
        if (!stage) continue;
        const key = `${provider.id}:${year}:${stage.key}`;
        const chase = chases.get(key) ?? { provider, year, dueOn: due.dueOn, stage, owed: [] };
        chase.owed.push({ code, name: standard.name, returnId: row?.id, status });
        chases.set(key, chase);
      }
    }
  }
  if (chases.size === 0) return counts;
  await deps.prisma.$transaction(async (tx) => {
    const providerIds = [...new Set([...chases.values()].map((chase) => chase.provider.id))];
    const leads = groupBy(await findLeadsOfProviders(tx, providerIds));
    const managers = groupBy(await findContractManagersOfProviders(tx, providerIds, today));
    const emails: NewEmail[] = [];
    for (const { provider, year, dueOn, stage, owed } of chases.values()) {
      const providerManagers = stage.escalated ? (managers.get(provider.id) ?? []) : [];
      let recipients = leads.get(provider.id) ?? [];
      if (recipients.length === 0) {
        counts.withoutLeads += 1;
        // Nobody at the provider to chase: from escalation its contract managers are (someone has to act).
        recipients = providerManagers;
      }
      const returns = owed.map((item) => ({
        ...item,
        url:
          deps.config.publicBaseUrl +
          (item.returnId
            ? pathTo(paths.workforce.show, { returnId: item.returnId })
            : pathTo(paths.workforce.provider, { providerId: provider.id })),
      }));
      for (const recipient of recipients) {
        const copied = providerManagers.filter(
          (manager) => manager.email.toLowerCase() !== recipient.email.toLowerCase(),
        );
        const key = workforceChaserKey(provider.id, year, stage.key, recipient.email);
        const rendered = workforceChaserEmail({
          recipientName: recipient.displayName,
          providerName: provider.name,
          year,
          dueDate: dueOn,
          today,
          returns,
          escalatedTo: copied.map((manager) => manager.displayName),
          organisationName: deps.config.organisationName,
        });
        emails.push({
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
          workforce: { providerId: provider.id, year, standards: owed.map((item) => item.code) },
        });
      }
    }
    const existing = new Set(
      await findExistingKeys(
        tx,
        emails.map((email) => email.idempotencyKey),
      ),
    );
    const queued = await insertEmailsWithAudit(
      tx,
      emails.filter((email) => !existing.has(email.idempotencyKey)),
      { action: 'workforce_chaser.queued', requestId: currentRequestId() ?? null },
    );
    counts.chasersQueued += queued.length;
    counts.alreadyQueued += emails.length - queued.length;
  });
  return counts;
}

function groupBy<Row extends { providerId: string }>(rows: Row[]): Map<string, Row[]> {
  const byProvider = new Map<string, Row[]>();
  for (const row of rows) byProvider.set(row.providerId, [...(byProvider.get(row.providerId) ?? []), row]);
  return byProvider;
}

const STATUS_WORDS: Partial<Record<ReturnStatus, string>> = {
  not_started: 'not started',
  in_progress: 'in progress, not submitted',
  returned: 'sent back to you for changes',
};

export interface WorkforceChaserData {
  recipientName: string;
  providerName: string;
  /** The data year (figures as at 31 March of it). */
  year: number;
  dueDate: Date;
  today: Date;
  /** The returns owed, in standard order, each with the page to open or start it. */
  returns: { code: string; name: string; status: ReturnStatus; url: string }[];
  /** The contract managers copied in (escalation), by name; none before it. */
  escalatedTo: string[];
  organisationName: string;
}

/** The words of a chaser for a provider's WRES and WDES returns, in text and HTML (every value escaped). */
export function workforceChaserEmail(data: WorkforceChaserData): RenderedEmail {
  const due = formatDate(data.dueDate);
  const daysOverdue = daysBetween(data.dueDate, data.today);
  const several = data.returns.length > 1;
  const codes = data.returns.map((item) => item.code).join(' and ');
  const what = `${codes} ${several ? 'returns' : 'return'} for ${data.providerName} (${data.year} data)`;
  const are = several ? 'are' : 'is';
  let subject: string;
  let heading: string;
  let lead: string;
  if (daysOverdue < 0) {
    const inDays = plural(-daysOverdue, 'day');
    subject = `Reminder: ${what} ${are} due on ${due}`;
    heading = `${several ? 'Returns are' : 'A return is'} due in ${inDays}`;
    lead = `The ${what} ${are} due on ${due}, in ${inDays}.`;
  } else if (daysOverdue === 0) {
    subject = `Due today: ${what}`;
    heading = `${several ? 'Returns are' : 'A return is'} due today`;
    lead = `The ${what} ${are} due today, ${due}, and ${several ? 'have' : 'has'} not been submitted.`;
  } else {
    const overdue = plural(daysOverdue, 'day');
    subject = `Overdue: ${what} ${several ? 'were' : 'was'} due on ${due}`;
    heading = `${several ? 'Returns are' : 'A return is'} ${overdue} overdue`;
    lead = `The ${what} ${several ? 'were' : 'was'} due on ${due}. ${several ? 'They are' : 'It is'} now ${overdue} overdue and not submitted.`;
  }
  const notes =
    data.escalatedTo.length > 0
      ? [
          `Because ${several ? 'they are' : 'it is'} ${plural(daysOverdue, 'day')} overdue, your contract manager at ${data.organisationName}, ${data.escalatedTo.join(' and ')}, is copied into this email.`,
        ]
      : [];
  const action = `Enter the figures as at 31 March ${data.year} in the service and submit ${several ? 'each return' : 'the return'} to ${data.organisationName}.`;
  const rows = data.returns.map((item) => ({
    ...item,
    state: STATUS_WORDS[item.status] ?? item.status,
    linkText: `${item.status === 'not_started' ? 'Start or open' : 'Open'} the ${item.code} return for ${data.providerName}`,
  }));
  const why = `You are receiving this email because you are a provider lead for ${data.providerName} on the ${SERVICE_NAME} service run by ${data.organisationName}.`;
  const text = [
    `Dear ${data.recipientName},`,
    '',
    lead,
    '',
    ...notes.flatMap((note) => [note, '']),
    action,
    '',
    ...rows.flatMap((row) => [`- ${row.name} (${row.code}): ${row.state}. ${row.linkText}:`, `  ${row.url}`]),
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
      ...emailTable(
        `Returns due on ${due}`,
        ['Return', 'State'],
        rows.map((row) => [link(row.url, row.linkText), escapeHtml(row.state)]),
      ),
      `<p style="${FOOTNOTE_STYLE}">${escapeHtml(why)}</p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}
