package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The oversight measures' summary (migration 150, docs/measures.md): one narrow row
// per complaint, worked out in Go from the complaint and its clocks, and written again
// in the same transaction as every change of those facts. Which complaints a
// transaction changed is collected as it writes (touchMeasures: every audit event about
// a complaint that is not a read, and every write of its clocks) and their rows are
// recomputed whole just before it commits (inTx), so no write path has to know which
// of its changes the measures depend on. TestMeasureRowsCurrent drives a case through
// every step and compares the table with a recomputation after each.

// Outcomes of a clock in complaint_measures.
const (
	OutcomeNone    = 0
	OutcomeOnTime  = 1
	OutcomeLate    = 2
	OutcomeRunning = 3 // decided when measured: overdue once its due time has passed
	OutcomeStopped = 4 // the case ended before it was due
	OutcomeMissed  = 5 // passed its due time unmet, and stands so (paused or stopped after due)
)

// Stages of a complaint in complaint_measures.
const (
	StageOpen                 = 0
	StageClosed               = 1
	StageWaitingOnOffice      = 2
	StageWaitingOnComplainant = 3
)

// MeasureClocks are the clocks complaint_measures keeps an outcome of, in the order the
// measures list them: the deadline configuration's defaults.
var MeasureClocks = []string{"acknowledge", "triage", "notify_ice", "resolve", "report_results", "resolve_tfm"}

// MeasureFacts are what a complaint's measures are worked out from: its own facts as
// they stand, and its clocks.
type MeasureFacts struct {
	ComplaintID              int64
	ReceivedAt               time.Time
	State                    string
	AgencyID, AgreementID    int64
	Model                    redress.Model
	Unit, Channel, Language  string
	Priority                 string
	InCustody, Detainer, HPR bool
	Status                   string
	ClosedAt                 time.Time // zero unless closed or withdrawn now
	Clocks                   []redress.Clock
	// Allegations maps each category alleged to its finding ("" while none is made).
	Allegations map[redress.Category]string
	Referrals   []ReferralFact
}

// ReferralFact is one referral of a complaint: to whom, when sent and answered (zero
// while not).
type ReferralFact struct {
	Recipient      string
	Sent, Answered time.Time
}

// FindingCodes are the f_<category> codes of the workflow's findings: 2 onwards, in
// workflow.Findings order; 1 is an allegation with no finding yet.
func findingCode(finding string) int16 {
	if i := slices.Index(workflow.Findings, workflow.Finding(finding)); i >= 0 {
		return int16(2 + i)
	}
	return 1
}

// FindingOfCode is the finding a code stands for ("" for 1).
func FindingOfCode(code int64) string {
	if i := int(code) - 2; i >= 0 && i < len(workflow.Findings) {
		return string(workflow.Findings[i])
	}
	return ""
}

