-- Initial schema of the AIS & EDS compliance tracker.

-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('admin', 'contract_manager', 'viewer', 'provider_lead');
CREATE TYPE "provider_type" AS ENUM ('acute_trust', 'mental_health_trust', 'community_trust', 'ambulance_trust', 'gp_practice', 'care_home', 'independent_provider', 'hospice');
CREATE TYPE "return_status" AS ENUM ('not_started', 'in_progress', 'submitted', 'accepted', 'returned');
CREATE TYPE "review_decision" AS ENUM ('accepted', 'returned');
CREATE TYPE "email_status" AS ENUM ('pending', 'sending', 'sent', 'failed');
CREATE TYPE "job_run_status" AS ENUM ('running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "providers" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "ods_code" TEXT NOT NULL,
    "type" "provider_type" NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "providers_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "providers_name_check" CHECK (btrim("name") <> ''),
    CONSTRAINT "providers_ods_code_check" CHECK ("ods_code" ~ '^[A-Z0-9]{3,10}$')
);

CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "entra_object_id" TEXT,
    "email" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "role" "user_role" NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "last_sign_in_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
    -- Emails are matched case-insensitively, so they are stored lower-case.
    CONSTRAINT "users_email_check" CHECK ("email" = lower("email") AND "email" LIKE '%_@_%')
);

CREATE TABLE "memberships" (
    "user_id" UUID NOT NULL,
    "provider_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "memberships_pkey" PRIMARY KEY ("user_id", "provider_id")
);

CREATE TABLE "contracts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider_id" UUID NOT NULL,
    "reference" TEXT NOT NULL,
    "start_date" DATE NOT NULL,
    "end_date" DATE,
    "contract_manager_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "contracts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "contracts_dates_check" CHECK ("end_date" IS NULL OR "end_date" >= "start_date")
);

CREATE TABLE "contract_standards" (
    "contract_id" UUID NOT NULL,
    "framework_id" UUID NOT NULL,
    CONSTRAINT "contract_standards_pkey" PRIMARY KEY ("contract_id", "framework_id")
);

CREATE TABLE "frameworks" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "default_due_month" SMALLINT NOT NULL,
    "default_due_day" SMALLINT NOT NULL,
    CONSTRAINT "frameworks_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "frameworks_due_check" CHECK ("default_due_month" BETWEEN 1 AND 12 AND "default_due_day" BETWEEN 1 AND 31)
);

CREATE TABLE "framework_versions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "framework_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "identifier" TEXT,
    "published_on" DATE,
    "group_label" TEXT NOT NULL,
    "rating_scale_id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL,
    "content_sha256" CHAR(64) NOT NULL,
    "imported_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "framework_versions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "framework_versions_content_sha256_check" CHECK ("content_sha256" ~ '^[0-9a-f]{64}$')
);

CREATE TABLE "rating_scales" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL,
    CONSTRAINT "rating_scales_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "rating_levels" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "scale_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "score" SMALLINT NOT NULL,
    "colour" TEXT,
    "description" TEXT NOT NULL,
    "position" SMALLINT NOT NULL,
    CONSTRAINT "rating_levels_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rating_levels_score_check" CHECK ("score" >= 0)
);

CREATE TABLE "overall_rating_bands" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "framework_version_id" UUID NOT NULL,
    "min_total" SMALLINT NOT NULL,
    "max_total" SMALLINT NOT NULL,
    "label" TEXT NOT NULL,
    "position" SMALLINT NOT NULL,
    "source" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL,
    CONSTRAINT "overall_rating_bands_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "overall_rating_bands_range_check" CHECK ("min_total" >= 0 AND "min_total" <= "max_total")
);

CREATE TABLE "requirement_groups" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "framework_version_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "position" SMALLINT NOT NULL,
    "source" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL,
    CONSTRAINT "requirement_groups_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "requirements" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "framework_version_id" UUID NOT NULL,
    "group_id" UUID NOT NULL,
    "rating_scale_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "guidance" TEXT NOT NULL,
    "evidence_expected" TEXT NOT NULL,
    "position" SMALLINT NOT NULL,
    "source" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL,
    CONSTRAINT "requirements_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "reporting_periods" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "label" TEXT NOT NULL,
    "start_date" DATE NOT NULL,
    "end_date" DATE NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "reporting_periods_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reporting_periods_dates_check" CHECK ("end_date" > "start_date")
);

