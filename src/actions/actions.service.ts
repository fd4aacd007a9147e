import { recordAudit } from '../audit/audit.js';
import { canEditForProvider, assertCanSeeProvider, isCommissionerEditor } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DataDeps } from '../deps.js';
import type { DbClient } from '../db/prisma.js';
import { Forbidden, NotFound, ValidationFailed } from '../errors.js';
import { isoDate, ukToday } from '../format.js';
import { versionMappings } from '../frameworks/version-mappings.js';
import { pathTo, paths, withService } from '../paths.js';
import { answerTarget, summarise, type AnswerTarget } from '../returns/returns.service.js';
import { actionItem, carryLines, requirementLabel } from './action-items.js';
import { ACTION_STATUS_LABELS, ACTION_STATUS_TAGS, actionDueText, isOpenAction } from './actions.js';
import {
  createAction,
  createActionUpdate,
  findAction,
  findVersionsOfFrameworks,
  findLinkableActions,
  linkActionToRequirement,
  lockAction,
  setActionStatus,
  touchAction,
} from './queries.js';
import type { ActionUpdateInput, NewActionInput } from './schemas.js';

// Issue 14: actions as records of their own. A provider's people add them from a requirement of a
// return (or link one they already have), and record dated progress updates; administrators and
// contract managers may record updates too (a status agreed at a contract meeting). Everyone who may
// see the provider may read its actions. Every change is one transaction with its audit event.

/** Who may record progress on a provider's actions. */
export function canChangeActions(user: CurrentUser, providerId: string): boolean {
  return canEditForProvider(user, providerId) || isCommissionerEditor(user);
}

/**
 * The page that adds an action to a requirement of a return, or links one the provider already has.
 * The return must be one this user may change (another provider's: 404; staff: 403; frozen: 409).
 */
export async function addActionPage(
  deps: DataDeps,
  user: CurrentUser,
  returnId: string,
  requirementId: string,
  now: Date,
  serviceId?: string,
) {
  const target = await answerTarget(deps, user, returnId, requirementId, serviceId);
  const today = ukToday(now);
  const linkable = await findLinkableActions(deps.prisma, target.row.providerId, target.requirement.id);
  return {
    target,
    summary: summarise(user, target.row, now),
    requirement: target.requirement,
    subject: target.subject,
    requirementHref: withService(
      pathTo(paths.returns.requirement, { returnId, requirementId }),
      target.service?.id,
    ),
    linkable: linkable.map((row) => {
      const item = actionItem(row, today);
      return { value: row.id, text: row.description, hint: `${item.dueText}. ${row.owner}` };
    }),
  };
}

export type AddActionPage = Awaited<ReturnType<typeof addActionPage>>;

/** A new action, linked to the requirement (and the return it was added from). */
export async function addAction(
  { prisma }: DataDeps,
  user: CurrentUser,
  target: AnswerTarget,
  input: NewActionInput,
  now: Date,
): Promise<string> {
  return prisma.$transaction(async (tx) => {
    const { id } = await createAction(tx, {
      providerId: target.row.providerId,
      description: input.description,
      owner: input.owner,
      dueDate: input.dueDate,
      createdById: user.id,
      createdAt: now,
    });
    await linkActionToRequirement(tx, {
      actionId: id,
      requirementId: target.requirement.id,
      returnId: target.row.id,
      linkedById: user.id,
      linkedAt: now,
    });
    await recordAudit(tx, {
      actorId: user.id,
      action: 'action.created',
      entityType: 'action',
      entityId: id,
      returnId: target.row.id,
      after: {
        description: input.description,
        owner: input.owner,
        dueDate: isoDate(input.dueDate),
        status: 'not_started',
        requirement: target.requirement.code,
      },
    });
    return id;
  });
}

