-- A unit's own time zone, where units span zones (issue 13): its clocks count business
-- days in it and staff see its cases' dates in it. Empty: the office's zone (the clock
-- file's location).
ALTER TABLE units ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
