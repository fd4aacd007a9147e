-- Issue 14: who graded an EDS return: the date or dates of grading, the groups that took part, how
-- the scores were agreed and any dissent. One per return; no existing data changes.
CREATE TABLE "grading_records" (
    "return_id" UUID NOT NULL,
    "first_date" DATE NOT NULL,
    "last_date" DATE,
    "groups" TEXT[] NOT NULL,
    "how_agreed" TEXT NOT NULL,
    "dissent" TEXT NOT NULL DEFAULT '',
    "updated_by_id" UUID NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    CONSTRAINT "grading_records_pkey" PRIMARY KEY ("return_id"),
    CONSTRAINT "grading_records_dates_check" CHECK ("last_date" IS NULL OR "last_date" >= "first_date"),
    CONSTRAINT "grading_records_how_agreed_check" CHECK (length(btrim("how_agreed")) > 0),
    CONSTRAINT "grading_records_groups_check" CHECK (cardinality("groups") > 0)
);
CREATE INDEX "grading_records_updated_by_id_idx" ON "grading_records"("updated_by_id");
ALTER TABLE "grading_records" ADD CONSTRAINT "grading_records_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "grading_records" ADD CONSTRAINT "grading_records_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
