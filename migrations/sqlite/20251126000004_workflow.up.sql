-- The case workflow: triage, assignment, clocks, notes, messages, evidence, referrals,
-- findings, links between complaints, and routing rules.
ALTER TABLE complaints ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
--bun:split
ALTER TABLE complaints ADD COLUMN assignee_id INTEGER REFERENCES users (id);
--bun:split
ALTER TABLE complaints ADD COLUMN disposition TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE complaints ADD COLUMN proposed_by INTEGER REFERENCES users (id);
--bun:split
ALTER TABLE complaints ADD COLUMN closed_at TIMESTAMP;
--bun:split
ALTER TABLE complaint_status_changes ADD COLUMN actor TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE complaint_status_changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE allegations ADD COLUMN finding TEXT NOT NULL DEFAULT '';
--bun:split
CREATE TABLE complaint_links (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    other_id     INTEGER NOT NULL REFERENCES complaints (id),
    kind         TEXT NOT NULL CHECK (kind IN ('duplicate', 'related')),
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (complaint_id, other_id)
);
--bun:split
-- Routing rules, in order: the first matching unit rule names the unit; every matching
-- priority rule can raise the priority. Empty match fields match anything.
CREATE TABLE routing_rules (
    id         INTEGER PRIMARY KEY,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('unit', 'priority')),
    state      TEXT NOT NULL DEFAULT '',
    agency_id  INTEGER,
    category   TEXT NOT NULL DEFAULT '',
    custody    TEXT NOT NULL DEFAULT '',      -- in_custody | held_past_release | ''
    unit       TEXT NOT NULL DEFAULT '',
    priority   TEXT NOT NULL DEFAULT ''
);
--bun:split
-- One row per clock of a complaint. Paused time is kept so a clock can resume.
CREATE TABLE complaint_clocks (
    id            INTEGER PRIMARY KEY,
    complaint_id  INTEGER NOT NULL REFERENCES complaints (id),
    clock         TEXT NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    due_at        TIMESTAMP NOT NULL,
    met_at        TIMESTAMP,
    paused_at     TIMESTAMP,
    missed_logged BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (complaint_id, clock)
);
--bun:split
CREATE INDEX complaint_clocks_due ON complaint_clocks (due_at) ;
--bun:split
-- Per-unit overrides of the clock defaults.
CREATE TABLE unit_clocks (
    unit     TEXT NOT NULL,
    clock    TEXT NOT NULL,
    amount   INTEGER NOT NULL,
    business BOOLEAN NOT NULL,
    PRIMARY KEY (unit, clock)
);
--bun:split
CREATE TABLE notes (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    author_id    INTEGER NOT NULL REFERENCES users (id),
    body         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX notes_complaint ON notes (complaint_id, id);
--bun:split
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    direction    TEXT NOT NULL CHECK (direction IN ('to_complainant', 'from_complainant')),
    author_id    INTEGER REFERENCES users (id),
    body         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    -- to_complainant: when the complainant first read it on the status page, and when
    -- they answered; from_complainant: when staff first read it.
    read_at      TIMESTAMP,
    answered_at  TIMESTAMP
);
--bun:split
CREATE INDEX messages_complaint ON messages (complaint_id, id);
--bun:split
CREATE TABLE evidence (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    uploaded_by  TEXT NOT NULL,               -- user:<id> or receipt_holder
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,             -- the file itself, so every instance serves it
    created_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX evidence_complaint ON evidence (complaint_id, id);
--bun:split
CREATE TABLE referrals (
    id              INTEGER PRIMARY KEY,
    complaint_id    INTEGER NOT NULL REFERENCES complaints (id),
    recipient       TEXT NOT NULL,
    recipient_other TEXT NOT NULL DEFAULT '',
    identity_shared BOOLEAN NOT NULL,
    method          TEXT NOT NULL DEFAULT '',
    shared          TEXT NOT NULL DEFAULT '',  -- what was sent, in words
    sent_at         TIMESTAMP NOT NULL,
    due_at          TIMESTAMP NOT NULL,
    answered_at     TIMESTAMP,
    answer          TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL DEFAULT ''
);
