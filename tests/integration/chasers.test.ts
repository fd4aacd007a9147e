import { run as enqueueJob } from '../../jobs/enqueue-chasers.js';
import type { ReminderJobDeps } from '../../jobs/reminder-job-deps.js';
import { run as sendJob } from '../../jobs/send-email.js';
import type { Config } from '../../src/config.js';
import { enqueueChasers } from '../../src/reminders/enqueue.service.js';
import { claimBatch, messageId, sendDueEmails } from '../../src/reminders/sender.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  chaserConfig,
  createChaserWorld,
  dayFrom,
  fakeClock,
  jobDeps,
  settleEverything,
  type FakeClock,
} from '../support/chaser-fixtures.js';
import { createProviderLead, importTestStandards } from '../support/fixtures.js';
import { freePort } from '../../src/startup.js';
import { addresses, startSmtpSink, type ReceivedEmail, type SmtpSink } from '../support/smtp.js';

// Chasers end to end: the job writes the outbox, the sender delivers it through the real mailer
// (nodemailer, pooled SMTP) to a real SMTP server on loopback, on a fake clock, against PostgreSQL.

let db: TestDatabase;
let sink: SmtpSink;
let config: Config;
let time: FakeClock;
let deps: ReminderJobDeps;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  sink = await startSmtpSink();
  config = chaserConfig(sink.port);
  time = fakeClock(dayFrom(-30));
  deps = jobDeps(db, config, time);
});
afterEach(async () => {
  await settleEverything(db.prisma);
  sink.take();
});
afterAll(async () => {
  await deps.mailer.close();
  await sink.close();
  await db.drop();
});

/** Runs the day's jobs as the schedule would: write today's chasers, then send the outbox. */
async function runDay(day: Date, jobs: ReminderJobDeps = deps): Promise<ReceivedEmail[]> {
  time.set(day);
  expect((await enqueueJob(jobs)).status).toBe('succeeded');
  expect((await sendJob(jobs)).status).toBe('succeeded');
  return sink.take();
}

function returnUrl(returnId: string): string {
  return `https://tracker.example.nhs.uk/returns/${returnId}`;
}

