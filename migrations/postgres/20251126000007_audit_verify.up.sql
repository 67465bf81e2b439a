-- Verifications of the audit trail started from the web (/oversight/verify). The serve
-- process that took the request runs the check and writes its progress and result
-- here, so any serve process can show them. A row still 'running' whose updated_at has
-- stopped moving belongs to a process that ended: the page shows it as stopped.
-- status: running, ok (the trail verified), failed (a problem was found: problem_*),
-- error (the trail could not be read), stopped (the process shut down first).
CREATE TABLE audit_verifications (
    id              BIGSERIAL PRIMARY KEY,
    started_by      TEXT NOT NULL,
    request_id      TEXT NOT NULL DEFAULT '',
    started_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    status          TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'failed', 'error', 'stopped')),
    done            BIGINT NOT NULL DEFAULT 0,
    total           BIGINT NOT NULL DEFAULT 0,
    events          BIGINT NOT NULL DEFAULT 0,
    first_seq       BIGINT NOT NULL DEFAULT 0,
    head_seq        BIGINT NOT NULL DEFAULT 0,
    checkpoints     BIGINT NOT NULL DEFAULT 0,
    last_signed_seq BIGINT NOT NULL DEFAULT 0,
    unsealed        BIGINT NOT NULL DEFAULT 0,
    trusted_key     BOOLEAN NOT NULL DEFAULT FALSE,
    problem_seq     BIGINT NOT NULL DEFAULT 0,
    problem_kind    TEXT NOT NULL DEFAULT '',
    problem_detail  TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_verifications_running ON audit_verifications (id) WHERE status = 'running';
