import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.js';
import { assertCommissionerEditor } from '../auth/access.js';
import type { Db } from '../db/prisma.js';
import { defaultDueDate } from '../frameworks/due-dates.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import { assertCanReadRegister } from '../auth/access.js';
import { withUniqueFieldError } from '../db/unique-violation.js';
import { formatDate, isoDate } from '../format.js';
import type { CurrentUser } from '../auth/current-user.js';
import {
  countPeriodReturns,
  countReturnsByStatus,
  createPeriodWithStandards,
  createReturnsWithResponses,
  findContractsInForce,
  findExistingReturnKeys,
  findFrameworkVersions,
  findPeriod,
  findPeriodStandard,
  findRequirementIds,
  listFrameworksWithVersions,
  listPeriodReturns,
  listPeriods,
  lockPeriod,
  updatePeriodStandard,
  type NewReturn,
} from './queries.js';
import { periodDates, type PeriodStandardInput } from './schemas.js';

// A period is "opened" once it has returns: from then on its standards are fixed, because the
// returns already carry the version and due date they were opened with.

// Opening writes a return and a response per requirement for every contract in one transaction.
const OPENING_TRANSACTION = { timeout: 60_000 };

interface VersionChoice {
  code: string;
  publishedOn: Date | null;
}

/**
 * Newest first: the latest publication date, then (for versions with no date recorded) the highest
 * code compared as numbers, so EDS "2022" comes before EDS "2".
 */
function compareNewestFirst(a: VersionChoice, b: VersionChoice): number {
  if (a.publishedOn && b.publishedOn && a.publishedOn.getTime() !== b.publishedOn.getTime()) {
    return b.publishedOn.getTime() - a.publishedOn.getTime();
  }
  if (Boolean(a.publishedOn) !== Boolean(b.publishedOn)) return a.publishedOn ? -1 : 1;
  return b.code.localeCompare(a.code, 'en', { numeric: true });
}

export async function listAllPeriods(prisma: Db, user: CurrentUser) {
  assertCanReadRegister(user);
  return listPeriods(prisma);
}

/** Creates the period and, per framework, the version it reports against and its due date. */
export async function createPeriod(prisma: Db, user: CurrentUser, label: string) {
  assertCommissionerEditor(user);
  const dates = periodDates(label);
  return withUniqueFieldError('label', `Reporting period ${label} already exists`, () =>
    prisma.$transaction(async (tx) => {
      const frameworks = await listFrameworksWithVersions(tx);
      const choices = frameworks.flatMap((framework) => {
        const [newest] = [...framework.versions].sort(compareNewestFirst);
        return newest ? [{ framework, version: newest, dueDate: defaultDueDate(dates.endDate, newest) }] : [];
      });
      const period = await createPeriodWithStandards(
        tx,
        { label, ...dates },
        choices.map(({ framework, version, dueDate }) => ({
          frameworkId: framework.id,
          frameworkVersionId: version.id,
          dueDate,
        })),
      );
      await recordAudit(tx, {
        actorId: user.id,
        action: 'period.created',
        entityType: 'reporting_period',
        entityId: period.id,
        after: {
          label,
          startDate: isoDate(dates.startDate),
          endDate: isoDate(dates.endDate),
          standards: choices.map(({ framework, version, dueDate }) => ({
            framework: framework.code,
            version: version.code,
            dueDate: isoDate(dueDate),
          })),
        },
      });
      return period;
    }),
  );
}

/** The period page: its standards, its returns and how many are in each status. */
export async function getPeriodPage(prisma: Db, user: CurrentUser, periodId: string) {
  assertCanReadRegister(user);
  const period = await findPeriod(prisma, periodId);
  if (!period) throw new NotFound();
  const [counts, returns] = await Promise.all([
    countReturnsByStatus(prisma, periodId),
    listPeriodReturns(prisma, periodId),
  ]);
  return {
    period,
    opened: period._count.returns > 0,
    statusCounts: Object.fromEntries(counts.map((row) => [row.status, row._count._all])),
    returns,
  };
}

export async function getPeriodStandardForEdit(
  prisma: Db,
  user: CurrentUser,
  periodId: string,
  frameworkId: string,
) {
  assertCommissionerEditor(user);
  const [period, standard, versions] = await Promise.all([
    findPeriod(prisma, periodId),
    findPeriodStandard(prisma, periodId, frameworkId),
    findFrameworkVersions(prisma, frameworkId),
  ]);
  if (!period || !standard) throw new NotFound();
  if (period._count.returns > 0) throw new Conflict(alreadyOpened(period.label));
  return { period, standard, versions: versions.sort(compareNewestFirst) };
}

