-- A case page lists the case's referrals, and nothing indexed referrals by complaint:
-- each view read every referral (300 ms at a million complaints, 357k referrals).
CREATE INDEX referrals_complaint ON referrals (complaint_id, sent_at, id);
--bun:split
-- The oversight pages' agreement choices for staff of some units: as
-- complaints_agency_unit does for the queue's agency choices (migration 140).
CREATE INDEX complaints_agreement_unit ON complaints (agreement_id, unit);
