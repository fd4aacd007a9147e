import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Db } from '../../src/db/prisma.js';
import { importStandards } from '../../src/frameworks/import-standards.js';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { testLogger } from './test-logger.js';

// Builders with sensible defaults: a test overrides only the field it is about.

const unique = () => randomBytes(3).toString('hex').toUpperCase();

export function createProvider(prisma: Db, overrides: Partial<Prisma.ProviderUncheckedCreateInput> = {}) {
  return prisma.provider.create({
    data: { name: `Test Provider ${unique()}`, odsCode: `T${unique()}`, type: 'acute_trust', ...overrides },
  });
}

export function createUser(prisma: Db, overrides: Partial<Prisma.UserUncheckedCreateInput> = {}) {
  const id = unique().toLowerCase();
  return prisma.user.create({
    data: {
      email: `user-${id}@example.nhs.uk`,
      displayName: `User ${id}`,
      role: 'contract_manager',
      ...overrides,
    },
  });
}

export async function createProviderLead(
  prisma: Db,
  providerId: string,
  overrides: Partial<Prisma.UserUncheckedCreateInput> = {},
) {
  const user = await createUser(prisma, { role: 'provider_lead', ...overrides });
  await prisma.membership.create({ data: { userId: user.id, providerId } });
  return user;
}

/** Loads the four standards from data/standards (once per database). */
export async function importTestStandards(prisma: Db): Promise<void> {
  await importStandards(prisma, testLogger);
}

export async function frameworkVersion(prisma: Db, frameworkCode: 'AIS' | 'EDS', versionCode: string) {
  return prisma.frameworkVersion.findFirstOrThrow({
    where: { code: versionCode, framework: { code: frameworkCode } },
    include: { framework: true },
  });
}

export async function createContract(
  prisma: Db,
  providerId: string,
  contractManagerId: string,
  overrides: Partial<Prisma.ContractUncheckedCreateInput> = {},
) {
  const frameworks = await prisma.framework.findMany();
  return prisma.contract.create({
    data: {
      providerId,
      contractManagerId,
      reference: `ICB-TEST-${unique()}`,
      startDate: new Date('2025-04-01'),
      standards: { create: frameworks.map((framework) => ({ frameworkId: framework.id })) },
      ...overrides,
    },
  });
}

// Six hex digits: two gave 256 labels, and a full run of the suite made enough periods to collide.
export async function createPeriod(prisma: Db, label = `Test year ${unique()}`) {
  return prisma.reportingPeriod.create({
    data: { label, startDate: new Date('2026-04-01'), endDate: new Date('2027-03-31') },
  });
}

/**
 * A return with one (empty) response per requirement of the version, as opening a period makes.
 * Override one field at a time (status, dueDate, ...).
 */
export async function createReturn(
  prisma: Db,
  options: { contractId: string; providerId: string; frameworkVersionId: string; periodId: string },
  overrides: Partial<Prisma.ReturnUncheckedCreateInput> = {},
) {
  const requirements = await prisma.requirement.findMany({
    where: { frameworkVersionId: options.frameworkVersionId },
  });
  const dueDate = new Date('2027-03-31');
  return prisma.return.create({
    data: {
      ...options,
      originalDueDate: dueDate,
      dueDate,
      responses: { create: requirements.map((requirement) => ({ requirementId: requirement.id })) },
      ...overrides,
    },
    include: { responses: true },
  });
}

/**
 * A return with one empty response per requirement, written in SQL: for migration tests, whose
 * database is older than the client (which would ask for columns it has not got yet).
 */
export async function createReturnInSql(
  pool: Pool,
  options: { contractId: string; providerId: string; frameworkVersionId: string; periodId: string },
): Promise<{ id: string }> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO returns (contract_id, provider_id, framework_version_id, period_id, original_due_date, due_date)
     VALUES ($1, $2, $3, $4, '2027-03-31', '2027-03-31') RETURNING id`,
    [options.contractId, options.providerId, options.frameworkVersionId, options.periodId],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('no return written');
  await pool.query(
    `INSERT INTO responses (return_id, requirement_id) SELECT $1, id FROM requirements WHERE framework_version_id = $2`,
    [id, options.frameworkVersionId],
  );
  return { id };
}

/**
 * Two providers (A and B) each with a lead, a contract, and an AIS 2025 return in one period, plus a
 * contract manager, a viewer and an admin: the cast of every access test.
 */
export async function createTwoProviderWorld(prisma: Db) {
  const admin = await createUser(prisma, { role: 'admin', displayName: 'Ada Admin' });
  const manager = await createUser(prisma, { role: 'contract_manager', displayName: 'Cora Manager' });
  const viewer = await createUser(prisma, { role: 'viewer', displayName: 'Vic Viewer' });
  const providerA = await createProvider(prisma, { name: 'Alpha Hospitals NHS Trust' });
  const providerB = await createProvider(prisma, { name: 'Bravo Care Home', type: 'care_home' });
  const leadA = await createProviderLead(prisma, providerA.id, { displayName: 'Lena Lead-A' });
  const leadB = await createProviderLead(prisma, providerB.id, { displayName: 'Ben Lead-B' });
  const contractA = await createContract(prisma, providerA.id, manager.id);
  const contractB = await createContract(prisma, providerB.id, manager.id);
  const period = await createPeriod(prisma);
  const ais = await frameworkVersion(prisma, 'AIS', '2025');
  const returnA = await createReturn(prisma, {
    contractId: contractA.id,
    providerId: providerA.id,
    frameworkVersionId: ais.id,
    periodId: period.id,
  });
  const returnB = await createReturn(prisma, {
    contractId: contractB.id,
    providerId: providerB.id,
    frameworkVersionId: ais.id,
    periodId: period.id,
  });
  return {
    admin,
    manager,
    viewer,
    providerA,
    providerB,
    leadA,
    leadB,
    contractA,
    contractB,
    period,
    ais,
    returnA,
    returnB,
  };
}

/** A chaser that could not be delivered (status failed), as the outbox offers to retry. */
export function createFailedEmail(prisma: Db, data: { toAddress: string; returnId?: string }) {
  return prisma.outboxEmail.create({
    data: {
      idempotencyKey: `failed:${unique()}`,
      subject: 'Your return is due',
      textBody: 'Your return is due.',
      htmlBody: '<p>Your return is due.</p>',
      status: 'failed',
      lastError: '550 mailbox unavailable',
      ...data,
    },
  });
}
