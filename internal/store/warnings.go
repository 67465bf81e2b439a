package store

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// The early warning's reads and its settings (issue 15, point 6). Every read is bounded
// by a time window over an index, or by a partial index holding only the few cases it
// is about; figures in docs/performance.md, "Early warning". The units a caller may
// read narrow each one (allUnits false and no units: nothing).

type warningSettingRow struct {
	bun.BaseModel `bun:"table:warning_settings"`
	Name          string `bun:"name,pk"`
	Value         int    `bun:"value"`
}

// WarningSettings gives the thresholds in force: each stored value, else its default.
func (db *DB) WarningSettings(ctx context.Context) (redress.WarningSettings, error) {
	return warningSettings(ctx, db.bun)
}

func warningSettings(ctx context.Context, q bun.IDB) (redress.WarningSettings, error) {
	var rows []warningSettingRow
	if err := q.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	out := redress.DefaultWarningSettings()
	for _, r := range rows {
		if _, ok := out[r.Name]; ok {
			out[r.Name] = r.Value
		}
	}
	return out, nil
}

// SaveWarningSettings stores the thresholds that changed, with one audit event holding
// each changed one's old and new value. Saving what is in force writes nothing.
func (db *DB) SaveWarningSettings(ctx context.Context, next redress.WarningSettings, audit redress.AuditEvent) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		old, err := warningSettings(ctx, tx)
		if err != nil {
			return err
		}
		was, is := map[string]int{}, map[string]int{}
		for _, name := range slices.Sorted(maps.Keys(next)) {
			if v, ok := old[name]; !ok || v == next[name] {
				continue // unknown names are the caller's mistake; ParseWarningSettings has none
			}
			row := warningSettingRow{Name: name, Value: next[name]}
			if _, err := tx.NewInsert().Model(&row).On("CONFLICT (name) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx); err != nil {
				return err
			}
			was[name], is[name] = old[name], next[name]
		}
		if len(is) == 0 {
			return nil
		}
		audit.Details = map[string]any{"old": was, "new": is}
		return insertAudit(ctx, tx, now, audit)
	})
}

// officerKeyRow is one officer key of one complaint (redress.OfficerKeys).
type officerKeyRow struct {
	bun.BaseModel `bun:"table:officer_keys"`
	ComplaintID   int64     `bun:"complaint_id,pk"`
	Key           string    `bun:"officer_key,pk"`
	Tracking      string    `bun:"tracking_number"`
	AgencyID      *int64    `bun:"agency_id"`
	Unit          string    `bun:"unit"`
	ReceivedAt    time.Time `bun:"received_at"`
}

// officerKeyRows gives the key rows of one complaint.
func officerKeyRows(id int64, tracking string, agencyID *int64, unit string, receivedAt time.Time, officers string) []officerKeyRow {
	var rows []officerKeyRow
	for _, k := range redress.OfficerKeys(officers) {
		rows = append(rows, officerKeyRow{ComplaintID: id, Key: k, Tracking: tracking, AgencyID: agencyID, Unit: unit, ReceivedAt: receivedAt})
	}
	return rows
}

// insertOfficerKeys writes key rows; a key already there (a fill racing a filing) is
// left as it is.
func insertOfficerKeys(ctx context.Context, tx bun.IDB, rows []officerKeyRow) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.NewInsert().Model(&rows).On("CONFLICT DO NOTHING").Exec(ctx)
	return err
}

// fillOfficerKeysBatch is how many complaints one step of the fill reads.
const fillOfficerKeysBatch = 5000

