package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// OverdueClock is a running clock past its due time, with what a digest needs to name
// its complaint.
type OverdueClock struct {
	redress.Clock
	TrackingNumber string
	Unit           string
	AgencyID       int64
	AgreementID    int64
}

// OverdueClocks lists running (unmet, unpaused, not stopped by the case's end) clocks due before now, oldest first.
func (db *DB) OverdueClocks(ctx context.Context, now time.Time) ([]OverdueClock, error) {
	return db.overdueClocks(ctx, now, false, 0)
}

// overdueClocks is OverdueClocks, only those whose miss is not yet recorded when
// unlogged, at most limit of them when limit > 0.
func (db *DB) overdueClocks(ctx context.Context, now time.Time, unlogged bool, limit int) ([]OverdueClock, error) {
	var rows []struct {
		clockRow       `bun:",extend"`
		TrackingNumber string `bun:"tracking_number"`
		Unit           string `bun:"unit"`
		AgencyID       *int64 `bun:"agency_id"`
		AgreementID    *int64 `bun:"agreement_id"`
	}
	q := db.bun.NewSelect().TableExpr("complaint_clocks AS k").
		ColumnExpr("k.id, k.complaint_id, k.clock, k.started_at, k.due_at, k.met_at, k.paused_at, k.stopped_at, k.missed_logged").
		ColumnExpr("c.tracking_number, c.unit, c.agency_id, c.agreement_id").
		Join("JOIN complaints AS c ON c.id = k.complaint_id").
		Where("k.met_at IS NULL AND k.paused_at IS NULL AND k.stopped_at IS NULL AND k.due_at < ?", now.UTC()).
		OrderExpr("k.due_at, k.id")
	if unlogged {
		// Written as the index's own predicate, so SQLite too sees the index applies.
		q = q.Where("NOT k.missed_logged")
	}
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	err := q.Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]OverdueClock, len(rows))
	for i, r := range rows {
		out[i] = OverdueClock{Clock: r.clockRow.clock(), TrackingNumber: r.TrackingNumber, Unit: r.Unit,
			AgencyID: derefID(r.AgencyID), AgreementID: derefID(r.AgreementID)}
	}
	return out, nil
}

// missedBatch is how many missed clocks LogMissedClocks records a transaction.
const missedBatch = 500

// LogMissedClocks writes one audit event, by the system actor, for each overdue clock
// not yet recorded as missed, and marks it: a deadline miss enters the trail once,
// naming the complaint, agency and MOA. It reads only clocks not yet recorded (the
// index complaint_clocks_unlogged_due), missedBatch at a time, each batch its own
// transaction, so neither its memory nor a transaction grows with the number of
// missed deadlines.
func (db *DB) LogMissedClocks(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		batch, err := db.overdueClocks(ctx, now, true, missedBatch)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		k := 0
		err = db.inTx(ctx, func(tx bun.Tx, txNow time.Time) error {
			for _, o := range batch {
				res, err := tx.NewUpdate().Table("complaint_clocks").Set("missed_logged = ?", true).
					Where("id = ? AND missed_logged = ?", o.ID, false).Exec(ctx)
				if err != nil {
					return err
				}
				if m, _ := res.RowsAffected(); m == 0 {
					continue // already recorded, by another process
				}
				k++
				if err := insertAudit(ctx, tx, txNow, redress.AuditEvent{Actor: redress.ActorSystem, Action: redress.ActionDeadlineMissed,
					ComplaintID: o.ComplaintID, AgencyID: o.AgencyID, AgreementID: o.AgreementID,
					Details: map[string]any{"clock": o.Name, "due": o.DueAt.UTC().Format(time.RFC3339)}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += k
		// A batch another process recorded meanwhile (k == 0) leaves the rest to the next pass.
		if len(batch) < missedBatch || k == 0 {
			return n, nil
		}
	}
}
