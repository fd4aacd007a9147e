-- Issue 14: a reviewer accepts or returns each service's Domain 1 outcome separately. A decision on
-- a per-service requirement names the service (of the submission's return), as its answer does.
ALTER TABLE "requirement_reviews" ADD COLUMN "service_id" UUID;
ALTER TABLE "requirement_reviews" ADD CONSTRAINT "requirement_reviews_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "return_services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "requirement_reviews_service_id_idx" ON "requirement_reviews"("service_id");

-- Existing decisions on per-service requirements: every EDS 2022 return that has them got one service
-- ("All services") when services came (20261206013000_return_services), so each such decision goes to
-- its return's service. A return with none yet gets "All services", as an answer would; a return with
-- several (reviewed after services came, before this) has the decision copied to each service, since
-- it was made on the outcome as a whole. The original row (with any reply) goes to the first service.
INSERT INTO "return_services" ("return_id", "name", "why_chosen", "position")
SELECT DISTINCT rs.return_id, 'All services', 'Domain 1 was assessed for all services together.', 1
  FROM "requirement_reviews" rr
  JOIN "return_submissions" rs ON rs.id = rr.submission_id
  JOIN "returns" r ON r.id = rs.return_id
  JOIN "framework_versions" v ON v.id = r.framework_version_id
  JOIN "requirements" q ON q.id = rr.requirement_id
  JOIN "requirement_groups" g ON g.id = q.group_id
 WHERE g.code = v.per_service_group_code
   AND NOT EXISTS (SELECT 1 FROM "return_services" s WHERE s.return_id = rs.return_id)
ON CONFLICT ("return_id", "name") DO NOTHING;

-- The old key (one decision per submission and requirement) goes first: copies share it.
DROP INDEX "requirement_reviews_submission_id_requirement_id_key";

WITH per_service AS (
    SELECT rr.id AS review_id, svc.id AS service_id,
           row_number() OVER (PARTITION BY rr.id ORDER BY svc.position, svc.created_at, svc.id) AS n
      FROM "requirement_reviews" rr
      JOIN "return_submissions" rs ON rs.id = rr.submission_id
      JOIN "returns" r ON r.id = rs.return_id
      JOIN "framework_versions" v ON v.id = r.framework_version_id
      JOIN "requirements" q ON q.id = rr.requirement_id
      JOIN "requirement_groups" g ON g.id = q.group_id
      JOIN "return_services" svc ON svc.return_id = rs.return_id
     WHERE g.code = v.per_service_group_code AND rr.service_id IS NULL
), copies AS (
    INSERT INTO "requirement_reviews" ("submission_id", "requirement_id", "reviewer_id", "decision", "reason", "decided_at", "service_id")
    SELECT rr.submission_id, rr.requirement_id, rr.reviewer_id, rr.decision, rr.reason, rr.decided_at, p.service_id
      FROM per_service p JOIN "requirement_reviews" rr ON rr.id = p.review_id
     WHERE p.n > 1
)
UPDATE "requirement_reviews" rr SET "service_id" = p.service_id
  FROM per_service p WHERE p.review_id = rr.id AND p.n = 1;

-- One decision per (submission, requirement, service); NULLS NOT DISTINCT keeps one per requirement
-- where the requirement is not answered per service.
CREATE UNIQUE INDEX "requirement_reviews_submission_id_requirement_id_service_id_key"
    ON "requirement_reviews"("submission_id", "requirement_id", "service_id") NULLS NOT DISTINCT;

-- A decision on a per-service requirement names a service of the submission's return; no other
-- decision does. A writer that names none (older writers) gets the return's service when it has
-- exactly one; with several, which service was meant cannot be guessed, so it is refused.
CREATE FUNCTION "requirement_reviews_check_service"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    per_service BOOLEAN;
    of_return UUID;
    services INTEGER;
BEGIN
    SELECT g.code = v.per_service_group_code INTO per_service
      FROM "requirements" q
      JOIN "requirement_groups" g ON g.id = q.group_id
      JOIN "framework_versions" v ON v.id = q.framework_version_id
     WHERE q.id = NEW.requirement_id;
    IF NOT COALESCE(per_service, false) THEN
        IF NEW.service_id IS NOT NULL THEN
            RAISE EXCEPTION 'requirement % is not reviewed per service', NEW.requirement_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    SELECT return_id INTO of_return FROM "return_submissions" WHERE id = NEW.submission_id;
    IF NEW.service_id IS NULL THEN
        SELECT count(*), min(id::text)::uuid INTO services, NEW.service_id
          FROM "return_services" WHERE return_id = of_return;
        IF services <> 1 THEN
            RAISE EXCEPTION 'a decision on requirement % must name one of the return''s % services', NEW.requirement_id, services
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM "return_services" WHERE id = NEW.service_id AND return_id = of_return) THEN
        RAISE EXCEPTION 'service % is not a service of return %', NEW.service_id, of_return
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "requirement_reviews_check_service" BEFORE INSERT OR UPDATE OF "service_id", "requirement_id", "submission_id"
    ON "requirement_reviews" FOR EACH ROW EXECUTE FUNCTION "requirement_reviews_check_service"();
