-- Issue 15: a past period's return loaded from a spreadsheet as history (staff only). The return
-- itself is an ordinary accepted return; this row says it was imported, by whom, when and from
-- which file. No existing data changes.
CREATE TABLE "return_imports" (
    "return_id" UUID NOT NULL,
    "imported_by_id" UUID NOT NULL,
    "imported_at" TIMESTAMPTZ(6) NOT NULL,
    "file_name" TEXT NOT NULL,
    "file_sha256" CHAR(64) NOT NULL,
    CONSTRAINT "return_imports_pkey" PRIMARY KEY ("return_id"),
    CONSTRAINT "return_imports_file_sha256_check" CHECK ("file_sha256" ~ '^[0-9a-f]{64}$')
);
CREATE INDEX "return_imports_imported_by_id_idx" ON "return_imports"("imported_by_id");
ALTER TABLE "return_imports" ADD CONSTRAINT "return_imports_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "return_imports" ADD CONSTRAINT "return_imports_imported_by_id_fkey" FOREIGN KEY ("imported_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