// fillOfficerKeys gives keys to the complaints filed before the keys were written with
// each filing (the migration that added them found a full table), a batch a
// transaction, remembering how far it got; run after every migration, it then reads
// only the complaints filed since it last ran.
func (db *DB) fillOfficerKeys(ctx context.Context) error {
	for {
		var upto int64
		if err := db.bun.NewSelect().Table("officer_keys_filled").Column("upto").Where("id = 1").Scan(ctx, &upto); err != nil {
			return err
		}
		var rows []struct {
			ID         int64     `bun:"id"`
			Tracking   string    `bun:"tracking_number"`
			AgencyID   *int64    `bun:"agency_id"`
			Unit       string    `bun:"unit"`
			ReceivedAt time.Time `bun:"received_at"`
			Officers   string    `bun:"officers"`
		}
		if err := db.bun.NewSelect().Table("complaints").Column("id", "tracking_number", "agency_id", "unit", "received_at", "officers").
			Where("id > ?", upto).Order("id").Limit(fillOfficerKeysBatch).Scan(ctx, &rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		var keys []officerKeyRow
		for _, r := range rows {
			keys = append(keys, officerKeyRows(r.ID, r.Tracking, r.AgencyID, r.Unit, r.ReceivedAt, r.Officers)...)
		}
		err := db.inTx(ctx, func(tx bun.Tx, _ time.Time) error {
			for i := 0; i < len(keys); i += 500 {
				if err := insertOfficerKeys(ctx, tx, keys[i:min(i+500, len(keys))]); err != nil {
					return err
				}
			}
			_, err := tx.NewUpdate().Table("officer_keys_filled").Set("upto = ?", rows[len(rows)-1].ID).Where("id = 1").Exec(ctx)
			return err
		})
		if err != nil {
			return err
		}
	}
}

// OfficerGroups finds the officer keys named in at least min complaints of one agency
// received since since, most complaints first, at most limit groups, each with its
// complaints (newest first). Complaints with no registry agency are not grouped.
func (db *DB) OfficerGroups(ctx context.Context, allUnits bool, units []string, since time.Time, min, limit int) ([]redress.OfficerGroup, error) {
	units, err := db.scopeUnits(ctx, allUnits, units)
	if err != nil || len(units) == 0 {
		return nil, err
	}
	var groups []redress.OfficerGroup
	q := db.bun.NewSelect().TableExpr("officer_keys AS k").
		ColumnExpr("k.agency_id, k.officer_key AS key, COUNT(*) AS count").
		Where("k.unit IN (?)", bun.In(units)).Where("k.received_at >= ?", since).Where("k.agency_id IS NOT NULL")
	q.GroupExpr("k.agency_id, k.officer_key").
		Having("COUNT(*) >= ?", min).OrderExpr("count DESC, k.agency_id, k.officer_key").Limit(int64(limit))
	if err := q.Scan(ctx, &groups); err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, nil
	}
	// The flagged groups' complaints in one read: every key row of their agencies and
	// keys in the window (a few more than needed, sorted out here), newest first.
	agencies, keys := map[int64]bool{}, map[string]bool{}
	at := map[string]int{}
	for i, g := range groups {
		agencies[g.AgencyID], keys[g.Key] = true, true
		at[strconv.FormatInt(g.AgencyID, 10)+" "+g.Key] = i
	}
	var rows []struct {
		redress.WarningCase
		Key string `bun:"officer_key"`
	}
	err = db.bun.NewSelect().TableExpr("officer_keys AS k").
		ColumnExpr("k.complaint_id AS id, k.tracking_number, k.received_at, k.agency_id, k.unit, k.officer_key").
		Where("k.unit IN (?)", bun.In(units)).Where("k.received_at >= ?", since).
		Where("k.agency_id IN (?)", bun.In(slices.Sorted(maps.Keys(agencies)))).
		Where("k.officer_key IN (?)", bun.In(slices.Sorted(maps.Keys(keys)))).
		OrderExpr("k.received_at DESC, k.complaint_id DESC").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if i, ok := at[strconv.FormatInt(r.AgencyID, 10)+" "+r.Key]; ok {
			groups[i].Cases = append(groups[i].Cases, r.WarningCase)
		}
	}
	return groups, nil
}

// AgencyWindows counts, per agency, the complaints received in [pastFrom, recentFrom)
// and [recentFrom, until), and the allegations decided and sustained on the complaints
// closed in each (complaints.decided_allegations and sustained_allegations); only
// agencies with at least minRecent complaints or minDecided decided allegations in the
// recent window come back. Both reads are index-only range scans, a range per unit.
func (db *DB) AgencyWindows(ctx context.Context, allUnits bool, units []string, pastFrom, recentFrom, until time.Time, minRecent, minDecided int) ([]redress.AgencyWindows, error) {
	units, err := db.scopeUnits(ctx, allUnits, units)
	if err != nil || len(units) == 0 {
		return nil, err
	}
	var received []redress.AgencyWindows
	recent := "SUM(CASE WHEN c.received_at >= ? THEN 1 ELSE 0 END)"
	err = db.bun.NewSelect().TableExpr("complaints AS c").
		ColumnExpr("c.agency_id, "+recent+" AS recent, SUM(CASE WHEN c.received_at < ? THEN 1 ELSE 0 END) AS past", recentFrom, recentFrom).
		Where("c.unit IN (?)", bun.In(units)).Where("c.received_at >= ? AND c.received_at < ?", pastFrom, until).
		Where("c.agency_id IS NOT NULL").GroupExpr("c.agency_id").Having(recent+" >= ?", recentFrom, minRecent).Scan(ctx, &received)
	if err != nil {
		return nil, err
	}
	var decided []redress.AgencyWindows
	recentDecided := "SUM(CASE WHEN c.closed_at >= ? THEN c.decided_allegations ELSE 0 END)"
	err = db.bun.NewSelect().TableExpr("complaints AS c").
		ColumnExpr("c.agency_id, "+recentDecided+" AS recent_decided, "+
			"SUM(CASE WHEN c.closed_at >= ? THEN c.sustained_allegations ELSE 0 END) AS recent_sustained, "+
			"SUM(CASE WHEN c.closed_at < ? THEN c.decided_allegations ELSE 0 END) AS past_decided, "+
			"SUM(CASE WHEN c.closed_at < ? THEN c.sustained_allegations ELSE 0 END) AS past_sustained",
			recentFrom, recentFrom, recentFrom, recentFrom).
		Where("c.unit IN (?)", bun.In(units)).
		// Written as the partial index complaints_unit_closed_findings is.
		Where("c.closed_at IS NOT NULL AND c.decided_allegations > 0").
		Where("c.closed_at >= ? AND c.closed_at < ?", pastFrom, until).Where("c.agency_id IS NOT NULL").
		GroupExpr("c.agency_id").Having(recentDecided+" >= ?", recentFrom, minDecided).Scan(ctx, &decided)
	if err != nil {
		return nil, err
	}
	at := map[int64]int{}
	for i, r := range received {
		at[r.AgencyID] = i
	}
	for _, d := range decided {
		i, ok := at[d.AgencyID]
		if !ok {
			i = len(received)
			received = append(received, redress.AgencyWindows{AgencyID: d.AgencyID})
		}
		w := &received[i]
		w.RecentDecided, w.RecentSustained, w.PastDecided, w.PastSustained = d.RecentDecided, d.RecentSustained, d.PastDecided, d.PastSustained
	}
	slices.SortFunc(received, func(a, b redress.AgencyWindows) int { return cmp.Compare(a.AgencyID, b.AgencyID) })
	return received, nil
}

