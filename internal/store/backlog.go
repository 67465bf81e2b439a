package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
)

// Backlog reads what waits for the mail worker and the sealer. Each count and oldest
// time reads a partial index that holds only waiting rows (outbox_due, outbox_failed,
// audit_events_unsealed), so its cost follows the backlog, never the size of the
// database: a million complaints' sent mail and sealed events are not read.
func (db *DB) Backlog(ctx context.Context) (redress.Backlog, error) {
	var b redress.Backlog
	var err error
	if b.MailQueued, err = db.count(ctx, "outbox", "status = 'queued'"); err != nil {
		return b, err
	}
	if b.MailFailed, err = db.count(ctx, "outbox", "status = 'failed'"); err != nil {
		return b, err
	}
	if b.Unsealed, err = db.count(ctx, "audit_events", "seq IS NULL"); err != nil {
		return b, err
	}
	if b.MailQueued > 0 {
		if b.MailOldest, err = db.oldest(ctx, "outbox", "created_at", "status = 'queued'", "created_at"); err != nil {
			return b, err
		}
	}
	if b.Unsealed > 0 {
		// The sealer takes events by id, so the lowest id is the one it waits on.
		if b.UnsealedOldest, err = db.oldest(ctx, "audit_events", "occurred_at", "seq IS NULL", "id"); err != nil {
			return b, err
		}
	}
	return b, nil
}

func (db *DB) count(ctx context.Context, table, where string) (int64, error) {
	n, err := db.bun.NewSelect().Table(table).Where(where).Count(ctx)
	return int64(n), err
}

func (db *DB) oldest(ctx context.Context, table, column, where, order string) (time.Time, error) {
	var t time.Time
	err := db.bun.NewSelect().Table(table).Column(column).Where(where).OrderExpr(order).Limit(1).Scan(ctx, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil // sent or sealed since the count
	}
	return t, err
}

// PoolStats reports the database connections of this process: open, in use, idle, and
// how often and how long requests waited for one.
func (db *DB) PoolStats() sql.DBStats { return db.bun.DB.Stats() }
