-- What a verification's signatures covered and the range a problem put in doubt
-- (docs/audit.md): problem_from-problem_to is set for a rewritten checkpointed region
-- (from the checkpoint before to the one that no longer matches) and for an unsigned
-- tail; checkpoint_window is the longest unsigned tail the verification accepted.
ALTER TABLE audit_verifications ADD COLUMN problem_from INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE audit_verifications ADD COLUMN problem_to INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE audit_verifications ADD COLUMN checkpoint_window INTEGER NOT NULL DEFAULT 0;