export async function changePeriodStandard(
  prisma: Db,
  user: CurrentUser,
  periodId: string,
  frameworkId: string,
  input: PeriodStandardInput,
) {
  assertCommissionerEditor(user);
  return prisma.$transaction(async (tx) => {
    if (!(await lockPeriod(tx, periodId))) throw new NotFound();
    const [period, before, versions] = await Promise.all([
      findPeriod(tx, periodId),
      findPeriodStandard(tx, periodId, frameworkId),
      findFrameworkVersions(tx, frameworkId),
    ]);
    if (!period || !before) throw new NotFound();
    if ((await countPeriodReturns(tx, periodId)) > 0) throw new Conflict(alreadyOpened(period.label));
    const errors: Record<string, string> = {};
    if (!versions.some((version) => version.id === input.frameworkVersionId)) {
      errors.frameworkVersionId = 'Select the version to report against';
    }
    if (input.dueDate < period.startDate) {
      errors.dueDate = `Due date must be on or after the start of the period, ${formatDate(period.startDate)}`;
    }
    if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
    const after = await updatePeriodStandard(tx, periodId, frameworkId, input);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'period.standard_changed',
      entityType: 'reporting_period',
      entityId: periodId,
      before: standardAuditView(before),
      after: standardAuditView(after),
    });
    return after;
  });
}

/**
 * Opens the period: one return per contract in force and standard it reports on, each with an empty
 * response per requirement. Idempotent: a (contract, standard) pair that already has a return in
 * the period is skipped, so opening again after contracts are added creates only the missing ones.
 */
export async function openPeriod(prisma: Db, user: CurrentUser, periodId: string) {
  assertCommissionerEditor(user);
  return prisma.$transaction(async (tx) => {
    if (!(await lockPeriod(tx, periodId))) throw new NotFound();
    const period = await findPeriod(tx, periodId);
    if (!period) throw new NotFound();
    const standardsByFramework = new Map(
      period.standards.map((standard) => [standard.frameworkId, standard]),
    );
    const [contracts, existing] = await Promise.all([
      findContractsInForce(tx, period),
      findExistingReturnKeys(tx, periodId),
    ]);
    const done = new Set(existing.map((key) => `${key.contractId}:${key.frameworkId}`));

    const returns: NewReturn[] = [];
    const byStandard: Record<string, number> = {};
    for (const contract of contracts) {
      for (const { frameworkId } of contract.standards) {
        const standard = standardsByFramework.get(frameworkId);
        if (!standard || done.has(`${contract.id}:${frameworkId}`)) continue;
        byStandard[standard.framework.code] = (byStandard[standard.framework.code] ?? 0) + 1;
        returns.push({
          id: randomUUID(),
          contractId: contract.id,
          providerId: contract.providerId,
          frameworkVersionId: standard.frameworkVersionId,
          periodId,
          status: 'not_started',
          originalDueDate: standard.dueDate,
          dueDate: standard.dueDate,
        });
      }
    }
    if (returns.length === 0) return { returnsCreated: 0, responsesCreated: 0 };

    const requirements = await findRequirementIds(tx, [
      ...new Set(returns.map((row) => row.frameworkVersionId)),
    ]);
    const responses = returns.flatMap((row) =>
      requirements
        .filter((requirement) => requirement.frameworkVersionId === row.frameworkVersionId)
        .map((requirement) => ({ returnId: row.id, requirementId: requirement.id })),
    );
    await createReturnsWithResponses(tx, returns, responses);

    const counts = { returnsCreated: returns.length, responsesCreated: responses.length };
    await recordAudit(tx, {
      actorId: user.id,
      action: 'period.opened',
      entityType: 'reporting_period',
      entityId: periodId,
      before: { returns: existing.length },
      after: { returns: existing.length + returns.length, ...counts, byStandard },
    });
    return counts;
  }, OPENING_TRANSACTION);
}

function alreadyOpened(label: string): string {
  return `Reporting period ${label} has been opened, so the version and due date of its standards can no longer be changed`;
}

function standardAuditView(standard: NonNullable<Awaited<ReturnType<typeof findPeriodStandard>>>) {
  return {
    framework: standard.framework.code,
    version: standard.frameworkVersion.code,
    dueDate: isoDate(standard.dueDate),
  };
}
