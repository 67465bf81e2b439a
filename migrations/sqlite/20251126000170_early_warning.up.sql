-- The early warning for supervisors (issue 15, point 6). Thresholds administrators set,
-- one row a setting (redress.WarningSettingDefs names them and their defaults; a missing
-- row is its default).
CREATE TABLE warning_settings (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
--bun:split
-- Each complaint's officer keys (redress.OfficerKeys: a badge "b:4471" or a surname
-- "n:ruiz" read from the free-text officers field), written with the complaint. The
-- complaint's agency, unit and received time are kept beside each key so the warning
-- counts a time window from this table's index alone; a trigger keeps agency and unit
-- current (officer_keys_follow, below). Timings in docs/performance.md, "Early warning".
CREATE TABLE officer_keys (
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    officer_key  TEXT NOT NULL,
    agency_id    BIGINT,
    unit         TEXT NOT NULL DEFAULT '',
    received_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (complaint_id, officer_key)
);
--bun:split
-- Counting keys per agency in a window, read from the index alone: a supervisor's
-- units first (each unit's window is one range), and every unit's window.
CREATE INDEX officer_keys_unit_window ON officer_keys (unit, received_at, agency_id, officer_key);
--bun:split
CREATE INDEX officer_keys_window ON officer_keys (received_at, agency_id, officer_key, unit);
--bun:split
-- The complaints of one flagged key of one agency.
CREATE INDEX officer_keys_group ON officer_keys (agency_id, officer_key, received_at);
--bun:split
-- Complaints filed before this migration get their keys from store.fillOfficerKeys,
-- which runs after migrating and remembers how far it got.
CREATE TABLE officer_keys_filled (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto BIGINT NOT NULL
);
--bun:split
INSERT INTO officer_keys_filled (id, upto) VALUES (1, 0);
--bun:split
-- Open urgent complaints nobody is assigned to: a handful at any time. Written as the
-- query writes the condition (store/warnings.go) so either dialect uses it.
CREATE INDEX complaints_urgent_unassigned ON complaints (received_at)
    WHERE priority = 'urgent' AND assignee_id IS NULL AND status NOT IN ('closed', 'withdrawn');
--bun:split
-- A complaint's officer keys follow its agency and unit wherever they change (triage
-- today), so the warning's units and agencies are the complaint's own.
CREATE TRIGGER officer_keys_follow AFTER UPDATE OF agency_id, unit ON complaints
    WHEN OLD.agency_id IS NOT NEW.agency_id OR OLD.unit IS NOT NEW.unit
BEGIN
    UPDATE officer_keys SET agency_id = NEW.agency_id, unit = NEW.unit WHERE complaint_id = NEW.id;
END;
