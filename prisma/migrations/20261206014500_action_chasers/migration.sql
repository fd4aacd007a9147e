-- Issue 14: overdue actions are chased by email on the reminder ladder. The rung an action was last
-- chased at ("+7@2027-03-31", the ladder's stage key): the job's digest lists only actions that have
-- reached a rung since, so a re-run (or a second instance) sends nothing twice. NULL: never chased.
ALTER TABLE "actions" ADD COLUMN "chased_stage" TEXT;
