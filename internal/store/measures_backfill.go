package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Filling and checking the oversight measures' summary (measures_rows.go).

// measureBackfillBatch is how many complaints one backfill transaction works out.
const measureBackfillBatch = 5000

// backfillMeasures fills the rows of complaints stored before migration 150 (or
// written while it ran), a batch per transaction from where the last run stopped;
// the marker row goes when done. Returns how many complaints it worked out.
func (db *DB) backfillMeasures(ctx context.Context) (int, error) {
	n := 0
	for {
		var next int64
		err := db.bun.NewSelect().Table("complaint_measures_backfill").Column("next_id").Limit(1).Scan(ctx, &next)
		if err == sql.ErrNoRows {
			return n, nil
		} else if err != nil {
			return n, fmt.Errorf("measures backfill: %w", err)
		}
		var last int64
		if err := db.bun.NewSelect().Table("complaints").ColumnExpr("COALESCE(MAX(id), 0)").Scan(ctx, &last); err != nil {
			return n, err
		}
		if next > last {
			_, err := db.bun.NewDelete().Table("complaint_measures_backfill").Where("1 = 1").Exec(ctx)
			return n, err
		}
		hi := next + measureBackfillBatch
		err = db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
			rows, err := db.measureRowsFor(ctx, tx, nil, next, hi)
			if err != nil {
				return err
			}
			if err := db.writeMeasureRows(ctx, tx, rows, "complaint_id >= ? AND complaint_id < ?", next, hi); err != nil {
				return err
			}
			n += len(rows)
			_, err = tx.NewUpdate().Table("complaint_measures_backfill").Set("next_id = ?", hi).Where("1 = 1").Exec(ctx)
			return err
		})
		if err != nil {
			return n, err
		}
	}
}

// MeasureRowsStale compares every complaint's measure row with one worked out afresh
// from the complaint and its clocks, and returns the ids of those that differ or are
// missing (tests: a write path that forgot the measures shows here).
func (db *DB) MeasureRowsStale(ctx context.Context) ([]int64, error) {
	want, err := db.measureRowsFor(ctx, db.bun, nil, 1, 1<<62)
	if err != nil {
		return nil, err
	}
	var have []MeasureRow
	if err := db.bun.NewSelect().Model(&have).Order("complaint_id").Scan(ctx); err != nil {
		return nil, err
	}
	got := map[int64]MeasureRow{}
	for _, r := range have {
		got[r.ComplaintID] = r
	}
	var stale []int64
	for _, w := range want {
		g, ok := got[w.ComplaintID]
		if !ok || fmt.Sprint(normRow(g)) != fmt.Sprint(normRow(w)) {
			stale = append(stale, w.ComplaintID)
		}
		delete(got, w.ComplaintID)
	}
	for id := range got {
		stale = append(stale, id)
	}
	return stale, nil
}

// normRow prints a row so that two equal rows print alike (times in UTC, pointers
// followed).
func normRow(r MeasureRow) []any {
	p := func(v *int) any {
		if v == nil {
			return nil
		}
		return *v
	}
	q := func(v *int64) any {
		if v == nil {
			return nil
		}
		return *v
	}
	var closed any
	if r.ClosedAt != nil {
		closed = r.ClosedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	return []any{r.ComplaintID, r.ReceivedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), r.ReceivedMonth,
		r.ReceivedHour, r.State, r.AgencyID, r.AgreementID, r.Model, r.Unit, r.Channel, r.Language, r.Priority, r.Custody,
		r.Stage, closed, p(r.ClosedMonth), p(r.AckHours), p(r.AckDays), p(r.TriageHours), p(r.TriageDays), p(r.CloseHours),
		p(r.CloseDays), r.KAcknowledge, q(r.DueAcknowledge), r.KTriage, q(r.DueTriage), r.KNotifyICE, q(r.DueNotifyICE),
		r.KResolve, q(r.DueResolve), r.KResolveTFM, q(r.DueResolveTFM), r.KReportResults, q(r.DueReportResults)}
}
