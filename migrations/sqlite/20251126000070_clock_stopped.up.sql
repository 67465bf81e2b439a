-- A clock still running when its case closes or is withdrawn is stopped, not met
-- (issue 13): stopped_at records when, so oversight counts it neither met on time nor
-- missed, and the case page and the queue show it stopped rather than running or
-- overdue. Reopening the case clears it and the clock runs again, due as before.
ALTER TABLE complaint_clocks ADD COLUMN stopped_at TIMESTAMP;
--bun:split
-- Cases already closed or withdrawn: their unmet clocks stop at the closing. A clock
-- the closing itself started (results to report to ICE, which runs from resolution)
-- started with it, moments later than any clock of the open case could: one started
-- within a minute of the closing is left running.
UPDATE complaint_clocks SET stopped_at = (SELECT c.closed_at FROM complaints AS c WHERE c.id = complaint_clocks.complaint_id)
WHERE met_at IS NULL AND stopped_at IS NULL AND EXISTS (
    SELECT 1 FROM complaints AS c WHERE c.id = complaint_clocks.complaint_id
    AND c.status IN ('closed', 'withdrawn') AND c.closed_at IS NOT NULL
    AND julianday(complaint_clocks.started_at) < julianday(c.closed_at) - 60.0 / 86400);
