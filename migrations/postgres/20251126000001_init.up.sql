-- The MOA registry: ICE's published agency lists as imported. One row per sheet file
-- (by SHA-256, so importing the same file twice adds nothing).
CREATE TABLE registry_sheets (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('participating', 'pending')),
    file_name   TEXT NOT NULL,
    as_of       TIMESTAMPTZ NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    imported_at TIMESTAMPTZ NOT NULL,
    row_count   INTEGER NOT NULL,
    warnings    TEXT NOT NULL DEFAULT '[]'
);

-- name_key is redress.AgencyKey(state, name): ICE's spellings differ only in case and
-- spacing. Name, type and county come from source_sheet_id, the newest sheet listing it.
CREATE TABLE agencies (
    id              BIGSERIAL PRIMARY KEY,
    state           TEXT NOT NULL,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL UNIQUE,
    type            TEXT NOT NULL DEFAULT '',
    county          TEXT NOT NULL DEFAULT '',
    county_raw      TEXT NOT NULL DEFAULT '',
    source_sheet_id BIGINT NOT NULL REFERENCES registry_sheets (id)
);

CREATE INDEX agencies_state ON agencies (state, name);

-- One MOA per agency and model. Rows are never deleted: an agreement ICE stops listing
-- becomes no_longer_listed, since complaints about conduct under it may still come in.
-- participating_as_of / pending_as_of are the newest sheet of each list that listed it;
-- the status is derived from them. signed_raw is SIGNED as ICE shows it; signed_on is
-- NULL when that is not a date.
CREATE TABLE agreements (
    id                  BIGSERIAL PRIMARY KEY,
    agency_id           BIGINT NOT NULL REFERENCES agencies (id),
    model               TEXT NOT NULL CHECK (model IN ('JEM', 'WSO', 'TFM')),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'active', 'no_longer_listed')),
    signed_raw          TEXT NOT NULL DEFAULT '',
    signed_on           DATE,
    moa_listed          BOOLEAN NOT NULL DEFAULT FALSE,
    addendum            BOOLEAN NOT NULL DEFAULT FALSE,
    first_seen          DATE NOT NULL,
    last_seen           DATE NOT NULL,
    participating_as_of TIMESTAMPTZ,
    pending_as_of       TIMESTAMPTZ,
    source_sheet_id     BIGINT NOT NULL REFERENCES registry_sheets (id),
    UNIQUE (agency_id, model)
);

CREATE TABLE complaints (
    id                 BIGSERIAL PRIMARY KEY,
    tracking_number    TEXT NOT NULL UNIQUE,
    receipt_hash       BYTEA NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    language           TEXT NOT NULL,
    channel            TEXT NOT NULL,
    incident_date      DATE NOT NULL,
    state              TEXT NOT NULL DEFAULT '',
    county             TEXT NOT NULL DEFAULT '',
    place              TEXT NOT NULL DEFAULT '',
    agency_id          BIGINT REFERENCES agencies (id),
    agency_other       TEXT NOT NULL DEFAULT '',
    agreement_id       BIGINT REFERENCES agreements (id),
    narrative          TEXT NOT NULL,
    officers           TEXT NOT NULL DEFAULT '',
    witnesses          TEXT NOT NULL DEFAULT '',
    in_custody         BOOLEAN,
    detainer_issued    BOOLEAN,
    held_past_release  BOOLEAN,
    filer              TEXT NOT NULL,
    preferred_language TEXT NOT NULL DEFAULT '',
    anonymous          BOOLEAN NOT NULL,
    identity_sealed    BYTEA,
    consent            TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL,
    status_changed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX complaints_received ON complaints (received_at);

CREATE TABLE complaint_functions (
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    function     TEXT NOT NULL,
    PRIMARY KEY (complaint_id, function)
);

CREATE TABLE allegations (
    id           BIGSERIAL PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    category     TEXT NOT NULL,
    UNIQUE (complaint_id, category)
);

CREATE TABLE complaint_status_changes (
    id           BIGSERIAL PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    status       TEXT NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX complaint_status_changes_complaint ON complaint_status_changes (complaint_id, changed_at);

-- The audit trail. seq and hash stay empty until the sealer chains the event.
CREATE TABLE audit_events (
    id           BIGSERIAL PRIMARY KEY,
    occurred_at  TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    actor_role   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    complaint_id BIGINT,
    agency_id    BIGINT,
    agreement_id BIGINT,
    request_id   TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '{}',
    seq          BIGINT UNIQUE,
    hash         BYTEA
);
CREATE INDEX audit_events_complaint ON audit_events (complaint_id);
CREATE INDEX audit_events_agreement ON audit_events (agreement_id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
