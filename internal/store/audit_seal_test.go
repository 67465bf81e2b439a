package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// The triggers allow exactly one change to an event: sealing it, once, setting seq and
// a 32-byte hash and nothing else. Checkpoints cannot change at all.
func TestAuditSealTriggers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for range 2 {
			if err := db.RecordAudit(ctx, redress.AuditEvent{Actor: "public", Action: "test.event", ComplaintID: 4}); err != nil {
				t.Fatal(err)
			}
		}
		hash := bytes.Repeat([]byte{7}, 32)
		refused := func(stmt string, args ...any) {
			t.Helper()
			_, err := db.Bun().ExecContext(ctx, stmt, args...)
			if err == nil {
				t.Errorf("%s: succeeded, want refused", stmt)
			} else if msg := err.Error(); !strings.Contains(msg, "append-only") && !strings.Contains(msg, "inserted unsealed") {
				t.Errorf("%s: refused for another reason: %v", stmt, err)
			}
		}
		// Not sealing, or sealing badly, an unsealed row.
		refused("UPDATE audit_events SET actor = 'someone else' WHERE id = 1")
		refused("UPDATE audit_events SET seq = 1, hash = ?, actor = 'someone else' WHERE id = 1", hash)
		refused("UPDATE audit_events SET seq = 1, hash = ?, complaint_id = NULL WHERE id = 1", hash)
		refused("UPDATE audit_events SET seq = 1, hash = ? WHERE id = 1", hash[:31])
		refused("UPDATE audit_events SET seq = 1 WHERE id = 1")
		refused("UPDATE audit_events SET seq = 0, hash = ? WHERE id = 1", hash)
		refused("UPDATE audit_events SET hash = ? WHERE id = 1", hash)
		// Arriving sealed.
		refused("INSERT INTO audit_events (occurred_at, actor, action, seq, hash) VALUES (?, 'x', 'y', 9, ?)", time.Now(), hash)

		// The one allowed change.
		if _, err := db.Bun().ExecContext(ctx, "UPDATE audit_events SET seq = 1, hash = ? WHERE id = 1", hash); err != nil {
			t.Fatalf("sealing refused: %v", err)
		}
		// Nothing about a sealed row changes again, sealing included.
		refused("UPDATE audit_events SET seq = 2, hash = ? WHERE id = 1", hash)
		refused("UPDATE audit_events SET hash = ? WHERE id = 1", bytes.Repeat([]byte{8}, 32))
		refused("UPDATE audit_events SET seq = NULL, hash = NULL WHERE id = 1")
		refused("UPDATE audit_events SET details = '{}' WHERE id = 1")
		refused("DELETE FROM audit_events WHERE id = 1")
		refused("DELETE FROM audit_events WHERE id = 2")

		if _, err := db.Bun().ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, public_key, signature)
			VALUES (1, ?, ?, 'k', ?, ?)`, hash, time.Now(), hash, hash); err != nil {
			t.Fatal(err)
		}
		refused("UPDATE audit_checkpoints SET seq = 2")
		refused("DELETE FROM audit_checkpoints")
		if db.Dialect == store.PostgreSQL {
			refused("TRUNCATE audit_events")
			refused("TRUNCATE audit_checkpoints")
		}

		var seq int64
		var got []byte
		if err := db.Bun().QueryRowContext(ctx, "SELECT seq, hash FROM audit_events WHERE id = 1").Scan(&seq, &got); err != nil {
			t.Fatal(err)
		}
		if seq != 1 || !bytes.Equal(got, hash) {
			t.Fatalf("sealed row: seq %d hash %x", seq, got)
		}
		if n, err := db.CountUnsealedAudit(ctx); err != nil || n != 1 {
			t.Fatalf("unsealed %d %v", n, err)
		}
	})
}

// A sealing transaction excludes every other: on PostgreSQL a second one, from another
// pool (another process), is told at once that the trail is busy. (On SQLite the write
// lock does the same, and the second waits instead.)
func TestSealAuditExcludesOtherSealers(t *testing.T) {
	t.Run(store.PostgreSQL, func(t *testing.T) {
		ctx := context.Background()
		dsn := storetest.PostgresDSN(t)
		db1, db2 := storetest.Open(t, dsn), storetest.Open(t, dsn)
		err := db1.SealAudit(ctx, func(ctx context.Context, tx *store.AuditSealTx) error {
			return db2.SealAudit(ctx, func(context.Context, *store.AuditSealTx) error {
				t.Error("two sealing transactions at once")
				return nil
			})
		})
		if err != store.ErrSealerBusy {
			t.Fatalf("got %v, want ErrSealerBusy", err)
		}
		if err := db2.SealAudit(ctx, func(context.Context, *store.AuditSealTx) error { return nil }); err != nil {
			t.Fatalf("after the first ended: %v", err)
		}
	})
}
