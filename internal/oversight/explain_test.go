package oversight_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// TestExplainMeasures prints PostgreSQL's plan of the measures' statements on a large
// database (REDRESS_BENCH_DATABASE_URL; skipped without): docs/performance.md.
func TestExplainMeasures(t *testing.T) {
	dsn := os.Getenv("REDRESS_BENCH_DATABASE_URL")
	if dsn == "" {
		t.Skip("REDRESS_BENCH_DATABASE_URL not set")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var qs []string
	db.Bun().AddQueryHook(hook{&qs})
	from := time.Date(2026, 7, 1, 4, 0, 0, 0, time.UTC)
	f := redress.MeasureFilter{AllUnits: true, From: from, To: from.AddDate(0, 3, 0)}
	for _, by := range []string{"", redress.ByAgency} {
		start := time.Now()
		if _, err := db.MeasureTallies(ctx, f, by, time.Now()); err != nil {
			t.Fatal(err)
		}
		t.Logf("tallies by %q: %v", by, time.Since(start))
	}
	start := time.Now()
	if _, err := db.MeasureMonths(ctx, redress.MeasureFilter{AllUnits: true, From: from.AddDate(-1, 3, 0), To: from.AddDate(0, 3, 0)}); err != nil {
		t.Fatal(err)
	}
	t.Logf("months: %v", time.Since(start))
	for _, q := range qs {
		if len(q) < 7 || q[:6] != "SELECT" {
			continue
		}
		// As the store runs the tallies: work_mem raised for the statement.
		tx, err := db.Bun().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(q)
		for rows.Next() {
			var line string
			rows.Scan(&line)
			t.Log(line)
		}
		rows.Close()
		tx.Rollback()
	}
}

type hook struct{ qs *[]string }

func (h hook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context { return ctx }
func (h hook) AfterQuery(ctx context.Context, e *bun.QueryEvent)                  { *h.qs = append(*h.qs, e.Query) }
