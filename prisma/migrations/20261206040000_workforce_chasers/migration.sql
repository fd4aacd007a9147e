-- Issue 17: a chaser for a WRES or WDES return names the returns it chases: the provider, the data year
-- and the standards (one email per provider lead and rung lists the WRES and WDES returns that reached
-- it together). By the return's own unique key (provider, standard, year), not its id, because a
-- provider that has not started the return has no row yet; the sender re-checks at send time and drops
-- a chaser whose returns have all been submitted since it was queued. All three or none
-- (no standards).
ALTER TABLE "outbox_emails" ADD COLUMN "workforce_provider_id" UUID;
ALTER TABLE "outbox_emails" ADD COLUMN "workforce_year" INTEGER;
ALTER TABLE "outbox_emails" ADD COLUMN "workforce_standards" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "outbox_emails" ADD CONSTRAINT "outbox_emails_workforce_check" CHECK (
    ("workforce_provider_id" IS NULL) = ("workforce_year" IS NULL)
    AND ("workforce_provider_id" IS NULL) = (cardinality("workforce_standards") = 0)
);
CREATE INDEX "outbox_emails_workforce_provider_id_idx" ON "outbox_emails"("workforce_provider_id");
ALTER TABLE "outbox_emails" ADD CONSTRAINT "outbox_emails_workforce_provider_id_fkey" FOREIGN KEY ("workforce_provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
