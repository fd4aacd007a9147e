-- Issue 14: an overdue-actions digest keeps what it was written from (the recipient, the provider and
-- each action listed with its id and due date), so the sender re-checks the actions when it sends:
-- those done, cancelled, deleted or given a new due date since are left out and the email written
-- again from the rest, and a digest with none left is cancelled. Null for every other email (and for
-- digests queued before this migration, which are sent as written).
ALTER TABLE "outbox_emails" ADD COLUMN "action_digest" JSONB;
