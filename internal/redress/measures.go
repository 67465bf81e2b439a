package redress

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Measures are what oversight bodies audit: how many complaints came in and how long
// each step of their resolution took, per agency and per MOA. Every measure is worked
// out from the case's own history (its received time, its status changes and its
// clocks), so it can be recomputed from the audit trail; docs/measures.md defines each.

// MeasureFilter chooses the complaints a measure counts: those received in [From, To)
// that match every non-empty field. Units is the caller's reach (nil with AllUnits for
// every unit), settled by the caller as for SearchFilter.
type MeasureFilter struct {
	From, To time.Time

	AllUnits bool
	Units    []string

	State       string
	AgencyID    int64
	AgreementID int64
	Model       Model
	Unit        string
	Category    Category
	Function    Function
	Channel     string
	Language    string
	Priority    string
	Custody     string // one of CustodyFacts
}

// Validate checks the filter's values, naming each bad one by its query parameter.
func (f MeasureFilter) Validate() error {
	var fe FieldErrors
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fe.Add("period", "period_order")
	}
	if _, ok := StateCode(f.State); f.State != "" && (!ok || len(f.State) != 2) {
		fe.Add("state", "state")
	}
	if f.Model != "" && !slices.Contains(Models, f.Model) {
		fe.Add("model", "one_of", "JEM, WSO, TFM")
	}
	checkCaseFacts(&fe, f.Unit, f.Category, f.Function, f.Custody)
	if f.Channel != "" && !slices.Contains(Channels, Channel(f.Channel)) {
		fe.Add("channel", "unknown_code", f.Channel)
	}
	if f.Priority != "" && f.Priority != "normal" && f.Priority != "urgent" {
		fe.Add("priority", "one_of", "normal, urgent")
	}
	if f.AgencyID < 0 {
		fe.Add("agency", "id")
	}
	if f.AgreementID < 0 {
		fe.Add("agreement", "id")
	}
	return fe.Err()
}

// Durations sums up how long something took, over Count cases: in days, to the hour
// for calendar days, whole for business days. Median and P90 interpolate between the
// two nearest cases as PostgreSQL's percentile_cont does. All zero when Count is 0.
type Durations struct {
	Count  int
	Median float64
	P90    float64
	Mean   float64
	Max    float64
}

// Elapsed is one step's time, in calendar days and in the office's business days.
type Elapsed struct {
	Calendar Durations
	Business Durations
}

// Compliance is how one deadline (a clock of the deadline configuration: acknowledge,
// triage, notify_ice, resolve, report_results, …) fared over the cases it applied to.
// OnTime met it by its due time, Late met it after, Overdue is still running past due,
// Running is not yet due, Stopped ended with the case before being met or missed.
type Compliance struct {
	Clock   string
	OnTime  int
	Late    int
	Overdue int
	Running int
	Stopped int
}

// Decided is the number of cases whose outcome for this deadline is known.
func (c Compliance) Decided() int { return c.OnTime + c.Late + c.Overdue }

// Share is the part of decided cases that met the deadline on time, from 0 to 1; ok is
// false when none is decided.
func (c Compliance) Share() (share float64, ok bool) {
	if c.Decided() == 0 {
		return 0, false
	}
	return float64(c.OnTime) / float64(c.Decided()), true
}

// FindingCount is how many allegations of one category ended in one finding.
type FindingCount struct {
	Category Category
	Finding  string // a workflow finding, or "" while none is made
	N        int
}

// ReferralMeasure is the referrals sent to one kind of recipient (workflow's referral
// recipients) and how long the answered ones took.
type ReferralMeasure struct {
	Recipient string
	Sent      int
	Answered  int
	Response  Durations // calendar days, answered ones only
}

// Band is a count of cases whose time falls in [FromDays, ToDays); ToDays 0 is open.
type Band struct {
	FromDays, ToDays int
	N                int
}

// Measures is every measure over the complaints a filter chooses, as of AsOf.
type Measures struct {
	Filter MeasureFilter
	AsOf   time.Time

	Received, Open, Closed int

	Acknowledge, Triage, Close Elapsed
	// CloseBands is the distribution of calendar days to close, for its chart.
	CloseBands []Band
	Deadlines  []Compliance
	// OpenAge is how long the open cases have been open, in calendar days at AsOf.
	OpenAge Durations

	Findings  []FindingCount
	Referrals []ReferralMeasure

	// WaitingOnOffice and WaitingOnComplainant count open cases in the referred and
	// waiting_on_complainant statuses.
	WaitingOnOffice      int
	WaitingOnComplainant int
}

// MonthPoint is one calendar month (in the office's time zone) of a trend.
type MonthPoint struct {
	Month       string // "2026-07"
	Received    int
	Closed      int     // closed in that month, whenever received
	CloseMedian float64 // calendar days, of those closed in the month
}

// Group is one row of a breakdown: the measures of one state, agency, agreement, model
// or unit. Key is what a drill-down link filters on (a state code, an id as text, …).
type Group struct {
	Key   string
	Label string
	Measures
}

// Breakdowns a measure can be grouped by.
const (
	ByState     = "state"
	ByAgency    = "agency"
	ByAgreement = "agreement"
	ByModel     = "model"
	ByUnit      = "unit"
)

// Breakdowns lists them, widest first: the drill-down's path.
var Breakdowns = []string{ByState, ByAgency, ByAgreement, ByModel, ByUnit}

// Quarter is a calendar quarter, written "2026-Q3".
type Quarter struct {
	Year int
	Q    int // 1–4
}

// ParseQuarter reads "2026-Q3" (case does not matter); a bad one is a field error on
// "period".
func ParseQuarter(s string) (Quarter, error) {
	var q Quarter
	t := strings.ToUpper(strings.TrimSpace(s))
	if _, err := fmt.Sscanf(t, "%d-Q%d", &q.Year, &q.Q); err != nil ||
		q.Q < 1 || q.Q > 4 || q.Year < 1900 || q.Year > 9999 || q.String() != t {
		var fe FieldErrors
		fe.Add("period", "quarter")
		return Quarter{}, fe.Err()
	}
	return q, nil
}

func (q Quarter) String() string { return fmt.Sprintf("%d-Q%d", q.Year, q.Q) }

// Bounds is the quarter's first instant and the next quarter's, in loc.
func (q Quarter) Bounds(loc *time.Location) (from, to time.Time) {
	from = time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 3, 0)
}

// QuarterOf is the quarter t falls in, in t's location.
func QuarterOf(t time.Time) Quarter {
	return Quarter{Year: t.Year(), Q: (int(t.Month())-1)/3 + 1}
}
