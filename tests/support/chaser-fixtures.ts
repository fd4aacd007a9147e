import type { ReminderJobDeps } from '../../jobs/reminder-job-deps.js';
import type { Config } from '../../src/config.js';
import type { Db } from '../../src/db/prisma.js';
import { createMailer, type Mailer } from '../../src/mail/mailer.js';
import { TEST_SESSION_SECRET, testConfig } from './app.js';
import type { TestDatabase } from './database.js';
import {
  createContract,
  createProvider,
  createProviderLead,
  createReturn,
  createUser,
  frameworkVersion,
} from './fixtures.js';
import { testLogger } from './test-logger.js';

// A provider with its leads, a contract manager and one AIS 2025 return, named so the emails about
// it can be checked word for word; and the deps the email jobs run with, on a fake clock.

export const DUE_DATE = new Date('2027-03-31T00:00:00Z');
export const PUBLIC_BASE_URL = 'https://tracker.example.nhs.uk';
export const ORGANISATION_NAME = 'NHS West Yorkshire Integrated Care Board';

/** 07:00 UTC (07:00 or 08:00 in the UK) on the day `days` from `due`. */
export function dayFrom(days: number, due = DUE_DATE): Date {
  return new Date(due.getTime() + days * 86_400_000 + 7 * 3_600_000);
}

export function chaserConfig(smtpPort: number, environment: NodeJS.ProcessEnv = {}): Config {
  return testConfig({
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_POOL_SIZE: '2',
    PUBLIC_BASE_URL,
    ORGANISATION_NAME,
    MAIL_FROM: 'AIS and EDS compliance <no-reply@icb.example.nhs.uk>',
    MAIL_REPLY_TO: 'compliance@icb.example.nhs.uk',
    ...environment,
  });
}

export interface FakeClock {
  now: Date;
  clock: () => Date;
  set(date: Date): void;
  advance(ms: number): void;
}

export function fakeClock(start: Date): FakeClock {
  const state = {
    now: start,
    clock: () => state.now,
    set(date: Date) {
      state.now = date;
    },
    advance(ms: number) {
      state.now = new Date(state.now.getTime() + ms);
    },
  };
  return state;
}

export function jobDeps(
  db: TestDatabase,
  config: Config,
  clock: FakeClock,
  mailer: Mailer = createMailer(config.mail, testLogger),
): ReminderJobDeps {
  return {
    prisma: db.prisma,
    pool: db.pool,
    logger: testLogger,
    clock: clock.clock,
    config,
    mailer,
    sessionSecret: TEST_SESSION_SECRET,
  };
}

let worlds = 0;

/** Alpha Hospitals NHS Trust (with `leads` leads) owes an AIS 2025 return for a period, due 31 March 2027. */
export async function createChaserWorld(prisma: Db, options: { leads?: number; dueDate?: Date } = {}) {
  worlds += 1;
  const tag = String(worlds);
  const manager = await createUser(prisma, {
    role: 'contract_manager',
    displayName: 'Cora Manager',
    email: `cora.manager.${tag}@icb.example.nhs.uk`,
  });
  const provider = await createProvider(prisma, { name: 'Alpha Hospitals NHS Trust' });
  const leads = [];
  for (let index = 1; index <= (options.leads ?? 1); index += 1) {
    leads.push(
      await createProviderLead(prisma, provider.id, {
        displayName: index === 1 ? 'Lena Lead' : `Lead ${index}`,
        email: `lead${index}.${tag}@alpha.example.nhs.uk`,
      }),
    );
  }
  const contract = await createContract(prisma, provider.id, manager.id);
  const period = await prisma.reportingPeriod.upsert({
    where: { label: '2026/27' },
    create: { label: '2026/27', startDate: new Date('2026-04-01'), endDate: new Date('2027-03-31') },
    update: {},
  });
  const ais = await frameworkVersion(prisma, 'AIS', '2025');
  const dueDate = options.dueDate ?? DUE_DATE;
  const theReturn = await createReturn(
    prisma,
    { contractId: contract.id, providerId: provider.id, frameworkVersionId: ais.id, periodId: period.id },
    { dueDate, originalDueDate: dueDate },
  );
  return { manager, provider, leads, contract, period, ais, theReturn };
}

/** Ends every earlier test's returns and emails, so each test sees only its own. */
export async function settleEverything(prisma: Db): Promise<void> {
  await prisma.outboxEmail.updateMany({
    where: { status: { in: ['pending', 'sending'] } },
    data: { status: 'cancelled', leaseExpiresAt: null },
  });
  await prisma.return.updateMany({ data: { status: 'accepted', submittedAt: new Date() } });
}
