import { loadConfig } from '../../src/config.js';
import { problemsOf } from '../support/config.js';

describe('email, reminder and job settings', () => {
  test('defaults: emails kept as files in the data folder, the standard ladder, the digest off', () => {
    const config = loadConfig({});
    expect(config.mail).toEqual({
      transport: { kind: 'files', dir: '.data/mail' },
      from: '"the commissioning organisation" <no-reply@localhost>',
      replyTo: undefined,
      maxAttempts: 8,
      retryBaseSeconds: 60,
      leaseSeconds: 300,
    });
    expect(config.reminders.ladder).toEqual({
      rungs: [-14, -3, 0],
      repeat: { from: 7, every: 7 },
      escalateAfterDays: 14,
    });
    expect(config.jobs).toEqual({
      chasersCron: '0 7 * * *',
      sendEmailCron: '* * * * *',
      digestCron: '0 8 * * 1',
      digestEnabled: false,
    });
  });

  test('SMTP by URL or by host, with credentials', () => {
    expect(loadConfig({ SMTP_URL: 'smtps://user:secret@mail.example.nhs.uk' }).mail.transport).toMatchObject({
      kind: 'smtp',
      url: 'smtps://user:secret@mail.example.nhs.uk',
    });
    expect(
      loadConfig({
        SMTP_HOST: 'mail.example.nhs.uk',
        SMTP_PORT: '465',
        SMTP_SECURE: 'true',
        SMTP_USER: 'tracker',
        SMTP_PASSWORD: 'secret',
        SMTP_POOL_SIZE: '3',
        MAIL_FROM: 'Compliance <no-reply@example.nhs.uk>',
        MAIL_REPLY_TO: 'compliance@example.nhs.uk',
      }).mail,
    ).toMatchObject({
      transport: {
        kind: 'smtp',
        url: undefined,
        host: 'mail.example.nhs.uk',
        port: 465,
        secure: true,
        auth: { user: 'tracker', pass: 'secret' },
        poolSize: 3,
      },
      from: 'Compliance <no-reply@example.nhs.uk>',
      replyTo: 'compliance@example.nhs.uk',
    });
  });

  test('bad mail settings are named', () => {
    const problems = problemsOf({
      SMTP_URL: 'http://mail.example.nhs.uk',
      SMTP_USER: 'tracker',
      MAIL_FROM: 'nobody',
      MAIL_MAX_ATTEMPTS: '0',
    });
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'MAIL_FROM',
      'MAIL_MAX_ATTEMPTS',
      'SMTP_PASSWORD',
      'SMTP_URL',
    ]);
    expect(problemsOf({ SMTP_URL: 'smtp://a.example', SMTP_HOST: 'b.example' })).toEqual([
      'SMTP_URL: set SMTP_URL or SMTP_HOST, not both',
    ]);
  });

  test('the ladder is configuration: another ladder, another escalation day', () => {
    expect(
      loadConfig({ REMINDER_LADDER: '-28, -7, -1, 0, +3, +10r', REMINDER_ESCALATE_AFTER_DAYS: '3' }).reminders
        .ladder,
    ).toEqual({ rungs: [-28, -7, -1, 0, 3], repeat: { from: 10, every: 10 }, escalateAfterDays: 3 });
    expect(loadConfig({ REMINDER_LADDER: '-7,0' }).reminders.ladder.repeat).toBeUndefined();
  });

  test.each([
    ['0,-3', 'rungs must be in ascending order without repeats'],
    ['-3,-3', 'rungs must be in ascending order without repeats'],
    ['-14,+7r,+21', 'only the last rung may repeat, and it must be after the due date (+7r)'],
    ['-7r', 'only the last rung may repeat, and it must be after the due date (+7r)'],
    ['-14,soon', '"soon" is not a rung: use days from the due date such as -14, 0 or +7, and +7r to repeat'],
    ['', '"" is not a rung: use days from the due date such as -14, 0 or +7, and +7r to repeat'],
  ])('a bad ladder %j is refused', (ladder, problem) => {
    // An empty value means "not set" (the default ladder), so test the empty rung inside a list.
    const value = ladder === '' ? '-14,,0' : ladder;
    expect(problemsOf({ REMINDER_LADDER: value })).toEqual([`REMINDER_LADDER: ${problem}`]);
  });

  test('cron expressions are checked, and the digest can be switched on', () => {
    expect(problemsOf({ JOBS_CHASERS_CRON: 'every morning', JOBS_DIGEST_CRON: '61 * * * *' })).toEqual([
      'JOBS_CHASERS_CRON: not a cron expression (five or six fields, e.g. "0 7 * * *")',
      'JOBS_DIGEST_CRON: not a cron expression (five or six fields, e.g. "0 7 * * *")',
    ]);
    expect(
      loadConfig({
        DIGEST_ENABLED: 'true',
        JOBS_DIGEST_CRON: '30 9 * * 5',
        JOBS_SEND_EMAIL_CRON: '*/2 * * * *',
      }).jobs,
    ).toMatchObject({ digestEnabled: true, digestCron: '30 9 * * 5', sendEmailCron: '*/2 * * * *' });
  });

  test('production needs a mail server and a sender address', () => {
    const production = {
      NODE_ENV: 'production',
      ENTRA_TENANT_ID: '2f1b6c8e-0d4a-4e59-9a57-3b1f0c2d4e5f',
      ENTRA_CLIENT_ID: 'tracker-client',
      ENTRA_CLIENT_SECRET: 'client-secret-value',
      SESSION_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgresql://db/tracker',
      PUBLIC_BASE_URL: 'https://tracker.example.nhs.uk',
      CLAMD_HOST: 'clamd.internal',
    };
    expect(problemsOf(production)).toEqual([
      'SMTP_HOST: an SMTP server (SMTP_URL or SMTP_HOST) is required in production',
      'MAIL_FROM: required in production',
    ]);
    expect(
      loadConfig({
        ...production,
        SMTP_HOST: 'mail.example.nhs.uk',
        MAIL_FROM: 'Compliance <no-reply@example.nhs.uk>',
      }).mail.transport.kind,
    ).toBe('smtp');
  });
});
