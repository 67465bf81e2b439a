package store

import (
	"context"
	"database/sql"
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
	TallyFinding     = "finding"   // Label: the category; Sub: the finding ("" while none); N allegations
	TallyReferral    = "referral"  // Label: the recipient; Value: whole hours from the first referral there to its answer, -1 unanswered
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
	cols := tallyColumns(asOf)
	var out []MeasureTally
	var err2 error
	if db.Dialect == PostgreSQL {
		out, err2 = db.groupingSetTallies(ctx, cols, g, where, args)
	} else {
		out, err2 = db.unionTallies(ctx, cols, g, where, args)
	}
	if err2 != nil {
		return nil, fmt.Errorf("measures: %w", err2)
	}
	return out, nil
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

// tallyColumn is one kind of tally: the value counted, NULL where the complaint has
// none (0 for a clock that does not apply).
type tallyColumn struct {
	kind, label string
	expr        string
	args        []any
}

func tallyColumns(asOf time.Time) []tallyColumn {
	cols := []tallyColumn{{kind: TallyStage, expr: "m.stage"}}
	for _, d := range []struct{ kind, col string }{
		{TallyAckHours, "ack_hours"}, {TallyAckDays, "ack_days"}, {TallyTriageHours, "triage_hours"},
		{TallyTriageDays, "triage_days"}, {TallyCloseHours, "close_hours"}, {TallyCloseDays, "close_days"},
	} {
		cols = append(cols, tallyColumn{kind: d.kind, expr: "m." + d.col})
	}
	cols = append(cols, tallyColumn{kind: TallyOpenHour, expr: fmt.Sprintf("CASE WHEN m.stage <> %d THEN m.received_hour END", StageClosed)})
	at := asOf.Unix()
	for _, k := range MeasureClocks {
		cols = append(cols, tallyColumn{kind: TallyClock, label: k, args: []any{at},
			expr: fmt.Sprintf("CASE WHEN m.k_%[1]s = %[2]d AND m.due_%[1]s < ? THEN %[3]d ELSE m.k_%[1]s END", k, OutcomeRunning, OutcomeMissed)})
	}
	for _, c := range redress.Categories {
		cols = append(cols, tallyColumn{kind: TallyFinding, label: string(c), expr: "m.f_" + string(c)})
	}
	for _, r := range MeasureRecipients {
		cols = append(cols, tallyColumn{kind: TallyReferral, label: r, expr: "m.r_" + r})
	}
	return cols
}

// MeasureRecipients are the referral recipients complaint_measures keeps (casework's
// ReferralRecipients; a test keeps the two alike).
var MeasureRecipients = []string{"agency_ia", "ice_opr", "dhs_oig", "dhs_crcl", "state_ag", "other"}

// tally is a counted value as a MeasureTally: a finding's code becomes its name.
func (c tallyColumn) tally(group string, v, n int64) MeasureTally {
	t := MeasureTally{Group: group, Kind: c.kind, Label: c.label, Value: v, N: n}
	if c.kind == TallyFinding {
		t.Value, t.Sub = 0, FindingOfCode(v)
	}
	return t
}

// keep says whether a counted value is a tally: NULL is no value, and a clock's 0 is a
// clock that does not apply.
func (c tallyColumn) keep(v sql.NullInt64) bool {
	return v.Valid && !((c.kind == TallyClock || c.kind == TallyFinding) && v.Int64 == 0)
}

// unionTallies counts each kind with a GROUP BY of its own (SQLite).
func (db *DB) unionTallies(ctx context.Context, cols []tallyColumn, g, where string, args []any) ([]MeasureTally, error) {
	parts := make([]string, len(cols))
	var all []any
	for i, c := range cols {
		parts[i] = fmt.Sprintf("SELECT %s AS g, %d AS k, %s AS v, COUNT(*) AS n FROM complaint_measures AS m WHERE %s GROUP BY 1, 3", g, i, c.expr, where)
		all = append(append(all, c.args...), args...)
	}
	rows, err := db.bun.QueryContext(ctx, strings.Join(parts, " UNION ALL "), all...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MeasureTally
	for rows.Next() {
		var group string
		var k int
		var v sql.NullInt64
		var n int64
		if err := rows.Scan(&group, &k, &v, &n); err != nil {
			return nil, err
		}
		if c := cols[k]; c.keep(v) {
			out = append(out, c.tally(group, v.Int64, n))
		}
	}
	return out, rows.Err()
}

// groupingSetTallies counts every kind in one pass over the period's rows (PostgreSQL's
// GROUPING SETS, each set hashed in memory): the same tallies as unionTallies, read
// once instead of once per kind. work_mem is raised for the statement so the hash
// tables need no disk and no sort: a few megabytes for a quarter at a million
// complaints, about 15 MB broken down by agency.
func (db *DB) groupingSetTallies(ctx context.Context, cols []tallyColumn, g, where string, args []any) ([]MeasureTally, error) {
	names := make([]string, len(cols))
	exprs := make([]string, len(cols))
	sets := make([]string, len(cols))
	var all []any
	for i, c := range cols {
		names[i] = fmt.Sprintf("c%d", i)
		exprs[i] = c.expr + " AS " + names[i]
		sets[i] = "(g, " + names[i] + ")"
		all = append(all, c.args...)
	}
	all = append(all, args...)
	// GROUPING takes at most 31 columns: one mask per chunk of 30.
	var masks []string
	for i := 0; i < len(names); i += 30 {
		masks = append(masks, "GROUPING("+strings.Join(names[i:min(i+30, len(names))], ", ")+")")
	}
	q := fmt.Sprintf("SELECT g, %[6]s, %[1]s, COUNT(*) FROM (SELECT %[2]s AS g, %[3]s FROM complaint_measures AS m WHERE %[4]s) AS s GROUP BY GROUPING SETS (%[5]s)",
		strings.Join(names, ", "), g, strings.Join(exprs, ", "), where, strings.Join(sets, ", "), strings.Join(masks, ", "))
	tx, err := db.bun.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// JIT compiling the many aggregates costs more (about 100 ms) than it saves here.
	if _, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off"); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, q, all...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MeasureTally
	vals := make([]sql.NullInt64, len(cols))
	dest := make([]any, 0, len(cols)+len(masks)+2)
	var group string
	var n int64
	mask := make([]int64, len(masks))
	dest = append(dest, &group)
	for i := range mask {
		dest = append(dest, &mask[i])
	}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	dest = append(dest, &n)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		// GROUPING's bit for column i (the highest of its chunk for the chunk's first)
		// is 0 in its own set only.
		for i, c := range cols {
			chunk := min(30, len(cols)-i/30*30)
			if mask[i/30]&(1<<(chunk-1-i%30)) == 0 {
				if c.keep(vals[i]) {
					out = append(out, c.tally(group, vals[i].Int64, n))
				}
				break
			}
		}
	}
	return out, rows.Err()
}
