-- Published heads of the audit trail, for outside witnesses (docs/audit.md, "Outside
-- witnesses"). Once a UTC day is over, the sealer signs that day's last checkpoint
-- again as the day's head: the day, the chain's seq and hash there, and prev_digest,
-- the SHA-256 of the previous head's signed message (32 zero bytes for the first). The
-- heads thus form a chain of their own: a witness that kept one head can tell that a
-- later one extends it without seeing a single event. One head a day at most, so what
-- the public can learn from them is no finer than a count of events per day.
--
-- Checkpoints signed before this migration are left as they were (they are not
-- chained); the first head, published after the first full day, covers everything
-- before it.
CREATE TABLE audit_heads (
    seq         BIGINT PRIMARY KEY,
    day         TEXT NOT NULL UNIQUE CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    hash        BYTEA NOT NULL CHECK (octet_length(hash) = 32),
    prev_digest BYTEA NOT NULL CHECK (octet_length(prev_digest) = 32),
    signed_at   TIMESTAMPTZ NOT NULL,
    key_id      TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    signature   BYTEA NOT NULL
);

-- Append-only like the trail and its checkpoints.
CREATE TRIGGER audit_heads_no_change BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();
