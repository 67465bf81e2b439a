package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// readyProbeBytes is the room Ready asks for: more than the largest complaint takes,
// so "ready" means a complaint can be stored, not merely that one row can be rewritten.
const readyProbeBytes = 64 << 10

// Ready tells whether the database takes a write now, for /readyz: a ping answers even
// while SQLite is locked by another writer or its disk is full. It commits the heartbeat
// row (a held lock, a lost connection or a disk that refuses the log fail it) and, in the
// same transaction, inserts a probe row of readyProbeBytes and rolls it back to a
// savepoint: SQLite reports a full disk only when the file must grow, and a row rewritten
// in place never needs that. The table keeps one row; nothing is audited.
func (db *DB) Ready(ctx context.Context) error {
	return db.inTx(ctx, func(tx bun.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO readiness (id, checked_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`, now); err != nil {
			return err
		}
		probe := "INSERT INTO readiness (id, checked_at, probe) VALUES (2, ?, zeroblob(?))"
		if db.Dialect == PostgreSQL {
			probe = "INSERT INTO readiness (id, checked_at, probe) VALUES (2, ?, decode(repeat('00', ?), 'hex'))"
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT readiness_probe"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, probe, now, readyProbeBytes); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT readiness_probe")
		return err
	})
}
