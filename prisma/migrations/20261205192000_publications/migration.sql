-- Publications (issue 17): what a provider published to meet an equality obligation in a financial
-- year, with a copy in its evidence library, and who at the commissioner checked it.
CREATE TYPE "publication_status" AS ENUM ('published', 'checked');

CREATE TABLE "publications" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider_id" UUID NOT NULL,
    "obligation_code" TEXT NOT NULL,
    "obligation_version" INTEGER NOT NULL,
    "year" INTEGER NOT NULL,
    "status" "publication_status" NOT NULL,
    "url" TEXT NOT NULL,
    "published_on" DATE NOT NULL,
    "evidence_id" UUID,
    "recorded_by_id" UUID NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL,
    "checked_by_id" UUID,
    "checked_at" TIMESTAMPTZ(6),
    CONSTRAINT "publications_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "publications_year_check" CHECK ("year" BETWEEN 2000 AND 2200),
    -- Checked means someone checked it, at a time; published means nobody has yet.
    CONSTRAINT "publications_checked_check" CHECK (
        ("status" = 'checked') = ("checked_by_id" IS NOT NULL AND "checked_at" IS NOT NULL)
    )
);
CREATE UNIQUE INDEX "publications_provider_id_obligation_code_year_key" ON "publications"("provider_id", "obligation_code", "year");
CREATE INDEX "publications_evidence_id_idx" ON "publications"("evidence_id");
CREATE INDEX "publications_recorded_by_id_idx" ON "publications"("recorded_by_id");
CREATE INDEX "publications_checked_by_id_idx" ON "publications"("checked_by_id");
ALTER TABLE "publications" ADD CONSTRAINT "publications_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "publications" ADD CONSTRAINT "publications_evidence_id_fkey" FOREIGN KEY ("evidence_id") REFERENCES "evidence"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "publications" ADD CONSTRAINT "publications_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "publications" ADD CONSTRAINT "publications_checked_by_id_fkey" FOREIGN KEY ("checked_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
