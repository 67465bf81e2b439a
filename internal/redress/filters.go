package redress

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Filters narrow the lists staff and oversight read. Each is filled in from a request's
// query parameters and checked by its Validate, which names a bad field by the query
// parameter it is read from (q, officer, status, …), so the page and the API can point at
// it. What depends on who asks (the units one may read, an actor named by address) is
// settled by the caller, not here.

// ComplaintFilter is the units a staff list or search may reach: only complaints of
// Units, unless AllUnits is set. The caller passes what the user may see.
type ComplaintFilter struct {
	AllUnits bool
	Units    []string
	Limit    int
	Offset   int
}

// SearchFilter narrows a search of complaints (the staff queue). The embedded
// ComplaintFilter holds the units the caller may see (AllUnits / Units) and the page
// (Limit, Offset).
type SearchFilter struct {
	ComplaintFilter

	// Tracking is a tracking number as typed ("rx 7k4m 2q9d"); the search normalizes it.
	Tracking string
	// Text: each word must begin a word of the narrative or the officers field, in
	// any case and with or without accents ("ingles" finds "inglés"). Officer is the
	// same, held to the officers field. Both reach the complainant's own words: the
	// caller passes in Units only those in which the user may read them.
	Text    string
	Officer string

	AgencyID int64
	Model    Model // of the complaint's agreement; NoAgreement: none is set yet
	Category Category
	// Function is a 287(g) power the complaint is about (one of Functions).
	Function Function
	// Custody keeps complaints whose filer answered yes to one custody question (one
	// of CustodyFacts): someone held now is the most urgent case there is.
	Custody    string
	Status     string
	AssigneeID int64
	Unassigned bool
	Unit       string
	// ReceivedFrom and ReceivedTo bound the day received (UTC), both days included.
	ReceivedFrom Date
	ReceivedTo   Date
	// Overdue: a running clock (not met, not paused) is past due. DueSoon: one is due
	// within DueSoonWindow. Both together: either.
	Overdue bool
	DueSoon bool
	// DueSoonBy is, per clock name, the latest due time that counts as due soon now
	// (deadline.DueSoonBy, by the clock's own unit); a clock not named counts
	// DueSoonWindow. Casework fills it in, so the queue and the case page agree.
	DueSoonBy map[string]time.Time

	// Open keeps complaints not closed or withdrawn.
	Open bool
	// Unread keeps complaints whose complainant wrote or sent a file that no case
	// handler has read yet. NoUnit keeps complaints no unit covers (unit ""): only a
	// search of every unit (AllUnits) can find them.
	Unread bool
	NoUnit bool
	// AwaitingApprovalBy keeps complaints whose findings or closure wait for approval
	// and were proposed by someone other than this user (the two-person rule); the
	// caller narrows Units to those in which the user may approve.
	AwaitingApprovalBy int64

	// NewestFirst sorts by the day received, newest first; the default is oldest first,
	// as the intake queue is worked. ByDeadline sorts by the next running deadline,
	// soonest (most overdue) first, complaints with none running last.
	NewestFirst bool
	ByDeadline  bool

	// After and Before page by key rather than by Offset (keyset paging): the rows
	// after After, or the Limit rows just before Before, in the order asked for. Not
	// with ByDeadline, whose key no index holds.
	After, Before *ListKey
}

// ListKey is a row's place in a list's order, which a page link carries on (After,
// Before): a complaint's time received and id in the queue, an event's id in the
// audit log (Time zero). The id breaks ties of time.
type ListKey struct {
	Time time.Time
	ID   int64
}

// NoAgreement, as a search's Model, keeps the complaints no agreement is tied to yet:
// the ones triage must attribute before the MOA's clocks can run.
const NoAgreement Model = "NONE"

// DueSoonWindow is how close a deadline must be to count as due soon.
const DueSoonWindow = 24 * time.Hour

// Search page sizes, and the longest text one search may look for (in characters).
const (
	DefaultSearchLimit = 50
	MaxSearchLimit     = 200
	MaxSearchText      = 200
)

// Validate checks the filter's values, naming each bad one by its query parameter.
func (f SearchFilter) Validate() error {
	var fe FieldErrors
	for _, t := range []struct{ name, text string }{{"q", f.Text}, {"officer", f.Officer}} {
		checkText(&fe, t.name, t.text, MaxSearchText)
	}
	if f.Tracking != "" && NormalizeTrackingNumber(f.Tracking) == "" {
		fe.Add("tracking", "tracking_number")
	}
	if f.Status != "" && !slices.Contains(CaseStatuses, f.Status) {
		fe.Add("status", "one_of", strings.Join(CaseStatuses, ", "))
	}
	if f.Model != "" && f.Model != NoAgreement && !slices.Contains(Models, f.Model) {
		fe.Add("model", "one_of", "JEM, WSO, TFM, NONE")
	}
	checkCaseFacts(&fe, f.Unit, f.Category, f.Function, f.Custody)
	if f.AgencyID < 0 {
		fe.Add("agency", "id")
	}
	if f.NoUnit && f.Unit != "" {
		fe.Add("no_unit", "no_unit")
	}
	if f.AssigneeID < 0 || f.AssigneeID != 0 && f.Unassigned {
		fe.Add("assignee", "assignee")
	}
	if !f.ReceivedFrom.IsZero() && !f.ReceivedTo.IsZero() && f.ReceivedTo.Before(f.ReceivedFrom) {
		fe.Add("to", "date_order")
	}
	return fe.Err()
}

