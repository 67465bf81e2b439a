package oversight_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
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
	timed := &timedTallies{TallySource: db}
	tr := &oversight.Transparency{Tallies: timed, Loc: loc}
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
	b.ReportMetric(float64(timed.spent.Milliseconds())/float64(b.N), "query-ms-summed/op")
}

// timedTallies adds up the time spent in the database's queries.
type timedTallies struct {
	oversight.TallySource
	mu    sync.Mutex
	spent time.Duration
}

func (t *timedTallies) ComplaintTallies(ctx context.Context, b []time.Time) ([]redress.ComplaintTally, error) {
	defer t.since(time.Now())
	return t.TallySource.ComplaintTallies(ctx, b)
}

func (t *timedTallies) AllegationTallies(ctx context.Context, b []time.Time) ([]redress.AllegationTally, error) {
	defer t.since(time.Now())
	return t.TallySource.AllegationTallies(ctx, b)
}

func (t *timedTallies) since(start time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spent += time.Since(start)
}
