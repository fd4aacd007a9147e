// `npm run bench:chasers`: 10,000 returns due a chaser -> time to write the chasers to the outbox,
// delivery rate through the real mailer (nodemailer, pooled SMTP) to a local SMTP sink that discards
// what it receives, duplicates seen at the sink, and peak memory. Against a real PostgreSQL
// (DATABASE_URL, else a throw-away embedded one). Not part of the test run. Prints a summary and,
// last, one JSON line.
//
// The sink runs in a child process (this script, forked with --sink), so the memory figure is the
// app side alone: the enqueue job and the sender.
import { fork } from 'node:child_process';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config.js';
import type { Db } from '../src/db/prisma.js';
import { importStandards } from '../src/frameworks/import-standards.js';
import { isoDate, ukToday } from '../src/format.js';
import { createLogger } from '../src/logger.js';
import { createMailer } from '../src/mail/mailer.js';
import { enqueueChasers } from '../src/reminders/enqueue.service.js';
import { sendDueEmails } from '../src/reminders/sender.js';
import { openBenchDatabase } from './bench-support.js';

const RETURNS = Number(process.env.BENCH_RETURNS ?? 10_000);
const MANAGERS = 25;
// Due dates spread over the ladder's rungs: 14 days overdue (copied to the contract manager), due
// today, in 3 days, in 14 days. Every return gets one chaser to its one lead.
const DUE_IN_DAYS = [-14, 0, 3, 14];
const logger = createLogger('silent');

interface SinkStats {
  received: number;
  duplicates: number;
  keys: number;
}

// ---------------------------------------------------------------------------------------------
// The SMTP sink (child process)

