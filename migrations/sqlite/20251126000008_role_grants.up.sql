-- Grants of roles that read cases, the audit trail or accounts, asked for by one
-- administrator and waiting for a second one (docs/roles.md). Only an approval writes
-- the role into role_assignments; decided rows stay as the record of who asked and who
-- decided. The checks repeat the rules the store enforces, so that no code path (or
-- hand-written SQL) can store a self-request or a self-approval.
-- state: pending, approved, rejected (by another administrator), withdrawn (by the
-- requester).
CREATE TABLE role_grants (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    role         TEXT NOT NULL,
    unit         TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn')),
    decided_by   INTEGER REFERENCES users (id),
    decided_at   TIMESTAMP,
    CHECK (requested_by <> user_id),
    CHECK (state <> 'approved' OR (decided_by <> requested_by AND decided_by <> user_id)),
    CHECK ((state = 'pending') = (decided_by IS NULL))
);
--bun:split
CREATE UNIQUE INDEX role_grants_pending ON role_grants (user_id, role, unit) WHERE state = 'pending';
