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
// number of them counted up to one past redress.CountCap of the page: a number above
// the cap means only "more than the cap".
//
// With f.After or f.Before the page is found by key (keyset paging: a deep page costs
// what the first does), and f.Offset only says how many rows come before the page, for
// the count; without them f.Offset rows are skipped.
func (db *DB) SearchComplaints(ctx context.Context, f redress.SearchFilter) ([]redress.QueueRow, int, error) {
	if !f.AllUnits && len(f.Units) == 0 {
		return nil, 0, nil
	}
	if f.ByDeadline && (f.After != nil || f.Before != nil) {
		return nil, 0, redress.Errorf(redress.EINVALID, "A deadline-ordered queue pages by number, not by key.")
	}
	now := db.Now().UTC()
	limit := f.Limit
	if limit <= 0 || limit > redress.MaxSearchLimit {
		limit = redress.DefaultSearchLimit
	}
	offset := max(f.Offset, 0)
	countCap := redress.CountCap(offset, limit)
	// page reads one page; many says the count passed its cap, so the words (if any)
	// match many complaints and walking the received_at index should fill the page
	// soon (searchPage's walk), before the full-text index and a sort are tried.
	page := func(offset int, key *redress.ListKey, back, many bool) ([]searchRow, error) {
		if many && !f.ByDeadline && (len(SearchWords(f.Text)) > 0 || len(SearchWords(f.Officer)) > 0) {
			rows, err := db.searchPage(ctx, f, now, limit, offset, key, false, back, true)
			if err != nil || len(rows) == limit {
				return rows, err
			}
		}
		return db.searchPage(ctx, f, now, limit, offset, key, false, back, false)
	}
	var rows []searchRow
	var err error
	total := 0
	switch {
	case f.Before != nil:
		// The page just before the key: read backwards from it, then count from the
		// page's first row on. Fewer rows than a page before it: this is the first page.
		if rows, err = page(0, f.Before, true, true); err == nil && len(rows) < limit {
			rows, err = page(0, nil, false, true)
			offset = 0
		}
		if err == nil && len(rows) > 0 {
			from := &redress.ListKey{Time: rows[0].ReceivedAt, ID: rows[0].ID}
			total, err = db.countUpTo(ctx, db.keyed(db.searchQuery(f, now), f, from, true, false), countCap-offset)
			total += offset
		}
	case f.After != nil:
		if total, err = db.countUpTo(ctx, db.keyed(db.searchQuery(f, now), f, f.After, false, false), countCap-offset); err == nil {
			total += offset
			rows, err = page(0, f.After, false, total > countCap)
		}
	default:
		if total, err = db.countUpTo(ctx, db.searchQuery(f, now), countCap); err == nil {
			rows, err = page(offset, nil, false, total > countCap)
		}
	}
	if err != nil {
		return nil, 0, err
	}
	out := make([]redress.QueueRow, len(rows))
	for i, r := range rows {
		out[i] = r.queueRow(now)
	}
	if err := db.rowCategories(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// walkBudget is how many complaints a text search's walk of the received_at index
// reads past the page's start before it gives up for the full-text index: a word in
// one complaint of 40 or more fills a page of 50 within it.
var walkBudget = 2000

// keyed adds to q the condition of keyset paging from key in f's order: the rows after
// it (before it with back), the key's own row too with inclusive. The first conjunct
// alone is a range of the received_at index, in either dialect.
func (db *DB) keyed(q *bun.SelectQuery, f redress.SearchFilter, key *redress.ListKey, inclusive, back bool) *bun.SelectQuery {
	if key == nil {
		return q
	}
	up := f.NewestFirst == back // later rows come next
	cmp, strict, tie := ">=", ">", ">"
	if !up {
		cmp, strict, tie = "<=", "<", "<"
	}
	if inclusive {
		tie += "="
	}
	return q.Where("c.received_at "+cmp+" ? AND (c.received_at "+strict+" ? OR c.id "+tie+" ?)", key.Time, key.Time, key.ID)
}

// searchPage reads limit rows of the complaints passing f, in f's order, after offset
// rows or from key (keyed); back reads the rows before key instead, returned in f's
// order too.
func (db *DB) searchPage(ctx context.Context, f redress.SearchFilter, now time.Time, limit, offset int, key *redress.ListKey, inclusive, back, walk bool) ([]searchRow, error) {
	received := "c.received_at"
	from := db.keyed(db.searchQuery(f, now), f, key, inclusive, back)
	if (len(SearchWords(f.Text)) > 0 || len(SearchWords(f.Officer)) > 0) && !f.ByDeadline {
		if walk {
			// A word many complaints hold: walk the received_at index, reading at most
			// walkBudget complaints past the page's start, and keep those the words
			// match. The caller tries again through the full-text index when that
			// does not fill the page.
			plain := f
			plain.Text, plain.Officer = "", ""
			dir := ""
			if f.NewestFirst != back {
				dir = " DESC"
			}
			inner := db.keyed(db.searchQuery(plain, now), f, key, inclusive, back).ColumnExpr("c.*").
				OrderExpr("c.received_at" + dir + ", c.id" + dir).Limit(int64(offset + walkBudget))
			from = db.bun.NewSelect().TableExpr("(?) AS c", inner)
			// On SQLite the words' matches are read once from FTS5 into a list the walk
			// probes: 0.17 s for a word in 130,000 complaints of a million, where
			// sorting those matches took 1.4 s (and probing FTS5 row by row 17 s).
			db.whereTexts(from, f)
		} else if db.Dialect == PostgreSQL {
			// A text search finds its complaints through the full-text index and sorts
			// them: ordering by an expression keeps the planner from walking the
			// received_at index instead, which for a rare word reads nearly every
			// complaint (docs/performance.md).
			received = "(c.received_at + interval '0 s')"
		}
	}
	dir := "" // read forwards in the order asked for, backwards from a key
	if f.NewestFirst != back {
		dir = " DESC"
	}
	order := received + dir + ", c.id" + dir
	if f.ByDeadline {
		// Both dialects sort false before true: complaints with no running clock last.
		order = "(" + nextDue + ") IS NULL, (" + nextDue + "), c.received_at, c.id"
	}
	var rows []searchRow
	// The row's deadline is worded by the same rule as the filter: a running clock due
	// by its own DueSoonBy makes the complaint due soon.
	soon, soonArgs := dueSoonCond(f, now)
	err := from.
		ColumnExpr("c.id, c.tracking_number, c.received_at, c.state, c.agency_id, c.agreement_id, c.status, c.unit, c.language").
		ColumnExpr("COALESCE(a.name, '') AS agency_name, c.agency_other").
		ColumnExpr("c.priority, c.assignee_id, COALESCE(u.name, '') AS assignee_name").
		ColumnExpr("c.in_custody, c.detainer_issued, c.held_past_release").
		ColumnExpr("("+nextDue+") AS next_due_at").
		ColumnExpr("c.complainant_activity_at IS NOT NULL AS unread").
		ColumnExpr(runningClock+"k.due_at >= ? AND "+soon+") AS due_soon", append([]any{now}, soonArgs...)...).
		ColumnExpr("c.status_changed_at").
		ColumnExpr("(SELECT MAX(n.created_at) FROM notes AS n WHERE n.complaint_id = c.id) AS last_note").
		ColumnExpr("(SELECT MAX(m.created_at) FROM messages AS m WHERE m.complaint_id = c.id) AS last_message").
		ColumnExpr("(SELECT MAX(e.created_at) FROM evidence AS e WHERE e.complaint_id = c.id) AS last_evidence").
		Join("LEFT JOIN agencies AS a ON a.id = c.agency_id").
		Join("LEFT JOIN users AS u ON u.id = c.assignee_id").
		OrderExpr(order).Limit(int64(limit)).Offset(int64(offset)).
		Scan(ctx, &rows)
	if back {
		slices.Reverse(rows)
	}
	return rows, err
}

// searchRow is one complaint as the search reads it.
type searchRow struct {
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
	StatusChangedAt time.Time
	LastNote        bun.NullTime
	LastMessage     bun.NullTime
	LastEvidence    bun.NullTime
	Unread          bool
}

// queueRow is the row as the queue shows it at now.
func (r searchRow) queueRow(now time.Time) redress.QueueRow {
	return redress.QueueRow{
		ComplaintSummary: redress.ComplaintSummary{ID: r.ID, TrackingNumber: r.TrackingNumber, ReceivedAt: r.ReceivedAt,
			State: r.State, AgencyID: derefID(r.AgencyID), AgencyName: r.AgencyName, AgreementID: derefID(r.AgreementID),
			Status: r.Status, Unit: r.Unit, Language: r.Language},
		AgencyOther: r.AgencyOther, Priority: r.Priority, AssigneeID: derefID(r.AssigneeID), AssigneeName: r.AssigneeName,
		Custody:   redress.Custody{InCustody: r.InCustody, DetainerIssued: r.DetainerIssued, HeldPastRelease: r.HeldPastRelease},
		NextDueAt: r.NextDueAt.Time, Deadline: redress.DeadlineState(r.NextDueAt.Time, now, r.DueSoon),
		LastActivityAt: latest(r.ReceivedAt, r.StatusChangedAt, r.LastNote.Time, r.LastMessage.Time, r.LastEvidence.Time),
		Unread:         r.Unread,
	}
}

// nextDue is a complaint c's next deadline: the soonest due time of its running clocks
// (NULL when none runs).
const nextDue = "SELECT MIN(k.due_at) FROM complaint_clocks AS k WHERE k.complaint_id = c.id AND k.met_at IS NULL AND k.paused_at IS NULL AND k.stopped_at IS NULL"

// latest is the latest of times (zero ones ignored), in UTC.
func latest(times ...time.Time) time.Time {
	var out time.Time
	for _, t := range times {
		if t.After(out) {
			out = t
		}
	}
	return out.UTC()
}

// rowCategories fills in the allegation categories of one page of rows, in one query.
func (db *DB) rowCategories(ctx context.Context, rows []redress.QueueRow) error {
	if len(rows) == 0 {
		return nil
	}
	at := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		at[r.ID], ids[i] = i, r.ID
	}
	var found []struct {
		ComplaintID int64
		Category    string
	}
	if err := db.bun.NewSelect().TableExpr("allegations AS al").ColumnExpr("al.complaint_id, al.category").
		Where("al.complaint_id IN (?)", bun.In(ids)).OrderExpr("al.complaint_id, al.id").Scan(ctx, &found); err != nil {
		return err
	}
	for _, f := range found {
		r := &rows[at[f.ComplaintID]]
		if c := redress.Category(f.Category); !slices.Contains(r.Categories, c) {
			r.Categories = append(r.Categories, c)
		}
	}
	return nil
}

// CountSearch counts the complaints that pass every filter of f, up to one past
// redress.CountBound: the desk's counts, each the number its queue link shows. The
// units of f always apply.
func (db *DB) CountSearch(ctx context.Context, f redress.SearchFilter) (int, error) {
	if !f.AllUnits && len(f.Units) == 0 {
		return 0, nil
	}
	return db.countUpTo(ctx, db.searchQuery(f, db.Now().UTC()), redress.CountBound)
}

// countUpTo counts the rows q selects, but no further than one past upto: the count of
// a long list costs no more than that of a short one.
func (db *DB) countUpTo(ctx context.Context, q *bun.SelectQuery, upto int) (int, error) {
	var n int
	err := db.bun.NewSelect().TableExpr("(?) AS x", q.ColumnExpr("1").Limit(int64(upto)+1)).
		ColumnExpr("count(*)").Scan(ctx, &n)
	return n, err
}

// searchQuery is the complaints passing f, without columns, order or page, so the same
// conditions serve the count and the page.
func (db *DB) searchQuery(f redress.SearchFilter, now time.Time) *bun.SelectQuery {
	return db.searchWhere(db.bun.NewSelect().TableExpr("complaints AS c"), f, now)
}

// searchWhere adds f's conditions to q, a query of complaints AS c.
func (db *DB) searchWhere(q *bun.SelectQuery, f redress.SearchFilter, now time.Time) *bun.SelectQuery {
	if !f.AllUnits {
		q.Where("c.unit IN (?)", bun.In(f.Units))
	}
	if f.Tracking != "" {
		// A number that cannot be one matches nothing rather than everything.
		q.Where("c.tracking_number = ?", redress.NormalizeTrackingNumber(f.Tracking))
	}
	db.whereTexts(q, f)
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
// paused, not stopped by the case's end), as k; the caller closes it.
const runningClock = "EXISTS (SELECT 1 FROM complaint_clocks AS k WHERE k.complaint_id = c.id AND k.met_at IS NULL AND k.paused_at IS NULL AND k.stopped_at IS NULL AND "

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

// whereTexts adds f's text conditions (Text, Officer) to q.
func (db *DB) whereTexts(q *bun.SelectQuery, f redress.SearchFilter) {
	if words := SearchWords(f.Text); len(words) > 0 {
		db.whereText(q, words, false)
	}
	if words := SearchWords(f.Officer); len(words) > 0 {
		db.whereText(q, words, true)
	}
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
// the choices of the queue's agency filter, as of at most a minute ago (choices.go).
func (db *DB) ComplaintAgencies(ctx context.Context, f redress.ComplaintFilter) ([]redress.AgencyChoice, error) {
	if !f.AllUnits && len(f.Units) == 0 {
		return nil, nil
	}
	e, err := db.cachedChoices(ctx, choicesKey("agencies", f), func(ctx context.Context) (choicesEntry, error) {
		// One probe of the complaints_agency_unit index for each agency of the registry,
		// rather than a scan of every complaint.
		named := db.bun.NewSelect().TableExpr("complaints AS c").ColumnExpr("1").Where("c.agency_id = a.id")
		if !f.AllUnits {
			named.Where("c.unit IN (?)", bun.In(f.Units))
		}
		var out []redress.AgencyChoice
		err := db.bun.NewSelect().TableExpr("agencies AS a").ColumnExpr("a.id, a.name, a.state").
			Where("EXISTS (?)", named).OrderExpr("a.name, a.state, a.id").Scan(ctx, &out)
		return choicesEntry{agencies: out}, err
	})
	return e.agencies, err
}
