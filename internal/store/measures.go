package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// The oversight measures' queries (docs/measures.md): counts of small integers from
// complaint_measures, grouped by value, so the same SQL runs on both dialects and Go
// works exact medians and percentiles out of the value → count tables
// (internal/oversight). No query returns a row per complaint.

// Tally kinds: what a MeasureTally counts.
const (
	TallyStage       = "stage"        // Value: the stage (Stage…)
	TallyAckHours    = "ack_hours"    // Value: whole hours from receipt to acknowledgement
	TallyAckDays     = "ack_days"     // Value: business days, likewise
	TallyTriageHours = "triage_hours" // …
	TallyTriageDays  = "triage_days"
	TallyCloseHours  = "close_hours"
	TallyCloseDays   = "close_days"
	TallyOpenHour    = "open_hour" // Value: received time of an open case, in Unix hours
	TallyClock       = "clock"     // Label: the clock; Value: its outcome at AsOf (Outcome…, Running past due is Missed)
	TallyFinding     = "finding"   // Label: the category; Sub: the finding ("" while none)
	TallyReferral    = "referral"  // Label: the recipient; Value: whole hours to the answer, -1 unanswered
)

// MeasureTally is N complaints (allegations for findings, referrals for referrals) of
// one breakdown group with one value of one kind.
type MeasureTally struct {
	Group string
	Kind  string
	Label string
	Sub   string
	Value int64
	N     int64
}

// measureGroupColumn is the column a breakdown groups on, as text.
func measureGroupColumn(by string) (string, error) {
	switch by {
	case "":
		return "''", nil
	case redress.ByState:
		return "m.state", nil
	case redress.ByAgency:
		return "CAST(m.agency_id AS TEXT)", nil
	case redress.ByAgreement:
		return "CAST(m.agreement_id AS TEXT)", nil
	case redress.ByModel:
		return "m.model", nil
	case redress.ByUnit:
		return "m.unit", nil
	}
	return "", redress.Errorf(redress.EINVALID, "Unknown breakdown %q.", by)
}

// measureWhere is the filter's condition on complaint_measures AS m, without the
// period when period is false. ok is false when the filter can match nothing (no
// units in reach).
func measureWhere(f redress.MeasureFilter, period bool) (string, []any, bool) {
	var conds []string
	var args []any
	add := func(c string, a ...any) {
		conds = append(conds, c)
		args = append(args, a...)
	}
	if !f.AllUnits {
		if len(f.Units) == 0 {
			return "", nil, false
		}
		add("m.unit IN (?)", bun.In(f.Units))
	}
	if period && !f.From.IsZero() {
		add("m.received_at >= ?", f.From.UTC())
	}
	if period && !f.To.IsZero() {
		add("m.received_at < ?", f.To.UTC())
	}
	if f.State != "" {
		add("m.state = ?", strings.ToUpper(f.State))
	}
	if f.AgencyID != 0 {
		add("m.agency_id = ?", f.AgencyID)
	}
	if f.AgreementID != 0 {
		add("m.agreement_id = ?", f.AgreementID)
	}
	if f.Model != "" {
		add("m.model = ?", string(f.Model))
	}
	if f.Unit != "" {
		add("m.unit = ?", f.Unit)
	}
	if f.Channel != "" {
		add("m.channel = ?", f.Channel)
	}
	if f.Language != "" {
		add("m.language = ?", f.Language)
	}
	if f.Priority != "" {
		add("m.priority = ?", f.Priority)
	}
	switch f.Custody {
	case redress.CustodyInCustody:
		add("(m.custody & 1) <> 0")
	case redress.CustodyDetainer:
		add("(m.custody & 2) <> 0")
	case redress.CustodyHeldPastRelease:
		add("(m.custody & 4) <> 0")
	}
	if f.Category != "" {
		add("EXISTS (SELECT 1 FROM allegations AS fa WHERE fa.complaint_id = m.complaint_id AND fa.category = ?)", string(f.Category))
	}
	if f.Function != "" {
		add("EXISTS (SELECT 1 FROM complaint_functions AS ff WHERE ff.complaint_id = m.complaint_id AND ff.function = ?)", string(f.Function))
	}
	if len(conds) == 0 {
		return "1 = 1", nil, true
	}
	return strings.Join(conds, " AND "), args, true
}

