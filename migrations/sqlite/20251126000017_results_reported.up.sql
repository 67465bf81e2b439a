-- The JEM's "report the results to ICE within 30 days of resolution": the day the
-- results were reported and how, as staff recorded it (the step meets the clock).
ALTER TABLE complaints ADD COLUMN results_reported_on TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN results_reported_method TEXT NOT NULL DEFAULT '';
