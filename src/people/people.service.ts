import { recordAudit } from '../audit/audit.js';
import { assertCanManagePerson, assertCanSeeProvider, peopleManagedBy } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import { queueLinkEmail, signInUrl } from '../auth/email-link.service.js';
import { accessAddedEmail, invitationEmail } from '../auth/emails.js';
import { expireUnusedEmailLinks } from '../auth/queries.js';
import { MEMBERSHIP_ROLE_LABELS, ROLE_LABELS } from '../auth/roles.js';
import type { Config } from '../config.js';
import type { Db, DbClient } from '../db/prisma.js';
import { withUniqueFieldError } from '../db/unique-violation.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import { formatDateTime } from '../format.js';
import type { MembershipRole, SignInMethod } from '../generated/prisma/enums.js';
import { insertEmailsWithAudit, personalEmail, type Tx } from '../reminders/queries.js';
import { currentRequestId } from '../request-context.js';
import { findProvider, findUserByEmail } from '../users/queries.js';
import { SERVICE_NAME } from '../view-locals.js';
import {
  countMemberships,
  createMembership,
  providerIdsOf,
  createPerson,
  deleteMembership,
  endSessionsOf,
  findMembership,
  findPeopleOfProvider,
} from './queries.js';

// A provider's people: leads (submit, and manage the provider's contributors) and contributors
// (answer and upload). Staff who edit the register invite and remove anyone; a provider's lead
// invites and removes its contributors only. Every invitation is emailed through the outbox with a
// single-use link (the only way to claim it); every change is audited in its transaction.

export interface PeopleDeps {
  prisma: Db;
  config: Pick<Config, 'publicBaseUrl' | 'organisationName' | 'emailLinks' | 'entra'>;
  sessionSecret: string;
  clock: () => Date;
}

export interface InvitePersonInput {
  email: string;
  /** Empty: the address stands in for the name until they sign in. */
  displayName: string;
  providerId: string;
  role: MembershipRole;
  signInMethod: SignInMethod;
}

export interface InviteOutcome {
  /** invited: a new person, or one who never accepted (sent a new link); membership_added: told by email. */
  kind: 'invited' | 'membership_added';
  userId: string;
}

/**
 * Invites someone to a provider: a new person (with the way they will sign in), or one more provider
 * for someone who already has access. Staff are never a provider's people.
 */
export async function invitePerson(
  deps: PeopleDeps,
  actor: CurrentUser,
  input: InvitePersonInput,
): Promise<InviteOutcome> {
  assertCanManagePerson(actor, input.providerId, input.role);
  if (input.signInMethod === 'email_link' && !deps.config.emailLinks.signIn) {
    throw new ValidationFailed({ signInMethod: 'Sign-in by email link is switched off for this service' });
  }
  const now = deps.clock();
  return withUniqueFieldError('email', `${input.email} has just been added by someone else`, () =>
    deps.prisma.$transaction(async (tx) => {
      const provider = await activeProvider(tx, input.providerId);
      const existing = await findUserByEmail(tx, input.email);
      if (existing && existing.role !== 'provider_lead') {
        throw new ValidationFailed({
          email: `${input.email} belongs to a member of staff (${ROLE_LABELS[existing.role]}). Staff get access through their Entra ID role and cannot be invited for a provider`,
        });
      }
      if (existing?.memberships.some((membership) => membership.provider.id === provider.id)) {
        throw new ValidationFailed({
          email: `${existing.displayName} already has access to ${provider.name}`,
        });
      }
      const person =
        existing ??
        (await createPerson(tx, {
          email: input.email,
          displayName: input.displayName || input.email,
          signInMethod: input.signInMethod,
        }));
      await createMembership(tx, person.id, provider.id, input.role);
      const before = existing?.memberships.map((membership) => membership.provider.id) ?? [];
      await recordAudit(tx, {
        actorId: actor.id,
        action: existing ? 'user.membership_added' : 'user.invited',
        entityType: 'user',
        entityId: person.id,
        ...(existing ? { before: { providerIds: before } } : {}),
        after: {
          ...(existing
            ? {}
            : {
                email: person.email,
                displayName: person.displayName,
                role: 'provider_lead',
                signInMethod: person.signInMethod,
              }),
          providerIds: [...before, provider.id],
          membershipRole: input.role,
        },
      });
      const invitation = { actor, provider, role: input.role, now };
      if (hasAccepted(person)) {
        await queueAccessAdded(tx, deps, person, invitation);
        return { kind: 'membership_added', userId: person.id } as const;
      }
      await queueInvitation(tx, deps, person, invitation);
      return { kind: 'invited', userId: person.id } as const;
    }),
  );
}

