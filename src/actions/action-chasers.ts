import type { Config } from '../config.js';
import type { Db } from '../db/prisma.js';
import { z } from 'zod';
import { formatDate, isoDate, ukToday } from '../format.js';
import { sha256 } from '../hash.js';
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
import { daysBetween, stageFor, type Stage } from '../reminders/ladder.js';
import {
  findContractManagersOfProviders,
  findExistingKeys,
  findLeadsOfProviders,
  insertEmailsWithAudit,
  type ActionState,
  type NewEmail,
} from '../reminders/queries.js';
import { SERVICE_NAME } from '../view-locals.js';
import { actionsListHref } from './actions-list.js';
import { OPEN_ACTION_STATUSES } from './actions.js';
import { findOverdueOpenActions, markActionsChased } from './queries.js';

// Issue 14: overdue actions are chased by email, on the returns' reminder ladder (REMINDER_LADDER's
// overdue rungs: by default 7 days overdue, then every 7 days) and through the same outbox.
//
// Two choices keep the first run (and every run) from burying provider leads in email:
//  - One digest per provider and lead, listing every action of that provider that reached a new
//    rung, never one email per action: a provider with thirty overdue actions (say, moved from old
//    answers by the action_records migration, all "not started") gets one email on the first run,
//    then one a week while they stay open.
//  - An action recorded when its due date had already passed is not chased: it is a record of the
//    past (an old answer's plan whose date had gone when it was written, or an action dated
//    backwards), and nobody agreed to be reminded of it. It still shows as overdue on every page.
// Each action keeps the rung it was last listed at (actions.chased_stage), written in the same
// transaction as the outbox rows; the key action:<provider>:<hash of the actions and rungs>:<recipient>
// is unique in the outbox, so a re-run, or a second instance, sends nothing twice. The contract
// managers of the provider's contracts in force are copied in once an action reaches the escalation
// rung (and chased alone when the provider has no lead), as for returns and publications. Owners are
// free text (often not users), so the provider's leads are who is chased.

export interface ActionChaserCounts {
  /** Overdue open actions looked at. */
  overdueActions: number;
  /** Actions listed in a chaser on this run. */
  actionsChased: number;
  /** Overdue actions recorded when already overdue: never chased (see above). */
  recordedOverdue: number;
  chasersQueued: number;
  alreadyQueued: number;
  /** Providers with actions due a chaser but nobody to send it to (no lead, not yet escalated). */
  withoutRecipients: number;
}

export interface ActionChaserDeps {
  prisma: Db;
  config: Pick<Config, 'publicBaseUrl' | 'organisationName' | 'reminders'>;
}

export function actionChaserKey(providerId: string, chased: readonly Chased[], recipient: string): string {
  const listed = chased.map(({ action, stage }) => `${action.id}:${stage.key}`).sort();
  return `action:${providerId}:${sha256(listed.join(','))}:${recipient.toLowerCase()}`;
}

type OverdueAction = Awaited<ReturnType<typeof findOverdueOpenActions>>[number] & { dueDate: Date };

interface Chased {
  action: OverdueAction;
  stage: Stage;
}

