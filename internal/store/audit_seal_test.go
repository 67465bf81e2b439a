package store_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
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

// ScanUnsealed streams a batch: by id, after afterID, up to limit, skipping sealed
// events, and an error from fn stops it and comes back as it is.
func TestScanUnsealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 6 {
			if err := db.RecordAudit(ctx, redress.AuditEvent{Actor: "public", Action: "test.event", ComplaintID: int64(i + 1)}); err != nil {
				t.Fatal(err)
			}
		}
		var ids []int64
		if err := db.Bun().NewSelect().Table("audit_events").Column("id").OrderExpr("id").Scan(ctx, &ids); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Bun().ExecContext(ctx, "UPDATE audit_events SET seq = 1, hash = ? WHERE id = ?", bytes.Repeat([]byte{7}, 32), ids[1]); err != nil {
			t.Fatal(err)
		}
		scan := func(afterID int64, limit int, stopAt int64) ([]int64, error) {
			var got []int64
			err := db.SealAudit(ctx, func(ctx context.Context, tx *store.AuditSealTx) error {
				return tx.ScanUnsealed(ctx, afterID, limit, func(r *redress.AuditRecord) error {
					got = append(got, r.ID)
					if r.ID == stopAt {
						return errStopScan
					}
					return nil
				})
			})
			return got, err
		}
		got, err := scan(ids[0], 3, 0)
		if err != nil || !slices.Equal(got, []int64{ids[2], ids[3], ids[4]}) {
			t.Fatalf("after the first, 3: %v %v, want %v", got, err, ids[2:5])
		}
		got, err = scan(0, 10, ids[3])
		if err != errStopScan || !slices.Equal(got, []int64{ids[0], ids[2], ids[3]}) {
			t.Fatalf("stopped at %d: %v %v", ids[3], got, err)
		}
	})
}

var errStopScan = errors.New("stop")

// The raw scan reads each event's time exactly, to the microsecond, before and after
// 2000 (PostgreSQL's binary times count from it) and in any zone it was written in.
func TestScanSealedAuditTimes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		times := []time.Time{
			time.Date(2026, 12, 3, 11, 50, 20, 123456000, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC),
			time.Date(1600, 3, 1, 12, 0, 0, 5000, time.UTC),
			time.Date(2025, 7, 1, 9, 0, 0, 0, time.FixedZone("EDT", -4*3600)),
		}
		for i, at := range times {
			if _, err := db.Bun().ExecContext(ctx, "INSERT INTO audit_events (occurred_at, actor, action, details) VALUES (?, 'public', 'test.event', '{}')", at); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Bun().ExecContext(ctx, "UPDATE audit_events SET seq = ?, hash = ? WHERE seq IS NULL", i+1, bytes.Repeat([]byte{7}, 32)); err != nil {
				t.Fatal(err)
			}
		}
		i := 0
		err := db.ScanSealedAudit(ctx, 0, int64(len(times)), func(r *redress.AuditRecord) error {
			if !r.OccurredAt.Equal(times[i]) || r.OccurredAtText != "" {
				t.Errorf("seq %d: read %v (text %q), wrote %v", r.Seq, r.OccurredAt, r.OccurredAtText, times[i])
			}
			if string(r.Actor) != "public" || string(r.Action) != "test.event" || string(r.Details) != "{}" || len(r.Hash) != 32 {
				t.Errorf("seq %d: read %q %q %q %x", r.Seq, r.Actor, r.Action, r.Details, r.Hash)
			}
			i++
			return nil
		})
		if err != nil || i != len(times) {
			t.Fatalf("read %d of %d: %v", i, len(times), err)
		}
	})
}
