-- The MOA registry: ICE's published agency lists as imported. One row per sheet file
-- (by SHA-256, so importing the same file twice adds nothing).
CREATE TABLE registry_sheets (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('participating', 'pending')),
    file_name   TEXT NOT NULL,
    as_of       TIMESTAMP NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    imported_at TIMESTAMP NOT NULL,
    row_count   INTEGER NOT NULL,
    warnings    TEXT NOT NULL DEFAULT '[]'
);
--bun:split
-- name_key is redress.AgencyKey(state, name): ICE's spellings differ only in case and
-- spacing. Name, type and county come from source_sheet_id, the newest sheet listing it.
CREATE TABLE agencies (
    id              INTEGER PRIMARY KEY,
    state           TEXT NOT NULL,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL DEFAULT '',
    county          TEXT NOT NULL DEFAULT '',
    county_raw      TEXT NOT NULL DEFAULT '',
    source_sheet_id INTEGER NOT NULL REFERENCES registry_sheets (id)
);
--bun:split
CREATE INDEX agencies_state ON agencies (state, name);
--bun:split
-- One MOA per agency and model. Rows are never deleted: an agreement ICE stops listing
-- becomes no_longer_listed, since complaints about conduct under it may still come in.
-- participating_as_of / pending_as_of are the newest sheet of each list that listed it;
-- the status is derived from them. signed_raw is SIGNED as ICE shows it; signed_on is
-- NULL when that is not a date.
CREATE TABLE agreements (
    id                  INTEGER PRIMARY KEY,
    agency_id           INTEGER NOT NULL REFERENCES agencies (id),
    model               TEXT NOT NULL CHECK (model IN ('JEM', 'WSO', 'TFM')),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'active', 'no_longer_listed')),
    signed_raw          TEXT NOT NULL DEFAULT '',
    signed_on           TEXT,
    moa_listed          BOOLEAN NOT NULL DEFAULT FALSE,
    addendum            BOOLEAN NOT NULL DEFAULT FALSE,
    first_seen          TEXT NOT NULL,
    last_seen           TEXT NOT NULL,
    participating_as_of TIMESTAMP,
    pending_as_of       TIMESTAMP,
    source_sheet_id     INTEGER NOT NULL REFERENCES registry_sheets (id),
    UNIQUE (agency_id, model)
);
--bun:split
CREATE TABLE complaints (
    id                 INTEGER PRIMARY KEY,
    tracking_number    TEXT NOT NULL UNIQUE,
    receipt_hash       BLOB NOT NULL,
    received_at        TIMESTAMP NOT NULL,
    language           TEXT NOT NULL,
    channel            TEXT NOT NULL,
    incident_date      TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT '',
    county             TEXT NOT NULL DEFAULT '',
    place              TEXT NOT NULL DEFAULT '',
    agency_id          INTEGER REFERENCES agencies (id),
    agency_other       TEXT NOT NULL DEFAULT '',
    agreement_id       INTEGER REFERENCES agreements (id),
    narrative          TEXT NOT NULL,
    officers           TEXT NOT NULL DEFAULT '',
    witnesses          TEXT NOT NULL DEFAULT '',
    in_custody         BOOLEAN,
    detainer_issued    BOOLEAN,
    held_past_release  BOOLEAN,
    filer              TEXT NOT NULL,
    preferred_language TEXT NOT NULL DEFAULT '',
    anonymous          BOOLEAN NOT NULL,
    identity_sealed    BLOB,
    consent            TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL,
    status_changed_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX complaints_received ON complaints (received_at);
--bun:split
CREATE TABLE complaint_functions (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    function     TEXT NOT NULL,
    PRIMARY KEY (complaint_id, function)
);
--bun:split
CREATE TABLE allegations (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    category     TEXT NOT NULL,
    UNIQUE (complaint_id, category)
);
--bun:split
CREATE TABLE complaint_status_changes (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    status       TEXT NOT NULL,
    changed_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX complaint_status_changes_complaint ON complaint_status_changes (complaint_id, changed_at);
--bun:split
-- The audit trail. seq and hash stay empty until the sealer chains the event.
CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    occurred_at  TIMESTAMP NOT NULL,
    actor        TEXT NOT NULL,
    actor_role   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    complaint_id INTEGER,
    agency_id    INTEGER,
    agreement_id INTEGER,
    request_id   TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '{}',
    seq          INTEGER UNIQUE,
    hash         BLOB
);
--bun:split
CREATE INDEX audit_events_complaint ON audit_events (complaint_id);
--bun:split
CREATE INDEX audit_events_agreement ON audit_events (agreement_id);
--bun:split
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
--bun:split
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
