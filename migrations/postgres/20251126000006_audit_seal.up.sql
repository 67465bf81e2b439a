-- Sealing the audit trail (docs/audit.md). Events are inserted unsealed; the sealer
-- later gives each its place in the hash chain (seq) and its hash. That one update is
-- the only change the table allows: a sealed event can never change again, and nothing
-- else about an event can change at all. Rows may not arrive already sealed, so the
-- chain is only ever extended by the sealer.
DROP TRIGGER audit_events_no_update ON audit_events;

-- The unsealed row, with seq and hash blanked, must equal the old row column for
-- column: comparing whole rows keeps this true for columns added later.
CREATE FUNCTION audit_events_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unsealed audit_events;
BEGIN
    unsealed := NEW;
    unsealed.seq := NULL;
    unsealed.hash := NULL;
    IF OLD.seq IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.seq > 0
       AND NEW.hash IS NOT NULL AND octet_length(NEW.hash) = 32
       AND unsealed IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: an event may only be sealed, once';
END;
$$;
CREATE TRIGGER audit_events_seal_only BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_seal_only();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE FUNCTION audit_events_insert_unsealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq IS NOT NULL OR NEW.hash IS NOT NULL THEN
        RAISE EXCEPTION 'audit_events: events are inserted unsealed; only the sealer sets seq and hash';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_events_insert_unsealed BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_insert_unsealed();

-- The sealer takes unsealed events oldest id first.
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE seq IS NULL;

-- Signed checkpoints: the chain's head (seq, hash) at signed_at, signed with Ed25519 by
-- the key whose public half is public_key (key_id: first 8 bytes of its SHA-256, hex).
-- Append-only like the trail itself.
CREATE TABLE audit_checkpoints (
    id         BIGSERIAL PRIMARY KEY,
    seq        BIGINT NOT NULL UNIQUE,
    hash       BYTEA NOT NULL,
    signed_at  TIMESTAMPTZ NOT NULL,
    key_id     TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    signature  BYTEA NOT NULL
);

CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoints is append-only';
END;
$$;
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();