// scopeUnits names the units a read covers: those given, or for every unit, each unit
// and "" (no unit yet), so an index led by the unit reads one range per unit either way.
// A complaint's unit is always one of these: units are never deleted, and routing and
// triage place complaints only in units that exist.
func (db *DB) scopeUnits(ctx context.Context, allUnits bool, units []string) ([]string, error) {
	if !allUnits {
		return units, nil
	}
	var all []string
	if err := db.bun.NewSelect().Table("units").Column("name").Order("name").Scan(ctx, &all); err != nil {
		return nil, err
	}
	return append(all, ""), nil
}

// findingSustained is workflow.Sustained, the finding the sustained rate counts (the
// store sits below workflow's callers and names the stored word itself).
const findingSustained = "sustained"

// HeldPastReleaseOpen lists the open complaints that say the person was held past
// release and were received at or before before, oldest first, at most limit, and counts them.
func (db *DB) HeldPastReleaseOpen(ctx context.Context, allUnits bool, units []string, before time.Time, limit int) ([]redress.WarningCase, int, error) {
	return db.warningCases(ctx, allUnits, units, limit, func(q *bun.SelectQuery) {
		// Written as the partial index complaints_held_open is.
		q.Where("c.held_past_release").Where("c.received_at <= ?", before).
			Where("c.status NOT IN (?)", bun.In([]string{redress.StatusClosed, redress.StatusWithdrawn}))
	})
}

// UrgentUnassigned lists the open urgent complaints nobody is assigned to, received
// at or before before, oldest first, at most limit, and counts them.
func (db *DB) UrgentUnassigned(ctx context.Context, allUnits bool, units []string, before time.Time, limit int) ([]redress.WarningCase, int, error) {
	return db.warningCases(ctx, allUnits, units, limit, func(q *bun.SelectQuery) {
		// Written as the partial index complaints_urgent_unassigned is.
		q.Where("c.priority = 'urgent' AND c.assignee_id IS NULL").Where("c.received_at <= ?", before).
			Where("c.status NOT IN (?)", bun.In([]string{redress.StatusClosed, redress.StatusWithdrawn}))
	})
}

func (db *DB) warningCases(ctx context.Context, allUnits bool, units []string, limit int, where func(*bun.SelectQuery)) ([]redress.WarningCase, int, error) {
	units, err := db.scopeUnits(ctx, allUnits, units)
	if err != nil || len(units) == 0 {
		return nil, 0, err
	}
	q := db.bun.NewSelect().TableExpr("complaints AS c").Where("c.unit IN (?)", bun.In(units))
	where(q)
	n, err := q.Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []redress.WarningCase
	q = db.bun.NewSelect().TableExpr("complaints AS c").
		ColumnExpr("c.id, c.tracking_number, c.received_at, COALESCE(c.agency_id, 0) AS agency_id, c.unit").
		Where("c.unit IN (?)", bun.In(units))
	where(q)
	if err := q.OrderExpr("c.received_at, c.id").Limit(int64(limit)).Scan(ctx, &out); err != nil {
		return nil, 0, err
	}
	return out, int(n), nil
}

// keepOfficerKeys writes a new complaint's officer keys; it reports a failure by
// setting *err and answering true (written so CreateComplaint stays one screen).
func (db *DB) keepOfficerKeys(ctx context.Context, tx bun.IDB, now time.Time, c redress.Complaint, err *error) bool {
	*err = insertOfficerKeys(ctx, tx, officerKeyRows(c.ID, c.TrackingNumber, nullID(c.AgencyID), c.Unit, now, c.Officers))
	return *err != nil
}

// countFindings sets each generated complaint's counts of decided and sustained
// allegations from the batch's allegations: the seed writes findings as it inserts
// them, where the application only updates them (the allegations_findings trigger
// counts those).
func countFindings(b *SeedRows) {
	at := make(map[int64]int, len(b.Complaints))
	for i, c := range b.Complaints {
		at[c.ID] = i
	}
	for _, a := range b.Allegations {
		i, ok := at[a.ComplaintID]
		if !ok || a.Finding == "" {
			continue
		}
		b.Complaints[i].DecidedAllegations++
		if a.Finding == findingSustained {
			b.Complaints[i].SustainedAllegations++
		}
	}
}
