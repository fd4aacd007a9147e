import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.js';
import type { Config } from '../config.js';
import type { Db, DbClient } from '../db/prisma.js';
import type { EmailLinkPurpose } from '../generated/prisma/enums.js';
import { sha256 } from '../hash.js';
import { paths } from '../paths.js';
import type { RenderedEmail } from '../reminders/emails.js';
import { insertEmailsWithAudit, personalEmail, type Tx } from '../reminders/queries.js';
import { currentRequestId } from '../request-context.js';
import { SERVICE_NAME } from '../view-locals.js';
import { linkPlaceholder, linkToken, tokenDigest } from './email-links.js';
import { signInLinkEmail } from './emails.js';
import {
  createEmailLink,
  expireUnusedEmailLinks,
  findEmailLinkByDigest,
  findEmailSignInUser,
  markEmailLinkUsed,
  recordSignIn,
} from './queries.js';

// Single-use links sent by email: sign-in links for provider people without a Microsoft account, and
// invitations. Every link sent, used and refused is audited (entity "email_link"); a refusal of a
// token that matches no link is audited with the token's digest only.

export interface LinkDeps {
  prisma: Db;
  config: Pick<Config, 'publicBaseUrl' | 'organisationName' | 'emailLinks'>;
  /** The app's secret: a link's token is derived from it (email-links.ts). */
  sessionSecret: string;
  clock: () => Date;
}

/** Why a link does not work (the page says which, and offers a way on). */
export type LinkProblem = 'used' | 'expired' | 'invalid';

/**
 * Writes a link for `user` and the email carrying it (to the outbox), in the caller's transaction,
 * and audits both. `render` gets the link's placeholder, which the sender turns into the link.
 */
export async function queueLinkEmail(
  tx: Tx,
  deps: Pick<LinkDeps, 'sessionSecret'>,
  link: {
    purpose: EmailLinkPurpose;
    user: { id: string; email: string };
    createdById: string | null;
    now: Date;
    expiresAt: Date;
    render: (href: string) => RenderedEmail;
  },
): Promise<void> {
  const id = randomUUID();
  const { purpose, user, now } = link;
  await createEmailLink(tx, {
    id,
    purpose,
    userId: user.id,
    tokenSha256: tokenDigest(linkToken(deps.sessionSecret, id)),
    createdById: link.createdById,
    createdAt: now,
    expiresAt: link.expiresAt,
  });
  const email = link.render(linkPlaceholder(purpose, id));
  const [queued] = await insertEmailsWithAudit(
    tx,
    [personalEmail(`email-link:${id}`, user.email, email, now)],
    { action: 'email.queued', requestId: currentRequestId() ?? null },
  );
  await recordAudit(tx, {
    actorId: link.createdById,
    action: 'email_link.sent',
    entityType: 'email_link',
    entityId: id,
    after: { purpose, userId: user.id, expiresAt: link.expiresAt.toISOString(), emailId: queued?.id ?? null },
  });
}

/**
 * Asked for at the email sign-in page. Whether or not the address belongs to someone who signs in by
 * email, the caller shows the same page: only the mailbox learns the answer. A request for an address
 * nobody may use is audited with the address's digest, not the address.
 */
export async function requestSignInLink(deps: LinkDeps, address: string): Promise<void> {
  const now = deps.clock();
  await deps.prisma.$transaction(async (tx) => {
    const user = await findEmailSignInUser(tx, address);
    if (!user) {
      await recordAudit(tx, {
        actorId: null,
        action: 'email_link.not_sent',
        entityType: 'email_link',
        entityId: 'none',
        after: { purpose: 'sign_in', addressSha256: sha256(address.toLowerCase()) },
      });
      return;
    }
    const minutes = deps.config.emailLinks.signInMinutes;
    await queueLinkEmail(tx, deps, {
      purpose: 'sign_in',
      user,
      createdById: null,
      now,
      expiresAt: new Date(now.getTime() + minutes * 60_000),
      render: (link) =>
        signInLinkEmail({
          recipientName: user.displayName,
          link,
          minutes,
          serviceName: SERVICE_NAME,
          organisationName: deps.config.organisationName,
        }),
    });
  });
}

