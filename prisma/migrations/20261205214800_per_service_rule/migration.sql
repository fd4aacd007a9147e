-- Issue 14: a standard version may have a group answered once per service (EDS 2022 Domain 1), with
-- the fewest services a return names and how the services' totals combine. Set by the standards
-- import from the version's data file (a data correction for a version already loaded).
ALTER TABLE "framework_versions" ADD COLUMN "per_service_group_code" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "per_service_minimum" SMALLINT;
ALTER TABLE "framework_versions" ADD COLUMN "per_service_combine" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "per_service_source" TEXT;
ALTER TABLE "framework_versions" ADD COLUMN "per_service_verified" BOOLEAN;
ALTER TABLE "framework_versions" ADD CONSTRAINT "framework_versions_per_service_check" CHECK (
    ("per_service_group_code" IS NULL AND "per_service_minimum" IS NULL AND "per_service_combine" IS NULL
        AND "per_service_source" IS NULL AND "per_service_verified" IS NULL)
    OR ("per_service_group_code" IS NOT NULL AND "per_service_minimum" >= 1 AND "per_service_combine" IS NOT NULL
        AND "per_service_source" IS NOT NULL AND "per_service_verified" IS NOT NULL));
