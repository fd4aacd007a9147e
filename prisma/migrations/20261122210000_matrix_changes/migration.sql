-- One row per statement that changed what the compliance matrix shows (periods, their standards,
-- providers, contracts, returns, their tallies, contract managers' names). Rows are only inserted
-- (and each writer deletes the row 1,000 before its own, so no two writers touch the same row and none
-- waits for another). The matrix keeps what it read while a fingerprint of this table (row count,
-- highest id, sum of the rows' transaction ids) is unchanged: the fingerprint changes exactly when
-- such a statement commits, whatever order concurrent writers commit in.
CREATE TABLE "matrix_changes" (
    "id" BIGSERIAL NOT NULL,

    CONSTRAINT "matrix_changes_pkey" PRIMARY KEY ("id")
);

CREATE FUNCTION "note_matrix_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    noted BIGINT;
BEGIN
    INSERT INTO "matrix_changes" DEFAULT VALUES RETURNING "id" INTO noted;
    DELETE FROM "matrix_changes" WHERE "id" = noted - 1000;
    RETURN NULL;
END;
$$;

CREATE TRIGGER "reporting_periods_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "reporting_periods"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
CREATE TRIGGER "period_standards_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "period_standards"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
CREATE TRIGGER "providers_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "providers"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
CREATE TRIGGER "contracts_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "contracts"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
CREATE TRIGGER "returns_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "returns"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
CREATE TRIGGER "return_tallies_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "return_tallies"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
-- Users only matter by the names of contract managers (which users manage is in contracts).
CREATE TRIGGER "users_matrix_change" AFTER UPDATE OF "display_name" ON "users"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
