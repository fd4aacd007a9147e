-- Issue 17: the compliance matrix shows each provider's equality publications, so a change to them
-- changes its fingerprint (see 20261122210000_matrix_changes). Provider facts are already covered.
CREATE TRIGGER "publications_matrix_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "publications"
    FOR EACH STATEMENT EXECUTE FUNCTION "note_matrix_change"();