describe('the ladder: 14 and 3 days before, on the due date, every 7 days overdue, escalation from 14', () => {
  test('the exact emails on each rung, nothing between rungs, and nothing after submission', async () => {
    const world = await createChaserWorld(db.prisma);
    const lead = world.leads[0];
    if (!lead) throw new Error('no lead');
    const url = returnUrl(world.theReturn.id);

    const byDay = new Map<number, ReceivedEmail[]>();
    for (let day = -20; day <= 29; day += 1) {
      const emails = await runDay(dayFrom(day));
      if (emails.length > 0) byDay.set(day, emails);
    }
    expect([...byDay.keys()]).toEqual([-14, -3, 0, 7, 14, 21, 28]);
    const only = (day: number) => {
      const emails = byDay.get(day) ?? [];
      expect(emails).toHaveLength(1);
      const email = emails[0];
      if (!email) throw new Error(`no email on day ${day}`);
      return email.parsed;
    };

    // 14 days before, word for word.
    const first = only(-14);
    expect(first.subject).toBe(
      'Reminder: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) is due on 31 March 2027',
    );
    expect(addresses(first.to)).toEqual([lead.email]);
    expect(addresses(first.cc)).toEqual([]);
    expect(first.from?.value).toEqual([
      { name: 'AIS and EDS compliance', address: 'no-reply@icb.example.nhs.uk' },
    ]);
    expect(addresses(first.replyTo)).toEqual(['compliance@icb.example.nhs.uk']);
    expect(first.text?.trim()).toBe(
      [
        'Dear Lena Lead,',
        '',
        'The Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust for 2026/27 is due on 31 March 2027, in 14 days.',
        '',
        'Provider: Alpha Hospitals NHS Trust',
        'Standard: Accessible Information Standard 2025',
        'Reporting period: 2026/27',
        'Due date: 31 March 2027',
        'Days overdue: None yet',
        '',
        'Open the Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust:',
        url,
        '',
        'You are receiving this email because you are a provider lead for Alpha Hospitals NHS Trust on the Accessible information and equality compliance service run by NHS West Yorkshire Integrated Care Board.',
      ].join('\n'),
    );
    // The HTML says the same with real structure: a heading, a table with header cells, a named link.
    const html = String(first.html);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain(
      '<h1 style="font-size: 28px; line-height: 1.2;">Your return is due in 14 days</h1>',
    );
    expect(html).toContain('<h2 style="font-size: 20px;">Return details</h2>');
    expect(html).toMatch(/<th scope="row"[^>]*>Days overdue<\/th><td[^>]*>None yet<\/td>/);
    expect(html).toContain(
      `<a href="${url}" style="color: #005eb8;">Open the Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust</a>`,
    );
    expect(html).not.toMatch(/<img/i);

    const rungs: [number, string, string, string[]][] = [
      [
        -3,
        'Reminder: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) is due on 31 March 2027',
        'is due on 31 March 2027, in 3 days.',
        [],
      ],
      [
        0,
        'Due today: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27)',
        'is due today, 31 March 2027.',
        [],
      ],
      [
        7,
        'Overdue: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) was due on 31 March 2027',
        'was due on 31 March 2027. It is now 7 days overdue.',
        [],
      ],
      [
        14,
        'Overdue: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) was due on 31 March 2027',
        'was due on 31 March 2027. It is now 14 days overdue.',
        [world.manager.email],
      ],
      [
        21,
        'Overdue: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) was due on 31 March 2027',
        'was due on 31 March 2027. It is now 21 days overdue.',
        [world.manager.email],
      ],
    ];
    for (const [day, subject, lead, cc] of rungs) {
      const email = only(day);
      expect({ day, subject: email.subject, to: addresses(email.to), cc: addresses(email.cc) }).toEqual({
        day,
        subject,
        to: [world.leads[0]?.email],
        cc,
      });
      expect(email.text).toContain(
        `The Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust for 2026/27 ${lead}`,
      );
      expect(email.text).toContain(`Days overdue: ${day > 0 ? String(day) : 'None yet'}`);
      expect(email.text).toContain(url);
    }

    // The escalation, word for word: the contract manager is copied in and the lead is told so.
    expect(only(14).text?.trim()).toBe(
      [
        'Dear Lena Lead,',
        '',
        'The Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust for 2026/27 was due on 31 March 2027. It is now 14 days overdue.',
        '',
        'Because the return is 14 days overdue, your contract manager at NHS West Yorkshire Integrated Care Board, Cora Manager, is copied into this email.',
        '',
        'Provider: Alpha Hospitals NHS Trust',
        'Standard: Accessible Information Standard 2025',
        'Reporting period: 2026/27',
        'Due date: 31 March 2027',
        'Days overdue: 14',
        '',
        'Open the Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust:',
        url,
        '',
        'You are receiving this email because you are a provider lead for Alpha Hospitals NHS Trust on the Accessible information and equality compliance service run by NHS West Yorkshire Integrated Care Board.',
      ].join('\n'),
    );
    // The SMTP envelope really went to both.
    expect(byDay.get(14)?.[0]?.envelopeTo.sort()).toEqual([lead.email, world.manager.email].sort());

    // Submitted: nothing more, however overdue.
    await db.prisma.return.update({
      where: { id: world.theReturn.id },
      data: { status: 'submitted', submittedAt: time.now },
    });
    for (let day = 30; day <= 50; day += 1) expect(await runDay(dayFrom(day))).toEqual([]);

    // Every email was written once, audited once when written and once when sent.
    const emails = await db.prisma.outboxEmail.findMany({ where: { returnId: world.theReturn.id } });
    expect(emails.map((email) => email.stage)).toEqual([
      '-14@2027-03-31',
      '-3@2027-03-31',
      '0@2027-03-31',
      '+7@2027-03-31',
      '+14@2027-03-31',
      '+21@2027-03-31',
      '+28@2027-03-31',
    ]);
    expect(emails.every((email) => email.status === 'sent' && email.attempts === 1)).toBe(true);
    const audit = await db.prisma.auditEvent.groupBy({
      by: ['action'],
      where: { returnId: world.theReturn.id },
      _count: { _all: true },
    });
    expect(Object.fromEntries(audit.map((row) => [row.action, row._count._all]))).toEqual({
      'chaser.queued': 7,
      'email.sent': 7,
    });
  });

  test('a day the job did not run is caught up with the latest rung reached, not every rung missed', async () => {
    const world = await createChaserWorld(db.prisma);
    // The first run is 5 days before the due date: the 14-day rung was missed, the 3-day one not reached.
    const late = await runDay(dayFrom(-5));
    expect(late.map((email) => email.parsed.subject)).toEqual([
      'Reminder: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) is due on 31 March 2027',
    ]);
    expect(late[0]?.parsed.text).toContain('is due on 31 March 2027, in 5 days.');
    expect(await runDay(dayFrom(-4))).toEqual([]);
    expect(await runDay(dayFrom(-3))).toHaveLength(1);
    const stages = await db.prisma.outboxEmail.findMany({
      where: { returnId: world.theReturn.id },
      select: { stage: true },
    });
    expect(stages.map((row) => row.stage)).toEqual(['-14@2027-03-31', '-3@2027-03-31']);
  });

  test('every lead is chased separately (contributors are not: a lead submits); a return of a provider with no lead is chased to its contract manager only once escalated', async () => {
    const two = await createChaserWorld(db.prisma, { leads: 2 });
    const none = await createChaserWorld(db.prisma, { leads: 0 });
    await createProviderLead(db.prisma, two.provider.id).then((contributor) =>
      db.prisma.membership.update({
        where: { userId_providerId: { userId: contributor.id, providerId: two.provider.id } },
        data: { role: 'contributor' },
      }),
    );
    const due = await runDay(dayFrom(0));
    expect(due.flatMap((email) => addresses(email.parsed.to)).sort()).toEqual(
      two.leads.map((lead) => lead.email).sort(),
    );
    const escalated = await runDay(dayFrom(14));
    const toManager = escalated.filter((email) => addresses(email.parsed.to).includes(none.manager.email));
    expect(toManager).toHaveLength(1);
    expect(addresses(toManager[0]?.parsed.cc)).toEqual([]);
    // The two leads' escalation emails each copy their contract manager.
    const toLeads = escalated.filter((email) => !addresses(email.parsed.to).includes(none.manager.email));
    expect(toLeads.map((email) => addresses(email.parsed.cc))).toEqual([
      [two.manager.email],
      [two.manager.email],
    ]);
  });
});

