package store

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"
	"golang.org/x/text/unicode/norm"

	"github.com/redress-oversight/redress/internal/redress"
)

// Finding cases: the staff queue and its search. Every filter is optional; the units
// of the embedded ComplaintFilter always apply, so a search never reaches a complaint
// of a unit the caller may not read, however well it matches.

// MaxSearchWords bounds the words of one text search; further words are ignored.
const MaxSearchWords = 12

// SearchComplaints returns one page of the complaints that pass every filter, with the
// number of all of them.
func (db *DB) SearchComplaints(ctx context.Context, f redress.SearchFilter) ([]redress.QueueRow, int, error) {
	if !f.AllUnits && len(f.Units) == 0 {
		return nil, 0, nil
	}
	now := db.Now().UTC()
	total, err := db.searchQuery(f, now).Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > redress.MaxSearchLimit {
		limit = redress.DefaultSearchLimit
	}
	order := "c.received_at, c.id"
	switch {
	case f.ByDeadline:
		order = "CASE WHEN " + nextDue + " IS NULL THEN 1 ELSE 0 END, " + nextDue + ", c.id"
	case f.NewestFirst:
		order = "c.received_at DESC, c.id DESC"
	}
	var rows []struct {
		ID              int64
		TrackingNumber  string
		ReceivedAt      time.Time
		State           string
		AgencyID        *int64
		AgreementID     *int64
		Status          string
		Unit            string
		Language        string
		AgencyName      string
		AgencyOther     string
		Priority        string
		AssigneeID      *int64
		AssigneeName    string
		InCustody       *bool
		DetainerIssued  *bool
		HeldPastRelease *bool
		NextDueAt       bun.NullTime
		DueSoon         bool
		Unread          bool
	}
	// The row's deadline is worded by the same rule as the filter: a running clock due
	// by its own DueSoonBy makes the complaint due soon.
	soon, soonArgs := dueSoonCond(f, now)
	err = db.searchQuery(f, now).
		ColumnExpr("c.id, c.tracking_number, c.received_at, c.state, c.agency_id, c.agreement_id, c.status, c.unit, c.language").
		ColumnExpr("COALESCE(a.name, '') AS agency_name, c.agency_other").
		ColumnExpr("c.priority, c.assignee_id, COALESCE(u.name, '') AS assignee_name").
		ColumnExpr("c.in_custody, c.detainer_issued, c.held_past_release").
		ColumnExpr(nextDue+" AS next_due_at").
		ColumnExpr("c.complainant_activity_at IS NOT NULL AS unread").
		ColumnExpr(runningClock+"k.due_at >= ? AND "+soon+") AS due_soon", append([]any{now}, soonArgs...)...).
		Join("LEFT JOIN agencies AS a ON a.id = c.agency_id").
		Join("LEFT JOIN users AS u ON u.id = c.assignee_id").
		OrderExpr(order).Limit(int64(limit)).Offset(int64(max(f.Offset, 0))).
		Scan(ctx, &rows)
	if err != nil {
		return nil, 0, err
	}
	out := make([]redress.QueueRow, len(rows))
	for i, r := range rows {
		out[i] = redress.QueueRow{
			ComplaintSummary: redress.ComplaintSummary{ID: r.ID, TrackingNumber: r.TrackingNumber, ReceivedAt: r.ReceivedAt,
				State: r.State, AgencyID: derefID(r.AgencyID), AgencyName: r.AgencyName, AgreementID: derefID(r.AgreementID),
				Status: r.Status, Unit: r.Unit, Language: r.Language},
			AgencyOther: r.AgencyOther, Priority: r.Priority, AssigneeID: derefID(r.AssigneeID), AssigneeName: r.AssigneeName,
			Custody:   redress.Custody{InCustody: r.InCustody, DetainerIssued: r.DetainerIssued, HeldPastRelease: r.HeldPastRelease},
			NextDueAt: r.NextDueAt.Time, Deadline: redress.DeadlineState(r.NextDueAt.Time, now, r.DueSoon), Unread: r.Unread,
		}
	}
	return out, int(total), nil
}

