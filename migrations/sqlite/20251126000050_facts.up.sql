-- The queue filters by function and by custody (issue 12): an index for each, the
-- custody ones partial (only the few complaints answered yes), written with the very
-- condition the search uses (store/search.go).
CREATE INDEX complaint_functions_function ON complaint_functions (function, complaint_id);
--bun:split
CREATE INDEX complaints_in_custody ON complaints (received_at) WHERE in_custody;
--bun:split
CREATE INDEX complaints_detainer_issued ON complaints (received_at) WHERE detainer_issued;
--bun:split
CREATE INDEX complaints_held_past_release ON complaints (received_at) WHERE held_past_release;
--bun:split
-- A routing rule may also match the model of the complaint's agreement and a function.
ALTER TABLE routing_rules ADD COLUMN model TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE routing_rules ADD COLUMN function TEXT NOT NULL DEFAULT '';