function runSink(): void {
  const seen = new Map<string, number>();
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 500,
    onData(stream, _session, callback) {
      let head = '';
      let headDone = false;
      stream.on('data', (chunk: Buffer) => {
        if (headDone) return;
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n') || head.length > 64_000) headDone = true;
      });
      stream.on('end', () => {
        received += 1;
        const key = /^X-Tracker-Email-Key: (.+)$/im.exec(head)?.[1]?.trim() ?? `no-key-${received}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'stats') return;
    const duplicates = [...seen.values()].filter((count) => count > 1).length;
    process.send?.({ received, duplicates, keys: seen.size } satisfies SinkStats, () => {
      server.close(() => process.exit(0));
    });
  });
}

interface Sink {
  port: number;
  stats(): Promise<SinkStats>;
}

function startSinkProcess(): Promise<Sink> {
  const child = fork(process.argv[1] ?? '', ['--sink'], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (message: { port: number }) => {
      resolve({
        port: message.port,
        stats: () =>
          new Promise((resolveStats) => {
            child.once('message', (stats: SinkStats) => resolveStats(stats));
            child.send({ type: 'stats' });
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Seeding: providers, leads, contracts and returns in bulk

async function seed(prisma: Db, today: Date): Promise<void> {
  await importStandards(prisma, logger);
  const versions = await prisma.frameworkVersion.findMany({
    where: {
      OR: [
        { code: '2025', framework: { code: 'AIS' } },
        { code: '2022', framework: { code: 'EDS' } },
      ],
    },
  });
  const providers = Math.ceil(RETURNS / versions.length);
  const period = await prisma.reportingPeriod.create({
    data: { label: '2026/27', startDate: new Date('2026-04-01'), endDate: new Date('2027-03-31') },
  });
  const dueDates = DUE_IN_DAYS.map((days) => isoDate(new Date(today.getTime() + days * 86_400_000)));
  await prisma.$executeRaw`
    INSERT INTO users (email, display_name, role)
    SELECT 'manager' || n || '@icb.example.nhs.uk', 'Contract Manager ' || n, 'contract_manager'
    FROM generate_series(1, ${MANAGERS}) AS n`;
  await prisma.$executeRaw`
    INSERT INTO providers (name, ods_code, type)
    SELECT 'Bench Provider ' || n, 'B' || lpad(n::text, 6, '0'), 'acute_trust'
    FROM generate_series(1, ${providers}) AS n`;
  await prisma.$executeRaw`
    INSERT INTO users (email, display_name, role)
    SELECT 'lead' || n || '@provider' || n || '.example.nhs.uk', 'Provider Lead ' || n, 'provider_lead'
    FROM generate_series(1, ${providers}) AS n`;
  await prisma.$executeRaw`
    INSERT INTO memberships (user_id, provider_id)
    SELECT u.id, p.id FROM providers p
    JOIN users u ON u.email = 'lead' || substr(p.ods_code, 2)::int || '@provider' || substr(p.ods_code, 2)::int || '.example.nhs.uk'`;
  await prisma.$executeRaw`
    INSERT INTO contracts (provider_id, reference, start_date, contract_manager_id)
    SELECT p.id, 'BENCH-' || p.ods_code, DATE '2026-04-01',
           (SELECT id FROM users WHERE email = 'manager' || (1 + substr(p.ods_code, 2)::int % ${MANAGERS}) || '@icb.example.nhs.uk')
    FROM providers p`;
  const versionIds = versions.map((version) => version.id);
  await prisma.$executeRaw`
    INSERT INTO returns (contract_id, provider_id, framework_version_id, period_id, status, original_due_date, due_date)
    SELECT c.id, c.provider_id, v.id, ${period.id}::uuid, 'in_progress', d.due, d.due
    FROM contracts c
    CROSS JOIN unnest(${versionIds}::uuid[]) AS v(id)
    CROSS JOIN LATERAL (
      SELECT (${dueDates}::date[])[1 + (substr(c.reference, 8)::int % ${dueDates.length})] AS due
    ) d
    ORDER BY c.reference
    LIMIT ${RETURNS}`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // The process before any work: Node, tsx, Prisma's query compiler, nodemailer loaded.
  const startRss = process.memoryUsage().rss;
  const bench = await openBenchDatabase(logger);
  const { prisma } = bench;
  const sink = await startSinkProcess();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    PUBLIC_BASE_URL: 'https://tracker.example.nhs.uk',
    MAIL_FROM: 'AIS and EDS compliance <no-reply@icb.example.nhs.uk>',
  });
  const mailer = createMailer(config.mail, logger);

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  try {
    const now = new Date();
    await seed(prisma, ukToday(now));
    const returns = await prisma.return.count();
    // No links in chasers: any secret does.
    const deps = { prisma, config, mailer, logger, clock: () => new Date(), sessionSecret: 'bench' };

    const enqueueStart = performance.now();
    const enqueued = await enqueueChasers(deps, now);
    const enqueueMs = performance.now() - enqueueStart;
    const rerunStart = performance.now();
    const rerun = await enqueueChasers(deps, now);
    const rerunMs = performance.now() - rerunStart;

    const sendStart = performance.now();
    const sent = await sendDueEmails(deps, { timeBudgetMs: 10 * 60_000 });
    const sendMs = performance.now() - sendStart;
    const atSink = await sink.stats();
    const stillPending = await prisma.outboxEmail.count({ where: { status: { not: 'sent' } } });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const result = {
      returns,
      emails_enqueued: enqueued.chasersQueued,
      enqueue_ms: Math.round(enqueueMs),
      rerun_enqueue_ms: Math.round(rerunMs),
      rerun_enqueued: rerun.chasersQueued,
      emails_sent: sent.sent,
      send_ms: Math.round(sendMs),
      emails_per_s: Math.round((sent.sent / sendMs) * 1000),
      received_at_sink: atSink.received,
      duplicates: atSink.duplicates,
      not_sent: stillPending,
      smtp_connections: config.mail.transport.kind === 'smtp' ? config.mail.transport.poolSize : 0,
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
      start_rss_mb: Math.round(startRss / 1024 / 1024),
    };
    process.stdout.write(
      [
        `returns due a chaser:      ${result.returns}`,
        `chasers written:           ${result.emails_enqueued} in ${result.enqueue_ms} ms (target < 10000 ms)`,
        `run again (idempotent):    ${result.rerun_enqueued} new in ${result.rerun_enqueue_ms} ms`,
        `emails sent:               ${result.emails_sent} in ${result.send_ms} ms = ${result.emails_per_s}/s over ${result.smtp_connections} SMTP connections (target >= 100/s)`,
        `received at the sink:      ${result.received_at_sink}, duplicates ${result.duplicates} (target 0), not sent ${result.not_sent}`,
        `peak RSS:                  ${result.peak_rss_mb} MB (${result.start_rss_mb} MB at start)`,
        '',
      ].join('\n'),
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(sampler);
    await mailer.close();
    await bench.close();
  }
}

if (process.argv.includes('--sink')) runSink();
else await main();