// nextDue is a complaint's soonest running deadline (NULL: none runs).
const nextDue = "(SELECT MIN(k.due_at) FROM complaint_clocks AS k WHERE k.complaint_id = c.id AND k.met_at IS NULL AND k.paused_at IS NULL)"

// CountSearch counts the complaints that pass every filter of f: the desk's counts,
// each the number its queue link shows. The units of f always apply.
func (db *DB) CountSearch(ctx context.Context, f redress.SearchFilter) (int, error) {
	if !f.AllUnits && len(f.Units) == 0 {
		return 0, nil
	}
	n, err := db.searchQuery(f, db.Now().UTC()).Count(ctx)
	return int(n), err
}

// searchQuery is the complaints passing f, without columns, order or page, so the same
// conditions serve the count and the page.
func (db *DB) searchQuery(f redress.SearchFilter, now time.Time) *bun.SelectQuery {
	q := db.bun.NewSelect().TableExpr("complaints AS c")
	if !f.AllUnits {
		q.Where("c.unit IN (?)", bun.In(f.Units))
	}
	if f.Tracking != "" {
		// A number that cannot be one matches nothing rather than everything.
		q.Where("c.tracking_number = ?", redress.NormalizeTrackingNumber(f.Tracking))
	}
	if words := SearchWords(f.Text); len(words) > 0 {
		db.whereText(q, words, false)
	}
	if words := SearchWords(f.Officer); len(words) > 0 {
		db.whereText(q, words, true)
	}
	if f.AgencyID != 0 {
		q.Where("c.agency_id = ?", f.AgencyID)
	}
	if f.Model == redress.NoAgreement {
		q.Where("c.agreement_id IS NULL")
	} else if f.Model != "" {
		q.Where("c.agreement_id IN (SELECT g.id FROM agreements AS g WHERE g.model = ?)", string(f.Model))
	}
	if f.Category != "" {
		q.Where("EXISTS (SELECT 1 FROM allegations AS al WHERE al.complaint_id = c.id AND al.category = ?)", string(f.Category))
	}
	if f.Function != "" {
		q.Where("EXISTS (SELECT 1 FROM complaint_functions AS fn WHERE fn.complaint_id = c.id AND fn.function = ?)", string(f.Function))
	}
	if col, ok := custodyColumns[f.Custody]; ok {
		// Written as the partial indexes' conditions are (see the migration), so
		// either dialect can use them.
		q.Where("c." + col)
	}
	if f.Status != "" {
		q.Where("c.status = ?", f.Status)
	}
	if f.AssigneeID != 0 {
		q.Where("c.assignee_id = ?", f.AssigneeID)
	}
	if f.Unassigned {
		q.Where("c.assignee_id IS NULL")
	}
	if f.Unit != "" {
		q.Where("c.unit = ?", f.Unit)
	}
	if !f.ReceivedFrom.IsZero() {
		q.Where("c.received_at >= ?", f.ReceivedFrom.Time())
	}
	if !f.ReceivedTo.IsZero() {
		q.Where("c.received_at < ?", f.ReceivedTo.Time().AddDate(0, 0, 1))
	}
	if f.Open {
		q.Where("c.status NOT IN (?)", bun.In([]string{redress.StatusClosed, redress.StatusWithdrawn}))
	}
	if f.Unread {
		// Written as the partial index's condition is (see the migration).
		q.Where("c.complainant_activity_at IS NOT NULL")
	}
	if f.NoUnit {
		q.Where("c.unit = ''")
	}
	if f.AwaitingApprovalBy != 0 {
		q.Where("c.status = ? AND (c.proposed_by IS NULL OR c.proposed_by <> ?)", redress.StatusFindingsProposed, f.AwaitingApprovalBy)
	}
	if f.Overdue || f.DueSoon {
		whereDue(q, f, now)
	}
	return q
}

