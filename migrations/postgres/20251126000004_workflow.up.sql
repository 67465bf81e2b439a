-- The case workflow: triage, assignment, clocks, notes, messages, evidence, referrals,
-- findings, links between complaints, and routing rules.
ALTER TABLE complaints ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE complaints ADD COLUMN assignee_id BIGINT REFERENCES users (id);
ALTER TABLE complaints ADD COLUMN disposition TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN proposed_by BIGINT REFERENCES users (id);
ALTER TABLE complaints ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE complaint_status_changes ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE complaint_status_changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE allegations ADD COLUMN finding TEXT NOT NULL DEFAULT '';
CREATE TABLE complaint_links (
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    other_id     BIGINT NOT NULL REFERENCES complaints (id),
    kind         TEXT NOT NULL CHECK (kind IN ('duplicate', 'related')),
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (complaint_id, other_id)
);
-- Routing rules, in order: the first matching unit rule names the unit; every matching
-- priority rule can raise the priority. Empty match fields match anything.
CREATE TABLE routing_rules (
    id         BIGSERIAL PRIMARY KEY,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('unit', 'priority')),
    state      TEXT NOT NULL DEFAULT '',
    agency_id  BIGINT,
    category   TEXT NOT NULL DEFAULT '',
    custody    TEXT NOT NULL DEFAULT '',      -- in_custody | held_past_release | ''
    unit       TEXT NOT NULL DEFAULT '',
    priority   TEXT NOT NULL DEFAULT ''
);
-- One row per clock of a complaint. Paused time is kept so a clock can resume.
CREATE TABLE complaint_clocks (
    id            BIGSERIAL PRIMARY KEY,
    complaint_id  BIGINT NOT NULL REFERENCES complaints (id),
    clock         TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    met_at        TIMESTAMPTZ,
    paused_at     TIMESTAMPTZ,
    missed_logged BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (complaint_id, clock)
);
CREATE INDEX complaint_clocks_due ON complaint_clocks (due_at) ;
-- Per-unit overrides of the clock defaults.
CREATE TABLE unit_clocks (
    unit     TEXT NOT NULL,
    clock    TEXT NOT NULL,
    amount   INTEGER NOT NULL,
    business BOOLEAN NOT NULL,
    PRIMARY KEY (unit, clock)
);
CREATE TABLE notes (
    id           BIGSERIAL PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    author_id    BIGINT NOT NULL REFERENCES users (id),
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX notes_complaint ON notes (complaint_id, id);
CREATE TABLE messages (
    id           BIGSERIAL PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    direction    TEXT NOT NULL CHECK (direction IN ('to_complainant', 'from_complainant')),
    author_id    BIGINT REFERENCES users (id),
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    -- to_complainant: when the complainant first read it on the status page, and when
    -- they answered; from_complainant: when staff first read it.
    read_at      TIMESTAMPTZ,
    answered_at  TIMESTAMPTZ
);
CREATE INDEX messages_complaint ON messages (complaint_id, id);
CREATE TABLE evidence (
    id           BIGSERIAL PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    uploaded_by  TEXT NOT NULL,               -- user:<id> or receipt_holder
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,             -- the file itself, so every instance serves it
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_complaint ON evidence (complaint_id, id);
CREATE TABLE referrals (
    id              BIGSERIAL PRIMARY KEY,
    complaint_id    BIGINT NOT NULL REFERENCES complaints (id),
    recipient       TEXT NOT NULL,
    recipient_other TEXT NOT NULL DEFAULT '',
    identity_shared BOOLEAN NOT NULL,
    method          TEXT NOT NULL DEFAULT '',
    shared          TEXT NOT NULL DEFAULT '',  -- what was sent, in words
    sent_at         TIMESTAMPTZ NOT NULL,
    due_at          TIMESTAMPTZ NOT NULL,
    answered_at     TIMESTAMPTZ,
    answer          TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL DEFAULT ''
);
