-- Per return its rated answers counted per requirement group and rating level, as JSON text of
-- [groupCode, levelCode, count] triples: the compliance matrix reads these few triples per return
-- instead of every answer of the period. Kept up to date by statement-level triggers on responses,
-- so every writer (saving, carrying forward, seeding, imports) keeps it right without knowing of it.
-- A return with no rated answer has no row.
CREATE TABLE "return_tallies" (
    "return_id" UUID NOT NULL,
    "tally" TEXT NOT NULL,

    CONSTRAINT "return_tallies_pkey" PRIMARY KEY ("return_id")
);

ALTER TABLE "return_tallies" ADD CONSTRAINT "return_tallies_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE FUNCTION "refresh_return_tallies"(return_ids UUID[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM "return_tallies" WHERE "return_id" = ANY(return_ids);
    INSERT INTO "return_tallies" ("return_id", "tally")
    SELECT counted.return_id, json_agg(json_build_array(g.code, rl.code, counted.n))::text
      FROM (SELECT s.return_id, q.group_id, s.rating_level_id, count(*)::int AS n
              FROM "returns" r
              JOIN "responses" s ON s.return_id = r.id
              JOIN "requirements" q ON q.id = s.requirement_id AND q.framework_version_id = r.framework_version_id
             WHERE r.id = ANY(return_ids) AND s.rating_level_id IS NOT NULL
             GROUP BY s.return_id, q.group_id, s.rating_level_id) AS counted
      JOIN "requirement_groups" g ON g.id = counted.group_id
      JOIN "rating_levels" rl ON rl.id = counted.rating_level_id
     GROUP BY counted.return_id
    -- Two writers refreshing the same return at once: the later one's count wins, no duplicate-key error.
    ON CONFLICT ("return_id") DO UPDATE SET "tally" = EXCLUDED."tally";
END;
$$;

CREATE FUNCTION "responses_refresh_tallies"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM "refresh_return_tallies"(ARRAY(SELECT DISTINCT return_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM "refresh_return_tallies"(ARRAY(
            SELECT return_id FROM new_rows UNION SELECT return_id FROM old_rows));
    ELSE
        PERFORM "refresh_return_tallies"(ARRAY(SELECT DISTINCT return_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER "responses_tallies_insert" AFTER INSERT ON "responses"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "responses_refresh_tallies"();
CREATE TRIGGER "responses_tallies_update" AFTER UPDATE ON "responses"
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "responses_refresh_tallies"();
CREATE TRIGGER "responses_tallies_delete" AFTER DELETE ON "responses"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "responses_refresh_tallies"();

-- The returns already answered.
SELECT "refresh_return_tallies"(ARRAY(SELECT DISTINCT return_id FROM "responses"));
