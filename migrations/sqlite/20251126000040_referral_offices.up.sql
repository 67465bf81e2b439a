-- The directory of offices a referral letter goes to (casework.Refer): each office
-- stands for some referral recipients (space-separated codes: dhs_oig, state_ag…),
-- everywhere, or only for some states or agencies (space-separated, as units list
-- theirs). Its address is sealed like every address the outbox holds.
CREATE TABLE referral_offices (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    email_sealed BLOB NOT NULL,
    recipients   TEXT NOT NULL,
    states       TEXT NOT NULL DEFAULT '',
    agency_ids   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
--bun:split
-- What a referral sent: the office as it was named then (the directory may change or
-- lose it later), and the letter in the outbox; no letter when no office stood for the
-- recipient.
ALTER TABLE referrals ADD COLUMN office_id INTEGER;
--bun:split
ALTER TABLE referrals ADD COLUMN office_name TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE referrals ADD COLUMN outbox_id INTEGER REFERENCES outbox (id);
