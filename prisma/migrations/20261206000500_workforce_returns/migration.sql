-- Issue 17: WRES and WDES returns. A numeric return per provider, standard and reporting year (the
-- year of the data, e.g. 2025 = data as at 31 March 2025), on the same statuses as AIS/EDS returns
-- (return_status) and decided with the same review decisions (review_decision). Its inputs are kept
-- per indicator as the indicator file (data/workforce-standards) defines them; what is calculated
-- from them is worked out again from the file, never stored. No existing data changes.
CREATE TABLE "workforce_returns" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider_id" UUID NOT NULL,
    "standard_code" TEXT NOT NULL,
    "standard_version" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "status" "return_status" NOT NULL DEFAULT 'not_started',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMPTZ(6),
    "decided_at" TIMESTAMPTZ(6),
    CONSTRAINT "workforce_returns_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "workforce_returns_standard_code_check" CHECK ("standard_code" IN ('WRES', 'WDES')),
    CONSTRAINT "workforce_returns_year_check" CHECK ("year" BETWEEN 2015 AND 2100)
);
CREATE UNIQUE INDEX "workforce_returns_provider_id_standard_code_year_key" ON "workforce_returns"("provider_id", "standard_code", "year");
CREATE INDEX "workforce_returns_standard_code_year_idx" ON "workforce_returns"("standard_code", "year");
CREATE INDEX "workforce_returns_created_by_id_idx" ON "workforce_returns"("created_by_id");
ALTER TABLE "workforce_returns" ADD CONSTRAINT "workforce_returns_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "workforce_returns" ADD CONSTRAINT "workforce_returns_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- One indicator's inputs (counts by group, survey percentages, board composition, a narrative; the
-- WDES declaration rate as indicator "declaration"), as the form posted them once they passed its checks.
CREATE TABLE "workforce_answers" (
    "return_id" UUID NOT NULL,
    "indicator_code" TEXT NOT NULL,
    "inputs" JSONB NOT NULL,
    "updated_by_id" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    CONSTRAINT "workforce_answers_pkey" PRIMARY KEY ("return_id", "indicator_code"),
    CONSTRAINT "workforce_answers_inputs_check" CHECK (jsonb_typeof("inputs") = 'object')
);
CREATE INDEX "workforce_answers_updated_by_id_idx" ON "workforce_answers"("updated_by_id");
ALTER TABLE "workforce_answers" ADD CONSTRAINT "workforce_answers_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "workforce_returns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "workforce_answers" ADD CONSTRAINT "workforce_answers_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Each submission frozen (inputs and what was calculated, with its SHA-256) and the commissioner's
-- decision on it: accepted, or returned with a reason.
CREATE TABLE "workforce_submissions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "return_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "submitted_by_id" UUID NOT NULL,
    "submitted_at" TIMESTAMPTZ(6) NOT NULL,
    "snapshot" JSONB NOT NULL,
    "snapshot_sha256" CHAR(64) NOT NULL,
    "decision" "review_decision",
    "reason" TEXT NOT NULL DEFAULT '',
    "reviewer_id" UUID,
    "decided_at" TIMESTAMPTZ(6),
    CONSTRAINT "workforce_submissions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "workforce_submissions_decision_check" CHECK (
        ("decision" IS NULL AND "reviewer_id" IS NULL AND "decided_at" IS NULL)
        OR ("decision" IS NOT NULL AND "reviewer_id" IS NOT NULL AND "decided_at" IS NOT NULL)),
    CONSTRAINT "workforce_submissions_reason_check" CHECK ("decision" IS DISTINCT FROM 'returned' OR length(btrim("reason")) > 0)
);
CREATE UNIQUE INDEX "workforce_submissions_return_id_sequence_key" ON "workforce_submissions"("return_id", "sequence");
CREATE INDEX "workforce_submissions_submitted_by_id_idx" ON "workforce_submissions"("submitted_by_id");
CREATE INDEX "workforce_submissions_reviewer_id_idx" ON "workforce_submissions"("reviewer_id");
ALTER TABLE "workforce_submissions" ADD CONSTRAINT "workforce_submissions_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "workforce_returns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "workforce_submissions" ADD CONSTRAINT "workforce_submissions_submitted_by_id_fkey" FOREIGN KEY ("submitted_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "workforce_submissions" ADD CONSTRAINT "workforce_submissions_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A frozen submission's inputs never change: only its decision may be recorded, once.
CREATE FUNCTION "workforce_submissions_frozen"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'workforce submissions are never deleted';
  END IF;
  IF NEW."snapshot" IS DISTINCT FROM OLD."snapshot" OR NEW."snapshot_sha256" IS DISTINCT FROM OLD."snapshot_sha256"
     OR NEW."return_id" IS DISTINCT FROM OLD."return_id" OR NEW."sequence" IS DISTINCT FROM OLD."sequence"
     OR NEW."submitted_by_id" IS DISTINCT FROM OLD."submitted_by_id" OR NEW."submitted_at" IS DISTINCT FROM OLD."submitted_at"
     OR OLD."decision" IS NOT NULL THEN
    RAISE EXCEPTION 'a workforce submission is frozen once made, and its decision once taken';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "workforce_submissions_frozen" BEFORE UPDATE OR DELETE ON "workforce_submissions"
  FOR EACH ROW EXECUTE FUNCTION "workforce_submissions_frozen"();
