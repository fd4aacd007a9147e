import type { DbClient } from '../db/prisma.js';
import { remembered } from '../remembered.js';
import { findVersionGroups } from './queries.js';

// What every return of a standard version shares: its groups and requirements in task-list order,
// each requirement with its guidance and rating scale. Read once per app and kept (in deps), because
// a loaded version is never rewritten (the import refuses a changed file or a scale with changed
// levels) and versions are never deleted.

export interface VersionRequirement {
  id: string;
  code: string;
  title: string;
  guidance: string;
  evidenceExpected: string;
  /** The standard's data allows a "not applicable" answer here (with a reason). */
  notApplicableAllowed: boolean;
  group: { code: string; title: string };
  ratingScale: {
    name: string;
    levels: { id: string; code: string; label: string; description: string }[];
  };
}

export interface VersionGroup {
  id: string;
  code: string;
  title: string;
  requirements: VersionRequirement[];
}

export interface VersionContent {
  groups: VersionGroup[];
  /** Task-list order. */
  requirements: VersionRequirement[];
  byId: ReadonlyMap<string, VersionRequirement>;
}

/** Standard versions' content by version id, kept by one app (see createCaches). */
export type VersionContentCache = Map<string, Promise<VersionContent>>;

// Far more versions than any service will publish; the map starts again when full.
const KEPT_LIMIT = 200;

export function versionContent(
  cache: VersionContentCache,
  db: DbClient,
  frameworkVersionId: string,
): Promise<VersionContent> {
  return remembered(cache, frameworkVersionId, KEPT_LIMIT, () => readVersionContent(db, frameworkVersionId));
}

/** A requirement of the version, or undefined for any other id (another version's included). */
export async function requirementOfVersion(
  cache: VersionContentCache,
  db: DbClient,
  frameworkVersionId: string,
  requirementId: string,
): Promise<VersionRequirement | undefined> {
  return (await versionContent(cache, db, frameworkVersionId)).byId.get(requirementId);
}

async function readVersionContent(db: DbClient, frameworkVersionId: string): Promise<VersionContent> {
  const rows = await findVersionGroups(db, frameworkVersionId);
  const groups = rows.map((row) => ({
    ...row,
    requirements: row.requirements.map((requirement) => ({
      ...requirement,
      group: { code: row.code, title: row.title },
    })),
  }));
  const requirements = groups.flatMap((group) => group.requirements);
  return {
    groups,
    requirements,
    byId: new Map(requirements.map((requirement) => [requirement.id, requirement])),
  };
}
