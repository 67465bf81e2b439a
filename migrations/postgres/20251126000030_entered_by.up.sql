-- The staff account that typed in a complaint received by phone, mail or in person
-- (complaints.channel says which); NULL for a complaint its complainant filed.
ALTER TABLE complaints ADD COLUMN entered_by BIGINT REFERENCES users (id);
