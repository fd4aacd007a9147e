import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import * as sendEmail from '../../jobs/send-email.js';
import { startJobs, type ScheduledJobDeps } from '../../jobs/schedule.js';
import { createCaches } from '../../src/caches.js';
import { sha256 } from '../../src/hash.js';
import { createVirusScanner } from '../../src/evidence/virus-scanner.js';
import { createMailer } from '../../src/mail/mailer.js';
import { pathTo, paths } from '../../src/paths.js';
import { freePort } from '../../src/startup.js';
import { csrfTokenFrom, signedInAgent, TEST_SESSION_SECRET } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { chaserConfig } from '../support/chaser-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { useServerProcesses } from '../support/server-process.js';
import { cookieHeader, startSlowUpload } from '../support/slow-upload.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp.js';
import { testLogger } from '../support/test-logger.js';
import { waitFor } from '../support/wait.js';

// SIGTERM, as a platform sends it before replacing an instance: requests already in flight finish,
// new connections are refused, scheduled jobs stop between items, and the process exits 0.

jest.setTimeout(BOUNDS.processes);
const startServerProcess = useServerProcesses();

let db: TestDatabase;
let cwd: string;
let sink: SmtpSink | undefined;
let heldLock: { release(): Promise<void> } | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  cwd = await mkdtemp(join(tmpdir(), 'tracker-sigterm-'));
  await chmod(cwd, 0o755);
});

afterEach(async () => {
  // A failed test may leave these behind.
  await heldLock?.release();
  await sink?.close();
  sink = undefined;
});

afterAll(async () => {
  await db.drop();
  await rm(cwd, { recursive: true, force: true });
});

/** Holds an exclusive lock on a table until released: a request that reads it waits, in flight. */
async function lockTable(table: 'returns') {
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  heldLock = {
    async release() {
      heldLock = undefined;
      await client.query('ROLLBACK');
      client.release();
    },
  };
  return heldLock;
}

async function someoneWaitsFor(table: string): Promise<boolean> {
  const { rows } = await db.pool.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
    [`%${table}%`],
  );
  return (rows[0]?.waiting ?? 0) > 0;
}

/** Whether a new connection to the server is refused (rather than accepted). */
async function refusesConnections(base: string): Promise<boolean> {
  try {
    await fetch(`${base}${paths.health.live}`, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
  }
}

test('in-flight requests finish, new connections are refused, and the process exits 0', async () => {
  const world = await createTwoProviderWorld(db.prisma);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = startServerProcess(cwd, {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: db.url,
    SESSION_SECRET: TEST_SESSION_SECRET,
    // With the jobs scheduled, as in production: they are stopped alongside the server.
    JOBS_ENABLED: 'true',
    DEMO_DATA: 'false',
    LOCAL_SIGN_IN: 'true',
    LOG_LEVEL: 'info',
  });
  await app.waitForOutput(/"msg":"ready: /);
  const lead = await signedInAgent(base, world.leadA.id);
  const returnId = world.returnA.id;
  const requirementId = world.returnA.responses[0]?.requirementId ?? '';
  const uploadPath = pathTo(paths.evidence.upload, { returnId, requirementId });
  const token = csrfTokenFrom((await lead.get(uploadPath).expect(200)).text);

  // In flight at SIGTERM: a page waiting on the database, and an upload half sent.
  const lock = await lockTable('returns');
  const page = lead.get(pathTo(paths.returns.show, { returnId })).then((response) => response);
  await waitFor(() => someoneWaitsFor('returns'), 'the return page to wait on the database');
  const content = Buffer.concat([pdfFile(), Buffer.alloc(64 * 1024, 0x20)]);
  const url = `${base}${uploadPath}`;
  const upload = startSlowUpload({
    url,
    cookie: cookieHeader(lead, url),
    token,
    file: { content, name: 'plan.pdf' },
  });
  await upload.sendPart(Math.floor(upload.totalBytes / 2));

  app.child.kill('SIGTERM');
  await app.waitForOutput(/"msg":"shutting down"/, BOUNDS.condition);
  await waitFor(() => refusesConnections(base), 'new connections to be refused');
  // Still running: it waits for the requests in flight.
  expect(app.child.exitCode).toBeNull();

  await lock.release();
  const shown = await page;
  expect(shown.status).toBe(200);
  expect(shown.text).toContain('</html>');

  await upload.finish();
  const reply = await upload.reply;
  expect(reply.status).toBe(302);
  expect(await db.prisma.evidenceFile.count({ where: { sha256: sha256(content) } })).toBe(1);

  // Against hanging, not a speed target.
  await waitFor(() => app.child.exitCode !== null, 'the process to exit');
  expect(await app.exited).toBe(0);
  expect(app.output()).toContain('"msg":"stopped"');
});

test('the email sender stops between emails at shut-down: each is sent and marked, or untouched', async () => {
  // Slow to answer from the fourth email on: the sender is mid-send when told to stop.
  const smtp = await startSmtpSink({ holdAfter: 3 });
  sink = smtp;
  const config = chaserConfig(smtp.port, { JOBS_SEND_EMAIL_CRON: '* * * * * *', SMTP_POOL_SIZE: '2' });
  const deps: ScheduledJobDeps = {
    prisma: db.prisma,
    pool: db.pool,
    logger: testLogger,
    clock: () => new Date(),
    config,
    mailer: createMailer(config.mail, testLogger),
    scanner: createVirusScanner(config.scanner),
    sessionSecret: TEST_SESSION_SECRET,
    caches: createCaches(),
  };
  const batch = randomUUID();
  const total = 40;
  await db.prisma.outboxEmail.createMany({
    data: Array.from({ length: total }, (_, index) => ({
      idempotencyKey: `${batch}:${index}`,
      toAddress: `lead${index}@alpha.example.nhs.uk`,
      subject: `Email ${index}`,
      textBody: `Email ${index}`,
      htmlBody: `<p>Email ${index}</p>`,
    })),
  });
  const keyOf = (email: (typeof smtp.received)[number]) => {
    const key = email.parsed.headers.get('x-tracker-email-key');
    return typeof key === 'string' ? key : '';
  };

  const scheduler = startJobs(deps);
  try {
    await waitFor(() => smtp.held() > 0, 'the sender to be part-way through the emails');
  } finally {
    const stopped = scheduler.stop();
    smtp.release();
    await stopped;
  }

  const rows = await db.prisma.outboxEmail.findMany({ where: { idempotencyKey: { startsWith: batch } } });
  const received = smtp.received.map(keyOf);
  const sent = rows.filter((row) => row.status === 'sent');
  const untouched = rows.filter((row) => row.status === 'pending');
  // It stopped part-way (a sender that ignored shut-down would have sent all of them first) ...
  expect(untouched.length).toBeGreaterThan(0);
  // ... and every row is either sent and marked, or pending as it was: none left claimed, none lost.
  expect(sent.length + untouched.length).toBe(total);
  expect(untouched.every((row) => row.attempts === 0 && row.leaseExpiresAt === null)).toBe(true);
  // What the SMTP server received is exactly what is marked sent, each once.
  expect([...received].sort()).toEqual(sent.map((row) => row.idempotencyKey).sort());
  expect(new Set(received).size).toBe(received.length);

  // The next run delivers the rest, and still nothing twice.
  await sendEmail.run(deps);
  await deps.mailer.close();
  const all = smtp.received.map(keyOf);
  expect(new Set(all).size).toBe(total);
  expect(all.length).toBe(total);
  expect(
    await db.prisma.outboxEmail.count({ where: { idempotencyKey: { startsWith: batch }, status: 'sent' } }),
  ).toBe(total);
});
