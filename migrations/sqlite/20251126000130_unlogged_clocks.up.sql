-- The missed-deadline watcher (every serve process, every few minutes) looks only for
-- running clocks past due whose miss is not yet in the audit trail. At a million
-- complaints there are hundreds of thousands of missed clocks already recorded; this
-- index holds only those not yet recorded, so each pass reads a handful of entries
-- instead of every missed clock (issue 14, point 3; docs/performance.md).
CREATE INDEX complaint_clocks_unlogged_due ON complaint_clocks (due_at, id)
    WHERE NOT missed_logged AND met_at IS NULL AND paused_at IS NULL AND stopped_at IS NULL;
