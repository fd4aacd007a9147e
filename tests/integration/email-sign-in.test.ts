import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import type { Config } from '../../src/config.js';
import { sha256 } from '../../src/hash.js';
import { createMailer, type Mailer } from '../../src/mail/mailer.js';
import { paths } from '../../src/paths.js';
import { sendDueEmails } from '../../src/reminders/sender.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, testConfig, type Agent } from '../support/app.js';
import { fakeClock, jobDeps, type FakeClock } from '../support/chaser-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createProvider, createProviderLead, createUser } from '../support/fixtures.js';
import { invite, linkIn } from '../support/people.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';
import { testLogger } from '../support/test-logger.js';

// Sign-in by email link end to end: the app writes the email to the outbox, the sender delivers it
// through the real mailer to a real SMTP server on loopback, and the test follows the link in the
// email it received. The clock is the app's (fake) clock.

let db: TestDatabase;
let sink: SmtpSink;
let mailer: Mailer;
let config: Config;
let time: FakeClock;

/** The app's mail goes to the SMTP server on loopback; the app itself is plain http, as in tests. */
function mailConfig(environment: Record<string, string> = {}) {
  return testConfig({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    SMTP_POOL_SIZE: '2',
    MAIL_FROM: 'AIS and EDS compliance <no-reply@icb.example.nhs.uk>',
    ...environment,
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  sink = await startSmtpSink();
  config = mailConfig();
  mailer = createMailer(config.mail, testLogger);
  time = fakeClock(new Date('2026-12-05T10:00:00Z'));
});
afterEach(() => {
  sink.take();
});
afterAll(async () => {
  await mailer.close();
  await sink.close();
  await db.drop();
});

function app(environment: Record<string, string> = {}) {
  return buildTestApp(db, {
    config: Object.keys(environment).length === 0 ? config : mailConfig(environment),
    clock: time.clock,
    mailer,
  });
}

/** Runs the sender as its job would, and returns what the SMTP server received. */
async function deliver() {
  await sendDueEmails(jobDeps(db, config, time, mailer));
  return sink.take();
}

/** The one email delivered to `address` by the sender's next run, and the link in it. */
async function linkDeliveredTo(address: string) {
  const emails = (await deliver()).filter((email) => email.envelopeTo.includes(address));
  expect(emails).toHaveLength(1);
  const [email] = emails;
  if (!email) throw new Error('no email');
  return { email: email.parsed, link: linkIn(email.parsed.text ?? '') };
}

/** A care home with a person who signs in by email (invitation accepted earlier). */
async function emailLinkPerson(options: { role?: 'lead' | 'contributor' } = {}) {
  const provider = await createProvider(db.prisma, {
    name: `Care Home ${randomUUID().slice(0, 6)}`,
    type: 'care_home',
  });
  const user = await createProviderLead(db.prisma, provider.id, {
    email: `carer-${randomUUID().slice(0, 8)}@carehome.example`,
    signInMethod: 'email_link',
    lastSignInAt: new Date('2026-11-01T09:00:00Z'),
  });
  if (options.role) {
    await db.prisma.membership.update({
      where: { userId_providerId: { userId: user.id, providerId: provider.id } },
      data: { role: options.role },
    });
  }
  return { provider, user };
}

async function askForLink(agent: Agent, email: string, headers: Record<string, string> = {}) {
  const page = await agent.get(paths.emailSignIn.request).set(headers).expect(200);
  return agent
    .post(paths.emailSignIn.request)
    .set(headers)
    .type('form')
    .send({ _csrf: csrfTokenFrom(page.text), email });
}

/** Opens a link and presses its button, as the person would. */
async function followLink(agent: Agent, link: string) {
  const page = await agent.get(link);
  if (page.status !== 200) return page;
  const token = new URL(link, 'http://app.test').searchParams.get('token') ?? '';
  return agent
    .post(paths.emailSignIn.link)
    .type('form')
    .send({ _csrf: csrfTokenFrom(page.text), token });
}

const sessionCookie = (response: supertest.Response) =>
  /tracker\.sid=([^;]+)/.exec([response.headers['set-cookie'] ?? ''].flat().join(';'))?.[1];

describe('signing in with a link sent by email', () => {
  test('invited to sign in by email: the invitation link signs them in; later a sign-in link does', async () => {
    const provider = await createProvider(db.prisma, { name: 'Rosewood Care Home', type: 'care_home' });
    const address = `manager-${randomUUID().slice(0, 6)}@rosewood.example`;
    const { userId } = await invite(
      db,
      {
        providerId: provider.id,
        email: address,
        signInMethod: 'email_link',
        role: 'contributor',
        displayName: 'Rosa Carer',
      },
      time.now,
    );
    const web = app();

    // The invitation, delivered: it says how to sign in, and its link signs them in once.
    const invitation = await linkDeliveredTo(address);
    expect(invitation.email.subject).toBe(
      'Invitation: Rosewood Care Home on Accessible information and equality compliance',
    );
    expect(invitation.email.text).toContain('as a contributor for Rosewood Care Home');
    expect(invitation.email.text).toContain('choose to get a sign-in link by email');
    expect(invitation.email.html).toContain(`href="${config.publicBaseUrl}${invitation.link}"`);
    const first = supertest.agent(web);
    const accept = await first.get(invitation.link).expect(200);
    expect(accept.text).toContain('Accept your invitation');
    const accepted = await first
      .post(paths.invitation)
      .type('form')
      .send({
        _csrf: csrfTokenFrom(accept.text),
        token: new URL(invitation.link, 'http://x').searchParams.get('token'),
      })
      .expect(302);
    expect(accepted.headers.location).toBe(paths.home);
    expect((await first.get(paths.home).expect(200)).text).toContain('Rosewood Care Home');

    // Another day, another browser: ask for a link, read it from the email, press the button.
    const agent = supertest.agent(web);
    const asked = await askForLink(agent, address.toUpperCase());
    expect(asked.status).toBe(302);
    expect(asked.headers.location).toBe(paths.emailSignIn.sent);
    const sent = await agent.get(paths.emailSignIn.sent).expect(200);
    expect(sent.text).toContain(`If <strong>${address}</strong> was invited to sign in by email`);
    const { email, link } = await linkDeliveredTo(address);
    expect(email.subject).toBe('Your sign-in link for Accessible information and equality compliance');
    expect(email.text).toContain('It works once, within 15 minutes');
    const before = sessionCookie(await agent.get(link).expect(200));
    const signedIn = await followLink(agent, link);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.location).toBe(paths.home);
    // A new session on sign-in, as for Microsoft sign-in (a planted session id is worthless).
    expect(sessionCookie(signedIn)).toBeDefined();
    expect(sessionCookie(signedIn)).not.toBe(before);
    expect((await agent.get(paths.home).expect(200)).text).toContain('Rosa Carer');

    const actions = await db.prisma.auditEvent.findMany({
      where: {
        OR: [{ entityId: userId }, { entityType: 'email_link' }],
        action: { startsWith: 'email_link' },
      },
      select: { action: true, after: true },
    });
    const forThem = actions.filter((event) => (event.after as { userId?: string }).userId === userId);
    expect(forThem.map((event) => event.action).sort()).toEqual([
      'email_link.sent',
      'email_link.sent',
      'email_link.used',
      'email_link.used',
    ]);
    expect(
      await db.prisma.auditEvent.count({
        where: { entityId: userId, action: 'user.signed_in', after: { equals: { method: 'email_link' } } },
      }),
    ).toBe(2);
  });

  test('the token is stored nowhere: the link row keeps its digest, the outbox a placeholder', async () => {
    const { user } = await emailLinkPerson();
    await askForLink(supertest.agent(app()), user.email);
    const { link } = await linkDeliveredTo(user.email);
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await db.prisma.emailLink.findFirstOrThrow({ where: { userId: user.id } });
    expect(row.tokenSha256).toBe(sha256(token));
    const [outbox] = await db.prisma.$queryRaw<{ found: bigint }[]>`
      SELECT count(*) AS found FROM outbox_emails WHERE text_body LIKE ${`%${token}%`} OR html_body LIKE ${`%${token}%`}`;
    expect(Number(outbox?.found)).toBe(0);
    const [audit] = await db.prisma.$queryRaw<{ found: bigint }[]>`
      SELECT count(*) AS found FROM audit_events WHERE after::text LIKE ${`%${token}%`}`;
    expect(Number(audit?.found)).toBe(0);
  });

  test('replay: a used link says so and offers a new one', async () => {
    const { user } = await emailLinkPerson();
    const web = app();
    await askForLink(supertest.agent(web), user.email);
    const { link } = await linkDeliveredTo(user.email);
    // A page opened before the link was used, to press its button afterwards.
    const replay = supertest.agent(web);
    const openedEarlier = await replay.get(link).expect(200);
    expect((await followLink(supertest.agent(web), link)).status).toBe(302);

    const page = await replay.get(link);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This sign-in link has already been used');
    expect(page.text).toContain('Get a new sign-in link');
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const again = await replay
      .post(paths.emailSignIn.link)
      .type('form')
      .send({ _csrf: csrfTokenFrom(openedEarlier.text), token });
    expect(again.status).toBe(410);
    expect((await replay.get(paths.home)).headers.location).toBe(paths.signIn);
    expect(
      await db.prisma.auditEvent.count({
        where: { action: 'email_link.refused', after: { path: ['userId'], equals: user.id } },
      }),
    ).toBe(2);
  });

  test('two presses at once: one signs in, the other is told the link was used', async () => {
    const { user } = await emailLinkPerson();
    const web = app();
    await askForLink(supertest.agent(web), user.email);
    const { link } = await linkDeliveredTo(user.email);
    const [one, two] = [supertest.agent(web), supertest.agent(web)];
    const [pageOne, pageTwo] = await Promise.all([one.get(link), two.get(link)]);
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const presses = await Promise.all(
      [
        [one, pageOne],
        [two, pageTwo],
      ].map(([agent, page]) =>
        (agent as Agent)
          .post(paths.emailSignIn.link)
          .type('form')
          .send({ _csrf: csrfTokenFrom((page as supertest.Response).text), token }),
      ),
    );
    expect(presses.map((press) => press.status).sort()).toEqual([302, 410]);
  });

  test('expiry: the link works for 15 minutes and then says it has expired', async () => {
    const { user } = await emailLinkPerson();
    const web = app();
    await askForLink(supertest.agent(web), user.email);
    const early = await linkDeliveredTo(user.email);
    time.advance(15 * 60_000 - 1_000);
    expect((await followLink(supertest.agent(web), early.link)).status).toBe(302);

    await askForLink(supertest.agent(web), user.email);
    const late = await linkDeliveredTo(user.email);
    time.advance(15 * 60_000);
    const expired = await supertest.agent(web).get(late.link);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This sign-in link has expired');
    expect(expired.text).toContain('Get a new sign-in link');
  });

  test('tampering: a changed or cut-short token is "not valid", and audited without being a user’s', async () => {
    const { user } = await emailLinkPerson();
    const web = app();
    await askForLink(supertest.agent(web), user.email);
    const { link } = await linkDeliveredTo(user.email);
    const token = new URL(link, 'http://x').searchParams.get('token') ?? '';
    const changed = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [changed, token.slice(0, 20), '', '<script>']) {
      const page = await supertest
        .agent(web)
        .get(`${paths.emailSignIn.link}?token=${encodeURIComponent(bad)}`);
      expect(page.status).toBe(400);
      expect(page.text).toContain('This sign-in link is not valid');
    }
    const refused = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'email_link.refused', after: { path: ['tokenSha256'], equals: sha256(changed) } },
    });
    expect(refused.after).toMatchObject({ reason: 'invalid', purpose: 'sign_in' });
    // The real link still works.
    expect((await followLink(supertest.agent(web), link)).status).toBe(302);
  });

  test('a link is bound to its person: once they are removed from their provider it no longer signs them in', async () => {
    const { user, provider } = await emailLinkPerson();
    const web = app();
    await askForLink(supertest.agent(web), user.email);
    const { link } = await linkDeliveredTo(user.email);
    await db.prisma.membership.delete({
      where: { userId_providerId: { userId: user.id, providerId: provider.id } },
    });
    const refused = await followLink(supertest.agent(web), link);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('You cannot sign in with this link');
  });
});

