-- The officer's desk (issue 13, point 2): when the complainant last wrote or sent a file
-- that no case handler has read yet (NULL: nothing unread). Set in the reply's or the
-- upload's transaction, cleared when a handler of the unit reads the case's messages.
ALTER TABLE complaints ADD COLUMN complainant_activity_at TIMESTAMPTZ;
--bun:split
-- The desk counts unread cases per unit: a partial index holds only the few unread ones.
CREATE INDEX complaints_unread ON complaints (unit, complainant_activity_at) WHERE complainant_activity_at IS NOT NULL;
--bun:split
-- The desk counts cases waiting for approval per unit and status.
CREATE INDEX complaints_unit_status ON complaints (unit, status);