// MeasureRow is one complaint_measures row.
type MeasureRow struct {
	bun.BaseModel `bun:"table:complaint_measures"`
	ComplaintID   int64      `bun:"complaint_id,pk"`
	ReceivedAt    time.Time  `bun:"received_at"`
	ReceivedMonth int        `bun:"received_month"`
	ReceivedHour  int64      `bun:"received_hour"`
	State         string     `bun:"state"`
	AgencyID      int64      `bun:"agency_id"`
	AgreementID   int64      `bun:"agreement_id"`
	Model         string     `bun:"model"`
	Unit          string     `bun:"unit"`
	Channel       string     `bun:"channel"`
	Language      string     `bun:"language"`
	Priority      string     `bun:"priority"`
	Custody       int16      `bun:"custody"`
	Stage         int16      `bun:"stage"`
	ClosedAt      *time.Time `bun:"closed_at"`
	ClosedMonth   *int       `bun:"closed_month"`
	AckHours      *int       `bun:"ack_hours"`
	AckDays       *int       `bun:"ack_days"`
	TriageHours   *int       `bun:"triage_hours"`
	TriageDays    *int       `bun:"triage_days"`
	CloseHours    *int       `bun:"close_hours"`
	CloseDays     *int       `bun:"close_days"`

	KAcknowledge     int16  `bun:"k_acknowledge"`
	DueAcknowledge   *int64 `bun:"due_acknowledge"`
	KTriage          int16  `bun:"k_triage"`
	DueTriage        *int64 `bun:"due_triage"`
	KNotifyICE       int16  `bun:"k_notify_ice"`
	DueNotifyICE     *int64 `bun:"due_notify_ice"`
	KResolve         int16  `bun:"k_resolve"`
	DueResolve       *int64 `bun:"due_resolve"`
	KResolveTFM      int16  `bun:"k_resolve_tfm"`
	DueResolveTFM    *int64 `bun:"due_resolve_tfm"`
	KReportResults   int16  `bun:"k_report_results"`
	DueReportResults *int64 `bun:"due_report_results"`

	// Each category's allegation and finding (migration 152), and each recipient's
	// first referral.
	FRacialProfiling            int16 `bun:"f_racial_profiling"`
	FHeldPastRelease            int16 `bun:"f_held_past_release"`
	FCoercion                   int16 `bun:"f_coercion"`
	FNoInterpreter              int16 `bun:"f_no_interpreter"`
	FDeniedLawyer               int16 `bun:"f_denied_lawyer"`
	FDeniedPhoneCall            int16 `bun:"f_denied_phone_call"`
	FDeniedConsularNotification int16 `bun:"f_denied_consular_notification"`
	FForce                      int16 `bun:"f_force"`
	FMedicalNeglect             int16 `bun:"f_medical_neglect"`
	FRetaliation                int16 `bun:"f_retaliation"`
	FWrongfulDetention          int16 `bun:"f_wrongful_detention"`
	FPrivacy                    int16 `bun:"f_privacy"`
	FProperty                   int16 `bun:"f_property"`
	FVerbalAbuse                int16 `bun:"f_verbal_abuse"`
	FOther                      int16 `bun:"f_other"`
	RAgencyIa                   *int  `bun:"r_agency_ia"`
	RIceOpr                     *int  `bun:"r_ice_opr"`
	RDhsOig                     *int  `bun:"r_dhs_oig"`
	RDhsCrcl                    *int  `bun:"r_dhs_crcl"`
	RStateAg                    *int  `bun:"r_state_ag"`
	ROther                      *int  `bun:"r_other"`
}

func (r *MeasureRow) findingSlot(c redress.Category) *int16 {
	switch c {
	case "racial_profiling":
		return &r.FRacialProfiling
	case "held_past_release":
		return &r.FHeldPastRelease
	case "coercion":
		return &r.FCoercion
	case "no_interpreter":
		return &r.FNoInterpreter
	case "denied_lawyer":
		return &r.FDeniedLawyer
	case "denied_phone_call":
		return &r.FDeniedPhoneCall
	case "denied_consular_notification":
		return &r.FDeniedConsularNotification
	case "force":
		return &r.FForce
	case "medical_neglect":
		return &r.FMedicalNeglect
	case "retaliation":
		return &r.FRetaliation
	case "wrongful_detention":
		return &r.FWrongfulDetention
	case "privacy":
		return &r.FPrivacy
	case "property":
		return &r.FProperty
	case "verbal_abuse":
		return &r.FVerbalAbuse
	case "other":
		return &r.FOther
	}
	return nil
}

func (r *MeasureRow) referralSlot(recipient string) **int {
	switch recipient {
	case "agency_ia":
		return &r.RAgencyIa
	case "ice_opr":
		return &r.RIceOpr
	case "dhs_oig":
		return &r.RDhsOig
	case "dhs_crcl":
		return &r.RDhsCrcl
	case "state_ag":
		return &r.RStateAg
	case "other":
		return &r.ROther
	}
	return nil
}

