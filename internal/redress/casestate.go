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
	// ResultsReportedOn and ResultsReportedMethod record that the results were reported
	// to ICE (the JEM's 30-day duty), when and how; zero until then.
	ResultsReportedOn     Date
	ResultsReportedMethod string
	Findings              map[int64]string
	// FindingReasons is the reasoning written with each allegation's finding, and
	// OutcomeLetter the personal paragraph of the outcome letter: staff's own words.
	FindingReasons map[int64]string
	OutcomeLetter  string
	Links          []ComplaintLink
	History        []StatusStep
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

// ErrResultsReported refuses recording a second results report for one case.
var ErrResultsReported = &Error{Code: ECONFLICT, Key: "error.results_reported",
	Message: "The results of this complaint were already recorded as reported to ICE."}

// ErrNoResultsDue refuses a results report where none is owed: the MOA asks for one only
// after a JEM case ends with results (its "report results" clock runs).
var ErrNoResultsDue = &Error{Code: ECONFLICT, Key: "error.no_results_due",
	Message: "No report of results to ICE is due for this complaint."}

// ResultsMethods are how results reach ICE.
var ResultsMethods = []string{"email", "mail", "portal", "phone", "in_person"}