/** A new invitation link for someone who has not accepted yet (the earlier links stop working). */
export async function resendInvitation(
  deps: PeopleDeps,
  actor: CurrentUser,
  providerId: string,
  userId: string,
): Promise<void> {
  const now = deps.clock();
  await deps.prisma.$transaction(async (tx) => {
    const membership = await personOf(tx, actor, providerId, userId);
    if (hasAccepted(membership.user)) {
      throw new Conflict(`${membership.user.displayName} has already accepted the invitation`);
    }
    await queueInvitation(tx, deps, membership.user, {
      actor,
      provider: membership.provider,
      role: membership.role,
      now,
    });
  });
}

/**
 * Takes someone off a provider, and ends their sessions at once (they sign in again to go on with
 * any other provider). Someone left with no provider keeps their account (their work is theirs in
 * the history) but cannot sign in; their unused links stop working.
 */
export async function removePerson(
  deps: PeopleDeps,
  actor: CurrentUser,
  providerId: string,
  userId: string,
): Promise<void> {
  const now = deps.clock();
  await deps.prisma.$transaction(async (tx) => {
    const membership = await personOf(tx, actor, providerId, userId);
    const before = await providerIdsOf(tx, userId);
    await deleteMembership(tx, userId, providerId);
    await endAccess(tx, userId, now);
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'user.membership_removed',
      entityType: 'user',
      entityId: userId,
      before: { providerIds: before, membershipRole: membership.role },
      after: { providerIds: before.filter((id) => id !== providerId) },
    });
  });
}

/** A provider people can be added to: an active one (else the form's provider field is wrong). */
export async function activeProvider(tx: DbClient, providerId: string) {
  const provider = await findProvider(tx, providerId);
  if (!provider?.active) throw new ValidationFailed({ providerId: 'Select the provider' });
  return provider;
}

/** After a membership goes: sessions end at once; links stop working once nothing is left. */
export async function endAccess(tx: DbClient, userId: string, now: Date): Promise<void> {
  await endSessionsOf(tx, userId);
  if ((await countMemberships(tx, userId)) === 0) await expireUnusedEmailLinks(tx, userId, now);
}

/** The one of the provider's people this user may manage; "not found" for anyone else. */
async function personOf(tx: DbClient, actor: CurrentUser, providerId: string, userId: string) {
  assertCanSeeProvider(actor, providerId);
  const membership = await findMembership(tx, userId, providerId);
  if (!membership) throw new NotFound();
  assertCanManagePerson(actor, providerId, membership.role);
  return membership;
}

/** One of a provider's people, for the pages that act on them. */
export async function personDetails(
  deps: Pick<PeopleDeps, 'prisma'>,
  actor: CurrentUser,
  providerId: string,
  userId: string,
) {
  const membership = await personOf(deps.prisma, actor, providerId, userId);
  return {
    providerId,
    providerName: membership.provider.name,
    userId,
    displayName: membership.user.displayName,
    email: membership.user.email,
    roleLabel: MEMBERSHIP_ROLE_LABELS[membership.role],
    accepted: hasAccepted(membership.user),
  };
}

interface Person {
  id: string;
  email: string;
  displayName: string;
  signInMethod: SignInMethod;
  entraObjectId: string | null;
  lastSignInAt: Date | null;
}

/** Accepted: bound to a Microsoft account, or (by email) signed in at least once. */
function hasAccepted(person: Omit<Person, 'id' | 'email' | 'displayName'>): boolean {
  return person.signInMethod === 'microsoft' ? person.entraObjectId !== null : person.lastSignInAt !== null;
}

interface Invitation {
  actor: CurrentUser;
  provider: { id: string; name: string };
  role: MembershipRole;
  now: Date;
}

