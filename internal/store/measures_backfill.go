package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
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
			if _, err := db.bun.NewDelete().Table("complaint_measures_backfill").Where("1 = 1").Exec(ctx); err != nil {
				return n, err
			}
			if n > 0 && db.Dialect == PostgreSQL {
				// Statistics for the planner, and the visibility map that lets the trend's
				// covering index answer alone; autovacuum keeps both up from here.
				if _, err := db.bun.ExecContext(ctx, "VACUUM (ANALYZE) complaint_measures"); err != nil {
					return n, fmt.Errorf("measures backfill: vacuum: %w", err)
				}
			}
			return n, nil
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
		if !ok || normRow(g) != normRow(w) {
			stale = append(stale, w.ComplaintID)
		}
		delete(got, w.ComplaintID)
	}
	for id := range got {
		stale = append(stale, id)
	}
	return stale, nil
}

// normRow prints a row so that two equal rows print alike (times in UTC to the
// microsecond, pointers followed).
func normRow(r MeasureRow) string {
	v := reflect.ValueOf(r)
	var b strings.Builder
	for i := range v.NumField() {
		f := v.Field(i)
		if v.Type().Field(i).Name == "BaseModel" {
			continue
		}
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				b.WriteString("nil;")
				continue
			}
			f = f.Elem()
		}
		if t, ok := f.Interface().(time.Time); ok {
			b.WriteString(t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) + ";")
			continue
		}
		fmt.Fprintf(&b, "%v;", f.Interface())
	}
	return b.String()
}
