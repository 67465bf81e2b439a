-- What each imported sheet said of each agreement it lists, so the registry keeps every
-- publication's values (ICE re-dates agreements between sheets) and the agreement in
-- force on a day can be read from the sheet in force that day. The agreements row keeps
-- the newest values. Participating sheets carry SIGNED, MOA and ADDENDUM; a pending
-- sheet's listing has them empty. signed_on is NULL when SIGNED is not a date.
CREATE TABLE agreement_listings (
    id           BIGSERIAL PRIMARY KEY,
    agreement_id BIGINT NOT NULL REFERENCES agreements (id),
    sheet_id     BIGINT NOT NULL REFERENCES registry_sheets (id),
    sheet_row    INTEGER NOT NULL DEFAULT 0,
    signed_raw   TEXT NOT NULL DEFAULT '',
    signed_on    DATE,
    moa_listed   BOOLEAN NOT NULL DEFAULT FALSE,
    addendum     BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (agreement_id, sheet_id)
);
CREATE INDEX agreement_listings_sheet ON agreement_listings (sheet_id);
-- A database from before this table knows only each agreement's newest values and the
-- sheet they came from: that becomes its one listing (row 0: not read from the file).
-- Importing the older sheets again adds their listings.
INSERT INTO agreement_listings (agreement_id, sheet_id, signed_raw, signed_on, moa_listed, addendum)
SELECT a.id, a.source_sheet_id,
       CASE WHEN s.kind = 'participating' THEN a.signed_raw ELSE '' END,
       CASE WHEN s.kind = 'participating' THEN a.signed_on END,
       s.kind = 'participating' AND a.moa_listed,
       s.kind = 'participating' AND a.addendum
FROM agreements a JOIN registry_sheets s ON s.id = a.source_sheet_id;
