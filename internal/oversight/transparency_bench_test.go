package oversight_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/store"
)

// BenchmarkTransparencyBuild builds the report's counts from a database named by
// REDRESS_BENCH_DSN (the million of docs/performance.md), opened without migrating:
//
//	REDRESS_BENCH_DSN=postgres://postgres@127.0.0.1:5432/bench1m?sslmode=disable \
//	  go test ./internal/oversight -run '^$' -bench TransparencyBuild -benchtime 3x
//
// REDRESS_BENCH_MEASURES=1 adds the times and deadlines (the measures' summary table
// must exist there).
func BenchmarkTransparencyBuild(b *testing.B) {
	dsn := os.Getenv("REDRESS_BENCH_DSN")
	if dsn == "" {
		b.Skip("REDRESS_BENCH_DSN not set")
	}
	db, err := store.Open(context.Background(), dsn, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	loc, _ := time.LoadLocation("America/New_York")
	tr := &oversight.Transparency{Tallies: db, Loc: loc}
	if os.Getenv("REDRESS_BENCH_MEASURES") != "" {
		tr.Measures = &oversight.Service{DB: db}
	}
	for b.Loop() {
		r, err := tr.Build(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.States.Grand.N), "complaints")
	}
}
