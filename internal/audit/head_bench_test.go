package audit_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
)

// BenchmarkPublicHeads reads what GET /api/v1/public/audit/heads serves: a page of 1000
// heads, and the last page, out of 36,500 (a century of days), as a witness's first run
// and daily runs do. One range of the primary key each.
//
//	go test ./internal/audit -run '^$' -bench PublicHeads -benchtime 200x
func BenchmarkPublicHeads(b *testing.B) {
	forDialects(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		const n = 36500
		err := db.SealAudit(ctx, func(ctx context.Context, tx *store.AuditSealTx) error {
			var prev *audit.Head
			day := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range n {
				h := testKey.SignHead(day.AddDate(0, 0, i).Format(audit.DayLayout), int64(i+1)*100, bytes.Repeat([]byte{byte(i)}, 32), prev)
				if err := tx.AddHead(ctx, store.AuditHead{Seq: h.Seq, Day: h.Day, Hash: h.Hash, PrevDigest: h.PrevDigest, SignedAt: day,
					KeyID: h.KeyID, PublicKey: testKey.Public(), Signature: h.Signature}); err != nil {
					return err
				}
				prev = &h
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("first-page-1000", func(b *testing.B) {
			for b.Loop() {
				if hs, err := audit.Heads(ctx, db, 0, 1000); err != nil || len(hs) != 1000 {
					b.Fatal(len(hs), err)
				}
			}
		})
		b.Run("daily-last-two", func(b *testing.B) {
			for b.Loop() {
				if hs, err := audit.Heads(ctx, db, (n-2)*100, 1000); err != nil || len(hs) != 2 {
					b.Fatal(len(hs), err)
				}
			}
		})
	})
}