// Clock is the outcome of the named clock and, while it runs, its due time (Unix
// seconds).
func (r *MeasureRow) Clock(name string) (outcome int16, due *int64) {
	k, d := r.clockSlot(name)
	if k == nil {
		return OutcomeNone, nil
	}
	return *k, *d
}

func (r *MeasureRow) clockSlot(name string) (*int16, **int64) {
	switch name {
	case "acknowledge":
		return &r.KAcknowledge, &r.DueAcknowledge
	case "triage":
		return &r.KTriage, &r.DueTriage
	case "notify_ice":
		return &r.KNotifyICE, &r.DueNotifyICE
	case "resolve":
		return &r.KResolve, &r.DueResolve
	case "resolve_tfm":
		return &r.KResolveTFM, &r.DueResolveTFM
	case "report_results":
		return &r.KReportResults, &r.DueReportResults
	}
	return nil, nil
}

// MonthNumber is t's month in loc as one number: 202607 for July 2026.
func MonthNumber(t time.Time, loc *time.Location) int {
	t = t.In(loc)
	return t.Year()*100 + int(t.Month())
}

// MeasureRowOf works a complaint's row out of its facts. Calendar durations are whole
// hours (to the hour, rounded down); business days count the business days after the
// start's day up to the end's day, in loc (the office's zone), by internal/deadline's
// calendar. A reopened case is open: it has no time to close until it closes again.
func MeasureRowOf(f MeasureFacts, loc *time.Location) MeasureRow {
	r := MeasureRow{
		ComplaintID: f.ComplaintID, ReceivedAt: f.ReceivedAt.UTC(), ReceivedMonth: MonthNumber(f.ReceivedAt, loc),
		ReceivedHour: f.ReceivedAt.Unix() / 3600, State: f.State, AgencyID: f.AgencyID, AgreementID: f.AgreementID,
		Model: string(f.Model), Unit: f.Unit, Channel: f.Channel, Language: f.Language, Priority: f.Priority,
	}
	if f.InCustody {
		r.Custody |= 1
	}
	if f.Detainer {
		r.Custody |= 2
	}
	if f.HPR {
		r.Custody |= 4
	}
	closed := !f.ClosedAt.IsZero() && (f.Status == redress.StatusClosed || f.Status == redress.StatusWithdrawn)
	switch {
	case closed:
		r.Stage = StageClosed
		at := f.ClosedAt.UTC()
		m := MonthNumber(at, loc)
		r.ClosedAt, r.ClosedMonth = &at, &m
		r.CloseHours, r.CloseDays = span(f.ReceivedAt, at, loc)
	case f.Status == redress.StatusReferred:
		r.Stage = StageWaitingOnOffice
	case f.Status == redress.StatusWaitingOnComplainant:
		r.Stage = StageWaitingOnComplainant
	}
	for cat, finding := range f.Allegations {
		if p := r.findingSlot(cat); p != nil {
			*p = findingCode(finding)
		}
	}
	// Each recipient's first referral: the case's wait on that office.
	first := map[string]ReferralFact{}
	for _, ref := range f.Referrals {
		if had, ok := first[ref.Recipient]; !ok || ref.Sent.Before(had.Sent) {
			first[ref.Recipient] = ref
		}
	}
	for rec, ref := range first {
		if p := r.referralSlot(rec); p != nil {
			h := -1
			if !ref.Answered.IsZero() {
				h = max(int(ref.Answered.Sub(ref.Sent)/time.Hour), 0)
			}
			*p = &h
		}
	}
	for _, c := range f.Clocks {
		k, d := r.clockSlot(c.Name)
		if k == nil {
			continue
		}
		*k, *d = clockOutcome(c)
		if c.MetAt.IsZero() {
			continue
		}
		switch c.Name {
		case "acknowledge":
			r.AckHours, r.AckDays = span(c.StartedAt, c.MetAt, loc)
		case "triage":
			r.TriageHours, r.TriageDays = span(c.StartedAt, c.MetAt, loc)
		}
	}
	return r
}