CREATE TABLE "period_standards" (
    "period_id" UUID NOT NULL,
    "framework_id" UUID NOT NULL,
    "framework_version_id" UUID NOT NULL,
    "due_date" DATE NOT NULL,
    CONSTRAINT "period_standards_pkey" PRIMARY KEY ("period_id", "framework_id")
);

CREATE TABLE "returns" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "contract_id" UUID NOT NULL,
    "provider_id" UUID NOT NULL,
    "framework_version_id" UUID NOT NULL,
    "period_id" UUID NOT NULL,
    "status" "return_status" NOT NULL DEFAULT 'not_started',
    "original_due_date" DATE NOT NULL,
    "due_date" DATE NOT NULL,
    "extension_reason" TEXT,
    "carried_from_return_id" UUID,
    "version" INTEGER NOT NULL DEFAULT 1,
    "started_at" TIMESTAMPTZ(6),
    "submitted_at" TIMESTAMPTZ(6),
    "decided_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "returns_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "returns_version_check" CHECK ("version" > 0),
    CONSTRAINT "returns_submitted_check" CHECK ("status" NOT IN ('submitted', 'accepted') OR "submitted_at" IS NOT NULL)
);

CREATE TABLE "responses" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "return_id" UUID NOT NULL,
    "requirement_id" UUID NOT NULL,
    "rating_level_id" UUID,
    "narrative" TEXT NOT NULL DEFAULT '',
    "action_plan" TEXT NOT NULL DEFAULT '',
    "action_owner" TEXT NOT NULL DEFAULT '',
    "action_due_date" DATE,
    "carried_forward" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "responses_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "responses_version_check" CHECK ("version" > 0)
);

CREATE TABLE "return_submissions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "return_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "submitted_by_id" UUID NOT NULL,
    "submitted_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "declaration" TEXT NOT NULL,
    "snapshot" JSONB NOT NULL,
    "snapshot_sha256" CHAR(64) NOT NULL,
    CONSTRAINT "return_submissions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "return_submissions_sequence_check" CHECK ("sequence" > 0),
    CONSTRAINT "return_submissions_snapshot_sha256_check" CHECK ("snapshot_sha256" ~ '^[0-9a-f]{64}$')
);

CREATE TABLE "return_reviews" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "submission_id" UUID NOT NULL,
    "reviewer_id" UUID NOT NULL,
    "decision" "review_decision" NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "new_due_date" DATE,
    "decided_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "return_reviews_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "requirement_reviews" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "submission_id" UUID NOT NULL,
    "requirement_id" UUID NOT NULL,
    "reviewer_id" UUID NOT NULL,
    "decision" "review_decision" NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "decided_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "requirement_reviews_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "requirement_reviews_reason_check" CHECK ("decision" = 'accepted' OR btrim("reason") <> '')
);

CREATE TABLE "evidence_files" (
    "sha256" CHAR(64) NOT NULL,
    "content" BYTEA NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "media_type" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "evidence_files_pkey" PRIMARY KEY ("sha256"),
    CONSTRAINT "evidence_files_sha256_check" CHECK ("sha256" ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "evidence_files_size_check" CHECK ("size_bytes" > 0 AND "size_bytes" = octet_length("content"))
);

CREATE TABLE "evidence" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider_id" UUID NOT NULL,
    "file_sha256" CHAR(64) NOT NULL,
    "file_name" TEXT NOT NULL,
    "covers_from" DATE,
    "covers_to" DATE,
    "uploaded_by_id" UUID NOT NULL,
    "uploaded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "evidence_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "evidence_covers_check" CHECK ("covers_from" IS NULL OR "covers_to" IS NULL OR "covers_to" >= "covers_from")
);