describe('no account discovery', () => {
  test('the answer is the same whatever the address; only someone who signs in by email gets an email', async () => {
    const { user } = await emailLinkPerson();
    const microsoft = await createProviderLead(db.prisma, (await createProvider(db.prisma)).id, {
      email: `ms-${randomUUID().slice(0, 6)}@trust.example.nhs.uk`,
    });
    const staff = await createUser(db.prisma, { role: 'admin' });
    const deactivated = (await emailLinkPerson()).user;
    await db.prisma.user.update({ where: { id: deactivated.id }, data: { active: false } });
    const unknown = `nobody-${randomUUID().slice(0, 6)}@example.org`;
    const web = app();

    const answers = [];
    for (const address of [user.email, microsoft.email, staff.email, deactivated.email, unknown]) {
      const agent = supertest.agent(web);
      const asked = await askForLink(agent, address);
      const page = await agent.get(paths.emailSignIn.sent);
      answers.push({
        status: asked.status,
        location: asked.headers.location as unknown,
        // The page names the address typed; its per-response nonce differs anyway.
        page: page.text.replaceAll(address, 'ADDRESS').replace(/nonce="[^"]+"/g, ''),
      });
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    const delivered = await deliver();
    expect(delivered.flatMap((email) => email.envelopeTo)).toEqual([user.email]);
    const notSent = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'email_link.not_sent', after: { path: ['addressSha256'], equals: sha256(unknown) } },
    });
    expect(JSON.stringify(notSent.after)).not.toContain(unknown);
  });

  test('a form without an address is shown again with the problem, and sends nothing', async () => {
    const agent = supertest.agent(app());
    const refused = await askForLink(agent, 'not an address');
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Enter an email address in the correct format');
    expect(refused.text).toContain('value="not an address"');
    expect(await deliver()).toEqual([]);
  });
});

