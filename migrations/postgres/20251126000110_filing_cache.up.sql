-- What filing a complaint reads before its transaction (the registry's agencies,
-- agreements, their listings and sheets; the routing rules; the units, their zones and
-- deadlines) is cached in each process (internal/store/filingcache.go). Every change
-- to those tables moves cache_versions' 'filing' row in the same transaction, by
-- trigger, so no write path (an import, an administrator's edit, a migration, an
-- operator's psql) can forget to; each process compares the version it loaded at with
-- this row, at most once a second, and reloads when it moved.
CREATE TABLE cache_versions (
    name    TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO cache_versions (name, version) VALUES ('filing', 1);

CREATE FUNCTION bump_filing_cache() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
    RETURN NULL;
END;
$$;

-- Once per statement, not per row: an import's batch of 200 rows moves it once.
CREATE TRIGGER agencies_filing_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agencies
    FOR EACH STATEMENT EXECUTE FUNCTION bump_filing_cache();
CREATE TRIGGER agreements_filing_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreements
    FOR EACH STATEMENT EXECUTE FUNCTION bump_filing_cache();
CREATE TRIGGER agreement_listings_filing_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agreement_listings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_filing_cache();
CREATE TRIGGER registry_sheets_filing_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON registry_sheets
    FOR EACH STATEMENT EXECUTE FUNCTION bump_filing_cache();
CREATE TRIGGER routing_rules_filing_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_filing_cache();
CREATE TRIGGER units_filing_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION bump_filing_cache();
CREATE TRIGGER unit_clocks_filing_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION bump_filing_cache();
