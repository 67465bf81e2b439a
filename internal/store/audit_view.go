package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// Reading the audit trail for the oversight pages and API: events with their place in
// the chain, filtered and paged.

// auditEntryRow is a row of audit_events with its complaint's tracking number joined.
type auditEntryRow struct {
	auditRow
	TrackingNumber *string `bun:"tracking_number"`
}

// SearchAudit returns one page of the events f selects (f.Limit of them, after
// f.Offset) and how many it selects, counted up to one past redress.CountCap of the
// page: a number above the cap means only "more than the cap".
//
// With f.After or f.Before the page is found by event id (keyset paging), and f.Offset
// only says how many events come before the page, for the count.
func (db *DB) SearchAudit(ctx context.Context, f redress.AuditFilter) ([]redress.AuditEntry, int, error) {
	if f.Scoped && len(f.Units) == 0 {
		return nil, 0, nil
	}
	countCap := redress.CountCap(f.Offset, f.Limit)
	count := func(from *redress.ListKey, inclusive bool, offset int) (int, error) {
		q := auditKeyed(db.auditWhere(f, db.bun.NewSelect().TableExpr("audit_events AS a")), f, from, inclusive, false)
		n, err := db.countUpTo(ctx, q, countCap-offset)
		return n + offset, err
	}
	if f.Before != nil {
		entries, err := db.listAudit(ctx, f)
		if err == nil && len(entries) < f.Limit {
			// Fewer events than a page before the key: this is the first page.
			f.Before, f.Offset = nil, 0
			entries, err = db.listAudit(ctx, f)
		}
		if err != nil || len(entries) == 0 {
			return entries, 0, err
		}
		total, err := count(&redress.ListKey{ID: entries[0].ID}, true, f.Offset)
		return entries, total, err
	}
	offset := 0
	if f.After != nil {
		offset = f.Offset
	}
	total, err := count(f.After, false, offset)
	if err != nil {
		return nil, 0, err
	}
	entries, err := db.listAudit(ctx, f)
	return entries, total, err
}

// auditKeyed adds the condition of keyset paging from key in f's order: the events
// after it (before it with back), its own too with inclusive.
func auditKeyed(q *bun.SelectQuery, f redress.AuditFilter, key *redress.ListKey, inclusive, back bool) *bun.SelectQuery {
	if key == nil {
		return q
	}
	cmp := ">"
	if f.NewestFirst != back {
		cmp = "<"
	}
	if inclusive {
		cmp += "="
	}
	return q.Where("a.id "+cmp+" ?", key.ID)
}

