-- Retries: a delivery attempt is recorded before the message is handed to the SMTP
-- server, and a filing can name a key its retries repeat.
--
-- outbox_attempts.outcome gains 'sending' (written and committed before the message
-- goes out; the attempt's outcome replaces it) and 'interrupted' (a 'sending' attempt
-- found by the next worker: its sender died or lost its lease between handing the
-- message over and recording how that went, so the message may have arrived). SQLite
-- cannot change a CHECK constraint in place, so the table is copied.
CREATE TABLE outbox_attempts_new (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    attempt     INTEGER NOT NULL,
    at          TIMESTAMP NOT NULL,
    worker      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sending', 'sent', 'deferred', 'failed', 'interrupted')),
    error_class TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT ''
);
--bun:split
INSERT INTO outbox_attempts_new (id, outbox_id, attempt, at, worker, outcome, error_class, error)
SELECT id, outbox_id, attempt, at, worker, outcome, error_class, error FROM outbox_attempts;
--bun:split
DROP TABLE outbox_attempts;
--bun:split
ALTER TABLE outbox_attempts_new RENAME TO outbox_attempts;
--bun:split
CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id, attempt);
--bun:split
-- One row per idempotency key of a filed complaint (the API's Idempotency-Key, the
-- form's one-time nonce), written in the complaint's own transaction, so a retry finds
-- the complaint it repeats. key_hash is SHA-256 of the key's scope and the key;
-- request_hash is SHA-256 of the complaint as sent, to tell a retry from a different
-- complaint under the same key; answer_sealed is what the first answer said (tracking
-- number, receipt code), sealed like identity (internal/secret), so the receipt code is
-- never stored in the clear. Rows are deleted once expired.
CREATE TABLE idempotency_keys (
    key_hash      BLOB PRIMARY KEY,
    request_hash  BLOB NOT NULL,
    answer_sealed BLOB NOT NULL,
    complaint_id  INTEGER NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