/** Links one of the provider's actions to the requirement; false when it was linked already. */
export async function linkAction(
  { prisma }: DataDeps,
  user: CurrentUser,
  target: AnswerTarget,
  actionId: string,
  now: Date,
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const action = await lockAction(tx, actionId);
    // Another provider's action is not one this user can choose: the same answer as no choice.
    if (action?.providerId !== target.row.providerId) {
      throw new ValidationFailed({ actionId: 'Select an action to link' });
    }
    const linked = await linkActionToRequirement(tx, {
      actionId,
      requirementId: target.requirement.id,
      returnId: target.row.id,
      linkedById: user.id,
      linkedAt: now,
    });
    if (!linked) return false;
    await touchAction(tx, actionId, now);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'action.linked',
      entityType: 'action',
      entityId: actionId,
      returnId: target.row.id,
      after: { requirement: target.requirement.code },
    });
    return true;
  });
}

async function visibleAction(db: DbClient, user: CurrentUser, actionId: string) {
  const action = await findAction(db, actionId);
  if (!action) throw new NotFound();
  assertCanSeeProvider(user, action.providerId);
  return action;
}

/** One action: its facts, the requirements it serves, its progress updates (newest first). */
export async function actionPage(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  actionId: string,
  now: Date,
) {
  const action = await visibleAction(prisma, user, actionId);
  const today = ukToday(now);
  // Only open actions carry into other returns (issue 14); say where each link carries, or why not.
  const open = isOpenAction(action.status);
  const [versions, mappings] = open
    ? await Promise.all([
        findVersionsOfFrameworks(
          prisma,
          action.links.map((link) => link.requirement.frameworkVersion.frameworkId),
        ),
        versionMappings(caches.versionMappings),
      ])
    : [[], []];
  return {
    id: action.id,
    providerName: action.provider.name,
    description: action.description,
    owner: action.owner,
    status: action.status,
    statusTag: ACTION_STATUS_TAGS[action.status],
    dueText: actionDueText(action, today),
    createdBy: action.createdBy?.displayName,
    createdAt: action.createdAt,
    links: action.links.map((link) => ({
      label: `${requirementLabel(link)} ${link.requirement.title}`,
      // Straight to the answer where the provider's people (or staff) can open the return.
      href: link.returnId
        ? pathTo(paths.returns.requirement, { returnId: link.returnId, requirementId: link.requirementId })
        : undefined,
      carried: open ? carryLines(link, versions, mappings) : [],
    })),
    open,
    updates: action.updates.map((update) => ({
      text: update.text,
      by: update.author.displayName,
      at: update.createdAt,
      statusChange:
        update.statusFrom && update.statusTo
          ? `Status changed from ${ACTION_STATUS_LABELS[update.statusFrom]} to ${ACTION_STATUS_LABELS[update.statusTo]}`
          : undefined,
    })),
    canUpdate: canChangeActions(user, action.providerId),
  };
}

export type ActionPage = Awaited<ReturnType<typeof actionPage>>;

/** Refuses before the form is read: another provider's action is not found, a viewer is forbidden. */
export async function assertCanUpdateAction(
  { prisma }: DataDeps,
  user: CurrentUser,
  actionId: string,
): Promise<void> {
  const action = await visibleAction(prisma, user, actionId);
  if (!canChangeActions(user, action.providerId))
    throw new Forbidden('You can read this action but not change it');
}

/** A dated progress update, and the status change made with it (if any). */
export async function addActionUpdate(
  { prisma }: DataDeps,
  user: CurrentUser,
  actionId: string,
  input: ActionUpdateInput,
  now: Date,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const action = await lockAction(tx, actionId);
    if (!action) throw new NotFound();
    assertCanSeeProvider(user, action.providerId);
    if (!canChangeActions(user, action.providerId))
      throw new Forbidden('You can read this action but not change it');
    const statusTo = input.status !== null && input.status !== action.status ? input.status : null;
    await createActionUpdate(tx, {
      actionId,
      text: input.text,
      statusFrom: statusTo ? action.status : null,
      statusTo,
      authorId: user.id,
      createdAt: now,
    });
    if (statusTo) await setActionStatus(tx, actionId, statusTo, now);
    else await touchAction(tx, actionId, now);
    await recordAudit(tx, {
      actorId: user.id,
      action: 'action.updated',
      entityType: 'action',
      entityId: actionId,
      before: statusTo ? { status: action.status } : undefined,
      after: { update: input.text, ...(statusTo ? { status: statusTo } : {}) },
    });
  });
}
