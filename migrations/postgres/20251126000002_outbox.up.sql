-- The mail outbox: every email is written here in the transaction of the change it is
-- about, and a worker sends it later. The recipient is stored only sealed, and cleared
-- once the message is sent. complaint_id, agency_id and agreement_id are the records the
-- message is about, for its audit events (no foreign keys, as in audit_events).
--
-- status: queued (waiting or between attempts), sent, failed (the outbox gave up).
-- A worker claims a queued row by setting claimed_by and claimed_until (a lease); another
-- worker may take the row only after the lease has run out, so a worker that dies mid-send
-- delays a message but never loses it. message_key makes the Message-ID header stable,
-- so the rare resend after such a crash is recognisable as the same message.
CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    message_key      TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    language         TEXT NOT NULL,
    recipient_sealed BYTEA,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    html             TEXT NOT NULL DEFAULT '',
    complaint_id     BIGINT,
    agency_id        BIGINT,
    agreement_id     BIGINT,
    created_at       TIMESTAMPTZ NOT NULL,
    status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    refusals         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    claimed_by       TEXT,
    claimed_until    TIMESTAMPTZ,
    sent_at          TIMESTAMPTZ,
    last_error_class TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbox_complaint ON outbox (complaint_id);

-- One row per delivery attempt. error is the server's or the network's reply with the
-- recipient address blanked out.
CREATE TABLE outbox_attempts (
    id          BIGSERIAL PRIMARY KEY,
    outbox_id   BIGINT NOT NULL REFERENCES outbox (id),
    attempt     INTEGER NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    worker      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sent', 'deferred', 'failed')),
    error_class TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id, attempt);
