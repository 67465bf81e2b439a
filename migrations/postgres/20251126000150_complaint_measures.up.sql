-- Oversight measures (issue 15, docs/measures.md): one narrow row per complaint with the
-- facts the measures filter and group on and its durations and deadline outcomes,
-- worked out in Go (business days by internal/deadline's calendar, months in the
-- office's zone) and written in the same transaction as every change of those facts
-- (store/measures_rows.go). The dashboard then counts small integers of one table
-- instead of joining complaints, agreements and clocks at a million complaints
-- (docs/performance.md, "Oversight measures at a million complaints"). The rows of
-- complaints already stored are filled in by the store when it migrates.
--
-- agency_id and agreement_id are 0 when none; custody is a bit set (1 in custody,
-- 2 detainer, 4 held past release); stage is 0 open, 1 closed or withdrawn, 2 waiting
-- on another office (referred), 3 waiting on the complainant. *_hours are whole hours
-- (calendar time to the hour), *_days business days; NULL where the step is not done.
-- Each clock has an outcome (0 none, 1 met on time, 2 met late, 3 running, 4 stopped
-- before due, 5 missed: passed due unmet) and, while running, its due time in Unix
-- seconds, so whether it is overdue is decided when measured.
CREATE TABLE complaint_measures (
    complaint_id   BIGINT PRIMARY KEY REFERENCES complaints (id),
    received_at    TIMESTAMPTZ NOT NULL,
    received_month INTEGER NOT NULL,
    received_hour  BIGINT NOT NULL,
    state          TEXT NOT NULL,
    agency_id      BIGINT NOT NULL,
    agreement_id   BIGINT NOT NULL,
    model          TEXT NOT NULL,
    unit           TEXT NOT NULL,
    channel        TEXT NOT NULL,
    language       TEXT NOT NULL,
    priority       TEXT NOT NULL,
    custody        SMALLINT NOT NULL,
    stage          SMALLINT NOT NULL,
    closed_at      TIMESTAMPTZ,
    closed_month   INTEGER,
    ack_hours      INTEGER,
    ack_days       INTEGER,
    triage_hours   INTEGER,
    triage_days    INTEGER,
    close_hours    INTEGER,
    close_days     INTEGER,
    k_acknowledge    SMALLINT NOT NULL,
    due_acknowledge  BIGINT,
    k_triage         SMALLINT NOT NULL,
    due_triage       BIGINT,
    k_notify_ice     SMALLINT NOT NULL,
    due_notify_ice   BIGINT,
    k_resolve        SMALLINT NOT NULL,
    due_resolve      BIGINT,
    k_resolve_tfm    SMALLINT NOT NULL,
    due_resolve_tfm  BIGINT,
    k_report_results SMALLINT NOT NULL,
    due_report_results BIGINT
);
--bun:split
CREATE INDEX complaint_measures_received ON complaint_measures (received_at);
--bun:split
CREATE INDEX complaint_measures_closed ON complaint_measures (closed_at) WHERE closed_at IS NOT NULL;
--bun:split
CREATE INDEX complaint_measures_agency ON complaint_measures (agency_id, received_at);
--bun:split
CREATE INDEX complaint_measures_agreement ON complaint_measures (agreement_id, received_at);
--bun:split
-- Filled by the store after migrating (store.Migrate): the complaints of an existing
-- database get their rows in batches, in Go.
CREATE TABLE complaint_measures_backfill (
    next_id BIGINT NOT NULL
);
--bun:split
INSERT INTO complaint_measures_backfill (next_id) VALUES (1);
