-- Issue 14: actions are records of their own (owner, due date, status, dated progress updates),
-- linked to one or more requirements across standards and versions, instead of three text fields on
-- each response. Every response's action text, owner and date moves into an action linked to its
-- requirement (and the return it was written in); then the response columns go, so there is one
-- place an action lives.
CREATE TYPE "action_status" AS ENUM ('not_started', 'in_progress', 'done', 'cancelled');

CREATE TABLE "actions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "provider_id" UUID NOT NULL,
    "description" TEXT NOT NULL,
    -- A name or an email address, as the provider writes it: owners are often not users.
    "owner" TEXT NOT NULL DEFAULT '',
    -- Only actions moved from old answers may have no due date; the forms require one.
    "due_date" DATE,
    "status" "action_status" NOT NULL DEFAULT 'not_started',
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "actions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "actions_description_check" CHECK (length(btrim("description")) > 0)
);
CREATE INDEX "actions_provider_id_idx" ON "actions"("provider_id");
CREATE INDEX "actions_status_due_date_idx" ON "actions"("status", "due_date");
CREATE INDEX "actions_created_by_id_idx" ON "actions"("created_by_id");
ALTER TABLE "actions" ADD CONSTRAINT "actions_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "actions" ADD CONSTRAINT "actions_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A dated progress update; a status change made with it is recorded beside it (both or neither).
CREATE TABLE "action_updates" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "action_id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "status_from" "action_status",
    "status_to" "action_status",
    "author_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    CONSTRAINT "action_updates_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "action_updates_text_check" CHECK (length(btrim("text")) > 0),
    CONSTRAINT "action_updates_status_check" CHECK (("status_from" IS NULL) = ("status_to" IS NULL))
);
CREATE INDEX "action_updates_action_id_created_at_idx" ON "action_updates"("action_id", "created_at");
CREATE INDEX "action_updates_author_id_idx" ON "action_updates"("author_id");
ALTER TABLE "action_updates" ADD CONSTRAINT "action_updates_action_id_fkey" FOREIGN KEY ("action_id") REFERENCES "actions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "action_updates" ADD CONSTRAINT "action_updates_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Which requirements an action serves; the return it was linked from, when it was linked from one.
CREATE TABLE "action_links" (
    "action_id" UUID NOT NULL,
    "requirement_id" UUID NOT NULL,
    "return_id" UUID,
    "linked_by_id" UUID,
    "linked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "action_links_pkey" PRIMARY KEY ("action_id", "requirement_id")
);
CREATE INDEX "action_links_requirement_id_idx" ON "action_links"("requirement_id");
CREATE INDEX "action_links_return_id_idx" ON "action_links"("return_id");
CREATE INDEX "action_links_linked_by_id_idx" ON "action_links"("linked_by_id");
ALTER TABLE "action_links" ADD CONSTRAINT "action_links_action_id_fkey" FOREIGN KEY ("action_id") REFERENCES "actions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "action_links" ADD CONSTRAINT "action_links_requirement_id_fkey" FOREIGN KEY ("requirement_id") REFERENCES "requirements"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "action_links" ADD CONSTRAINT "action_links_return_id_fkey" FOREIGN KEY ("return_id") REFERENCES "returns"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "action_links" ADD CONSTRAINT "action_links_linked_by_id_fkey" FOREIGN KEY ("linked_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The move. Carrying a return forward copied its action text into the next period's answer, so the
-- same text for the same provider, standard and requirement code is one action, linked to each
-- requirement it was written against (from the latest return that wrote it). An action with an owner
-- or date but no text is described as such, so nothing is dropped.
CREATE TEMP TABLE "moved_action_sources" ON COMMIT DROP AS
SELECT s."requirement_id", s."return_id", s."action_plan", s."action_owner", s."action_due_date",
       s."updated_by_id", s."updated_at", r."provider_id", v."framework_id", q."code", p."start_date"
  FROM "responses" s
  JOIN "returns" r ON r."id" = s."return_id"
  JOIN "requirements" q ON q."id" = s."requirement_id"
  JOIN "framework_versions" v ON v."id" = q."framework_version_id"
  JOIN "reporting_periods" p ON p."id" = r."period_id"
 WHERE btrim(s."action_plan") <> '' OR btrim(s."action_owner") <> '' OR s."action_due_date" IS NOT NULL;

CREATE TEMP TABLE "moved_actions" ON COMMIT DROP AS
SELECT gen_random_uuid() AS "id", "provider_id", "framework_id", "code", "action_plan", "action_owner",
       "action_due_date",
       (array_agg("updated_by_id" ORDER BY "updated_at"))[1] AS "created_by_id",
       min("updated_at") AS "created_at", max("updated_at") AS "updated_at"
  FROM "moved_action_sources"
 GROUP BY "provider_id", "framework_id", "code", "action_plan", "action_owner", "action_due_date";

INSERT INTO "actions" ("id", "provider_id", "description", "owner", "due_date", "status", "created_by_id",
                       "created_at", "updated_at")
SELECT "id", "provider_id",
       CASE WHEN btrim("action_plan") = '' THEN 'Action for ' || "code" || ' (no description was given)'
            ELSE "action_plan" END,
       "action_owner", "action_due_date", 'not_started', "created_by_id", "created_at", "updated_at"
  FROM "moved_actions";

INSERT INTO "action_links" ("action_id", "requirement_id", "return_id", "linked_by_id", "linked_at")
SELECT DISTINCT ON (a."id", s."requirement_id")
       a."id", s."requirement_id", s."return_id", s."updated_by_id", s."updated_at"
  FROM "moved_actions" a
  JOIN "moved_action_sources" s
    ON s."provider_id" = a."provider_id" AND s."framework_id" = a."framework_id" AND s."code" = a."code"
   AND s."action_plan" = a."action_plan" AND s."action_owner" = a."action_owner"
   AND s."action_due_date" IS NOT DISTINCT FROM a."action_due_date"
 ORDER BY a."id", s."requirement_id", s."start_date" DESC, s."updated_at" DESC;

DROP TABLE "moved_actions";
DROP TABLE "moved_action_sources";

ALTER TABLE "responses" DROP COLUMN "action_plan",
                        DROP COLUMN "action_owner",
                        DROP COLUMN "action_due_date";