CREATE TABLE "evidence_links" (
    "evidence_id" UUID NOT NULL,
    "response_id" UUID NOT NULL,
    "linked_by_id" UUID NOT NULL,
    "linked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "evidence_links_pkey" PRIMARY KEY ("evidence_id", "response_id")
);

CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "return_id" UUID,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT,
    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "outbox_emails" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "idempotency_key" TEXT NOT NULL,
    "return_id" UUID,
    "stage" TEXT,
    "to_address" TEXT NOT NULL,
    "cc_addresses" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "subject" TEXT NOT NULL,
    "text_body" TEXT NOT NULL,
    "html_body" TEXT NOT NULL,
    "status" "email_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_expires_at" TIMESTAMPTZ(6),
    "sent_at" TIMESTAMPTZ(6),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbox_emails_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "outbox_emails_attempts_check" CHECK ("attempts" >= 0)
);

CREATE TABLE "job_runs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "job_name" TEXT NOT NULL,
    "status" "job_run_status" NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),
    "counts" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    CONSTRAINT "job_runs_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "user_sessions" (
    "sid" VARCHAR NOT NULL,
    "sess" JSON NOT NULL,
    "expire" TIMESTAMP(6) NOT NULL,
    CONSTRAINT "user_sessions_pkey" PRIMARY KEY ("sid")
);

