package redress

import "time"

// Deadline states of a queue row: where its soonest running clock stands.
const (
	DeadlineOverdue = "overdue"
	DeadlineDueSoon = "due_soon"
	DeadlineRunning = "running"
)

// DeadlineState words a complaint's next deadline, due at due (zero: none runs): overdue
// once past, due soon when one of its clocks is due soon by that clock's own rule
// (deadline.DueSoonBy, worked out by the caller), otherwise running.
func DeadlineState(due, now time.Time, dueSoon bool) string {
	switch {
	case due.IsZero():
		return ""
	case due.Before(now):
		return DeadlineOverdue
	case dueSoon:
		return DeadlineDueSoon
	}
	return DeadlineRunning
}

// QueueRow is one complaint of the queue or of a search: the summary, its workflow
// facts and its next deadline.
type QueueRow struct {
	ComplaintSummary
	// AgencyOther is the complainant's own words for an agency the registry does not
	// hold: free text, for callers who may read the complainant's words in Unit only.
	AgencyOther  string
	Priority     string
	AssigneeID   int64
	AssigneeName string
	// Custody is what the filer said of custody: a row marks someone held now.
	Custody Custody
	// NextDueAt is the soonest due time of its running clocks (zero when none runs);
	// Deadline says where that stands: overdue, due_soon, running or "".
	NextDueAt time.Time
	Deadline  string
	// Categories are the allegations' categories, in the order they were made.
	Categories []Category
	// LastActivityAt is when the case last moved: the latest of its status changes,
	// notes, messages either way and evidence (not a staff member's reading it).
	LastActivityAt time.Time
	// Unread: the complainant wrote or sent a file that no case handler has read yet.
	Unread bool
}

// ComplaintSummary is one row of a staff list: no identity, no free text.
type ComplaintSummary struct {
	ID             int64
	TrackingNumber string
	ReceivedAt     time.Time
	State          string
	AgencyID       int64
	AgencyName     string
	AgreementID    int64
	Status         string
	Unit           string
	Language       string
}

// AgencyChoice is an agency offered in the queue's filter.
type AgencyChoice struct {
	ID   int64
	Name string
	// State is the agency's state, which tells same-named agencies apart.
	State string
}

// AgreementChoice is an agreement (MOA) a filter offers: one that complaints name.
type AgreementChoice struct {
	ID         int64
	Model      Model
	AgencyName string
	State      string
}
