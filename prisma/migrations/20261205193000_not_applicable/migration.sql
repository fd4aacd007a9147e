-- Issue 14: "not applicable" answers, where a standard's data allows them, always with a reason.
ALTER TABLE "framework_versions" ADD COLUMN "not_applicable_rule" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "not_applicable_source" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "not_applicable_verified" BOOLEAN;
ALTER TABLE "requirements" ADD COLUMN "not_applicable_allowed" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "responses" ADD COLUMN "not_applicable" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "responses" ADD COLUMN "not_applicable_reason" TEXT NOT NULL DEFAULT '';
-- A "not applicable" answer has no rating and always a reason.
ALTER TABLE "responses" ADD CONSTRAINT "responses_not_applicable_check"
    CHECK (NOT "not_applicable" OR ("rating_level_id" IS NULL AND btrim("not_applicable_reason") <> ''));

-- The matrix's tallies count "not applicable" answers too, under the level code ':not-applicable'
-- (a data file's level codes never hold a colon), so the matrix can leave them out as results do.
CREATE OR REPLACE FUNCTION "refresh_return_tallies"(return_ids UUID[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM "return_tallies" WHERE "return_id" = ANY(return_ids);
    INSERT INTO "return_tallies" ("return_id", "tally")
    SELECT counted.return_id,
           json_agg(json_build_array(g.code, COALESCE(rl.code, ':not-applicable'), counted.n))::text
      FROM (SELECT s.return_id, q.group_id, s.rating_level_id, count(*)::int AS n
              FROM "returns" r
              JOIN "responses" s ON s.return_id = r.id
              JOIN "requirements" q ON q.id = s.requirement_id AND q.framework_version_id = r.framework_version_id
             WHERE r.id = ANY(return_ids) AND (s.rating_level_id IS NOT NULL OR s.not_applicable)
             GROUP BY s.return_id, q.group_id, s.rating_level_id) AS counted
      JOIN "requirement_groups" g ON g.id = counted.group_id
      LEFT JOIN "rating_levels" rl ON rl.id = counted.rating_level_id
     GROUP BY counted.return_id
    ON CONFLICT ("return_id") DO UPDATE SET "tally" = EXCLUDED."tally";
END;
$$;