-- CreateIndex
CREATE UNIQUE INDEX "providers_ods_code_key" ON "providers"("ods_code");
CREATE UNIQUE INDEX "users_entra_object_id_key" ON "users"("entra_object_id");
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
CREATE INDEX "memberships_provider_id_idx" ON "memberships"("provider_id");
CREATE UNIQUE INDEX "contracts_reference_key" ON "contracts"("reference");
CREATE INDEX "contracts_provider_id_idx" ON "contracts"("provider_id");
CREATE INDEX "contracts_contract_manager_id_idx" ON "contracts"("contract_manager_id");
CREATE UNIQUE INDEX "contracts_id_provider_id_key" ON "contracts"("id", "provider_id");
CREATE INDEX "contract_standards_framework_id_idx" ON "contract_standards"("framework_id");
CREATE UNIQUE INDEX "frameworks_code_key" ON "frameworks"("code");
CREATE INDEX "framework_versions_rating_scale_id_idx" ON "framework_versions"("rating_scale_id");
CREATE UNIQUE INDEX "framework_versions_framework_id_code_key" ON "framework_versions"("framework_id", "code");
CREATE UNIQUE INDEX "rating_scales_code_key" ON "rating_scales"("code");
CREATE UNIQUE INDEX "rating_levels_scale_id_code_key" ON "rating_levels"("scale_id", "code");
CREATE UNIQUE INDEX "rating_levels_scale_id_position_key" ON "rating_levels"("scale_id", "position");
CREATE UNIQUE INDEX "overall_rating_bands_framework_version_id_position_key" ON "overall_rating_bands"("framework_version_id", "position");
CREATE UNIQUE INDEX "requirement_groups_framework_version_id_code_key" ON "requirement_groups"("framework_version_id", "code");
CREATE UNIQUE INDEX "requirement_groups_framework_version_id_position_key" ON "requirement_groups"("framework_version_id", "position");
CREATE INDEX "requirements_group_id_idx" ON "requirements"("group_id");
CREATE INDEX "requirements_rating_scale_id_idx" ON "requirements"("rating_scale_id");
CREATE UNIQUE INDEX "requirements_framework_version_id_code_key" ON "requirements"("framework_version_id", "code");
CREATE UNIQUE INDEX "reporting_periods_label_key" ON "reporting_periods"("label");
CREATE INDEX "period_standards_framework_id_idx" ON "period_standards"("framework_id");
CREATE INDEX "period_standards_framework_version_id_idx" ON "period_standards"("framework_version_id");
CREATE INDEX "returns_contract_id_provider_id_idx" ON "returns"("contract_id", "provider_id");
CREATE INDEX "returns_provider_id_idx" ON "returns"("provider_id");
CREATE INDEX "returns_framework_version_id_idx" ON "returns"("framework_version_id");
CREATE INDEX "returns_period_id_status_idx" ON "returns"("period_id", "status");
CREATE INDEX "returns_status_due_date_idx" ON "returns"("status", "due_date");
CREATE INDEX "returns_carried_from_return_id_idx" ON "returns"("carried_from_return_id");
CREATE UNIQUE INDEX "returns_contract_id_framework_version_id_period_id_key" ON "returns"("contract_id", "framework_version_id", "period_id");
CREATE INDEX "responses_requirement_id_idx" ON "responses"("requirement_id");
CREATE INDEX "responses_rating_level_id_idx" ON "responses"("rating_level_id");
CREATE INDEX "responses_updated_by_id_idx" ON "responses"("updated_by_id");
CREATE UNIQUE INDEX "responses_return_id_requirement_id_key" ON "responses"("return_id", "requirement_id");
CREATE INDEX "return_submissions_submitted_by_id_idx" ON "return_submissions"("submitted_by_id");
CREATE UNIQUE INDEX "return_submissions_return_id_sequence_key" ON "return_submissions"("return_id", "sequence");
CREATE UNIQUE INDEX "return_reviews_submission_id_key" ON "return_reviews"("submission_id");
CREATE INDEX "return_reviews_reviewer_id_idx" ON "return_reviews"("reviewer_id");
CREATE INDEX "requirement_reviews_requirement_id_idx" ON "requirement_reviews"("requirement_id");
CREATE INDEX "requirement_reviews_reviewer_id_idx" ON "requirement_reviews"("reviewer_id");
CREATE UNIQUE INDEX "requirement_reviews_submission_id_requirement_id_key" ON "requirement_reviews"("submission_id", "requirement_id");
CREATE INDEX "evidence_file_sha256_idx" ON "evidence"("file_sha256");
CREATE INDEX "evidence_uploaded_by_id_idx" ON "evidence"("uploaded_by_id");
CREATE UNIQUE INDEX "evidence_provider_id_file_sha256_key" ON "evidence"("provider_id", "file_sha256");
CREATE INDEX "evidence_links_response_id_idx" ON "evidence_links"("response_id");
CREATE INDEX "evidence_links_linked_by_id_idx" ON "evidence_links"("linked_by_id");
CREATE INDEX "audit_events_entity_type_entity_id_idx" ON "audit_events"("entity_type", "entity_id");
CREATE INDEX "audit_events_actor_id_idx" ON "audit_events"("actor_id");
CREATE INDEX "audit_events_return_id_occurred_at_idx" ON "audit_events"("return_id", "occurred_at");
CREATE UNIQUE INDEX "outbox_emails_idempotency_key_key" ON "outbox_emails"("idempotency_key");
CREATE INDEX "outbox_emails_status_next_attempt_at_idx" ON "outbox_emails"("status", "next_attempt_at");
CREATE INDEX "outbox_emails_return_id_idx" ON "outbox_emails"("return_id");
CREATE INDEX "job_runs_job_name_started_at_idx" ON "job_runs"("job_name", "started_at");
CREATE INDEX "user_sessions_expire_idx" ON "user_sessions"("expire");

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_contract_manager_id_fkey" FOREIGN KEY ("contract_manager_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "contract_standards" ADD CONSTRAINT "contract_standards_contract_id_fkey" FOREIGN KEY ("contract_id") REFERENCES "contracts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "contract_standards" ADD CONSTRAINT "contract_standards_framework_id_fkey" FOREIGN KEY ("framework_id") REFERENCES "frameworks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "framework_versions" ADD CONSTRAINT "framework_versions_framework_id_fkey" FOREIGN KEY ("framework_id") REFERENCES "frameworks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "framework_versions" ADD CONSTRAINT "framework_versions_rating_scale_id_fkey" FOREIGN KEY ("rating_scale_id") REFERENCES "rating_scales"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "rating_levels" ADD CONSTRAINT "rating_levels_scale_id_fkey" FOREIGN KEY ("scale_id") REFERENCES "rating_scales"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "overall_rating_bands" ADD CONSTRAINT "overall_rating_bands_framework_version_id_fkey" FOREIGN KEY ("framework_version_id") REFERENCES "framework_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "requirement_groups" ADD CONSTRAINT "requirement_groups_framework_version_id_fkey" FOREIGN KEY ("framework_version_id") REFERENCES "framework_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "requirements" ADD CONSTRAINT "requirements_framework_version_id_fkey" FOREIGN KEY ("framework_version_id") REFERENCES "framework_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "requirements" ADD CONSTRAINT "requirements_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "requirement_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "requirements" ADD CONSTRAINT "requirements_rating_scale_id_fkey" FOREIGN KEY ("rating_scale_id") REFERENCES "rating_scales"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "period_standards" ADD CONSTRAINT "period_standards_period_id_fkey" FOREIGN KEY ("period_id") REFERENCES "reporting_periods"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "period_standards" ADD CONSTRAINT "period_standards_framework_id_fkey" FOREIGN KEY ("framework_id") REFERENCES "frameworks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "period_standards" ADD CONSTRAINT "period_standards_framework_version_id_fkey" FOREIGN KEY ("framework_version_id") REFERENCES "framework_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "returns" ADD CONSTRAINT "returns_contract_id_provider_id_fkey" FOREIGN KEY ("contract_id", "provider_id") REFERENCES "contracts"("id", "provider_id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "returns" ADD CONSTRAINT "returns_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "returns" ADD CONSTRAINT "returns_framework_version_id_fkey" FOREIGN KEY ("framework_version_id") REFERENCES "framework_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "returns" ADD CONSTRAINT "returns_period_id_fkey" FOREIGN KEY ("period_id") REFERENCES "reporting_periods"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "returns" ADD CONSTRAINT "returns_carried_from_return_id_fkey" FOREIGN KEY ("carried_from_return_id") REFERENCES "returns"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "responses" ADD CONSTRAINT "responses_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "responses" ADD CONSTRAINT "responses_requirement_id_fkey" FOREIGN KEY ("requirement_id") REFERENCES "requirements"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "responses" ADD CONSTRAINT "responses_rating_level_id_fkey" FOREIGN KEY ("rating_level_id") REFERENCES "rating_levels"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "responses" ADD CONSTRAINT "responses_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "return_submissions" ADD CONSTRAINT "return_submissions_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "return_submissions" ADD CONSTRAINT "return_submissions_submitted_by_id_fkey" FOREIGN KEY ("submitted_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "return_reviews" ADD CONSTRAINT "return_reviews_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "return_submissions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "return_reviews" ADD CONSTRAINT "return_reviews_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "requirement_reviews" ADD CONSTRAINT "requirement_reviews_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "return_submissions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "requirement_reviews" ADD CONSTRAINT "requirement_reviews_requirement_id_fkey" FOREIGN KEY ("requirement_id") REFERENCES "requirements"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "requirement_reviews" ADD CONSTRAINT "requirement_reviews_reviewer_id_fkey" FOREIGN KEY ("reviewer_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_file_sha256_fkey" FOREIGN KEY ("file_sha256") REFERENCES "evidence_files"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_uploaded_by_id_fkey" FOREIGN KEY ("uploaded_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "evidence_links" ADD CONSTRAINT "evidence_links_evidence_id_fkey" FOREIGN KEY ("evidence_id") REFERENCES "evidence"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "evidence_links" ADD CONSTRAINT "evidence_links_response_id_fkey" FOREIGN KEY ("response_id") REFERENCES "responses"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "evidence_links" ADD CONSTRAINT "evidence_links_linked_by_id_fkey" FOREIGN KEY ("linked_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "outbox_emails" ADD CONSTRAINT "outbox_emails_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Audit events and submitted snapshots are records of what happened: never rewritten.
CREATE FUNCTION "refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events"
    FOR EACH ROW EXECUTE FUNCTION "refuse_change"();
CREATE TRIGGER "return_submissions_append_only" BEFORE UPDATE OR DELETE ON "return_submissions"
    FOR EACH ROW EXECUTE FUNCTION "refuse_change"();
