import { recordAudit } from '../audit/audit.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DataDeps } from '../deps.js';
import type { DbClient } from '../db/prisma.js';
import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import {
  countServiceAnswers,
  countServiceDecisions,
  createService,
  deleteService,
  findService,
  findServices,
  lockReturn,
  updateService,
  type ReturnRow,
  type ServiceData,
  type Tx,
} from './queries.js';
import { assertEditable } from './rules.js';
import { editableReturn, startReturn, summarise } from './returns.service.js';
import { perServiceRule, sameServiceName, type PerServiceRule } from './services.js';

// Issue 14: the "Services assessed" step of an EDS 2022 return. The provider's people who answer the
// return (leads and contributors) name the services Domain 1 is assessed for while the return can
// change; each change is audited, and removing a service removes its answers.

/** The return's per-service rule; a version without one has no services step (404). */
function ruleOf(row: ReturnRow): PerServiceRule {
  const rule = perServiceRule(row.frameworkVersion);
  if (!rule) throw new NotFound();
  return rule;
}

export async function servicesPage({ prisma }: DataDeps, user: CurrentUser, returnId: string, now: Date) {
  const row = await editableReturn(prisma, user, returnId);
  return {
    summary: summarise(user, row, now),
    rule: ruleOf(row),
    services: await findServices(prisma, row.id),
  };
}

/** One service of a return that may change (404 for anything else). */
export async function servicePage(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  serviceId: string,
  now: Date,
) {
  const page = await servicesPage(deps, user, returnId, now);
  const service = page.services.find((candidate) => candidate.id === serviceId);
  if (!service) throw new NotFound();
  return { ...page, service };
}

/** The remove page's service, with what removing it would take away (or why it cannot go). */
export async function removeServicePage(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  serviceId: string,
  now: Date,
) {
  const page = await servicePage(deps, user, returnId, serviceId, now);
  const [answerCount, decisionCount] = await Promise.all([
    countServiceAnswers(deps.prisma, page.service.id),
    countServiceDecisions(deps.prisma, page.service.id),
  ]);
  return { ...page, answerCount, decisionCount };
}

/** Inside the return's lock: refuses a name another service of the return has, whatever its case. */
async function assertNameFree(db: DbClient, returnId: string, name: string, exceptId?: string) {
  const taken = (await findServices(db, returnId)).find(
    (service) => service.id !== exceptId && sameServiceName(service.name, name),
  );
  if (taken) throw new ValidationFailed({ name: `You have already added a service called ${taken.name}` });
}

/**
 * Locks the return, checks it can still change, then runs the change (true: something changed) and
 * starts the return if it did.
 */
async function changeServices(
  { prisma }: DataDeps,
  user: CurrentUser,
  returnId: string,
  now: Date,
  change: (tx: Tx, row: ReturnRow) => Promise<boolean>,
): Promise<void> {
  const row = await editableReturn(prisma, user, returnId);
  ruleOf(row);
  return prisma.$transaction(async (tx) => {
    const status = await lockReturn(tx, row.id);
    if (!status) throw new NotFound();
    assertEditable(status);
    if (await change(tx, row)) await startReturn(tx, user, row.id, now);
  });
}

export function addService(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  input: ServiceData,
  now: Date,
) {
  return changeServices(deps, user, returnId, now, async (tx, row) => {
    await assertNameFree(tx, row.id, input.name);
    const { id } = await createService(tx, row.id, input);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.service_added',
      entityType: 'return_service',
      entityId: id,
      returnId: row.id,
      after: { service: input.name, whyChosen: input.whyChosen },
    });
    return true;
  });
}

export function changeService(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  serviceId: string,
  input: ServiceData,
  now: Date,
) {
  return changeServices(deps, user, returnId, now, async (tx, row) => {
    const before = await findService(tx, row.id, serviceId);
    if (!before) throw new NotFound();
    await assertNameFree(tx, row.id, input.name, before.id);
    if (before.name === input.name && before.whyChosen === input.whyChosen) return false;
    await updateService(tx, before.id, input);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.service_changed',
      entityType: 'return_service',
      entityId: before.id,
      returnId: row.id,
      before: { service: before.name, whyChosen: before.whyChosen },
      after: { service: input.name, whyChosen: input.whyChosen },
    });
    return true;
  });
}

/** Why a service the reviewer has decided on cannot be removed, for the page and the refusal. */
export function reviewedServiceText(name: string): string {
  return (
    `${name} cannot be removed: the commissioning team has reviewed its outcomes in an earlier ` +
    'submission, and their decisions stay on the record. You can rename it or change its answers.'
  );
}

export function removeService(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  serviceId: string,
  now: Date,
) {
  return changeServices(deps, user, returnId, now, async (tx, row) => {
    const service = await findService(tx, row.id, serviceId);
    // Removed already (a second click): nothing left to do.
    if (!service) return false;
    // A reviewed service stays: removing it would delete the reviewer's decisions from the record.
    if ((await countServiceDecisions(tx, service.id)) > 0)
      throw new Conflict(reviewedServiceText(service.name));
    const answersRemoved = await deleteService(tx, service.id);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'return.service_removed',
      entityType: 'return_service',
      entityId: service.id,
      returnId: row.id,
      before: { service: service.name, whyChosen: service.whyChosen },
      after: { answersRemoved },
    });
    return true;
  });
}
