package audit_test

import (
	"context"
	"os"
	"testing"

	"github.com/redress-oversight/redress/internal/audit"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

func BenchmarkZZVerify(b *testing.B) {
	dsn := storetest.SQLiteDSN(b)
	if os.Getenv("ZZPG") != "" {
		dsn = storetest.PostgresDSN(b)
	}
	db := storetest.Open(b, dsn)
	insertUnsealed(b, db, 100000)
	ctx := context.Background()
	audit.NewSealer(db, testKey, audit.SealerConfig{BatchSize: 10000}).SealPending(ctx)
	if db.Dialect == store.PostgreSQL {
		db.Bun().ExecContext(ctx, "VACUUM ANALYZE audit_events")
	}
	b.Run("v", func(b *testing.B) {
		var n int64
		for b.Loop() {
			rep, err := audit.Verify(ctx, db, audit.VerifyOptions{})
			if err != nil || !rep.OK() {
				b.Fatal(rep, err)
			}
			n += rep.Events
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	})
}
