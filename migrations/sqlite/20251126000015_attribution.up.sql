-- Why a complaint is not tied to an agreement, as worked out when it was filed or when
-- triage changed its agency (redress.Attribution*: no_agency, none_in_force,
-- several_in_force, unreadable_date); empty when it is tied, or when staff set it.
ALTER TABLE complaints ADD COLUMN attribution TEXT NOT NULL DEFAULT '';
