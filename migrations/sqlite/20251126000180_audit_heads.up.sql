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
    seq         INTEGER PRIMARY KEY,
    day         TEXT NOT NULL UNIQUE CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    hash        BLOB NOT NULL CHECK (length(hash) = 32),
    prev_digest BLOB NOT NULL CHECK (length(prev_digest) = 32),
    signed_at   TIMESTAMP NOT NULL,
    key_id      TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    signature   BLOB NOT NULL
);
--bun:split
CREATE TRIGGER audit_heads_no_update BEFORE UPDATE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_heads is append-only');
END;
--bun:split
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_heads is append-only');
END;
