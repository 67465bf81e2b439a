-- Finding cases: full-text search of the complainant's own words (narrative and
-- officers). An FTS5 index over the complaints table (external content, so the text is
-- stored once), kept in step by triggers. unicode61 with remove_diacritics folds case and
-- accents, so "ingles" finds "inglés" in English and Spanish narratives alike; there is
-- no stemming, so searches match words by their beginning instead (see store/search.go).
CREATE VIRTUAL TABLE complaints_fts USING fts5(
    narrative, officers,
    content = 'complaints', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
--bun:split
INSERT INTO complaints_fts (complaints_fts) VALUES ('rebuild');
--bun:split
CREATE TRIGGER complaints_fts_insert AFTER INSERT ON complaints
BEGIN
    INSERT INTO complaints_fts (rowid, narrative, officers) VALUES (new.id, new.narrative, new.officers);
END;
--bun:split
CREATE TRIGGER complaints_fts_delete AFTER DELETE ON complaints
BEGIN
    INSERT INTO complaints_fts (complaints_fts, rowid, narrative, officers) VALUES ('delete', old.id, old.narrative, old.officers);
END;
--bun:split
-- Only a change of the indexed text touches the index: status, triage and assignment
-- updates leave it alone.
CREATE TRIGGER complaints_fts_update AFTER UPDATE OF narrative, officers ON complaints
BEGIN
    INSERT INTO complaints_fts (complaints_fts, rowid, narrative, officers) VALUES ('delete', old.id, old.narrative, old.officers);
    INSERT INTO complaints_fts (rowid, narrative, officers) VALUES (new.id, new.narrative, new.officers);
END;
--bun:split
-- The queue's filters: by assignee, and running clocks by due time.
CREATE INDEX complaints_assignee ON complaints (assignee_id);
--bun:split
CREATE INDEX complaint_clocks_running ON complaint_clocks (complaint_id, due_at) WHERE met_at IS NULL AND paused_at IS NULL;
--bun:split
CREATE INDEX allegations_category ON allegations (category, complaint_id);
