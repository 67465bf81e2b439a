-- The trend's "closed in the month" reads complaints by closing time: with what it
-- counts in the index (stage, month, hours to close), it is answered from the index
-- alone (docs/performance.md, "Oversight measures at a million complaints").
CREATE INDEX complaint_measures_closed_cover ON complaint_measures (closed_at, stage, closed_month, close_hours)
    WHERE closed_at IS NOT NULL;
--bun:split
DROP INDEX complaint_measures_closed;