// AuditFilter narrows a reading of the audit trail. Zero fields do not filter.
type AuditFilter struct {
	ComplaintID int64
	AgreementID int64
	AgencyID    int64
	Actor       string
	// Action is an action's name, or the start of names followed by "*" ("complaint.*").
	Action string
	// From and To bound occurred_at: From included, To excluded.
	From, To time.Time
	// Scoped keeps only events about complaints that are now in one of Units (none:
	// nothing): what a unit's supervisor may see of the trail.
	Scoped bool
	Units  []string
	// UptoID, when set, keeps only events with ids up to it: pages of a log that
	// grows while it is read (every look at it is an event) stay put.
	UptoID int64
	// NewestFirst orders by id descending (the order events were written) instead of
	// ascending.
	NewestFirst   bool
	Limit, Offset int
	// After and Before page by event id rather than by Offset (keyset paging): the
	// events after After.ID, or the Limit events just before Before.ID, in the order
	// asked for.
	After, Before *ListKey
}

// MaxActorLength bounds an actor as typed into the audit log's filter (in characters).
const MaxActorLength = 200

// actionPattern is an action's name ("complaint.assigned") or the start of names
// followed by "*" ("complaint.*").
var actionPattern = regexp.MustCompile(`^[a-z0-9_.]{1,100}\*?$`)

// Validate checks the filter's values, naming each bad one by its query parameter.
func (f AuditFilter) Validate() error {
	var fe FieldErrors
	for _, id := range []struct {
		name string
		id   int64
	}{{"complaint", f.ComplaintID}, {"agreement", f.AgreementID}, {"agency", f.AgencyID}, {"upto", f.UptoID}} {
		if id.id < 0 {
			fe.Add(id.name, "id")
		}
	}
	checkText(&fe, "actor", f.Actor, MaxActorLength)
	if f.Action != "" && !actionPattern.MatchString(f.Action) {
		fe.Add("action", "action_name")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		fe.Add("to", "date_order")
	}
	return fe.Err()
}

// AgreementFilter narrows a list of agreements (MOAs); zero fields match everything.
type AgreementFilter struct {
	State    string
	Model    Model
	Status   AgreementStatus
	AgencyID int64
	Limit    int
}

// AgreementStatuses lists where an agreement can stand.
var AgreementStatuses = []AgreementStatus{StatusActive, StatusPending, StatusNoLongerListed}

// Validate checks the filter's values, naming each bad one by its query parameter.
func (f AgreementFilter) Validate() error {
	var fe FieldErrors
	if f.State != "" {
		if _, ok := StateCode(f.State); !ok {
			fe.Add("state", "state")
		}
	}
	if f.Model != "" && !slices.Contains(Models, f.Model) {
		fe.Add("model", "one_of", "JEM, WSO, TFM")
	}
	if f.Status != "" && !slices.Contains(AgreementStatuses, f.Status) {
		fe.Add("status", "one_of", "active, pending, no_longer_listed")
	}
	return fe.Err()
}

// checkText refuses text that is not UTF-8 or longer than max characters.
func checkText(fe *FieldErrors, name, text string, max int) {
	switch {
	case text == "":
	case !utf8.ValidString(text):
		fe.Add(name, "invalid_text")
	case utf8.RuneCountInString(text) > max:
		fe.Add(name, "too_long", max)
	}
}

// FieldsOf is the field errors err carries: those of an EINVALID *Error, else none.
func FieldsOf(err error) FieldErrors {
	var e *Error
	if errors.As(err, &e) && e.Code == EINVALID {
		return e.Fields
	}
	return nil
}

// CountBound is how far the count of a long list goes: the queue's, the desk's and the
// audit log's counts stop a little past it, so a list of a million costs no more to
// count than one of a thousand. Tests make it small.
var CountBound = 1000

// CountCap is the most the count of a list shown from offset, limit rows a page, counts
// exactly: CountBound, or further when that page itself lies further. A count above
// CountCap (the store counts at most one more) means only "more than CountCap": a next
// page exists whenever the count passes offset+limit.
func CountCap(offset, limit int) int { return max(CountBound, offset+limit) }

// checkCaseFacts checks the coded facts of a case that the queue's and the measures'
// filters share, naming each bad one by its query parameter.
func checkCaseFacts(fe *FieldErrors, unit string, category Category, function Function, custody string) {
	if unit != "" && (unit == AllUnits || !ValidUnitName(unit)) {
		fe.Add("unit", "unit_name")
	}
	if category != "" && !slices.Contains(Categories, category) {
		fe.Add("category", "unknown_code", category)
	}
	if function != "" && !slices.Contains(Functions, function) {
		fe.Add("function", "unknown_code", function)
	}
	if custody != "" && !slices.Contains(CustodyFacts, custody) {
		fe.Add("custody", "one_of", strings.Join(CustodyFacts, ", "))
	}
}
