-- A case under review ends without findings only when a second person approves the
-- closure proposed (propose_closure, then approve_close): the disposition proposed waits
-- here, as findings wait on their allegations. Empty for a proposal of findings.
ALTER TABLE complaints ADD COLUMN proposed_disposition TEXT NOT NULL DEFAULT '';
