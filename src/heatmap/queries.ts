import type { Db } from '../db/prisma.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';

// The heat map's reads: a fixed number of statements whatever the number of providers.

/** Every reporting period, newest first, with the framework versions it reports against. */
export function listPeriodsWithVersions(db: Db) {
  return db.reportingPeriod.findMany({
    select: {
      id: true,
      label: true,
      standards: {
        select: { frameworkVersionId: true, frameworkVersion: { select: { name: true } } },
      },
    },
    orderBy: [{ startDate: 'desc' }, { createdAt: 'desc' }],
    relationLoadStrategy: 'join',
  });
}

/** Every framework version (for the standard choice). */
export function listVersions(db: Db) {
  return db.frameworkVersion.findMany({
    select: { id: true, name: true, framework: { select: { code: true } } },
    orderBy: [{ framework: { code: 'asc' } }, { code: 'asc' }],
    relationLoadStrategy: 'join',
  });
}

/** The version's requirements in order, with their group and their scale's levels. */
export function findRequirementColumns(db: Db, frameworkVersionId: string) {
  return db.requirement.findMany({
    where: { frameworkVersionId },
    select: {
      code: true,
      title: true,
      position: true,
      group: { select: { code: true, position: true } },
      ratingScale: {
        select: {
          levels: { select: { code: true, label: true, score: true, colour: true, position: true } },
        },
      },
    },
    orderBy: [{ group: { position: 'asc' } }, { position: 'asc' }],
    relationLoadStrategy: 'join',
  });
}

export interface HeatMapReturnRow {
  id: string;
  status: ReturnStatus;
  providerId: string;
  providerName: string;
  odsCode: string;
  /** A past return imported from a spreadsheet (issue 15). */
  imported: boolean;
  /** The latest submission's time, or null when the return was never submitted. */
  submittedAt: Date | null;
  /**
   * Requirement code -> its rating level codes (null: unrated) from the latest submission's snapshot:
   * one per answer, so several where the requirement is answered per service (EDS 2022 Domain 1).
   */
  ratings: Record<string, (string | null)[]> | null;
  /**
   * The saved (draft) answers' rating codes, only for a return in progress when they were asked
   * for; null otherwise.
   */
  draftRatings: Record<string, (string | null)[]> | null;
}

/**
 * The returns for the version and period with their provider and the ratings of their latest
 * submission, in one statement. Only the codes are taken out of each snapshot (in the database), not
 * the narratives and evidence, so the page stays light at national scale. With `withDrafts`, returns
 * in progress bring their saved answers' rating codes too (in the same statement).
 */
export function findReturnsWithLatestRatings(
  db: Db,
  frameworkVersionId: string,
  periodId: string,
  withDrafts: boolean,
): Promise<HeatMapReturnRow[]> {
  return db.$queryRaw<HeatMapReturnRow[]>`
    SELECT r.id::text AS id, r.status::text AS status, p.id::text AS "providerId", p.name AS "providerName",
           p.ods_code AS "odsCode",
           EXISTS (SELECT 1 FROM return_imports i WHERE i.return_id = r.id) AS imported,
           latest.submitted_at AS "submittedAt", latest.ratings AS ratings, draft.ratings AS "draftRatings"
    FROM returns r
    JOIN providers p ON p.id = r.provider_id
    LEFT JOIN LATERAL (
      SELECT s.submitted_at,
             (SELECT jsonb_object_agg(code, codes) FROM (
                SELECT answer ->> 'requirementCode' AS code,
                       jsonb_agg(CASE WHEN answer ? 'notApplicable' THEN to_jsonb(':not-applicable'::text)
                                      ELSE answer -> 'ratingLevelCode' END) AS codes
                FROM jsonb_array_elements(s.snapshot -> 'responses') AS answer
                GROUP BY 1) per_requirement) AS ratings
      FROM return_submissions s
      WHERE s.return_id = r.id
      ORDER BY s.sequence DESC
      LIMIT 1
    ) latest ON true
    LEFT JOIN LATERAL (
      SELECT jsonb_object_agg(code, codes) AS ratings FROM (
        SELECT q.code,
               jsonb_agg(CASE WHEN answer.not_applicable THEN to_jsonb(':not-applicable'::text)
                              ELSE to_jsonb(l.code) END) AS codes
        FROM responses answer
        JOIN requirements q ON q.id = answer.requirement_id
        LEFT JOIN rating_levels l ON l.id = answer.rating_level_id
        WHERE answer.return_id = r.id
        GROUP BY q.code) per_requirement
    ) draft ON ${withDrafts}::boolean AND r.status = 'in_progress'
    WHERE r.framework_version_id = ${frameworkVersionId}::uuid AND r.period_id = ${periodId}::uuid
    ORDER BY p.name, p.ods_code`;
}

export function hasBands(db: Db, frameworkVersionId: string) {
  return db.overallRatingBand.count({ where: { frameworkVersionId } });
}