// MeasureTallies counts the complaints f chooses, grouped by by ("" for none; one of
// redress.Breakdowns): every kind of MeasureTally. Clocks still running count as
// missed when their due time is before asOf.
func (db *DB) MeasureTallies(ctx context.Context, f redress.MeasureFilter, by string, asOf time.Time) ([]MeasureTally, error) {
	g, err := measureGroupColumn(by)
	if err != nil {
		return nil, err
	}
	where, args, ok := measureWhere(f, true)
	if !ok {
		return nil, nil
	}
	// One pass over the period's rows: each kind is a GROUP BY of one small column.
	var parts []string
	var all []any
	branch := func(kind, value string, valueArgs []any, cond string, condArgs ...any) {
		parts = append(parts, fmt.Sprintf("SELECT %s AS g, '%s' AS kind, '' AS label, %s AS v, COUNT(*) AS n FROM complaint_measures AS m WHERE %s%s GROUP BY 1, 4",
			g, kind, value, where, cond))
		all = append(all, valueArgs...)
		all = append(all, args...)
		all = append(all, condArgs...)
	}
	branch(TallyStage, "m.stage", nil, "")
	for _, d := range []struct{ kind, col string }{
		{TallyAckHours, "ack_hours"}, {TallyAckDays, "ack_days"}, {TallyTriageHours, "triage_hours"},
		{TallyTriageDays, "triage_days"}, {TallyCloseHours, "close_hours"}, {TallyCloseDays, "close_days"},
	} {
		branch(d.kind, "m."+d.col, nil, " AND m."+d.col+" IS NOT NULL")
	}
	branch(TallyOpenHour, "m.received_hour", nil, " AND m.stage <> ?", StageClosed)
	at := asOf.Unix()
	for _, k := range MeasureClocks {
		branch(TallyClock+":"+k,
			fmt.Sprintf("CASE WHEN m.k_%[1]s = %[2]d AND m.due_%[1]s < ? THEN %[3]d ELSE m.k_%[1]s END", k, OutcomeRunning, OutcomeMissed),
			[]any{at}, " AND m.k_"+k+" <> 0")
	}
	var out []MeasureTally
	rows, err := db.bun.QueryContext(ctx, strings.Join(parts, " UNION ALL "), all...)
	if err != nil {
		return nil, fmt.Errorf("measures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t MeasureTally
		if err := rows.Scan(&t.Group, &t.Kind, &t.Label, &t.Value, &t.N); err != nil {
			return nil, err
		}
		if name, ok := strings.CutPrefix(t.Kind, TallyClock+":"); ok {
			t.Kind, t.Label = TallyClock, name
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if out, err = db.findingTallies(ctx, out, g, where, args); err != nil {
		return nil, err
	}
	return db.referralTallies(ctx, out, g, where, args)
}

// findingTallies counts allegations by category and finding.
func (db *DB) findingTallies(ctx context.Context, out []MeasureTally, g, where string, args []any) ([]MeasureTally, error) {
	q := fmt.Sprintf("SELECT %s, a.category, a.finding, COUNT(*) FROM complaint_measures AS m "+
		"JOIN allegations AS a ON a.complaint_id = m.complaint_id WHERE %s GROUP BY 1, 2, 3", g, where)
	rows, err := db.bun.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("measures: findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t := MeasureTally{Kind: TallyFinding}
		if err := rows.Scan(&t.Group, &t.Label, &t.Sub, &t.N); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// referralTallies counts referrals by recipient and whole hours to the answer.
func (db *DB) referralTallies(ctx context.Context, out []MeasureTally, g, where string, args []any) ([]MeasureTally, error) {
	hours := "CAST(FLOOR(EXTRACT(EPOCH FROM (r.answered_at - r.sent_at)) / 3600) AS BIGINT)"
	if db.Dialect == SQLite {
		hours = "CAST((julianday(r.answered_at) - julianday(r.sent_at)) * 24 + 1e-9 AS INTEGER)"
	}
	q := fmt.Sprintf("SELECT %s, r.recipient, COALESCE(%s, -1), COUNT(*) FROM complaint_measures AS m "+
		"JOIN referrals AS r ON r.complaint_id = m.complaint_id WHERE %s GROUP BY 1, 2, 3", g, hours, where)
	rows, err := db.bun.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("measures: referrals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t := MeasureTally{Kind: TallyReferral}
		if err := rows.Scan(&t.Group, &t.Label, &t.Value, &t.N); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// MonthTally is one month's counts of a trend: complaints received in it, and those
// closed in it by whole hours to close.
type MonthTally struct {
	Month      int // 202607
	Received   int64
	CloseHours map[int64]int64
}

// MeasureMonths counts, per month of the office's zone, the complaints f chooses
// received in [f.From, f.To) and those closed then (whenever received).
func (db *DB) MeasureMonths(ctx context.Context, f redress.MeasureFilter) (map[int]*MonthTally, error) {
	out := map[int]*MonthTally{}
	month := func(m int) *MonthTally {
		if out[m] == nil {
			out[m] = &MonthTally{Month: m, CloseHours: map[int64]int64{}}
		}
		return out[m]
	}
	where, args, ok := measureWhere(f, true)
	if !ok {
		return out, nil
	}
	q := "SELECT m.received_month, COUNT(*) FROM complaint_measures AS m WHERE " + where + " GROUP BY 1"
	rows, err := db.bun.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	for rows.Next() {
		var m int
		var n int64
		if err := rows.Scan(&m, &n); err != nil {
			rows.Close()
			return nil, err
		}
		month(m).Received = n
	}
	rows.Close()
	where, args, _ = measureWhere(f, false)
	where += " AND m.stage = ? AND m.closed_at IS NOT NULL"
	args = append(args, StageClosed)
	if !f.From.IsZero() {
		where += " AND m.closed_at >= ?"
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		where += " AND m.closed_at < ?"
		args = append(args, f.To.UTC())
	}
	q = "SELECT m.closed_month, m.close_hours, COUNT(*) FROM complaint_measures AS m WHERE " + where + " GROUP BY 1, 2"
	rows, err = db.bun.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m int
		var h, n int64
		if err := rows.Scan(&m, &h, &n); err != nil {
			return nil, err
		}
		month(m).CloseHours[h] += n
	}
	return out, rows.Err()
}

// MeasureLabels names the keys of a breakdown's groups: an agency's name, an
// agreement's "Agency — MODEL" (ids as text). Other breakdowns have no names here.
func (db *DB) MeasureLabels(ctx context.Context, by string, keys []string) (map[string]string, error) {
	out := map[string]string{}
	var ids []int64
	for _, k := range keys {
		var id int64
		if _, err := fmt.Sscan(k, &id); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || (by != redress.ByAgency && by != redress.ByAgreement) {
		return out, nil
	}
	var rows []struct {
		ID    int64  `bun:"id"`
		Name  string `bun:"name"`
		Model string `bun:"model"`
	}
	q := db.bun.NewSelect()
	if by == redress.ByAgency {
		q = q.TableExpr("agencies AS a").ColumnExpr("a.id, a.name, '' AS model").Where("a.id IN (?)", bun.In(ids))
	} else {
		q = q.TableExpr("agreements AS g").Join("JOIN agencies AS a ON a.id = g.agency_id").
			ColumnExpr("g.id, a.name, g.model").Where("g.id IN (?)", bun.In(ids))
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("measures: names: %w", err)
	}
	for _, r := range rows {
		label := r.Name
		if r.Model != "" {
			label += " — " + r.Model
		}
		out[fmt.Sprint(r.ID)] = label
	}
	return out, nil
}
