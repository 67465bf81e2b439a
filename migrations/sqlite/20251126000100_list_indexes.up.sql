-- The staff lists at a million complaints (issue 14, point 3): indexes that serve each
-- filter of the queue and of the audit log in the lists' own order (received time for
-- the queue, id for the log), so a page reads its rows from an index instead of
-- walking every complaint or event. Timings in docs/performance.md.
CREATE INDEX complaints_agency ON complaints (agency_id, received_at);
--bun:split
CREATE INDEX complaints_agreement ON complaints (agreement_id, received_at);
--bun:split
CREATE INDEX complaints_status ON complaints (status, received_at);
--bun:split
CREATE INDEX complaints_assignee_received ON complaints (assignee_id, received_at);
--bun:split
DROP INDEX complaints_assignee;
--bun:split
-- Running clocks (not met, paused or stopped) by due time: overdue and due soon.
CREATE INDEX complaint_clocks_running_due ON complaint_clocks (due_at, complaint_id)
    WHERE met_at IS NULL AND paused_at IS NULL AND stopped_at IS NULL;
--bun:split
CREATE INDEX audit_events_action ON audit_events (action, id);
--bun:split
CREATE INDEX audit_events_actor ON audit_events (actor, id);
--bun:split
CREATE INDEX audit_events_agency ON audit_events (agency_id, id);
--bun:split
CREATE INDEX audit_events_complaint_id ON audit_events (complaint_id, id);
--bun:split
DROP INDEX audit_events_complaint;
--bun:split
CREATE INDEX audit_events_agreement_id ON audit_events (agreement_id, id);
--bun:split
DROP INDEX audit_events_agreement;
--bun:split
-- Open cases (the queue's "open" filter and the desk), written as store/search.go writes
-- the condition so either dialect can use it: a few percent of a million complaints.
CREATE INDEX complaints_open ON complaints (received_at) WHERE status NOT IN ('closed', 'withdrawn');
