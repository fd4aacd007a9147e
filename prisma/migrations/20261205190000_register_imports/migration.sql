-- Bulk imports (issue 15): an uploaded register file, kept as read and checked until its preview is
-- confirmed, then applied in one transaction and recorded with what it did.
CREATE TYPE "import_status" AS ENUM ('previewed', 'applied');

CREATE TABLE "register_imports" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "created_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "file_name" TEXT NOT NULL,
    "file_sha256" CHAR(64) NOT NULL,
    "status" "import_status" NOT NULL DEFAULT 'previewed',
    "rows" JSONB NOT NULL,
    "counts" JSONB,
    "applied_at" TIMESTAMPTZ(6),
    CONSTRAINT "register_imports_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "register_imports_kind_check" CHECK ("kind" IN ('register', 'ods'))
);
CREATE INDEX "register_imports_created_by_id_idx" ON "register_imports"("created_by_id");
ALTER TABLE "register_imports" ADD CONSTRAINT "register_imports_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
