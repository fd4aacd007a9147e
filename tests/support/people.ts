import { expandEmailLinks } from '../../src/auth/email-links.js';
import type { CurrentUser } from '../../src/auth/current-user.js';
import type { MembershipRole, SignInMethod } from '../../src/generated/prisma/enums.js';
import { invitePerson } from '../../src/people/people.service.js';
import { testConfig, TEST_SESSION_SECRET } from './app.js';
import type { TestDatabase } from './database.js';
import { createUser } from './fixtures.js';

// Provider people in tests: invitations made through the service (as the pages make them), and the
// single-use link an email carries, read from the outbox row as the sender would write it out.

/** A member of staff as the services see a signed-in user. */
export function staffActor(user: {
  id: string;
  email: string;
  displayName: string;
  role: CurrentUser['role'];
}) {
  return { ...user, providerIds: [], leadProviderIds: [] } satisfies CurrentUser;
}

/** Invites `email` to a provider, as an administrator on the provider's page would. */
export async function invite(
  db: TestDatabase,
  input: {
    providerId: string;
    email: string;
    role?: MembershipRole;
    signInMethod?: SignInMethod;
    displayName?: string;
  },
  now = new Date(),
) {
  const admin = await createUser(db.prisma, { role: 'admin', displayName: 'Ada Inviter' });
  return invitePerson(
    { prisma: db.prisma, config: testConfig(), sessionSecret: TEST_SESSION_SECRET, clock: () => now },
    staffActor(admin),
    { displayName: '', role: 'lead', signInMethod: 'microsoft', ...input },
  );
}

/** The path (with its token) of the link in the latest email to `address` that carries one. */
export async function linkInLatestEmail(db: TestDatabase, address: string): Promise<string> {
  const [email] = await db.prisma.outboxEmail.findMany({
    where: { toAddress: address, textBody: { contains: '{{email-link:' } },
    orderBy: { createdAt: 'desc' },
    take: 1,
  });
  if (!email) throw new Error(`No email with a link to ${address}`);
  return linkIn(expandEmailLinks(email.textBody, TEST_SESSION_SECRET, 'http://app.test'));
}

/** The path and query of the first link to this app in an email's text. */
export function linkIn(text: string): string {
  const match = /https?:\/\/[^\s/]+(\/(?:invitation|sign-in\/email\/link)\?token=[A-Za-z0-9_-]+)/.exec(text);
  if (!match?.[1]) throw new Error(`No sign-in or invitation link in: ${text}`);
  return match[1];
}
