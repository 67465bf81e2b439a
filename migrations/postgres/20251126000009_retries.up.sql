-- Retries: a delivery attempt is recorded before the message is handed to the SMTP
-- server, and a filing can name a key its retries repeat.
--
-- outbox_attempts.outcome gains 'sending' (written and committed before the message
-- goes out; the attempt's outcome replaces it) and 'interrupted' (a 'sending' attempt
-- found by the next worker: its sender died or lost its lease between handing the
-- message over and recording how that went, so the message may have arrived).
ALTER TABLE outbox_attempts DROP CONSTRAINT outbox_attempts_outcome_check;
ALTER TABLE outbox_attempts ADD CONSTRAINT outbox_attempts_outcome_check
    CHECK (outcome IN ('sending', 'sent', 'deferred', 'failed', 'interrupted'));

-- One row per idempotency key of a filed complaint (the API's Idempotency-Key, the
-- form's one-time nonce), written in the complaint's own transaction, so a retry finds
-- the complaint it repeats. key_hash is SHA-256 of the key's scope and the key;
-- request_hash is SHA-256 of the complaint as sent, to tell a retry from a different
-- complaint under the same key; answer_sealed is what the first answer said (tracking
-- number, receipt code), sealed like identity (internal/secret), so the receipt code is
-- never stored in the clear. Rows are deleted once expired.
CREATE TABLE idempotency_keys (
    key_hash      BYTEA PRIMARY KEY,
    request_hash  BYTEA NOT NULL,
    answer_sealed BYTEA NOT NULL,
    complaint_id  BIGINT NOT NULL REFERENCES complaints (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