describe('due dates that move', () => {
  test('a returned return is chased against its new due date', async () => {
    const world = await createChaserWorld(db.prisma);
    expect(await runDay(dayFrom(0))).toHaveLength(1);
    // Submitted, then sent back for changes with a new due date 30 April 2027.
    const newDue = new Date('2027-04-30T00:00:00Z');
    await db.prisma.return.update({
      where: { id: world.theReturn.id },
      data: { status: 'submitted', submittedAt: time.now },
    });
    expect(await runDay(dayFrom(7))).toEqual([]);
    await db.prisma.return.update({
      where: { id: world.theReturn.id },
      data: { status: 'returned', dueDate: newDue },
    });
    expect(await runDay(dayFrom(-15, newDue))).toEqual([]);
    const reminder = await runDay(dayFrom(-14, newDue));
    expect(reminder.map((email) => email.parsed.subject)).toEqual([
      'Reminder: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) is due on 30 April 2027',
    ]);
    expect(reminder[0]?.parsed.text).toContain(
      'Your contract manager sent this return back to you for changes. Update the answers they asked about and submit it again.',
    );
    expect((await runDay(dayFrom(0, newDue))).map((email) => email.parsed.subject)).toEqual([
      'Due today: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27)',
    ]);
  });

  test('an agreed extension moves the ladder, and a chaser written for the old date is not sent', async () => {
    const world = await createChaserWorld(db.prisma);
    expect(await runDay(dayFrom(-3))).toHaveLength(1);
    // The due-date chaser is written, then the extension is agreed before the sender runs.
    time.set(dayFrom(0));
    await enqueueJob(deps);
    const extended = new Date('2027-05-31T00:00:00Z');
    await db.prisma.return.update({
      where: { id: world.theReturn.id },
      data: { dueDate: extended, extensionReason: 'Board meeting moved' },
    });
    const sent = await sendJob(deps);
    expect(sent).toMatchObject({ status: 'succeeded', counts: { cancelled: 1, sent: 0 } });
    expect(sink.take()).toEqual([]);
    const cancelled = await db.prisma.outboxEmail.findFirstOrThrow({
      where: { returnId: world.theReturn.id, stage: '0@2027-03-31' },
    });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      lastError: 'Not sent: the return’s due date changed before this email went out',
    });
    // Nothing on the old ladder, the new one from 14 days before 31 May.
    for (let day = 1; day <= 45; day += 1) expect(await runDay(dayFrom(day))).toEqual([]);
    const reminder = await runDay(dayFrom(-14, extended));
    expect(reminder.map((email) => email.parsed.subject)).toEqual([
      'Reminder: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27) is due on 31 May 2027',
    ]);
  });

  test('a chaser written just before the return is submitted is not sent', async () => {
    const world = await createChaserWorld(db.prisma);
    time.set(dayFrom(0));
    await enqueueJob(deps);
    await db.prisma.return.update({
      where: { id: world.theReturn.id },
      data: { status: 'submitted', submittedAt: time.now },
    });
    expect(await sendJob(deps)).toMatchObject({ counts: { cancelled: 1, sent: 0 } });
    expect(sink.take()).toEqual([]);
  });
});

