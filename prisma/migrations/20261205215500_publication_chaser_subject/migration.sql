-- Issue 17: a chaser for an overdue publication names the publication it chases (provider, obligation,
-- financial year), as a return's chaser names its return, so the sender can re-check at send time and
-- drop a chaser whose publication was recorded after it was queued. All three or none.
ALTER TABLE "outbox_emails" ADD COLUMN "publication_provider_id" UUID;
ALTER TABLE "outbox_emails" ADD COLUMN "publication_obligation_code" TEXT;
ALTER TABLE "outbox_emails" ADD COLUMN "publication_year" INTEGER;
ALTER TABLE "outbox_emails" ADD CONSTRAINT "outbox_emails_publication_check" CHECK (
    ("publication_provider_id" IS NULL) = ("publication_obligation_code" IS NULL)
    AND ("publication_provider_id" IS NULL) = ("publication_year" IS NULL)
);
CREATE INDEX "outbox_emails_publication_provider_id_idx" ON "outbox_emails"("publication_provider_id");
ALTER TABLE "outbox_emails" ADD CONSTRAINT "outbox_emails_publication_provider_id_fkey" FOREIGN KEY ("publication_provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Chasers queued before this change carry their publication in their idempotency key
-- (publication:<provider>:<obligation>:<year>:<rung>:<lead>).
UPDATE "outbox_emails"
   SET "publication_provider_id" = split_part("idempotency_key", ':', 2)::uuid,
       "publication_obligation_code" = split_part("idempotency_key", ':', 3),
       "publication_year" = split_part("idempotency_key", ':', 4)::integer
 WHERE "idempotency_key" LIKE 'publication:%';