export async function enqueueActionChasers(deps: ActionChaserDeps, now: Date): Promise<ActionChaserCounts> {
  const today = ukToday(now);
  const { ladder } = deps.config.reminders;
  const counts: ActionChaserCounts = {
    overdueActions: 0,
    actionsChased: 0,
    recordedOverdue: 0,
    chasersQueued: 0,
    alreadyQueued: 0,
    withoutRecipients: 0,
  };
  await deps.prisma.$transaction(async (tx) => {
    // Read in the transaction that marks them, so an action closed meanwhile is not listed.
    const overdue = await findOverdueOpenActions(tx, today);
    counts.overdueActions = overdue.length;
    const byProvider = new Map<string, Chased[]>();
    for (const action of overdue) {
      if (!action.dueDate) continue;
      if (action.dueDate < ukToday(action.createdAt)) {
        counts.recordedOverdue += 1;
        continue;
      }
      const stage = stageFor(ladder, { status: 'not_started', dueDate: action.dueDate }, today);
      if (!stage || stage.offset <= 0 || stage.key === action.chasedStage) continue;
      byProvider.set(action.providerId, [
        ...(byProvider.get(action.providerId) ?? []),
        { action: { ...action, dueDate: action.dueDate }, stage },
      ]);
    }
    if (byProvider.size === 0) return;
    const providerIds = [...byProvider.keys()];
    const leads = groupBy(await findLeadsOfProviders(tx, providerIds));
    const managers = groupBy(await findContractManagersOfProviders(tx, providerIds, today));
    const chasers: NewEmail[] = [];
    const marked: { id: string; stage: string }[] = [];
    for (const [providerId, chased] of byProvider) {
      const escalated = chased.some(({ stage }) => stage.escalated);
      const providerManagers = escalated ? (managers.get(providerId) ?? []) : [];
      const providerLeads = leads.get(providerId) ?? [];
      const recipients = providerLeads.length > 0 ? providerLeads : providerManagers;
      if (recipients.length === 0) {
        // Not marked: chased once the provider has a lead, or when an action reaches escalation.
        counts.withoutRecipients += 1;
        continue;
      }
      const providerName = chased[0]?.action.provider.name ?? '';
      for (const recipient of recipients) {
        const copied = providerManagers.filter(
          (manager) => manager.email.toLowerCase() !== recipient.email.toLowerCase(),
        );
        const data: ActionChaserData = {
          recipientName: recipient.displayName,
          providerName,
          today,
          actions: chased.map(({ action }) => ({
            id: action.id,
            description: action.description,
            owner: action.owner,
            dueDate: action.dueDate,
            url: `${deps.config.publicBaseUrl}${pathTo(paths.actions.show, { actionId: action.id })}`,
          })),
          listUrl: `${deps.config.publicBaseUrl}${actionsListHref({ provider: providerId, overdue: true })}`,
          escalatedTo: copied.map((manager) => manager.displayName),
          toLead: providerLeads.length > 0,
          organisationName: deps.config.organisationName,
        };
        const rendered = actionChaserEmail(data);
        chasers.push({
          idempotencyKey: actionChaserKey(providerId, chased, recipient.email),
          returnId: null,
          stage: null,
          dueDate: null,
          toAddress: recipient.email,
          ccAddresses: copied.map((manager) => manager.email),
          subject: rendered.subject,
          textBody: rendered.text,
          htmlBody: rendered.html,
          nextAttemptAt: now.toISOString(),
          createdAt: now.toISOString(),
          actionDigest: storedDigest(data),
        });
      }
      for (const { action, stage } of chased) marked.push({ id: action.id, stage: stage.key });
    }
    const existing = new Set(
      await findExistingKeys(
        tx,
        chasers.map((chaser) => chaser.idempotencyKey),
      ),
    );
    const fresh = chasers.filter((chaser) => !existing.has(chaser.idempotencyKey));
    const queued = await insertEmailsWithAudit(tx, fresh, {
      action: 'action_chaser.queued',
      requestId: currentRequestId() ?? null,
    });
    await markActionsChased(tx, marked);
    counts.actionsChased = marked.length;
    counts.chasersQueued = queued.length;
    counts.alreadyQueued = chasers.length - queued.length;
  });
  return counts;
}

function groupBy<Row extends { providerId: string }>(rows: Row[]): Map<string, Row[]> {
  const byProvider = new Map<string, Row[]>();
  for (const row of rows) byProvider.set(row.providerId, [...(byProvider.get(row.providerId) ?? []), row]);
  return byProvider;
}

export interface ActionChaserData {
  recipientName: string;
  providerName: string;
  today: Date;
  actions: { id: string; description: string; owner: string; dueDate: Date; url: string }[];
  /** The actions list narrowed to the provider's overdue actions. */
  listUrl: string;
  /** The contract managers copied in (escalation), by name; none before it. */
  escalatedTo: string[];
  /** False when the provider has no lead and its contract managers are chased instead. */
  toLead: boolean;
  organisationName: string;
}

// What a queued digest keeps (outbox_emails.action_digest): its data, dates as YYYY-MM-DD.
const storedDigestSchema = z.object({
  recipientName: z.string(),
  providerName: z.string(),
  today: z.iso.date(),
  actions: z.array(
    z.object({
      id: z.string(),
      description: z.string(),
      owner: z.string(),
      dueDate: z.iso.date(),
      url: z.string(),
    }),
  ),
  listUrl: z.string(),
  escalatedTo: z.array(z.string()),
  toLead: z.boolean(),
  organisationName: z.string(),
});

function storedDigest(data: ActionChaserData): z.input<typeof storedDigestSchema> {
  return {
    ...data,
    today: isoDate(data.today),
    actions: data.actions.map((action) => ({ ...action, dueDate: isoDate(action.dueDate) })),
  };
}

