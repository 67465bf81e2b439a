-- Sealing the audit trail (docs/audit.md). Events are inserted unsealed; the sealer
-- later gives each its place in the hash chain (seq) and its hash. That one update is
-- the only change the table allows: a sealed event can never change again, and nothing
-- else about an event can change at all. Rows may not arrive already sealed, so the
-- chain is only ever extended by the sealer.
DROP TRIGGER audit_events_no_update;
--bun:split
-- SQLite cannot compare whole rows, so every column is named: a column added to
-- audit_events must be added here too. IS compares without coercion (1 IS '1' is false).
CREATE TRIGGER audit_events_seal_only BEFORE UPDATE ON audit_events
WHEN NOT (
    OLD.seq IS NULL AND OLD.hash IS NULL
    AND typeof(NEW.seq) = 'integer' AND NEW.seq > 0
    AND typeof(NEW.hash) = 'blob' AND length(NEW.hash) = 32
    AND NEW.id IS OLD.id
    AND NEW.occurred_at IS OLD.occurred_at
    AND NEW.actor IS OLD.actor
    AND NEW.actor_role IS OLD.actor_role
    AND NEW.action IS OLD.action
    AND NEW.complaint_id IS OLD.complaint_id
    AND NEW.agency_id IS OLD.agency_id
    AND NEW.agreement_id IS OLD.agreement_id
    AND NEW.request_id IS OLD.request_id
    AND NEW.details IS OLD.details
)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: an event may only be sealed, once');
END;
--bun:split
CREATE TRIGGER audit_events_insert_unsealed BEFORE INSERT ON audit_events
WHEN NEW.seq IS NOT NULL OR NEW.hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'audit_events: events are inserted unsealed; only the sealer sets seq and hash');
END;
--bun:split
-- The sealer takes unsealed events oldest id first.
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;
--bun:split
-- Signed checkpoints: the chain's head (seq, hash) at signed_at, signed with Ed25519 by
-- the key whose public half is public_key (key_id: first 8 bytes of its SHA-256, hex).
-- Append-only like the trail itself.
CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    seq        INTEGER NOT NULL UNIQUE,
    hash       BLOB NOT NULL,
    signed_at  TIMESTAMP NOT NULL,
    key_id     TEXT NOT NULL,
    public_key BLOB NOT NULL,
    signature  BLOB NOT NULL
);
--bun:split
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
--bun:split
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