func (db *DB) listAudit(ctx context.Context, f redress.AuditFilter) ([]redress.AuditEntry, error) {
	if f.Scoped && len(f.Units) == 0 {
		return nil, nil
	}
	var rows []auditEntryRow
	key, back := f.After, false
	if f.Before != nil {
		key, back = f.Before, true
	}
	q := auditKeyed(db.auditWhere(f, db.bun.NewSelect().TableExpr("audit_events AS a").
		ColumnExpr("a.id, a.occurred_at, a.actor, a.actor_role, a.action, a.complaint_id, a.agency_id, a.agreement_id").
		ColumnExpr("a.request_id, a.details, a.seq, a.hash, c.tracking_number").
		Join("LEFT JOIN complaints AS c ON c.id = a.complaint_id")), f, key, false, back)
	if f.NewestFirst != back {
		q.OrderExpr("a.id DESC")
	} else {
		q.OrderExpr("a.id")
	}
	if f.Limit > 0 {
		q.Limit(int64(f.Limit))
		if key == nil {
			q.Offset(int64(f.Offset))
		}
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, err
	}
	if back {
		slices.Reverse(rows)
	}
	out := make([]redress.AuditEntry, len(rows))
	for i, r := range rows {
		e := redress.AuditEntry{AuditEvent: redress.AuditEvent{
			ID: r.ID, OccurredAt: r.OccurredAt, Actor: r.Actor, ActorRole: r.ActorRole,
			Action: r.Action, ComplaintID: derefID(r.ComplaintID), AgencyID: derefID(r.AgencyID),
			AgreementID: derefID(r.AgreementID), RequestID: r.RequestID,
		}, Seq: derefID(r.Seq), Hash: r.Hash}
		if r.TrackingNumber != nil {
			e.TrackingNumber = *r.TrackingNumber
		}
		if err := json.Unmarshal([]byte(r.Details), &e.Details); err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// auditWhere adds f's conditions to a query of audit_events AS a.
func (db *DB) auditWhere(f redress.AuditFilter, q *bun.SelectQuery) *bun.SelectQuery {
	for _, c := range []struct {
		col string
		id  int64
	}{{"a.complaint_id", f.ComplaintID}, {"a.agreement_id", f.AgreementID}, {"a.agency_id", f.AgencyID}} {
		if c.id != 0 {
			q.Where("? = ?", bun.Safe(c.col), c.id)
		}
	}
	if f.UptoID != 0 {
		q.Where("a.id <= ?", f.UptoID)
	}
	if f.Actor != "" {
		q.Where("a.actor = ?", f.Actor)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "*"); ok {
		if prefix != "" {
			db.wherePrefix(q, "a.action", prefix)
		}
	} else if f.Action != "" {
		q.Where("a.action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q.Where("a.occurred_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q.Where("a.occurred_at < ?", f.To.UTC())
	}
	if f.Scoped {
		// The unit a complaint is in now: its history moves with it, as the case does.
		q.Where("a.complaint_id IN (?)", db.bun.NewSelect().TableExpr("complaints").Column("id").
			Where("unit IN (?)", bun.In(f.Units)))
	}
	return q
}

// wherePrefix keeps rows whose col begins with prefix, as a range of the column's
// values (col >= "complaint." AND col < "complaint/"), which an index on col serves
// where substr() or LIKE could not. The range is one of byte order: SQLite's BINARY
// collation, and PostgreSQL databases whose collation is C (db.byteOrder). Under
// another collation (en_US ignores punctuation at first) the range could miss rows, so
// there the comparison is made in the C collation, unindexed but right.
func (db *DB) wherePrefix(q *bun.SelectQuery, col, prefix string) {
	end := prefixEnd(prefix)
	if db.Dialect == PostgreSQL && !db.byteOrder {
		q.Where("? COLLATE \"C\" >= ? AND ? COLLATE \"C\" < ?", bun.Safe(col), prefix, bun.Safe(col), end)
		return
	}
	q.Where("? >= ? AND ? < ?", bun.Safe(col), prefix, bun.Safe(col), end)
}

// prefixEnd is the least string above every string that begins with prefix, in byte
// order: prefix with its last byte raised by one ("complaint." → "complaint/"). The
// prefix is an action's start (redress.AuditFilter.Validate: ASCII letters, digits,
// "_" and "."), so its last byte is never 0xFF.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	b[len(b)-1]++
	return string(b)
}

// ComplaintAgreements lists the agreements named by complaints of the units in f, by
// agency: the choices of the oversight pages' agreement filter, as of at most a minute
// ago (choices.go).
func (db *DB) ComplaintAgreements(ctx context.Context, f redress.ComplaintFilter) ([]redress.AgreementChoice, error) {
	if !f.AllUnits && len(f.Units) == 0 {
		return nil, nil
	}
	e, err := db.cachedChoices(ctx, choicesKey("agreements", f), func(ctx context.Context) (choicesEntry, error) {
		// One probe of the complaints_agreement_unit index for each agreement of the registry.
		named := db.bun.NewSelect().TableExpr("complaints AS c").ColumnExpr("1").Where("c.agreement_id = g.id")
		if !f.AllUnits {
			named.Where("c.unit IN (?)", bun.In(f.Units))
		}
		var out []redress.AgreementChoice
		err := db.bun.NewSelect().TableExpr("agreements AS g").Join("JOIN agencies AS a ON a.id = g.agency_id").
			ColumnExpr("g.id, g.model, a.name AS agency_name, a.state").
			Where("EXISTS (?)", named).OrderExpr("a.name, a.state, g.model, g.id").Scan(ctx, &out)
		return choicesEntry{agreements: out}, err
	})
	return e.agreements, err
}