/** What the sender does with a queued digest, its actions read as they are now. */
export type DigestAtSend =
  | { kind: 'as-written' }
  | { kind: 'cancel'; reason: string }
  | { kind: 'rewrite'; email: RenderedEmail; reason: string };

/**
 * Re-checks a digest as it is sent (issue 14): an action done, cancelled, deleted or given a new due
 * date since it was queued is left out and the email written again from the rest, with the same
 * recipient, escalation and day; none left, the digest is not sent.
 */
export function digestAtSend(stored: unknown, states: readonly ActionState[]): DigestAtSend {
  const data = storedDigestSchema.parse(stored);
  const now = new Map(states.map((state) => [state.id, state]));
  const left = data.actions.filter((action) => {
    const state = now.get(action.id);
    return (
      state &&
      OPEN_ACTION_STATUSES.some((status) => status === state.status) &&
      state.dueDate === action.dueDate
    );
  });
  if (left.length === data.actions.length) return { kind: 'as-written' };
  if (left.length === 0)
    return {
      kind: 'cancel',
      reason:
        'Not sent: every action it listed was marked done or cancelled, deleted, or given a new due date before this email went out',
    };
  const dropped = data.actions.length - left.length;
  return {
    kind: 'rewrite',
    email: actionChaserEmail({
      ...data,
      today: new Date(data.today),
      actions: left.map((action) => ({ ...action, dueDate: new Date(action.dueDate) })),
    }),
    reason: `${plural(dropped, 'action')} left out: marked done or cancelled, deleted, or given a new due date before this email went out`,
  };
}

/** The digest of a provider's overdue actions to one recipient, in text and HTML (every value escaped). */
export function actionChaserEmail(data: ActionChaserData): RenderedEmail {
  const count = data.actions.length;
  const subject = `${plural(count, 'overdue action')} for ${data.providerName}`;
  const intro = `${count === 1 ? 'This action' : `These ${count} actions`} for ${data.providerName} ${count === 1 ? 'is' : 'are'} past ${count === 1 ? 'its' : 'their'} due date and not yet marked done.`;
  const next =
    'Open each action to record progress, or mark it done (or cancelled, if it is no longer needed).';
  const escalation =
    data.escalatedTo.length > 0
      ? `${data.escalatedTo.join(' and ')} (contract management) ${data.escalatedTo.length === 1 ? 'has' : 'have'} been copied in.`
      : undefined;
  const why = data.toLead
    ? `You are receiving this email because you are a provider lead for ${data.providerName} on the ${SERVICE_NAME} service run by ${data.organisationName}.`
    : `You are receiving this email because ${data.providerName} has no provider lead on the ${SERVICE_NAME} service run by ${data.organisationName}, and you manage its contract.`;
  const rows = data.actions.map((action) => ({
    ...action,
    owner: action.owner || 'No owner recorded',
    due: formatDate(action.dueDate),
    overdue: `${plural(daysBetween(action.dueDate, data.today), 'day')} overdue`,
  }));
  const listText = `All overdue actions for ${data.providerName}`;
  const text = [
    `Dear ${data.recipientName},`,
    '',
    intro,
    '',
    ...rows.flatMap((row) => [
      `- ${row.description} (owner: ${row.owner}; due ${row.due}, ${row.overdue})`,
      `  ${row.url}`,
    ]),
    '',
    next,
    ...(escalation ? ['', escalation] : []),
    '',
    `${listText}:`,
    data.listUrl,
    '',
    why,
    '',
  ].join('\n');
  const html = htmlDocument(
    subject,
    [
      `<h1 style="font-size: 28px; line-height: 1.2;">${escapeHtml(subject)}</h1>`,
      paragraph(`Dear ${data.recipientName},`),
      paragraph(intro),
      ...emailTable(
        `Overdue actions on ${formatDate(data.today)}`,
        ['Action', 'Owner', 'Due date', 'Overdue by'],
        rows.map((row) => [
          link(row.url, row.description),
          escapeHtml(row.owner),
          escapeHtml(row.due),
          escapeHtml(row.overdue),
        ]),
      ),
      paragraph(next),
      ...(escalation ? [paragraph(escalation)] : []),
      `<p>${link(data.listUrl, listText)}</p>`,
      `<p style="${FOOTNOTE_STYLE}">${escapeHtml(why)}</p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}
