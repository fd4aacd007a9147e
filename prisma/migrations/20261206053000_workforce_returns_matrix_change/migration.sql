-- Issue 17: the compliance matrix shows each provider's WRES and WDES return status, so a change to
-- those returns changes its fingerprint (see 20261122210000_matrix_changes).
CREATE TRIGGER "workforce_returns_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "workforce_returns"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