type LinkRow = NonNullable<Awaited<ReturnType<typeof findEmailLinkByDigest>>>;

export type LinkCheck = { ok: true; link: LinkRow } | { ok: false; problem: LinkProblem; link?: LinkRow };

/** What a token is: a link of this purpose that still works, or why not. Changes nothing. */
export async function checkLink(
  db: DbClient,
  secretToken: string,
  purpose: EmailLinkPurpose,
  now: Date,
): Promise<LinkCheck> {
  const link = secretToken ? await findEmailLinkByDigest(db, tokenDigest(secretToken)) : null;
  if (link?.purpose !== purpose) return { ok: false, problem: 'invalid' };
  if (link.usedAt) return { ok: false, problem: 'used', link };
  if (link.expiresAt.getTime() <= now.getTime()) return { ok: false, problem: 'expired', link };
  return { ok: true, link };
}

/** Audits a link that was refused (used, expired, unknown, or for someone who may no longer use it). */
export async function auditRefusedLink(
  db: DbClient,
  secretToken: string,
  purpose: EmailLinkPurpose,
  reason: LinkProblem | 'no_access',
  link: { id: string; userId: string } | undefined,
): Promise<void> {
  await recordAudit(db, {
    actorId: null,
    action: 'email_link.refused',
    entityType: 'email_link',
    entityId: link?.id ?? 'none',
    after: {
      purpose,
      reason,
      ...(link ? { userId: link.userId } : { tokenSha256: tokenDigest(secretToken) }),
    },
  });
}

export type UseOutcome = { ok: true; userId: string } | { ok: false; problem: LinkProblem | 'no_access' };

/**
 * Uses a sign-in link, or an invitation to someone who signs in by email (opening it from their
 * mailbox is the same proof): once, for an active provider person who still belongs to a provider.
 * The sign-in is recorded and audited with the link's use, in one transaction.
 */
export async function useEmailLink(
  deps: LinkDeps,
  secretToken: string,
  purpose: EmailLinkPurpose,
): Promise<UseOutcome> {
  const now = deps.clock();
  return deps.prisma.$transaction(async (tx) => {
    const check = await checkLink(tx, secretToken, purpose, now);
    const refuse = async (problem: LinkProblem | 'no_access') => {
      await auditRefusedLink(tx, secretToken, purpose, problem, check.link);
      return { ok: false, problem } as const;
    };
    if (!check.ok) return refuse(check.problem);
    const { user } = check.link;
    const allowed =
      user.active &&
      user.role === 'provider_lead' &&
      user.signInMethod === 'email_link' &&
      user.memberships.length > 0;
    if (!allowed) return refuse('no_access');
    // Two tabs pressing at once: only one gets to use it.
    if (!(await markEmailLinkUsed(tx, check.link.id, now))) return refuse('used');
    // An invitation accepted makes any copy sent earlier useless.
    if (purpose === 'invitation') await expireUnusedEmailLinks(tx, user.id, now, 'invitation');
    await recordAudit(tx, {
      actorId: user.id,
      action: 'email_link.used',
      entityType: 'email_link',
      entityId: check.link.id,
      after: { purpose, userId: user.id },
    });
    await recordSignIn(tx, user.id, now);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'user.signed_in',
      entityType: 'user',
      entityId: user.id,
      after: { method: 'email_link' },
    });
    return { ok: true, userId: user.id } as const;
  });
}

/** The sign-in page the emails point people to. */
export function signInUrl(config: Pick<Config, 'publicBaseUrl'>): string {
  return `${config.publicBaseUrl}${paths.signIn}`;
}
