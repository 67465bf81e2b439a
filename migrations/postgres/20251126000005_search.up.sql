-- Finding cases: full-text search of the complainant's own words (narrative and
-- officers). Complaints come in English and Spanish, and a staff member searching does
-- not know which, so the 'simple' configuration is used (no stemming, no stop words:
-- searches match words by their beginning instead, see store/search.go), after folding
-- accents so that "ingles" finds "inglés". The folding is translate(), which is
-- immutable and needs no extension; search_fold is applied to the query too. The
-- narrative is weighted A and the officers B, so a search can be held to the officers.
CREATE FUNCTION search_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT translate($1,
        'áàâäãåāéèêëēíìîïīóòôöõøōúùûüūñçýÿÁÀÂÄÃÅĀÉÈÊËĒÍÌÎÏĪÓÒÔÖÕØŌÚÙÛÜŪÑÇÝŸ',
        'aaaaaaaeeeeeiiiiiooooooouuuuuncyyAAAAAAAEEEEEIIIIIOOOOOOOUUUUUNCYY')
$$;

ALTER TABLE complaints ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', search_fold(narrative)), 'A') ||
    setweight(to_tsvector('simple', search_fold(officers)), 'B')
) STORED;

CREATE INDEX complaints_search ON complaints USING GIN (search);

-- The queue's filters: by assignee, and running clocks by due time.
CREATE INDEX complaints_assignee ON complaints (assignee_id);
CREATE INDEX complaint_clocks_running ON complaint_clocks (complaint_id, due_at) WHERE met_at IS NULL AND paused_at IS NULL;
CREATE INDEX allegations_category ON allegations (category, complaint_id);
