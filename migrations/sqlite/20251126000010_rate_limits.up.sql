-- Counts of what clients did in a window of time (complaints filed, wrong receipts,
-- failed sign-ins), shared by every serve process and kept across restarts. A client
-- is a keyed hash (HMAC) of its address and what it tried, never the address itself.
-- A window starts at a key's first hit and ends at reset_at (Unix milliseconds);
-- rows past it are pruned in batches.
CREATE TABLE rate_limits (
    scope    TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    hits     INTEGER NOT NULL,
    reset_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
--bun:split
CREATE INDEX rate_limits_reset_at ON rate_limits (reset_at);
