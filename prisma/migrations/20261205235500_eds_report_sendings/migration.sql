-- Issue 14: when a return's EDS report was sent to NHS England (where and when it was published is
-- the provider's publication record for the "eds-report" obligation, in "publications"). At most one
-- per return; no existing data changes.
CREATE TABLE "eds_report_sendings" (
    "return_id" UUID NOT NULL,
    "sent_on" DATE NOT NULL,
    "recorded_by_id" UUID NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL,
    CONSTRAINT "eds_report_sendings_pkey" PRIMARY KEY ("return_id")
);
CREATE INDEX "eds_report_sendings_recorded_by_id_idx" ON "eds_report_sendings"("recorded_by_id");
ALTER TABLE "eds_report_sendings" ADD CONSTRAINT "eds_report_sendings_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "eds_report_sendings" ADD CONSTRAINT "eds_report_sendings_recorded_by_id_fkey" FOREIGN KEY ("recorded_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
