package redress

// Every audit action Redress writes, in one list: docs/audit-events.md describes each
// (when it is written, with its details), and TestAuditEventsDocumented keeps the two
// naming the same actions.
// One action per kind of thing that happened; an event's details say what changed and
// never hold identity, contact, or the text of a narrative, note or message.
const (
	// A complaint, from the public side.
	ActionComplaintFiled = "complaint.filed"
	ActionStatusChecked  = "complaint.status_checked"

	// Case work (internal/casework).
	ActionTriaged         = "complaint.triaged"
	ActionAssigned        = "complaint.assigned"
	ActionTransition      = "complaint.transition"
	ActionReferred        = "complaint.referred"
	ActionReferralAnswer  = "complaint.referral_answered"
	ActionResultsReported = "complaint.results_reported"
	ActionUnitClocksSaved = "unit.clocks_saved"
	ActionDeadlineMissed  = "deadline.missed"
	ActionDigestSent      = "digest.queued"
	ActionRoutingSaved    = "routing.rules_saved"
	ActionOfficeSaved     = "office.saved"   // the directory of offices referral letters go to
	ActionOfficeRemoved   = "office.removed" // an office taken out of that directory

	// The case file (internal/casefile): ids, sizes and counts, never the text of a note or
	// message, nor a file's name (either can identify someone).
	ActionNoteAdded          = "complaint.note_added"
	ActionMessageSent        = "complaint.message_sent"
	ActionMessageReplied     = "complaint.message_replied"
	ActionMessagesRead       = "complaint.messages_read"
	ActionEvidenceAdded      = "complaint.evidence_added"
	ActionEvidenceDownloaded = "complaint.evidence_downloaded"

	// Reading cases: what was shown, never the content.
	ActionComplaintViewed   = "complaint.viewed"
	ActionIdentityViewed    = "complaint.identity_viewed"
	ActionComplaintSearched = "complaint.searched" // details: the filters given, never the complaints found

	// Accounts and access.
	ActionLogin            = "auth.login"
	ActionLoginPending     = "auth.login_pending" // password right; second factor awaited
	ActionLoginFailed      = "auth.login_failed"
	ActionLockout          = "auth.lockout"
	ActionLogout           = "auth.logout"
	ActionMFAEnrolled      = "auth.mfa_enrolled"
	ActionMFAPolicyChanged = "auth.mfa_policy_changed"
	ActionPasswordChanged  = "auth.password_changed"
	ActionPasswordReset    = "auth.password_reset_requested"
	ActionPasswordLink     = "auth.password_link_issued" // an operator issued a set-password link (redress user reset-link)
	ActionUserCreated      = "user.created"
	ActionUserDisabled     = "user.disabled"
	ActionRoleAdded        = "user.role_added"
	ActionRoleRemoved      = "user.role_removed"
	ActionRoleRequested    = "user.role_requested" // waits for a second administrator
	ActionRoleApproved     = "user.role_approved"
	ActionRoleRejected     = "user.role_rejected"
	ActionRoleWithdrawn    = "user.role_withdrawn"
	ActionRoleRefused      = "user.role_refused" // a role change the rules refused
	ActionUnitSaved        = "unit.saved"
	ActionTokenCreated     = "token.created"
	ActionTokenRevoked     = "token.revoked"
	ActionTokenRevokedUse  = "token.revoked_used"
	ActionAccessDenied     = "access.denied"

	// The registry of agreements (internal/registry). Agencies are added implicitly with
	// their first agreement (agreement.added names them).
	ActionRegistryImported = "registry.imported"
	ActionAgreementAdded   = "agreement.added"
	ActionAgreementUpdated = "agreement.updated"
	ActionAgreementDropped = "agreement.no_longer_listed"
	ActionAgencyUpdated    = "agency.updated" // a newer sheet changed an agency's name, type or county

	// Mail: one event per message when it is sent, and one when the outbox gives up on it.
	ActionMailSent   = "mail.sent"
	ActionMailFailed = "mail.failed"

	// The audit trail itself (internal/audit).
	ActionAuditSearched      = "audit.searched"
	ActionAuditHistoryViewed = "audit.history_viewed"
	ActionExported           = "audit.exported"
	ActionVerifyStarted      = "audit.verify_started" // audit.verified, when it ends, records the outcome
	ActionVerified           = "audit.verified"

	// Operations.
	ActionDatabaseMigrated = "database.migrated"

	// Issue 15, oversight dashboard: a table of measures exported (CSV, JSON, a report).
	ActionReportExported = "report.exported"
	// Early warning (issue 15, point 6): an administrator changed its thresholds;
	// details: the old and new value of each one changed.
	ActionWarningSettingsSaved = "warning.settings_saved"
	// Someone read the early warning (its officers' section names officers read from
	// complaints); details: the units read, whether officers were shown, the flags'
	// counts; never a name.
	ActionWarningsViewed = "warning.viewed"
)

// Actions lists every action above, in the same order.
var Actions = []string{
	ActionComplaintFiled, ActionStatusChecked,
	ActionTriaged, ActionAssigned, ActionTransition, ActionReferred, ActionReferralAnswer, ActionResultsReported,
	ActionUnitClocksSaved, ActionDeadlineMissed, ActionDigestSent, ActionRoutingSaved,
	ActionOfficeSaved, ActionOfficeRemoved,
	ActionNoteAdded, ActionMessageSent, ActionMessageReplied, ActionMessagesRead,
	ActionEvidenceAdded, ActionEvidenceDownloaded,
	ActionComplaintViewed, ActionIdentityViewed, ActionComplaintSearched,
	ActionLogin, ActionLoginPending, ActionLoginFailed, ActionLockout, ActionLogout,
	ActionMFAEnrolled, ActionMFAPolicyChanged, ActionPasswordChanged, ActionPasswordReset, ActionPasswordLink,
	ActionUserCreated, ActionUserDisabled, ActionRoleAdded, ActionRoleRemoved, ActionRoleRequested,
	ActionRoleApproved, ActionRoleRejected, ActionRoleWithdrawn, ActionRoleRefused, ActionUnitSaved,
	ActionTokenCreated, ActionTokenRevoked, ActionTokenRevokedUse, ActionAccessDenied,
	ActionRegistryImported, ActionAgreementAdded, ActionAgreementUpdated, ActionAgreementDropped,
	ActionAgencyUpdated,
	ActionMailSent, ActionMailFailed,
	ActionAuditSearched, ActionAuditHistoryViewed, ActionExported, ActionVerifyStarted, ActionVerified,
	ActionDatabaseMigrated,
	// Issue 15, oversight dashboard.
	ActionReportExported,
	ActionWarningSettingsSaved, ActionWarningsViewed, // early warning
}
