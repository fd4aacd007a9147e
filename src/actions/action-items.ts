import type { DbClient } from '../db/prisma.js';
import { pathTo, paths } from '../paths.js';
import type { TagParams } from '../returns/progress.js';
import { ACTION_STATUS_TAGS, actionDaysOverdue, actionDueText, actionLine, isOpenAction } from './actions.js';
import { findFrameworkActions, type ActionListRow } from './queries.js';

// Actions as lists show them (a requirement's page, the provider's page, the ICB-wide list): each
// ready to place, so views decide nothing.

export interface ActionItem {
  id: string;
  href: string;
  description: string;
  owner: string;
  providerName: string;
  statusTag: TagParams;
  /** "Due 31 March 2027" or "Due 31 March 2027: 12 days overdue": overdue said in words. */
  dueText: string;
  overdue: boolean;
  /** The requirements it is linked to: "AIS 2025 1.2", "EDS 2022 2A". */
  linkedTo: string[];
}

export function requirementLabel(link: ActionListRow['links'][number]): string {
  const version = link.requirement.frameworkVersion;
  return `${version.name} ${link.requirement.code}`;
}

export function actionItem(row: ActionListRow, today: Date): ActionItem {
  return {
    id: row.id,
    href: pathTo(paths.actions.show, { actionId: row.id }),
    description: row.description,
    owner: row.owner,
    providerName: row.provider.name,
    statusTag: ACTION_STATUS_TAGS[row.status],
    dueText: actionDueText(row, today),
    overdue: actionDaysOverdue(row, today) > 0,
    linkedTo: row.links.map(requirementLabel),
  };
}

export interface RequirementTarget {
  requirementId: string;
  requirementCode: string;
  frameworkId: string;
}

/**
 * The actions a requirement of a return shows (its page, the review, the snapshot): those linked to
 * it, and the open ones linked to the same requirement (by code) of another version of the standard,
 * so open actions carry into the next period's return without being copied.
 */
export function actionsForRequirement<Row extends ActionListRow>(
  rows: readonly Row[],
  target: RequirementTarget,
): Row[] {
  return rows.filter((row) =>
    row.links.some(
      (link) =>
        link.requirementId === target.requirementId ||
        (isOpenAction(row.status) &&
          link.requirement.code === target.requirementCode &&
          link.requirement.frameworkVersion.frameworkId === target.frameworkId),
    ),
  );
}

/** The same actions a line each, for check-answers, exports and the return workbook. */
export function actionLines(rows: readonly ActionListRow[], target: RequirementTarget): string[] {
  return actionsForRequirement(rows, target).map(actionLine);
}

export async function requirementActionItems(
  db: DbClient,
  providerId: string,
  target: RequirementTarget,
  today: Date,
): Promise<ActionItem[]> {
  const rows = await findFrameworkActions(db, providerId, target.frameworkId);
  return actionsForRequirement(rows, target).map((row) => actionItem(row, today));
}