async function queueInvitation(tx: Tx, deps: PeopleDeps, person: Person, invitation: Invitation) {
  const { actor, provider, role, now } = invitation;
  const days = deps.config.emailLinks.invitationDays;
  await expireUnusedEmailLinks(tx, person.id, now, 'invitation');
  await queueLinkEmail(tx, deps, {
    purpose: 'invitation',
    user: person,
    createdById: actor.id,
    now,
    expiresAt: new Date(now.getTime() + days * 86_400_000),
    render: (link) =>
      invitationEmail({
        recipientName: person.displayName,
        inviterName: actor.displayName,
        providerName: provider.name,
        role,
        method: person.signInMethod,
        link,
        days,
        signInUrl: signInUrl(deps.config),
        serviceName: SERVICE_NAME,
        organisationName: deps.config.organisationName,
      }),
  });
}

async function queueAccessAdded(tx: Tx, deps: PeopleDeps, person: Person, invitation: Invitation) {
  const { actor, provider, role, now } = invitation;
  const email = accessAddedEmail({
    recipientName: person.displayName,
    inviterName: actor.displayName,
    providerName: provider.name,
    role,
    signInUrl: signInUrl(deps.config),
    serviceName: SERVICE_NAME,
    organisationName: deps.config.organisationName,
  });
  await insertEmailsWithAudit(
    tx,
    [
      personalEmail(
        `access-added:${person.id}:${provider.id}:${now.toISOString()}`,
        person.email,
        email,
        now,
      ),
    ],
    { action: 'email.queued', requestId: currentRequestId() ?? null },
  );
}

// ---------------------------------------------------------------------------------------------
// The "who has access" section

type PersonRow = Awaited<ReturnType<typeof findPeopleOfProvider>>[number];

/** How someone signs in, in words: which Microsoft account (whose tenant), or email links. */
function signInMethodText(config: PeopleDeps['config'], user: PersonRow['user']): string {
  if (user.signInMethod === 'email_link') return 'Email link';
  if (user.entraObjectId === null) return 'Microsoft account';
  const entra = config.entra;
  const tenant = user.entraTenantId ?? entra?.tenantId;
  if (entra && tenant === entra.tenantId) return `Microsoft account (${config.organisationName})`;
  const allowed = entra?.allowedTenants.find((candidate) => candidate.id === tenant);
  return `Microsoft account (${allowed?.name ?? 'another organisation'})`;
}

function statusText(user: PersonRow['user'], now: Date): string {
  if (!user.active) return 'Deactivated';
  if (hasAccepted(user)) return 'Active';
  const invitation = user.emailLinks[0];
  if (!invitation) return 'Not invited by email yet';
  return invitation.expiresAt.getTime() > now.getTime()
    ? `Invited at ${formatDateTime(invitation.createdAt)}, not accepted yet`
    : 'Invitation expired';
}

export interface PeopleSection {
  providerId: string;
  providerName: string;
  /** Whom the viewer may invite and remove: everyone (staff editors), contributors (a lead), nobody. */
  manages: 'everyone' | 'contributors' | 'none';
  /** The viewer may invite someone now (an inactive provider takes nobody new). */
  canInvite: boolean;
  people: {
    userId: string;
    displayName: string;
    email: string;
    roleLabel: string;
    signIn: string;
    status: string;
    lastSignIn: string;
    canRemove: boolean;
    canResend: boolean;
  }[];
}

/** Who has access to a provider, for staff and for the provider's own people. */
export async function peopleSection(
  deps: PeopleDeps,
  actor: CurrentUser,
  provider: { id: string; name: string; active: boolean },
): Promise<PeopleSection> {
  assertCanSeeProvider(actor, provider.id);
  const manages = peopleManagedBy(actor, provider.id);
  const now = deps.clock();
  const rows = await findPeopleOfProvider(deps.prisma, provider.id);
  return {
    providerId: provider.id,
    providerName: provider.name,
    manages,
    canInvite: manages !== 'none' && provider.active,
    people: rows.map(({ role, user }) => {
      const canManage = manages === 'everyone' || (manages === 'contributors' && role === 'contributor');
      return {
        userId: user.id,
        displayName: user.displayName,
        email: user.email,
        roleLabel: MEMBERSHIP_ROLE_LABELS[role],
        signIn: signInMethodText(deps.config, user),
        status: statusText(user, now),
        lastSignIn: user.lastSignInAt ? formatDateTime(user.lastSignInAt) : 'Not yet',
        canRemove: canManage && user.id !== actor.id,
        canResend: canManage && user.active && !hasAccepted(user),
      };
    }),
  };
}
