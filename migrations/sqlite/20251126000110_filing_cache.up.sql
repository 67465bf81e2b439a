-- What filing a complaint reads before its transaction (the registry's agencies,
-- agreements, their listings and sheets; the routing rules; the units, their zones and
-- deadlines) is cached in each process (internal/store/filingcache.go). Every change
-- to those tables moves cache_versions' 'filing' row in the same transaction, by
-- trigger, so no write path (an import, an administrator's edit, a migration) can
-- forget to; each process compares the version it loaded at with this row, at most
-- once a second, and reloads when it moved. SQLite's triggers run per row: an import
-- moves it once per row written, which costs microseconds.
CREATE TABLE cache_versions (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
--bun:split
INSERT INTO cache_versions (name, version) VALUES ('filing', 1);
--bun:split
CREATE TRIGGER agencies_filing_cache_insert AFTER INSERT ON agencies
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agencies_filing_cache_update AFTER UPDATE ON agencies
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agencies_filing_cache_delete AFTER DELETE ON agencies
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agreements_filing_cache_insert AFTER INSERT ON agreements
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agreements_filing_cache_update AFTER UPDATE ON agreements
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agreements_filing_cache_delete AFTER DELETE ON agreements
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agreement_listings_filing_cache_insert AFTER INSERT ON agreement_listings
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agreement_listings_filing_cache_update AFTER UPDATE ON agreement_listings
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER agreement_listings_filing_cache_delete AFTER DELETE ON agreement_listings
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER registry_sheets_filing_cache_insert AFTER INSERT ON registry_sheets
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER registry_sheets_filing_cache_update AFTER UPDATE ON registry_sheets
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER registry_sheets_filing_cache_delete AFTER DELETE ON registry_sheets
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER routing_rules_filing_cache_insert AFTER INSERT ON routing_rules
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER routing_rules_filing_cache_update AFTER UPDATE ON routing_rules
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER routing_rules_filing_cache_delete AFTER DELETE ON routing_rules
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER units_filing_cache_insert AFTER INSERT ON units
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER units_filing_cache_update AFTER UPDATE ON units
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER units_filing_cache_delete AFTER DELETE ON units
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER unit_clocks_filing_cache_insert AFTER INSERT ON unit_clocks
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER unit_clocks_filing_cache_update AFTER UPDATE ON unit_clocks
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
--bun:split
CREATE TRIGGER unit_clocks_filing_cache_delete AFTER DELETE ON unit_clocks
BEGIN
    UPDATE cache_versions SET version = version + 1 WHERE name = 'filing';
END;
