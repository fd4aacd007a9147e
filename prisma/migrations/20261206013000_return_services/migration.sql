-- Issue 14: an EDS 2022 return names the services it assesses in Domain 1, and each Domain 1 outcome
-- is answered once per service. The per-service group is the version's per_service_group_code.
CREATE TABLE "return_services" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "return_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "why_chosen" TEXT NOT NULL DEFAULT '',
    "position" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "return_services_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "return_services_name_check" CHECK (btrim("name") <> '')
);

CREATE UNIQUE INDEX "return_services_return_id_name_key" ON "return_services"("return_id", "name");
ALTER TABLE "return_services" ADD CONSTRAINT "return_services_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "responses" ADD COLUMN "service_id" UUID;
ALTER TABLE "responses" ADD CONSTRAINT "responses_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "return_services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "responses_service_id_idx" ON "responses"("service_id");

-- One answer per (return, requirement, service); NULLS NOT DISTINCT keeps one per requirement where
-- the requirement is not answered per service.
DROP INDEX "responses_return_id_requirement_id_key";
CREATE UNIQUE INDEX "responses_return_id_requirement_id_service_id_key"
    ON "responses"("return_id", "requirement_id", "service_id") NULLS NOT DISTINCT;

-- Every answer to a per-service requirement names a service of its own return; no other answer does.
-- An answer written without a service (older writers: imports, seeds, workbooks) goes to the return's
-- first service, made as "All services" if the return has none yet, exactly as existing returns move.
CREATE FUNCTION "responses_check_service"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    per_service BOOLEAN;
BEGIN
    SELECT g.code = v.per_service_group_code INTO per_service
      FROM "requirements" q
      JOIN "requirement_groups" g ON g.id = q.group_id
      JOIN "framework_versions" v ON v.id = q.framework_version_id
     WHERE q.id = NEW.requirement_id;
    IF NOT COALESCE(per_service, false) THEN
        IF NEW.service_id IS NOT NULL THEN
            RAISE EXCEPTION 'requirement % is not answered per service', NEW.requirement_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.service_id IS NULL THEN
        SELECT id INTO NEW.service_id FROM "return_services"
         WHERE return_id = NEW.return_id ORDER BY position, created_at, id LIMIT 1;
        IF NEW.service_id IS NULL THEN
            INSERT INTO "return_services" ("return_id", "name", "why_chosen", "position")
            VALUES (NEW.return_id, 'All services', 'Domain 1 was assessed for all services together.', 1)
            ON CONFLICT ("return_id", "name") DO NOTHING;
            SELECT id INTO NEW.service_id FROM "return_services"
             WHERE return_id = NEW.return_id ORDER BY position, created_at, id LIMIT 1;
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM "return_services" WHERE id = NEW.service_id AND return_id = NEW.return_id) THEN
        RAISE EXCEPTION 'service % is not a service of return %', NEW.service_id, NEW.return_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "responses_check_service" BEFORE INSERT OR UPDATE OF "service_id", "requirement_id", "return_id"
    ON "responses" FOR EACH ROW EXECUTE FUNCTION "responses_check_service"();

-- Existing EDS 2022 returns: one service, "All services", holding every per-service answer they have.
INSERT INTO "return_services" ("return_id", "name", "why_chosen", "position", "created_at")
SELECT r.id, 'All services', 'Domain 1 was assessed for all services together.', 1, r.created_at
  FROM "returns" r
  JOIN "framework_versions" v ON v.id = r.framework_version_id
 WHERE v.per_service_group_code IS NOT NULL
   AND EXISTS (SELECT 1 FROM "responses" s
                 JOIN "requirements" q ON q.id = s.requirement_id
                 JOIN "requirement_groups" g ON g.id = q.group_id
                WHERE s.return_id = r.id AND g.code = v.per_service_group_code);

UPDATE "responses" s SET "service_id" = rs.id
  FROM "return_services" rs, "requirements" q, "requirement_groups" g, "returns" r, "framework_versions" v
 WHERE rs.return_id = s.return_id AND q.id = s.requirement_id AND g.id = q.group_id
   AND r.id = s.return_id AND v.id = r.framework_version_id AND g.code = v.per_service_group_code;

-- The matrix's tallies count per service: a per-service group's lines carry the service id as a fourth
-- element, and each service of the return has a line [group, ':service', 0, service id] so a service
-- with nothing rated yet still counts (its outcomes unrated). Other lines are as before.
CREATE OR REPLACE FUNCTION "refresh_return_tallies"(return_ids UUID[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM "return_tallies" WHERE "return_id" = ANY(return_ids);
    INSERT INTO "return_tallies" ("return_id", "tally")
    SELECT lines.return_id, json_agg(lines.line ORDER BY lines.sort_key)::text
      FROM (SELECT counted.return_id,
                   CASE WHEN counted.service_id IS NULL
                        THEN json_build_array(g.code, COALESCE(rl.code, ':not-applicable'), counted.n)
                        ELSE json_build_array(g.code, COALESCE(rl.code, ':not-applicable'), counted.n, counted.service_id)
                   END AS line,
                   concat_ws(' ', g.code, counted.service_id, COALESCE(rl.code, ':not-applicable')) AS sort_key
              FROM (SELECT s.return_id, q.group_id, s.rating_level_id, s.service_id, count(*)::int AS n
                      FROM "returns" r
                      JOIN "responses" s ON s.return_id = r.id
                      JOIN "requirements" q ON q.id = s.requirement_id AND q.framework_version_id = r.framework_version_id
                     WHERE r.id = ANY(return_ids) AND (s.rating_level_id IS NOT NULL OR s.not_applicable)
                     GROUP BY s.return_id, q.group_id, s.rating_level_id, s.service_id) AS counted
              JOIN "requirement_groups" g ON g.id = counted.group_id
              LEFT JOIN "rating_levels" rl ON rl.id = counted.rating_level_id
            UNION ALL
            SELECT rs.return_id,
                   json_build_array(v.per_service_group_code, ':service', 0, rs.id),
                   concat_ws(' ', v.per_service_group_code, rs.id, ':service')
              FROM "return_services" rs
              JOIN "returns" r ON r.id = rs.return_id
              JOIN "framework_versions" v ON v.id = r.framework_version_id
             WHERE rs.return_id = ANY(return_ids) AND v.per_service_group_code IS NOT NULL) AS lines
     GROUP BY lines.return_id
    ON CONFLICT ("return_id") DO UPDATE SET "tally" = EXCLUDED."tally";
END;
$$;

CREATE FUNCTION "return_services_refresh_tallies"() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER "return_services_tallies_insert" AFTER INSERT ON "return_services"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "return_services_refresh_tallies"();
CREATE TRIGGER "return_services_tallies_delete" AFTER DELETE ON "return_services"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "return_services_refresh_tallies"();

SELECT "refresh_return_tallies"(ARRAY(SELECT DISTINCT return_id FROM "return_services"));