// span is the time from a to b in whole hours and in business days.
func span(a, b time.Time, loc *time.Location) (hours, days *int) {
	h := int(b.Sub(a) / time.Hour)
	h = max(h, 0)
	d := deadline.BusinessDaysBetween(redress.DateOf(a.In(loc)), redress.DateOf(b.In(loc)))
	return &h, &d
}

// clockOutcome is where a clock stands for the measures (redress.Compliance).
func clockOutcome(c redress.Clock) (int16, *int64) {
	switch {
	case !c.MetAt.IsZero() && c.MetAt.After(c.DueAt):
		return OutcomeLate, nil
	case !c.MetAt.IsZero():
		return OutcomeOnTime, nil
	case !c.StoppedAt.IsZero() && c.StoppedAt.After(c.DueAt):
		return OutcomeMissed, nil
	case !c.StoppedAt.IsZero():
		return OutcomeStopped, nil
	case !c.PausedAt.IsZero() && c.PausedAt.After(c.DueAt):
		return OutcomeMissed, nil
	case !c.PausedAt.IsZero():
		return OutcomeRunning, nil // stands still before its due time: never overdue while paused
	}
	due := c.DueAt.Unix()
	return OutcomeRunning, &due
}

// measureLoc is the zone measures count days and months in.
func (db *DB) measureLoc() *time.Location {
	if db.MeasureLoc != nil {
		return db.MeasureLoc
	}
	return deadline.DefaultLocation
}

// measureSource is what refreshMeasures reads of a complaint.
type measureSource struct {
	ID              int64      `bun:"id"`
	ReceivedAt      time.Time  `bun:"received_at"`
	State           string     `bun:"state"`
	AgencyID        *int64     `bun:"agency_id"`
	AgreementID     *int64     `bun:"agreement_id"`
	Model           *string    `bun:"model"`
	Unit            string     `bun:"unit"`
	Channel         string     `bun:"channel"`
	Language        string     `bun:"language"`
	Priority        string     `bun:"priority"`
	InCustody       *bool      `bun:"in_custody"`
	DetainerIssued  *bool      `bun:"detainer_issued"`
	HeldPastRelease *bool      `bun:"held_past_release"`
	Status          string     `bun:"status"`
	ClosedAt        *time.Time `bun:"closed_at"`
}

