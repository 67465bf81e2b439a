package oversight_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/oversight"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// The dashboard's reads on a large database (docs/performance.md, "Oversight measures
// at a million complaints"):
//
//	REDRESS_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench1m?sslmode=disable \
//	  go test ./internal/oversight -run '^$' -bench Dashboard -benchtime 20x
//
// The first run on a database migrates it, which fills the measures' summary of the
// complaints already there; the time that took is logged.
var (
	benchOnce sync.Once
	benchDB   *store.DB
	benchErr  error
)

func benchService(b *testing.B) *oversight.Service {
	dsn := os.Getenv("REDRESS_BENCH_DATABASE_URL")
	if dsn == "" {
		b.Skip("REDRESS_BENCH_DATABASE_URL not set")
	}
	benchOnce.Do(func() {
		ctx := context.Background()
		if benchDB, benchErr = store.Open(ctx, dsn, b.TempDir()); benchErr != nil {
			return
		}
		start := time.Now()
		var applied []string
		applied, benchErr = benchDB.Migrate(ctx)
		b.Logf("migrate (%v) took %v", applied, time.Since(start))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return &oversight.Service{DB: benchDB, Deadlines: deadline.Defaults()}
}

// dashboard is what the dashboard asks for one filter: the measures with the breakdown
// by agency (one read, Service.Dashboard), and the trend over the twelve months to the
// period's end.
func dashboard(b *testing.B, s *oversight.Service, f redress.MeasureFilter) {
	ctx := context.Background()
	m, _, err := s.Dashboard(ctx, f, redress.ByAgency)
	if err != nil {
		b.Fatal(err)
	}
	year := m.Filter
	year.From = year.To.AddDate(-1, 0, 0)
	if _, err := s.Trend(ctx, year); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkDashboard(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	now := time.Now()
	// The agency and agreement with the most complaints in the last quarter.
	q := redress.MeasureFilter{AllUnits: true}
	agencies, err := s.Breakdown(ctx, q, redress.ByAgency)
	if err != nil || len(agencies) == 0 {
		b.Fatalf("agencies: %v %v", len(agencies), err)
	}
	agreements, err := s.Breakdown(ctx, q, redress.ByAgreement)
	if err != nil || len(agreements) == 0 {
		b.Fatalf("agreements: %v %v", len(agreements), err)
	}
	// The busiest ones named: complaints without an agency (key "0") are no filter.
	agencies = slices.DeleteFunc(agencies, func(g redress.Group) bool { return g.Key == "0" })
	agreements = slices.DeleteFunc(agreements, func(g redress.Group) bool { return g.Key == "0" })
	b.Logf("last quarter: %d complaints with an agency; busiest agency %s (%d), agreement %s (%d)", sum(agencies),
		agencies[0].Label, agencies[0].Received, agreements[0].Label, agreements[0].Received)
	for _, c := range []struct {
		name string
		f    redress.MeasureFilter
	}{
		{"LastQuarter", q},
		{"Last12Months", redress.MeasureFilter{AllUnits: true, From: now.AddDate(-1, 0, 0), To: now}},
		{"OneAgency", agencies[0].Filter},
		{"OneAgreement", agreements[0].Filter},
		{"OneUnit", redress.MeasureFilter{Units: []string{"tx"}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				dashboard(b, s, c.f)
			}
		})
	}
	// The parts of the default dashboard, apart.
	b.Run("PartMeasures", func(b *testing.B) {
		for range b.N {
			if _, err := s.Measures(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PartTrend12Months", func(b *testing.B) {
		from, to := s.LastFullQuarter().Bounds(s.Loc())
		for range b.N {
			if _, err := s.Trend(ctx, redress.MeasureFilter{AllUnits: true, From: to.AddDate(-1, 0, 0), To: to}); err != nil {
				b.Fatal(err)
			}
		}
		_ = from
	})
	for _, by := range []string{redress.ByState, redress.ByAgreement} {
		b.Run("Breakdown"+by, func(b *testing.B) {
			for range b.N {
				if _, err := s.Breakdown(ctx, q, by); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sum(gs []redress.Group) int {
	n := 0
	for _, g := range gs {
		n += g.Received
	}
	return n
}