// runningClock starts a condition on a complaint's running clocks (not met, not
// paused), as k; the caller closes it.
const runningClock = "EXISTS (SELECT 1 FROM complaint_clocks AS k WHERE k.complaint_id = c.id AND k.met_at IS NULL AND k.paused_at IS NULL AND "

// whereDue keeps complaints with a running clock past due (Overdue), due soon (DueSoon:
// by each clock's own DueSoonBy), or either.
func whereDue(q *bun.SelectQuery, f redress.SearchFilter, now time.Time) {
	if !f.DueSoon {
		q.Where(runningClock+"k.due_at < ?)", now)
		return
	}
	soon, args := dueSoonCond(f, now)
	if f.Overdue {
		q.Where(runningClock+soon+")", args...)
		return
	}
	q.Where(runningClock+"k.due_at >= ? AND "+soon+")", append([]any{now}, args...)...)
}

// dueSoonCond is the condition on a clock k that it is due by its DueSoonBy (a clock f
// does not name: within DueSoonWindow).
func dueSoonCond(f redress.SearchFilter, now time.Time) (string, []any) {
	soon, args := "(", []any{}
	named := slices.Sorted(maps.Keys(f.DueSoonBy)) // one text for one set of clocks
	for _, name := range named {
		soon += "(k.clock = ? AND k.due_at <= ?) OR "
		args = append(args, name, f.DueSoonBy[name])
	}
	if len(named) == 0 {
		return soon + "k.due_at <= ?)", append(args, now.Add(redress.DueSoonWindow))
	}
	return soon + "(k.clock NOT IN (?) AND k.due_at <= ?))", append(args, bun.In(named), now.Add(redress.DueSoonWindow))
}

// custodyColumns is the complaints column of each custody fact the queue filters by.
var custodyColumns = map[string]string{
	redress.CustodyInCustody:       "in_custody",
	redress.CustodyDetainer:        "detainer_issued",
	redress.CustodyHeldPastRelease: "held_past_release",
}

// whereText adds a full-text condition: every word begins a word of the narrative or
// the officers field (of the officers field alone when officersOnly). Words hold only
// letters and digits, so they are safe inside either dialect's query syntax.
func (db *DB) whereText(q *bun.SelectQuery, words []string, officersOnly bool) {
	parts := make([]string, len(words))
	if db.Dialect == PostgreSQL {
		// Officers are weighted B in complaints.search (see the migration).
		for i, w := range words {
			parts[i] = w + ":*"
			if officersOnly {
				parts[i] += "B"
			}
		}
		q.Where("c.search @@ to_tsquery('simple', search_fold(?))", strings.Join(parts, " & "))
		return
	}
	for i, w := range words {
		parts[i] = `"` + w + `"*`
		if officersOnly {
			parts[i] = "officers : " + parts[i]
		}
	}
	q.Where("c.id IN (SELECT rowid FROM complaints_fts WHERE complaints_fts MATCH ?)", strings.Join(parts, " AND "))
}

// SearchWords splits what someone typed into the words a text search looks for: runs
// of letters and digits, lower-cased, at most MaxSearchWords of them.
func SearchWords(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(norm.NFC.String(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > MaxSearchWords {
		words = words[:MaxSearchWords]
	}
	return words
}

// ComplaintAgencies lists the agencies named by complaints of the units in f, by name:
// the choices of the queue's agency filter.
func (db *DB) ComplaintAgencies(ctx context.Context, f redress.ComplaintFilter) ([]redress.AgencyChoice, error) {
	if !f.AllUnits && len(f.Units) == 0 {
		return nil, nil
	}
	sub := db.bun.NewSelect().TableExpr("complaints AS c").ColumnExpr("c.agency_id").Where("c.agency_id IS NOT NULL")
	if !f.AllUnits {
		sub.Where("c.unit IN (?)", bun.In(f.Units))
	}
	var out []redress.AgencyChoice
	err := db.bun.NewSelect().TableExpr("agencies AS a").ColumnExpr("a.id, a.name, a.state").
		Where("a.id IN (?)", sub).OrderExpr("a.name, a.state, a.id").Scan(ctx, &out)
	return out, err
}