// measureRowsFor reads the facts of the complaints ids (nil: those with ids in
// [lo, hi)) and works out their rows.
func (db *DB) measureRowsFor(ctx context.Context, tx bun.IDB, ids []int64, lo, hi int64) ([]MeasureRow, error) {
	where := func(col string) string { return col + " >= ? AND " + col + " < ?" }
	args := []any{lo, hi}
	if ids != nil {
		where = func(col string) string { return col + " IN (?)" }
		args = []any{bun.In(ids)}
	}
	var src []measureSource
	if err := tx.NewSelect().TableExpr("complaints AS c").
		ColumnExpr("c.id, c.received_at, c.state, c.agency_id, c.agreement_id, g.model, c.unit, c.channel, c.language").
		ColumnExpr("c.priority, c.in_custody, c.detainer_issued, c.held_past_release, c.status, c.closed_at").
		Join("LEFT JOIN agreements AS g ON g.id = c.agreement_id").
		Where(where("c.id"), args...).OrderExpr("c.id").Scan(ctx, &src); err != nil {
		return nil, fmt.Errorf("measures: read complaints: %w", err)
	}
	if len(src) == 0 {
		return nil, nil
	}
	var clocks []clockRow
	if err := tx.NewSelect().Model(&clocks).Where(where("complaint_id"), args...).Scan(ctx); err != nil {
		return nil, fmt.Errorf("measures: read clocks: %w", err)
	}
	byComplaint := map[int64][]redress.Clock{}
	for _, c := range clocks {
		byComplaint[c.ComplaintID] = append(byComplaint[c.ComplaintID], c.clock())
	}
	var als []struct {
		ComplaintID int64  `bun:"complaint_id"`
		Category    string `bun:"category"`
		Finding     string `bun:"finding"`
	}
	if err := tx.NewSelect().Table("allegations").Column("complaint_id", "category", "finding").
		Where(where("complaint_id"), args...).Scan(ctx, &als); err != nil {
		return nil, fmt.Errorf("measures: read allegations: %w", err)
	}
	alleged := map[int64]map[redress.Category]string{}
	for _, a := range als {
		if alleged[a.ComplaintID] == nil {
			alleged[a.ComplaintID] = map[redress.Category]string{}
		}
		alleged[a.ComplaintID][redress.Category(a.Category)] = a.Finding
	}
	var refs []struct {
		ComplaintID int64      `bun:"complaint_id"`
		Recipient   string     `bun:"recipient"`
		SentAt      time.Time  `bun:"sent_at"`
		AnsweredAt  *time.Time `bun:"answered_at"`
	}
	if err := tx.NewSelect().Table("referrals").Column("complaint_id", "recipient", "sent_at", "answered_at").
		Where(where("complaint_id"), args...).Scan(ctx, &refs); err != nil {
		return nil, fmt.Errorf("measures: read referrals: %w", err)
	}
	referred := map[int64][]ReferralFact{}
	for _, r := range refs {
		rf := ReferralFact{Recipient: r.Recipient, Sent: r.SentAt}
		if r.AnsweredAt != nil {
			rf.Answered = *r.AnsweredAt
		}
		referred[r.ComplaintID] = append(referred[r.ComplaintID], rf)
	}
	loc := db.measureLoc()
	rows := make([]MeasureRow, len(src))
	for i, s := range src {
		f := MeasureFacts{ComplaintID: s.ID, ReceivedAt: s.ReceivedAt, State: s.State, AgencyID: derefID(s.AgencyID),
			AgreementID: derefID(s.AgreementID), Unit: s.Unit, Channel: s.Channel, Language: s.Language,
			Priority: s.Priority, InCustody: isTrue(s.InCustody), Detainer: isTrue(s.DetainerIssued),
			HPR: isTrue(s.HeldPastRelease), Status: s.Status, Clocks: byComplaint[s.ID],
			Allegations: alleged[s.ID], Referrals: referred[s.ID]}
		if s.Model != nil {
			f.Model = redress.Model(*s.Model)
		}
		if s.ClosedAt != nil {
			f.ClosedAt = *s.ClosedAt
		}
		rows[i] = MeasureRowOf(f, loc)
	}
	return rows, nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// refreshMeasures writes again the measure rows of the complaints ids, within tx.
func (db *DB) refreshMeasures(ctx context.Context, tx bun.IDB, ids []int64) error {
	rows, err := db.measureRowsFor(ctx, tx, ids, 0, 0)
	if err != nil {
		return err
	}
	return db.writeMeasureRows(ctx, tx, rows, "complaint_id IN (?)", bun.In(ids))
}

// writeMeasureRows replaces the rows matching where by rows.
func (db *DB) writeMeasureRows(ctx context.Context, tx bun.IDB, rows []MeasureRow, where string, args ...any) error {
	if _, err := tx.NewDelete().Table("complaint_measures").Where(where, args...).Exec(ctx); err != nil {
		return fmt.Errorf("measures: clear rows: %w", err)
	}
	for start := 0; start < len(rows); start += 500 {
		batch := rows[start:min(start+500, len(rows))]
		if _, err := tx.NewInsert().Model(&batch).Returning("NULL").Exec(ctx); err != nil {
			return fmt.Errorf("measures: write rows: %w", err)
		}
	}
	return nil
}

// measureIDs are the complaints a seed batch writes rows of.
func (b *SeedRows) measureIDs() []int64 {
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, c := range b.Complaints {
		add(c.ID)
	}
	for _, c := range b.Clocks {
		add(c.ComplaintID)
	}
	for _, s := range b.StatusChanges {
		add(s.ComplaintID)
	}
	return ids
}
