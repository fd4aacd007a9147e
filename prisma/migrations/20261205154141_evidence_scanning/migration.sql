-- Every evidence file is scanned for malware (ClamAV's daemon) before anyone may download it. The
-- verdict belongs to the bytes, so it lives on the file, stored once per SHA-256 whoever uploads it.
--   pending:   waiting for a scan (the scanner was unreachable or too slow); not downloadable
--   clean:     scanned, nothing found
--   infected:  quarantined: the scanner found `scan_signature`; never downloadable
--   unscanned: kept while no scanner was configured (the local default); downloadable, and scanned
--              by the rescan job once a scanner is configured
CREATE TYPE "evidence_scan_status" AS ENUM ('pending', 'clean', 'infected', 'unscanned');

-- Files stored before scanning existed were never scanned.
ALTER TABLE "evidence_files"
    ADD COLUMN "scan_status" "evidence_scan_status" NOT NULL DEFAULT 'unscanned',
    ADD COLUMN "scan_signature" TEXT,
    ADD COLUMN "scanned_at" TIMESTAMPTZ(6),
    ADD COLUMN "scan_attempts" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "next_scan_at" TIMESTAMPTZ(6),
    ADD COLUMN "scan_error" TEXT,
    ADD CONSTRAINT "evidence_files_scan_signature_check" CHECK (("scan_status" = 'infected') = ("scan_signature" IS NOT NULL)),
    ADD CONSTRAINT "evidence_files_scanned_check" CHECK ("scan_status" NOT IN ('clean', 'infected') OR "scanned_at" IS NOT NULL),
    ADD CONSTRAINT "evidence_files_scan_attempts_check" CHECK ("scan_attempts" >= 0);

-- From now on every new file says what became of its scan.
ALTER TABLE "evidence_files" ALTER COLUMN "scan_status" DROP DEFAULT;

-- The rescan job's queue: files waiting for a scan, the longest waiting first.
CREATE INDEX "evidence_files_scan_status_next_scan_at_idx" ON "evidence_files"("scan_status", "next_scan_at");
