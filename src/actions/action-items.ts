import type { DbClient } from '../db/prisma.js';
import { requirementCounterparts } from '../frameworks/requirement-carry.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import { versionMappings, type VersionMappingsCache } from '../frameworks/version-mappings.js';
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

/** The standard version of the return whose requirements show actions. */
export interface CarryVersion {
  frameworkId: string;
  code: string;
  framework: { code: string };
}

/** What carrying actions into one version's returns needs: the version, and the mappings to it. */
export interface ActionCarry {
  version: CarryVersion;
  mappings: readonly VersionMapping[];
}

export async function actionCarry(cache: VersionMappingsCache, version: CarryVersion): Promise<ActionCarry> {
  return { version, mappings: await versionMappings(cache) };
}

/**
 * The actions a requirement of a return shows (its page, the review, the snapshot, exports): those
 * linked to it, and the open ones linked to a requirement of another return of the standard that
 * becomes this one (the same code in the same version; across versions, the mapping's requirement
 * pairs), so open actions carry into the next period's return without being copied.
 */
export function actionsForRequirement<Row extends ActionListRow>(
  rows: readonly Row[],
  carry: ActionCarry,
  requirement: { id: string; code: string },
): Row[] {
  const { version, mappings } = carry;
  return rows.filter((row) =>
    row.links.some(
      (link) =>
        link.requirementId === requirement.id ||
        (isOpenAction(row.status) &&
          link.requirement.frameworkVersion.frameworkId === version.frameworkId &&
          requirementCounterparts(
            mappings,
            {
              frameworkCode: version.framework.code,
              versionCode: link.requirement.frameworkVersion.code,
              code: link.requirement.code,
            },
            version.code,
          ).codes.includes(requirement.code)),
    ),
  );
}

/** The same actions a line each, for check-answers, exports and the return workbook. */
export function actionLines(
  rows: readonly ActionListRow[],
  carry: ActionCarry,
  requirement: { id: string; code: string },
): string[] {
  return actionsForRequirement(rows, carry, requirement).map(actionLine);
}

/** Another version of a standard, with its requirements (findVersionsOfFrameworks). */
export interface OtherVersion {
  code: string;
  name: string;
  frameworkId: string;
  framework: { code: string };
  requirements: { code: string; title: string }[];
}

/**
 * Where an open action linked to this requirement shows in the returns of each other version of its
 * standard, or why it does not: said on the action's page, so nothing is dropped silently.
 */
export function carryLines(
  link: ActionListRow['links'][number],
  versions: readonly OtherVersion[],
  mappings: readonly VersionMapping[],
): { text: string; carried: boolean }[] {
  const from = link.requirement.frameworkVersion;
  return versions
    .filter((version) => version.frameworkId === from.frameworkId && version.code !== from.code)
    .map((version) => {
      const { codes, reason } = requirementCounterparts(
        mappings,
        { frameworkCode: version.framework.code, versionCode: from.code, code: link.requirement.code },
        version.code,
      );
      if (reason !== null) return { text: `Not shown on ${version.name} returns: ${reason}`, carried: false };
      const names = version.requirements
        .filter((requirement) => codes.includes(requirement.code))
        .map((requirement) => `${requirement.code} ${requirement.title}`);
      return { text: `Shown on ${version.name} returns under ${names.join(' and ')}`, carried: true };
    });
}

export async function requirementActionItems(
  db: DbClient,
  carry: ActionCarry,
  providerId: string,
  requirement: { id: string; code: string },
  today: Date,
): Promise<ActionItem[]> {
  const rows = await findFrameworkActions(db, providerId, carry.version.frameworkId);
  return actionsForRequirement(rows, carry, requirement).map((row) => actionItem(row, today));
}
