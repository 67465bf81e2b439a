package redress

import "time"

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

// CaseState is the workflow facts of a complaint the case page and the service need.
type CaseState struct {
	Priority   string
	AssigneeID int64
	ProposedBy int64
	// ProposedDisposition is the closure proposed for approval (propose_closure); empty
	// when findings were proposed.
	ProposedDisposition string
	Disposition         string
	ClosedAt            time.Time
	Findings            map[int64]string
	Links               []ComplaintLink
	History             []StatusStep
}

// ComplaintLink ties two complaints: a duplicate or a related one.
type ComplaintLink struct {
	OtherID int64
	Kind    string
}

// StatusStep is one status a complaint reached and when. Actor and Reason are for
// staff; the public status page shows only the status and the day.
type StatusStep struct {
	Status string
	At     time.Time
	Actor  string
	Reason string
}

// ErrStaleStatus means the complaint's status changed since the caller read it.
var ErrStaleStatus = &Error{Code: ECONFLICT, Key: "error.stale_status",
	Message: "The complaint changed while you were working on it. Reload and try again."}

// ErrReassign refuses giving a complaint that already has an investigator to another
// one without the right to reassign: taking a case off someone is a supervisor's call.
var ErrReassign = &Error{Code: EFORBIDDEN, Key: "error.reassign",
	Message: "This complaint already has an investigator; only a supervisor may give it to someone else."}