describe('exactly once', () => {
  test('running the job twice sends each chaser once', async () => {
    await createChaserWorld(db.prisma, { leads: 2 });
    time.set(dayFrom(-14));
    expect(await enqueueJob(deps)).toMatchObject({ counts: { chasersQueued: 2, alreadyQueued: 0 } });
    expect(await enqueueJob(deps)).toMatchObject({ counts: { chasersQueued: 0, alreadyQueued: 2 } });
    await sendJob(deps);
    expect(await enqueueJob(deps)).toMatchObject({ counts: { chasersQueued: 0, alreadyQueued: 2 } });
    await sendJob(deps);
    expect(sink.take()).toHaveLength(2);
  });

  test('two runs at once send each chaser once: the lock skips one, and without it the key still holds', async () => {
    for (let index = 0; index < 30; index += 1) await createChaserWorld(db.prisma, { leads: 2 });
    time.set(dayFrom(0));
    // Through the job: one run takes the advisory lock; the other is skipped (or, if the first has
    // already finished, finds everything written).
    const outcomes = await Promise.all([enqueueJob(deps), enqueueJob(deps)]);
    expect(outcomes.map((outcome) => outcome.status)).toContain('succeeded');
    expect(
      outcomes.reduce(
        (sum, outcome) => sum + (outcome.status === 'succeeded' ? (outcome.counts.chasersQueued ?? 0) : 0),
        0,
      ),
    ).toBe(60);
    // Straight through the service (as two instances whose locks failed would): nothing new.
    time.set(dayFrom(7));
    const counts = await Promise.all([
      enqueueChasers(deps, time.now, { batchSize: 7 }),
      enqueueChasers(deps, time.now, { batchSize: 11 }),
      enqueueChasers(deps, time.now, { batchSize: 500 }),
    ]);
    expect(counts.reduce((sum, count) => sum + count.chasersQueued, 0)).toBe(60);
    // Two senders at once, without the job's lock: SKIP LOCKED keeps them apart.
    const sent = await Promise.all([
      sendDueEmails(deps, { batchSize: 5 }),
      sendDueEmails(deps, { batchSize: 5 }),
      sendDueEmails(deps, { batchSize: 5 }),
    ]);
    expect(sent.reduce((sum, count) => sum + count.sent, 0)).toBe(120);
    const received = sink.take();
    expect(received).toHaveLength(120);
    const keys = received.map((email) => email.parsed.headers.get('x-tracker-email-key') as string);
    expect(new Set(keys).size).toBe(120);
    expect(new Set(received.map((email) => email.parsed.messageId)).size).toBe(120);
  });
});

