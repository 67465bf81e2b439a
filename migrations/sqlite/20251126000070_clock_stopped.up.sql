-- A clock still running when its case closes or is withdrawn is stopped, not met
-- (issue 13): stopped_at records when, so oversight counts it neither met on time nor
-- missed, and the case page and the queue show it stopped rather than running or
-- overdue. Reopening the case clears it and the clock runs again, due as before.
ALTER TABLE complaint_clocks ADD COLUMN stopped_at TIMESTAMP;
--bun:split
-- Cases already closed or withdrawn: their unmet clocks stop at the closing. Clocks the
-- closing itself started (results to report to ICE, which run from resolution) keep
-- running: one started after the case's last status change before the closing and
-- within a minute of it. Any clock started at or before that change, or earlier than a
-- minute before the closing, ran while the case was open.
UPDATE complaint_clocks SET stopped_at = (SELECT c.closed_at FROM complaints AS c WHERE c.id = complaint_clocks.complaint_id)
WHERE met_at IS NULL AND stopped_at IS NULL AND EXISTS (
    SELECT 1 FROM complaints AS c WHERE c.id = complaint_clocks.complaint_id
    AND c.status IN ('closed', 'withdrawn') AND c.closed_at IS NOT NULL
    AND (julianday(complaint_clocks.started_at) < julianday(c.closed_at) - 60.0 / 86400
        OR julianday(complaint_clocks.started_at) <= (SELECT MAX(julianday(s.changed_at)) FROM complaint_status_changes AS s
            WHERE s.complaint_id = c.id AND julianday(s.changed_at) < julianday(c.closed_at))));
