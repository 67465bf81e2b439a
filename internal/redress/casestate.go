package redress

// Statuses of a complaint (complaints.status). A complaint starts received; the
// workflow package says which transition leads from one to another.
const (
	StatusReceived             = "received"
	StatusTriaged              = "triaged"
	StatusUnderReview          = "under_review"
	StatusReferred             = "referred" // waiting on another office's answer
	StatusWaitingOnComplainant = "waiting_on_complainant"
	StatusFindingsProposed     = "findings_proposed"
	StatusClosed               = "closed"
	StatusWithdrawn            = "withdrawn"
	StatusReopened             = "reopened"
)

// CaseStatuses lists every status in the order a case usually passes through them.
var CaseStatuses = []string{
	StatusReceived, StatusTriaged, StatusUnderReview, StatusReferred, StatusWaitingOnComplainant,
	StatusFindingsProposed, StatusClosed, StatusWithdrawn, StatusReopened,
}