describe('when delivery fails', () => {
  test('SMTP down: the emails stay pending, then go out when it is back; none lost', async () => {
    const port = await freePort();
    const downConfig = chaserConfig(port, { MAIL_RETRY_BASE_SECONDS: '60' });
    const down = jobDeps(db, downConfig, time);
    try {
      for (let index = 0; index < 3; index += 1) await createChaserWorld(db.prisma);
      time.set(dayFrom(0));
      await enqueueJob(down);
      expect(await sendJob(down)).toMatchObject({ counts: { claimed: 3, retrying: 3, sent: 0 } });
      const waiting = await db.prisma.outboxEmail.findMany({ where: { status: 'pending' } });
      expect(waiting).toHaveLength(3);
      for (const email of waiting) {
        expect(email).toMatchObject({ status: 'pending', attempts: 1 });
        expect(email.lastError).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
        expect(email.nextAttemptAt.getTime()).toBe(time.now.getTime() + 60_000);
      }
      // Still down a minute later: the second attempt waits twice as long.
      time.advance(60_000);
      expect(await sendJob(down)).toMatchObject({ counts: { retrying: 3 } });
      const second = await db.prisma.outboxEmail.findFirstOrThrow({ where: { status: 'pending' } });
      expect(second.attempts).toBe(2);
      expect(second.nextAttemptAt.getTime()).toBe(time.now.getTime() + 120_000);

      // The server comes back on the same port.
      const back = await startSmtpSink({ port });
      try {
        time.advance(60_000);
        expect(await sendJob(down)).toMatchObject({ counts: { claimed: 0 } });
        time.advance(60_000);
        expect(await sendJob(down)).toMatchObject({ counts: { claimed: 3, sent: 3 } });
        expect(back.take()).toHaveLength(3);
        expect(await db.prisma.outboxEmail.count({ where: { status: 'pending' } })).toBe(0);
      } finally {
        // The pooled mailer holds connections open: close it before the server (closing twice is fine).
        await down.mailer.close();
        await back.close();
      }
    } finally {
      await down.mailer.close();
    }
  });

  test('after the last attempt an email is failed, keeping the error', async () => {
    const port = await freePort();
    const down = jobDeps(
      db,
      chaserConfig(port, { MAIL_MAX_ATTEMPTS: '2', MAIL_RETRY_BASE_SECONDS: '1' }),
      time,
    );
    try {
      const world = await createChaserWorld(db.prisma);
      time.set(dayFrom(0));
      await enqueueJob(down);
      expect(await sendJob(down)).toMatchObject({ counts: { retrying: 1 } });
      time.advance(1_000);
      expect(await sendJob(down)).toMatchObject({ counts: { failed: 1 } });
      const failed = await db.prisma.outboxEmail.findFirstOrThrow({
        where: { returnId: world.theReturn.id },
      });
      expect(failed.status).toBe('failed');
      expect(failed.attempts).toBe(2);
      expect(failed.lastError).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
    } finally {
      await down.mailer.close();
    }
  });

  test('one recipient refused with 550: that email fails at once with the reason, the others are sent', async () => {
    const world = await createChaserWorld(db.prisma, { leads: 3 });
    const refused = world.leads[1]?.email ?? '';
    const picky = await startSmtpSink({ rejectRecipients: [refused] });
    const pickyDeps = jobDeps(db, chaserConfig(picky.port), time);
    try {
      time.set(dayFrom(0));
      await enqueueJob(pickyDeps);
      expect(await sendJob(pickyDeps)).toMatchObject({
        counts: { claimed: 3, sent: 2, failed: 1, retrying: 0 },
      });
      expect(
        picky
          .take()
          .flatMap((email) => addresses(email.parsed.to))
          .sort(),
      ).toEqual(
        world.leads
          .map((lead) => lead.email)
          .filter((email) => email !== refused)
          .sort(),
      );
      const rows = await db.prisma.outboxEmail.findMany({ where: { returnId: world.theReturn.id } });
      const failed = rows.filter((row) => row.status === 'failed');
      expect(failed.map((row) => row.toAddress)).toEqual([refused]);
      expect(failed[0]?.attempts).toBe(1);
      expect(failed[0]?.lastError).toContain('550');
      expect(failed[0]?.lastError).toContain('mailbox unavailable');
      expect(rows.filter((row) => row.status === 'sent')).toHaveLength(2);
      const audit = await db.prisma.auditEvent.findFirstOrThrow({
        where: { action: 'email.failed', entityId: failed[0]?.id ?? '' },
      });
      expect(audit.after).toMatchObject({ status: 'failed', to: refused });
    } finally {
      await pickyDeps.mailer.close();
      await picky.close();
    }
  });

  test('a copy refused for the contract manager does not stop the lead getting the email', async () => {
    const world = await createChaserWorld(db.prisma);
    const picky = await startSmtpSink({ rejectRecipients: [world.manager.email] });
    const pickyDeps = jobDeps(db, chaserConfig(picky.port), time);
    try {
      await runDay(dayFrom(14), pickyDeps);
      const received = picky.take();
      expect(received.map((email) => email.envelopeTo)).toEqual([[world.leads[0]?.email]]);
      const row = await db.prisma.outboxEmail.findFirstOrThrow({ where: { returnId: world.theReturn.id } });
      expect(row.status).toBe('sent');
      expect(row.lastError).toContain(`Refused for ${world.manager.email}`);
    } finally {
      await pickyDeps.mailer.close();
      await picky.close();
    }
  });

  test('a sender killed mid-batch: its emails come back when the lease runs out, none twice, none lost', async () => {
    for (let index = 0; index < 4; index += 1) await createChaserWorld(db.prisma, { leads: 2 });
    time.set(dayFrom(0));
    await enqueueJob(deps);
    // A sender claims the batch... and dies before sending any of it.
    const claimed = await claimBatch(deps, 5);
    expect(claimed).toHaveLength(5);
    // Another sender runs at once: it takes only what the dead one had not claimed.
    expect(await sendJob(deps)).toMatchObject({ counts: { claimed: 3, sent: 3 } });
    expect(sink.take()).toHaveLength(3);
    // Before the lease runs out the claimed rows are left alone ...
    time.advance((config.mail.leaseSeconds - 1) * 1000);
    expect(await sendJob(deps)).toMatchObject({ counts: { claimed: 0 } });
    // ... after it, they are sent.
    time.advance(2_000);
    expect(await sendJob(deps)).toMatchObject({ counts: { claimed: 5, sent: 5 } });
    const received = sink.take();
    expect(received).toHaveLength(5);
    expect(new Set(received.map((email) => email.parsed.messageId)).size).toBe(5);
    const rows = await db.prisma.outboxEmail.findMany({
      where: { id: { in: claimed.map((row) => row.id) } },
    });
    expect(rows.every((row) => row.status === 'sent' && row.attempts === 2)).toBe(true);
    // Nothing is left behind, nothing was sent twice.
    time.advance(3_600_000);
    expect(await sendJob(deps)).toMatchObject({ counts: { claimed: 0 } });
    expect(sink.take()).toEqual([]);
  });

  test('the one at-least-once case: dying after the server accepted an email, before marking it sent, resends it with the same Message-ID', async () => {
    const world = await createChaserWorld(db.prisma);
    time.set(dayFrom(0));
    await enqueueJob(deps);
    const [row] = await claimBatch(deps, 10);
    if (!row) throw new Error('nothing claimed');
    // The sender hands the email to the server ...
    await deps.mailer.send({
      messageId: messageId(row, config.publicBaseUrl),
      to: row.toAddress,
      cc: row.ccAddresses,
      subject: row.subject,
      text: row.textBody,
      html: row.htmlBody,
    });
    // ... and dies before the next statement marks it sent. After the lease it is sent again.
    time.advance((config.mail.leaseSeconds + 1) * 1000);
    expect(await sendJob(deps)).toMatchObject({ counts: { claimed: 1, sent: 1 } });
    const received = sink.take();
    expect(received).toHaveLength(2);
    expect(received[0]?.parsed.messageId).toBe(received[1]?.parsed.messageId);
    expect(
      await db.prisma.outboxEmail.findFirstOrThrow({ where: { returnId: world.theReturn.id } }),
    ).toMatchObject({ status: 'sent', attempts: 2 });
  });
});

test('each job run is recorded with its counts, under the advisory lock', async () => {
  await createChaserWorld(db.prisma);
  // A moment no other test uses, to find this test's runs.
  const moment = new Date(dayFrom(-3).getTime() + 1_234);
  await runDay(moment);
  const runOf = (jobName: string) =>
    db.prisma.jobRun.findFirstOrThrow({ where: { jobName, startedAt: moment } });
  const enqueueRun = await runOf('enqueue-chasers');
  const sendRun = await runOf('send-email');
  expect(enqueueRun).toMatchObject({ status: 'succeeded', finishedAt: moment, counts: { chasersQueued: 1 } });
  expect(sendRun).toMatchObject({ status: 'succeeded', counts: { claimed: 1, sent: 1 } });
  // The audit events written by a run carry its id.
  const queued = await db.prisma.auditEvent.findFirstOrThrow({
    where: { action: 'chaser.queued' },
    orderBy: { id: 'desc' },
  });
  expect(queued.requestId).toBe(enqueueRun.id);
  const sent = await db.prisma.auditEvent.findFirstOrThrow({
    where: { action: 'email.sent' },
    orderBy: { id: 'desc' },
  });
  expect(sent.requestId).toBe(sendRun.id);
});
