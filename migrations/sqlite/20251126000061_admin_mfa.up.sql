-- Administrators need a second factor by default (issue 13, point 6): one without TOTP
-- is sent to enrol before any other page works. An administrator may turn it off on
-- /admin/settings (the same list as every role's), which is audited.
INSERT INTO mfa_required_roles (role) VALUES ('administrator') ON CONFLICT DO NOTHING;
