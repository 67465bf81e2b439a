-- Oversight measures (issue 15): each allegation's finding and each referral's answer
-- in the complaint's own summary row, so findings by category and referrals by
-- recipient are counted in the same single pass as the rest instead of joining
-- allegations (1.4 million rows at a million complaints) and referrals. f_<category>:
-- 0 no allegation of it, 1 alleged and no finding yet, 2 sustained, 3 not_sustained,
-- 4 exonerated, 5 unfounded, 6 policy_failure. r_<recipient>: NULL not referred there,
-- -1 referred and not answered, else whole hours from the first referral there to its
-- answer. The rows already stored are worked out again by the store (the backfill
-- marker is set back to the start).
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_racial_profiling SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_held_past_release SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_coercion SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_no_interpreter SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_denied_lawyer SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_denied_phone_call SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_denied_consular_notification SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_force SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_medical_neglect SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_retaliation SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_wrongful_detention SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_privacy SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_property SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_verbal_abuse SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN f_other SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN r_agency_ia INTEGER;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN r_ice_opr INTEGER;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN r_dhs_oig INTEGER;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN r_dhs_crcl INTEGER;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN r_state_ag INTEGER;
--bun:split
ALTER TABLE complaint_measures ADD COLUMN r_other INTEGER;
--bun:split
-- The trend's "received in the month" from the index alone.
CREATE INDEX complaint_measures_received_month ON complaint_measures (received_at, received_month);
--bun:split
DELETE FROM complaint_measures_backfill;
--bun:split
INSERT INTO complaint_measures_backfill (next_id) VALUES (1);
