package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
)

// InsertAuditForTest writes one event in its own transaction.
func (db *DB) InsertAuditForTest(ctx context.Context, ev redress.AuditEvent) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error { return insertAudit(ctx, tx, now, ev) })
}
