import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jest } from '@jest/globals';
import { ukToday } from '../../src/format.js';
import { PROJECT_ROOT } from '../../src/project-root.js';
import { BOUNDS } from '../support/bounds.js';
import { createChaserWorld } from '../support/chaser-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { importTestStandards } from '../support/fixtures.js';
import { addresses, startSmtpSink, type SmtpSink } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

// `npm run jobs`: the scheduler as its own process (jobs/main.ts, run here through tsx rather than a
// build), with real signals, a real SMTP server and the real clock.

jest.setTimeout(BOUNDS.processes);

const tsxLoader = pathToFileURL(createRequire(join(PROJECT_ROOT, 'package.json')).resolve('tsx')).href;

let db: TestDatabase;
let sink: SmtpSink;
let cwd: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  sink = await startSmtpSink();
  cwd = await mkdtemp(join(tmpdir(), 'tracker-jobs-'));
});
afterAll(async () => {
  await sink.close();
  await db.drop();
  await rm(cwd, { recursive: true, force: true });
});

function startJobsProcess(environment: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', tsxLoader, join(PROJECT_ROOT, 'jobs', 'main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

test('runs the chaser and sender jobs on their schedules, and stops cleanly on SIGTERM', async () => {
  const world = await createChaserWorld(db.prisma, { dueDate: ukToday(new Date()) });
  const jobs = startJobsProcess({
    DATABASE_URL: db.url,
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    MAIL_FROM: 'Compliance <no-reply@icb.example.nhs.uk>',
    // Every second, so the test need not wait for 07:00.
    JOBS_CHASERS_CRON: '* * * * * *',
    JOBS_SEND_EMAIL_CRON: '* * * * * *',
    LOG_LEVEL: 'info',
  });
  try {
    // The process starts, then its every-second schedule runs the chaser and the sender.
    await waitFor(
      () => sink.received.length > 0,
      () => `the chaser. Output:\n${jobs.output()}`,
      BOUNDS.processStart,
    );
    const email = sink.take()[0]?.parsed;
    expect(addresses(email?.to)).toEqual([world.leads[0]?.email]);
    expect(email?.subject).toBe(
      'Due today: Accessible Information Standard 2025 return for Alpha Hospitals NHS Trust (2026/27)',
    );
    expect(jobs.output()).toContain('"msg":"jobs ready"');
  } finally {
    jobs.child.kill('SIGTERM');
  }
  expect(await jobs.exited).toBe(0);
  expect(jobs.output()).toContain('"msg":"stopped"');
  // However many times the jobs ran meanwhile, the chaser went once. The sink records an email before
  // it answers the sender, so whatever the process sent before it exited is here already.
  expect(sink.take()).toEqual([]);
  expect(await db.prisma.outboxEmail.count({ where: { returnId: world.theReturn.id } })).toBe(1);
});

test('refuses to start without DATABASE_URL (the embedded database belongs to npm start)', async () => {
  const jobs = startJobsProcess({});
  expect(await jobs.exited).toBe(1);
  expect(jobs.output()).toContain('npm run jobs needs DATABASE_URL');
});
