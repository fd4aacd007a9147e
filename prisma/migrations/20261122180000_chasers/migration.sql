-- Chasers (src/reminders/): an email that no longer applies is cancelled rather than sent (its
-- return was submitted, or the due date it was written against moved); each chaser records that
-- due date, and every email when it was last tried.
ALTER TYPE "email_status" ADD VALUE 'cancelled';

ALTER TABLE "outbox_emails"
    ADD COLUMN "due_date" DATE,
    ADD COLUMN "last_attempt_at" TIMESTAMPTZ(6);
