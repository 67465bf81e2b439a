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
-- complaint's agency, unit, received time and tracking number are kept beside each key
-- so the warning counts a window from this table's index alone and lists a flag's
-- complaints without reading them; a trigger keeps agency and unit
-- current (officer_keys_follow, below). Timings in docs/performance.md, "Early warning".
CREATE TABLE officer_keys (
    complaint_id    BIGINT NOT NULL REFERENCES complaints (id),
    officer_key     TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    agency_id       BIGINT,
    unit            TEXT NOT NULL DEFAULT '',
    received_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (complaint_id, officer_key)
);
--bun:split
-- Counting keys per agency in a window, read from the index alone, one range per unit
-- (every unit's read names each unit: store.scopeUnits).
CREATE INDEX officer_keys_unit_window ON officer_keys (unit, received_at, agency_id, officer_key);
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
-- Open urgent complaints nobody is assigned to, and open complaints of people held past
-- release: a handful at any time, one range per unit. Written as the queries write the
-- conditions (store/warnings.go) so either dialect uses them.
CREATE INDEX complaints_urgent_unassigned ON complaints (unit, received_at)
    WHERE priority = 'urgent' AND assignee_id IS NULL AND status NOT IN ('closed', 'withdrawn');
--bun:split
CREATE INDEX complaints_held_open ON complaints (unit, received_at)
    WHERE held_past_release AND status NOT IN ('closed', 'withdrawn');
--bun:split
-- A complaint's officer keys follow its agency and unit wherever they change (triage
-- today), so the warning's units and agencies are the complaint's own.
CREATE TRIGGER officer_keys_follow AFTER UPDATE OF agency_id, unit ON complaints
    WHEN OLD.agency_id IS NOT NEW.agency_id OR OLD.unit IS NOT NEW.unit
BEGIN
    UPDATE officer_keys SET agency_id = NEW.agency_id, unit = NEW.unit WHERE complaint_id = NEW.id;
END;
--bun:split
-- Each complaint's allegations with a finding, and those sustained: the agencies'
-- sustained share reads them from an index instead of joining every allegation of a
-- window's closed complaints. Kept by the allegations_findings trigger below (the
-- application writes a finding only by updating an allegation; the seed counts its own).
ALTER TABLE complaints ADD COLUMN decided_allegations INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaints ADD COLUMN sustained_allegations INTEGER NOT NULL DEFAULT 0;
--bun:split
UPDATE complaints SET
    decided_allegations = (SELECT COUNT(*) FROM allegations AS a WHERE a.complaint_id = complaints.id AND a.finding <> ''),
    sustained_allegations = (SELECT COUNT(*) FROM allegations AS a WHERE a.complaint_id = complaints.id AND a.finding = 'sustained')
WHERE id IN (SELECT complaint_id FROM allegations WHERE finding <> '');
--bun:split
-- Complaints received per unit and agency in a window, from the index alone.
CREATE INDEX complaints_unit_received_agency ON complaints (unit, received_at, agency_id);
--bun:split
-- Allegations decided and sustained on complaints closed per unit and agency in a
-- window, from the index alone; only complaints with a finding.
CREATE INDEX complaints_unit_closed_findings ON complaints (unit, closed_at, agency_id, decided_allegations, sustained_allegations)
    WHERE closed_at IS NOT NULL AND decided_allegations > 0;
--bun:split
CREATE TRIGGER allegations_findings AFTER UPDATE OF finding ON allegations
    WHEN OLD.finding IS NOT NEW.finding
BEGIN
    UPDATE complaints SET
        decided_allegations = decided_allegations + (CASE WHEN NEW.finding <> '' THEN 1 ELSE 0 END) - (CASE WHEN OLD.finding <> '' THEN 1 ELSE 0 END),
        sustained_allegations = sustained_allegations + (CASE WHEN NEW.finding = 'sustained' THEN 1 ELSE 0 END) - (CASE WHEN OLD.finding = 'sustained' THEN 1 ELSE 0 END)
    WHERE id = NEW.complaint_id;
END;
