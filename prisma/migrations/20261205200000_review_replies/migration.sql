-- Issue 13: a provider's answer to a returned requirement they resubmit unchanged ("No change
-- because ..."), one per returned requirement decision, shown to the reviewer of the resubmission.
CREATE TABLE "review_replies" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "requirement_review_id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "author_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "review_replies_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "review_replies_text_check" CHECK (length(btrim("text")) > 0)
);
CREATE UNIQUE INDEX "review_replies_requirement_review_id_key" ON "review_replies"("requirement_review_id");
CREATE INDEX "review_replies_author_id_idx" ON "review_replies"("author_id");
ALTER TABLE "review_replies" ADD CONSTRAINT "review_replies_requirement_review_id_fkey" FOREIGN KEY ("requirement_review_id") REFERENCES "requirement_reviews"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "review_replies" ADD CONSTRAINT "review_replies_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