describe('rate limits on asking for links (counted in PostgreSQL)', () => {
  test('per address, from whichever IP address, and per IP address, whatever the address; an hour later, again', async () => {
    await db.prisma.rateLimitHit.deleteMany();
    const web = app({
      RATE_LIMIT_EMAIL_LINKS_PER_ADDRESS: '2',
      RATE_LIMIT_EMAIL_LINKS_PER_IP: '4',
      TRUST_PROXY: '1',
    });
    const { user } = await emailLinkPerson();
    const from = (ip: string) => ({ 'X-Forwarded-For': ip });

    expect((await askForLink(supertest.agent(web), user.email, from('10.0.0.1'))).status).toBe(302);
    expect((await askForLink(supertest.agent(web), user.email, from('10.0.0.2'))).status).toBe(302);
    const perAddress = await askForLink(supertest.agent(web), user.email, from('10.0.0.3'));
    expect(perAddress.status).toBe(429);
    expect(Number(perAddress.headers['retry-after'])).toBeGreaterThan(60);
    expect(Number(perAddress.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(perAddress.text).toContain('You have asked for several sign-in links in a short time');
    // An unknown address is counted the same way (the limit tells nothing about the address).
    const unknown = `nobody-${randomUUID().slice(0, 6)}@example.org`;
    expect((await askForLink(supertest.agent(web), unknown, from('10.0.0.4'))).status).toBe(302);
    expect((await askForLink(supertest.agent(web), unknown, from('10.0.0.4'))).status).toBe(302);
    expect((await askForLink(supertest.agent(web), unknown, from('10.0.0.4'))).status).toBe(429);

    const ip = from('10.0.0.9');
    for (let n = 1; n <= 4; n++) {
      const address = `many-${n}-${randomUUID().slice(0, 4)}@example.org`;
      expect({ n, status: (await askForLink(supertest.agent(web), address, ip)).status }).toEqual({
        n,
        status: 302,
      });
    }
    expect((await askForLink(supertest.agent(web), `fifth-${randomUUID()}@example.org`, ip)).status).toBe(
      429,
    );
    // Only the two links asked for within the limit were written.
    expect(await db.prisma.emailLink.count({ where: { userId: user.id } })).toBe(2);

    time.advance(60 * 60_000 + 1_000);
    expect((await askForLink(supertest.agent(web), user.email, from('10.0.0.3'))).status).toBe(302);
  });
});

test('switched off (EMAIL_SIGN_IN=false): no email sign-in pages, and the sign-in page does not offer it', async () => {
  const web = buildTestApp(db, { config: testConfig({ EMAIL_SIGN_IN: 'false' }) });
  await supertest(web).get(paths.emailSignIn.request).expect(404);
  await supertest(web).get(`${paths.emailSignIn.link}?token=x`).expect(404);
  // The local sign-in is then the only way in here.
  expect((await supertest(web).get(paths.signIn).expect(302)).headers.location).toBe(paths.localSignIn);
});

test('the sign-in page lists each way in when there are several', async () => {
  const page = await supertest(app()).get(paths.signIn).expect(200);
  expect(page.text).toContain('Get a sign-in link by email');
  expect(page.text).toContain('Sign in as a demo user');
  const signedIn = await signedInAgent(app(), (await emailLinkPerson()).user.id);
  await signedIn.get(paths.home).expect(200);
});
