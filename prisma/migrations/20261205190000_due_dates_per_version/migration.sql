-- Issue 14: due dates belong to a standard version, not to the framework (AIS 2016 had no national
-- reporting date; AIS 2025 has one). Each loaded version takes its framework's default until the next
-- start loads the corrected data files, which replace it with the version's own rule and source.
ALTER TABLE "framework_versions" ADD COLUMN "due_month" SMALLINT;
ALTER TABLE "framework_versions" ADD COLUMN "due_day" SMALLINT;
ALTER TABLE "framework_versions" ADD COLUMN "due_national" BOOLEAN;
ALTER TABLE "framework_versions" ADD COLUMN "due_source" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "due_verified" BOOLEAN;
UPDATE "framework_versions" AS v
   SET "due_month" = f."default_due_month",
       "due_day" = f."default_due_day",
       "due_national" = false,
       "due_source" = 'The framework''s default due date, recorded before due dates were kept per version.',
       "due_verified" = false
  FROM "frameworks" AS f
 WHERE f."id" = v."framework_id";
ALTER TABLE "framework_versions" ALTER COLUMN "due_month" SET NOT NULL;
ALTER TABLE "framework_versions" ALTER COLUMN "due_day" SET NOT NULL;
ALTER TABLE "framework_versions" ALTER COLUMN "due_national" SET NOT NULL;
ALTER TABLE "framework_versions" ALTER COLUMN "due_source" SET NOT NULL;
ALTER TABLE "framework_versions" ALTER COLUMN "due_verified" SET NOT NULL;
ALTER TABLE "frameworks" DROP COLUMN "default_due_month";
ALTER TABLE "frameworks" DROP COLUMN "default_due_day";

-- Self-assessment statements reviewed apart from the standard (AIS self-assessment framework).
ALTER TABLE "framework_versions" ADD COLUMN "statements_name" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "statements_source" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "statements_verified" BOOLEAN;

-- When a data correction (sources, verified flags, due dates only) was last applied to the version.
ALTER TABLE "framework_versions" ADD COLUMN "corrected_at" TIMESTAMPTZ(6);
