-- Staff accounts, review units, role assignments, sessions and API tokens.
-- Secrets are never stored in the clear: passwords as argon2id hashes, session, token and
-- one-time link values as SHA-256 hashes, TOTP secrets sealed with the secret key.
CREATE TABLE units (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,          -- short id used in role assignments, e.g. 'tx'
    title      TEXT NOT NULL,
    states     TEXT NOT NULL DEFAULT '',      -- space-separated USPS codes it covers
    agency_ids TEXT NOT NULL DEFAULT '',      -- space-separated agency ids it covers
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,     -- lower-cased
    name            TEXT NOT NULL,
    password_hash   TEXT NOT NULL DEFAULT '', -- empty until the one-time link is used
    password_set_at TIMESTAMPTZ,
    totp_sealed     BYTEA,                     -- confirmed TOTP secret
    totp_pending    BYTEA,                     -- secret being enrolled, not yet confirmed
    totp_last_step  BIGINT NOT NULL DEFAULT 0, -- last 30-second step whose code was used (no replay)
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE TABLE role_assignments (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    unit       TEXT NOT NULL,                 -- a unit name, or '*' for every unit
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, role, unit)
);
CREATE TABLE sessions (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    mfa_pending  BOOLEAN NOT NULL DEFAULT FALSE, -- password given, second factor not yet
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,          -- absolute timeout
    ended_at     TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE TABLE password_tokens (
    id         BIGSERIAL PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('set', 'reset')),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX password_tokens_user ON password_tokens (user_id);
-- Failed sign-ins for addresses that have no account, keyed by the SHA-256 of the
-- address: they lock out like real accounts do, so lockout does not tell which
-- addresses have accounts. Rows idle for a day are deleted.
CREATE TABLE login_throttle (
    email_hash   BYTEA PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL
);
-- Roles whose holders must use a second factor; an administrator edits it.
CREATE TABLE mfa_required_roles (
    role TEXT PRIMARY KEY
);
-- One row; bumped in the transaction of every role, unit or account change so that other
-- processes reload their authorization within seconds.
CREATE TABLE authz_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO authz_version (id, version) VALUES (1, 1);
-- The review unit a complaint belongs to ('' until one covers its agency or state).
ALTER TABLE complaints ADD COLUMN unit TEXT NOT NULL DEFAULT '';
CREATE INDEX complaints_unit ON complaints (unit, received_at);
