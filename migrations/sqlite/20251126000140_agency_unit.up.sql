-- The queue's agency choices for staff of some units ask, for each agency of the
-- registry, whether a complaint of it lies in their units (store.ComplaintAgencies).
-- complaints_agency (agency_id, received_at) made each probe read every complaint of an
-- agency with none there: 14.5 s at a million complaints. With the unit in the key each
-- probe is one index entry. Timings in docs/performance.md.
CREATE INDEX complaints_agency_unit ON complaints (agency_id, unit);
