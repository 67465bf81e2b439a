-- /readyz proves the database takes writes by writing here: the heartbeat row (id 1) is
-- updated in place, so the table never grows and nothing is audited. The probe column
-- is filled only by a row that is rolled back in the same transaction (see
-- store.DB.Ready): it checks there is room to add pages, which is where a full disk
-- shows.
CREATE TABLE readiness (
    id         BIGINT PRIMARY KEY,
    checked_at TIMESTAMPTZ NOT NULL,
    probe      BYTEA
);
