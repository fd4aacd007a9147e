-- The compliance matrix reads the rating of every response of a period's returns: with the rating in
-- the index, PostgreSQL answers from the index alone (an index-only scan per return).
CREATE INDEX "responses_return_id_requirement_id_rating_level_id_idx" ON "responses"("return_id", "requirement_id", "rating_level_id");
