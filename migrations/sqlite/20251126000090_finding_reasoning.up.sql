-- Findings carry reasoning per allegation, and a proposal carries the personal paragraph
-- of the outcome letter the complainant reads under the standard words (issue 13, 4).
-- Both are staff's own words: read under complaint.narrative, withheld from auditors.
ALTER TABLE allegations ADD COLUMN finding_reasoning TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE complaints ADD COLUMN outcome_letter TEXT NOT NULL DEFAULT '';
